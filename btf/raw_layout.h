// Internal: the on-disk BTF layout (<linux/btf.h>) and unaligned little-endian
// loads. Only btf/*.cpp include this; the public API speaks btf.h's types.
#pragma once

#include <linux/btf.h>

#include <cstdint>
#include <cstring>

namespace rawops::btf::raw {

// A borrowed buffer (an ELF section) need not be 4-byte aligned: every field
// is read with memcpy, which compiles to a plain load on x86 and arm64.
inline std::uint32_t u32(const std::uint8_t* p) {
    std::uint32_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}
inline std::uint16_t u16(const std::uint8_t* p) {
    std::uint16_t v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

inline constexpr std::uint32_t kTypeHeaderSize = sizeof(struct btf_type);  // 12
static_assert(kTypeHeaderSize == 12);
static_assert(sizeof(struct btf_header) == 24);
static_assert(sizeof(struct btf_member) == 12 && sizeof(struct btf_enum) == 8 &&
              sizeof(struct btf_param) == 8 && sizeof(struct btf_array) == 12 &&
              sizeof(struct btf_var_secinfo) == 12 && sizeof(struct btf_enum64) == 12);

// Fields of struct btf_type.
inline std::uint32_t name_off(const std::uint8_t* rec) { return u32(rec); }
inline std::uint32_t info(const std::uint8_t* rec) { return u32(rec + 4); }
inline std::uint32_t size_type(const std::uint8_t* rec) { return u32(rec + 8); }
inline unsigned kind_of(std::uint32_t info) { return BTF_INFO_KIND(info); }
inline unsigned vlen_of(std::uint32_t info) { return BTF_INFO_VLEN(info); }
inline bool kflag_of(std::uint32_t info) { return BTF_INFO_KFLAG(info); }

// Bytes that follow struct btf_type for a kind: fixed part plus per-vlen
// records. Returns false for an unknown kind.
inline bool trailing_size(unsigned kind, std::uint32_t vlen, std::uint64_t& out) {
    switch (kind) {
    case BTF_KIND_INT: out = 4; return true;
    case BTF_KIND_PTR: case BTF_KIND_FWD: case BTF_KIND_TYPEDEF: case BTF_KIND_VOLATILE:
    case BTF_KIND_CONST: case BTF_KIND_RESTRICT: case BTF_KIND_FUNC: case BTF_KIND_FLOAT:
    case BTF_KIND_TYPE_TAG:
        out = 0; return true;
    case BTF_KIND_ARRAY: out = sizeof(struct btf_array); return true;
    case BTF_KIND_STRUCT: case BTF_KIND_UNION: out = std::uint64_t{vlen} * sizeof(struct btf_member); return true;
    case BTF_KIND_ENUM: out = std::uint64_t{vlen} * sizeof(struct btf_enum); return true;
    case BTF_KIND_FUNC_PROTO: out = std::uint64_t{vlen} * sizeof(struct btf_param); return true;
    case BTF_KIND_VAR: out = sizeof(struct btf_var); return true;
    case BTF_KIND_DATASEC: out = std::uint64_t{vlen} * sizeof(struct btf_var_secinfo); return true;
    case BTF_KIND_DECL_TAG: out = sizeof(struct btf_decl_tag); return true;
    case BTF_KIND_ENUM64: out = std::uint64_t{vlen} * sizeof(struct btf_enum64); return true;
    default: return false;
    }
}

}  // namespace rawops::btf::raw
