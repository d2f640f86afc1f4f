// BPF_PROG_LOAD and BPF_PROG_TEST_RUN.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "btf/error.h"
#include "loader/insn.h"
#include "loader/sys/attr.h"
#include "loader/sys/fd.h"
#include "loader/sys/log.h"

namespace rawops::sys {

// Everything BPF_PROG_LOAD takes that rawops uses. fds are borrowed (the
// caller keeps them open for the call); -1 means "none". Spans must stay valid
// for the call.
struct ProgLoadRequest {
    std::uint32_t prog_type = 0;
    // struct_ops programs: the index of the member they implement.
    std::uint32_t expected_attach_type = 0;
    std::span<const Insn> insns;
    std::string license;
    // Truncated to 15 characters (BPF_OBJ_NAME_LEN - 1) in the attr; the full
    // name is used in error messages.
    std::string name;
    std::uint32_t prog_flags = 0;  // e.g. kProgFlagSleepable
    int prog_btf_fd = -1;          // the object's BTF (for func_info/line_info)
    // .BTF.ext records, already rewritten for this program; count = size / rec_size.
    std::uint32_t func_info_rec_size = 0;
    std::span<const std::byte> func_info;
    std::uint32_t line_info_rec_size = 0;
    std::span<const std::byte> line_info;
    // struct_ops: BTF id of the kernel struct (e.g. tcp_congestion_ops) in
    // vmlinux or in the module BTF given by attach_btf_obj_fd.
    std::uint32_t attach_btf_id = 0;
    int attach_btf_obj_fd = -1;
    // fds the instructions refer to by index (kfunc calls in module BTF).
    std::span<const std::int32_t> fd_array;
    std::uint32_t kern_version = 0;
    LogOptions log;
};

// The attr for `request`, without log buffer: what rawops sends (and what a
// plan shows). Pointers refer into `request`, which must outlive the attr.
attr::ProgLoad encode(const ProgLoadRequest& request);

// Loads the program. On failure the error names the program, carries errno
// and ends with the verifier's verdict line; `log` (if given) receives the
// whole verifier log, on success too when request.log.level > 0.
Result<Fd> prog_load(const ProgLoadRequest& request, std::string* log = nullptr);

struct TestRunRequest {
    int prog_fd = -1;
    std::span<const std::byte> data_in;
    std::span<std::byte> data_out;
    std::span<const std::byte> ctx_in;  // struct_ops: the callback's arguments as u64[]
    std::span<std::byte> ctx_out;
    std::uint32_t repeat = 0;
    std::uint32_t flags = 0;
    std::uint32_t cpu = 0;
};

struct TestRunResult {
    std::uint32_t retval = 0;
    std::uint32_t duration_ns = 0;  // average per run
    std::uint32_t data_size_out = 0;
    std::uint32_t ctx_size_out = 0;
};

attr::TestRun encode(const TestRunRequest& request);
Result<TestRunResult> prog_test_run(const TestRunRequest& request);

// BPF_PROG_BIND_MAP: `prog_fd` keeps `map_fd` alive (libbpf binds .rodata
// maps to every program so that tools find the program's metadata).
Status prog_bind_map(int prog_fd, int map_fd);

}  // namespace rawops::sys
