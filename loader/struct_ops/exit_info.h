// sched_ext exit information (UEI): why a scheduler stopped, as its
// ops.exit recorded it into `struct user_exit_info` in its global data. The
// map's own BTF says where the variable sits, so no object file is needed.
#pragma once

#include <optional>
#include <string>

#include "btf/error.h"

namespace rawops::struct_ops {

// "kind SCX_EXIT_ERROR_BPF (1025), exit code 0, reason 'scx_bpf_error',
// message '...'", or nullopt when the map holds no user_exit_info (or nothing
// was recorded yet).
Result<std::optional<std::string>> read_exit_info(int data_map_fd);

}  // namespace rawops::struct_ops
