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

// What an attr value is, so that machine-readable output (`rawops plan
// --json`) can give it its JSON type without parsing the text back.
enum class AttrKind : std::uint8_t {
    Text,     // anything else: a symbolic fd ("$map:x"), "3 insns"
    Number,   // decimal, at most 32 bits (u32, fds)
    U64,      // decimal, 64 bits (may exceed 2^53)
    Pointer,  // "0x..." address in this process
    String,   // a C string: quoted in `value`, as read in `parts[0]`
    Name,     // an enum's name (the number as text when unknown)
    Flags,    // `parts` are the set flags' names (unknown bits as "0x..."); "0" when none
    List,     // `parts` are the items; `value` is "[a,b]"
};

// One decoded attr field: name as in include/uapi/linux/bpf.h, value as text
// (enum and flag names, quoted strings, 0x-pointers, decimal numbers), and
// the same decode in typed form (`kind`, `parts`) for --json. Make them with
// the *_field functions below, so that text and typed form always agree.
struct AttrField {
    std::string name;
    std::string value;
    AttrKind kind = AttrKind::Text;
    std::vector<std::string> parts = {};  // String: the string; Flags, List: the items
    // Equal when they read the same: kind and parts follow from the value.
    bool operator==(const AttrField& o) const { return name == o.name && value == o.value; }
};

AttrField text_field(std::string name, std::string text);
AttrField number_field(std::string name, std::int64_t v);  // Number: u32 or an fd
AttrField u64_field(std::string name, std::uint64_t v);
AttrField pointer_field(std::string name, std::uint64_t v);
AttrField string_field(std::string name, std::string s);      // shown quoted, with \xNN escapes
AttrField name_field(std::string name, std::string enum_name);
AttrField flags_field(std::string name, std::vector<std::string> flags);
AttrField list_field(std::string name, std::vector<std::string> items);

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
