// BTF objects in the kernel: BPF_BTF_LOAD of an object's .BTF, and finding
// the kernel's own BTF objects (vmlinux, modules) by id or by name.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "btf/error.h"
#include "loader/sys/attr.h"
#include "loader/sys/fd.h"
#include "loader/sys/log.h"

namespace rawops::sys {

struct BtfLoadRequest {
    std::span<const std::byte> data;  // raw BTF: header, types, strings
    std::string name;                 // for error messages only (e.g. the object file)
    LogOptions log;
};

attr::BtfLoad encode(const BtfLoadRequest& request);

// Loads BTF. On failure the error ends with the BTF checker's verdict line and
// `log` (if given) receives the whole log.
Result<Fd> btf_load(const BtfLoadRequest& request, std::string* log = nullptr);

Result<Fd> btf_get_fd_by_id(std::uint32_t id);
// The next BTF object id after `start_id`, or nullopt after the last one.
Result<std::optional<std::uint32_t>> btf_get_next_id(std::uint32_t start_id);

struct BtfInfo {
    std::uint32_t id = 0;
    std::string name;         // "vmlinux", a module name, or "" for loaded BTF
    bool kernel_btf = false;  // vmlinux or module BTF (not loaded by a program)
    std::uint32_t size = 0;   // bytes of raw BTF
};

Result<BtfInfo> btf_info(int btf_fd);

// The raw bytes of the BTF object `btf_fd` (what BPF_BTF_LOAD was given, or
// the kernel's own), read back with BPF_OBJ_GET_INFO_BY_FD.
Result<std::vector<std::uint8_t>> btf_raw(int btf_fd);

// The kernel BTF object called `name` ("vmlinux" or a module), found by
// walking BTF ids. Fails with ENOENT if no kernel BTF has that name.
struct KernelBtf {
    Fd fd;
    BtfInfo info;
};
Result<KernelBtf> find_kernel_btf(const std::string& name);

}  // namespace rawops::sys
