// Text for the bpf() ABI: command and enum names, and describe(), which
// decodes a command's attr into (field, value) pairs. The same decoding
// serves the tracing hook (syscall.h), `rawops load --trace` and
// `rawops plan`, so what the user reads is exactly what is (or would be) sent.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "loader/sys/abi.h"

namespace rawops::sys {

// One decoded attr field: name as in include/uapi/linux/bpf.h, value as text
// (enum and flag names, quoted strings, 0x-pointers, decimal numbers).
struct AttrField {
    std::string name;
    std::string value;
    bool operator==(const AttrField&) const = default;
};

// "BPF_PROG_LOAD", ...; "BPF_CMD_<n>" for a command rawops does not know.
std::string cmd_name(Cmd cmd);
// "BPF_MAP_TYPE_STRUCT_OPS", "BPF_PROG_TYPE_STRUCT_OPS", "BPF_STRUCT_OPS",
// "BPF_LINK_TYPE_STRUCT_OPS"; the number as text when unknown.
std::string map_type_name(std::uint32_t type);
std::string prog_type_name(std::uint32_t type);
std::string attach_type_name(std::uint32_t type);
std::string link_type_name(std::uint32_t type);
// "EACCES", "ENOTSUPP" (524, kernel-internal but returned by bpf()), ...;
// "errno <n>" when unknown.
std::string errno_name(int err);
// strerror(), which also knows ENOTSUPP.
std::string errno_description(int err);
// "Permission denied (EACCES)": the description plus the symbolic name.
std::string errno_text(int err);

// Decodes the attr of `cmd`. Fields that are zero are left out unless they
// always matter (the type of a map or program, fds and sizes a command
// requires). Pointers to C strings (license, pathname) are read, so the attr's
// pointers must be valid in this process, as they are for a call about to be
// made or a prepared plan. Bytes past attr.size() read as zero.
std::vector<AttrField> describe(Cmd cmd, std::span<const std::byte> attr);

// An attr struct (attr.h) or any plain value standing for one.
template <typename Attr>
    requires(std::is_trivially_copyable_v<Attr> &&
             !std::is_convertible_v<const Attr&, std::span<const std::byte>>)
std::vector<AttrField> describe(Cmd cmd, const Attr& attr) {
    return describe(cmd, std::span<const std::byte>(reinterpret_cast<const std::byte*>(&attr), sizeof attr));
}

// "name=value name=value ..."
std::string format_fields(const std::vector<AttrField>& fields);

}  // namespace rawops::sys
