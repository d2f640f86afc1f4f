// rawops' BTF library: a zero-copy reader of raw BTF (the .BTF section of an
// object file, /sys/kernel/btf/vmlinux, and modules' split BTF on top of it).
//
// A Btf keeps the raw bytes (its own mmap of a file, or a buffer the caller
// lends and keeps alive) plus one index: the byte offset of every type record.
// Nothing is converted into heap objects: a TypeView decodes its record on
// demand. Everything is validated once, at parse time (every type id
// reference and every string offset), so views never need to fail later;
// BTF the kernel publishes (open_kernel) is checked only for what views need
// to stay in bounds, the kernel having validated the rest.
//
// All const methods may be called from several threads at once (the lazy name
// indexes are built under std::call_once).
//
// Type ids follow the kernel: 0 is void; a base BTF holds ids
// 1..type_count()-1; a split BTF continues at base->type_count() and its
// string offsets continue after the base's string section.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "btf/error.h"

namespace rawops::btf {

using TypeId = std::uint32_t;

// The kinds of <linux/btf.h> (values are the on-disk BTF_KIND_*).
enum class Kind : std::uint8_t {
    Void = 0,  // id 0 only; BTF_KIND_UNKN
    Int = 1,
    Ptr = 2,
    Array = 3,
    Struct = 4,
    Union = 5,
    Enum = 6,
    Fwd = 7,
    Typedef = 8,
    Volatile = 9,
    Const = 10,
    Restrict = 11,
    Func = 12,
    FuncProto = 13,
    Var = 14,
    Datasec = 15,
    Float = 16,
    DeclTag = 17,
    TypeTag = 18,
    Enum64 = 19,
};
inline constexpr unsigned kKindMax = 19;

// "INT", "STRUCT", ... as bpftool prints them ("UNKNOWN" for void).
const char* kind_name(Kind kind);

// Linkage of a FUNC (stored in vlen) or a VAR (stored after the record).
enum class Linkage : std::uint32_t { Static = 0, Global = 1, Extern = 2 };
const char* linkage_name(Linkage linkage);  // "static", "global", "extern"

// A type name without its libbpf "___flavour" suffix: "foo___v2" -> "foo"
// (libbpf's bpf_core_essential_name_len). CO-RE and struct_ops match types by it.
std::string_view essential_name(std::string_view name);

// INT encoding bits (BTF_INT_SIGNED/CHAR/BOOL).
struct IntInfo {
    std::uint8_t encoding = 0;    // 0, 1 = signed, 2 = char, 4 = bool
    std::uint8_t bit_offset = 0;  // BTF_INT_OFFSET
    std::uint8_t bits = 0;        // BTF_INT_BITS
    bool is_signed() const { return encoding & 1; }
    bool is_char() const { return encoding & 2; }
    bool is_bool() const { return encoding & 4; }
};

struct ArrayInfo {
    TypeId elem_type = 0;
    TypeId index_type = 0;
    std::uint32_t nelems = 0;
};

// A struct/union member with the kflag encoding already split: bit_offset is
// the offset inside its parent, bitfield_size is 0 for a plain member.
struct Member {
    std::string_view name;  // "" for an anonymous member
    TypeId type = 0;
    std::uint32_t bit_offset = 0;
    std::uint32_t bitfield_size = 0;
};

struct Param {
    std::string_view name;  // "" when unnamed (and for a trailing vararg, type 0)
    TypeId type = 0;
};

// ENUM and ENUM64 values; `value` holds the raw 64 bits (an ENUM value is
// sign-extended when the enum is signed, zero-extended otherwise).
struct EnumValue {
    std::string_view name;
    std::uint64_t value = 0;
    std::int64_t signed_value() const { return static_cast<std::int64_t>(value); }
};

struct VarSecInfo {
    TypeId type = 0;
    std::uint32_t offset = 0;
    std::uint32_t size = 0;
};

class Btf;
class TypeView;

// Random-access sequence of decoded records (members, params, ...), decoded
// one at a time as they are read. Usable in range-for.
template <typename T, T (TypeView::*Get)(std::uint32_t) const>
class RecordRange;

// A type as seen through its raw record. Cheap to copy (three words). Valid
// as long as its Btf lives. Accessors for another kind than the view's
// return zero values instead of reading garbage.
class TypeView {
public:
    TypeView() = default;

    TypeId id() const { return id_; }
    Kind kind() const { return static_cast<Kind>((info() >> 24) & 0x1f); }
    std::string_view name() const;  // "" when anonymous (and for void)
    std::uint32_t name_off() const { return rec_ ? load32(rec_) : 0; }
    std::uint32_t info() const { return rec_ ? load32(rec_ + 4) : 0; }
    std::uint32_t vlen() const { return info() & 0xffff; }
    bool kflag() const { return info() >> 31; }
    // The size/type word: size for INT, ENUM, STRUCT, UNION, DATASEC, FLOAT,
    // ENUM64; the referenced type for PTR, TYPEDEF, qualifiers, FUNC, VAR,
    // DECL_TAG, TYPE_TAG; the return type for FUNC_PROTO.
    std::uint32_t size() const { return rec_ ? load32(rec_ + 8) : 0; }
    TypeId ref_type() const { return size(); }

    bool is_void() const { return kind() == Kind::Void; }
    bool is_composite() const { return kind() == Kind::Struct || kind() == Kind::Union; }
    bool is_enum() const { return kind() == Kind::Enum || kind() == Kind::Enum64; }
    bool is_modifier() const {  // TYPEDEF, VOLATILE, CONST, RESTRICT, TYPE_TAG
        Kind k = kind();
        return (k >= Kind::Typedef && k <= Kind::Restrict) || k == Kind::TypeTag;
    }

    IntInfo int_info() const;      // INT
    ArrayInfo array() const;       // ARRAY
    Member member(std::uint32_t i) const;          // STRUCT, UNION (i < vlen)
    Param param(std::uint32_t i) const;            // FUNC_PROTO (i < vlen)
    EnumValue enum_value(std::uint32_t i) const;   // ENUM, ENUM64 (i < vlen)
    VarSecInfo var_secinfo(std::uint32_t i) const; // DATASEC (i < vlen)
    bool enum_is_signed() const { return is_enum() && kflag(); }
    Linkage linkage() const;          // FUNC, VAR
    std::int32_t component_idx() const;  // DECL_TAG (-1: the type itself)
    bool fwd_is_union() const { return kind() == Kind::Fwd && kflag(); }

    RecordRange<Member, &TypeView::member> members() const;
    RecordRange<Param, &TypeView::param> params() const;
    RecordRange<EnumValue, &TypeView::enum_value> enum_values() const;
    RecordRange<VarSecInfo, &TypeView::var_secinfo> var_secinfos() const;

    const Btf& btf() const { return *btf_; }
    // The raw record (btf_type and what follows it).
    const std::uint8_t* raw() const { return rec_; }

    // Unaligned little-endian load (a borrowed buffer need not be aligned).
    static std::uint32_t load32(const std::uint8_t* p) {
        std::uint32_t v;
        std::memcpy(&v, p, sizeof v);
        return v;
    }

private:
    friend class Btf;
    TypeView(const Btf* btf, TypeId id, const std::uint8_t* rec) : btf_(btf), id_(id), rec_(rec) {}
    const Btf* btf_ = nullptr;
    TypeId id_ = 0;
    const std::uint8_t* rec_ = nullptr;  // nullptr for void
};

template <typename T, T (TypeView::*Get)(std::uint32_t) const>
class RecordRange {
public:
    class iterator {
    public:
        iterator(const TypeView* v, std::uint32_t i) : v_(v), i_(i) {}
        T operator*() const { return (v_->*Get)(i_); }
        iterator& operator++() { ++i_; return *this; }
        bool operator!=(const iterator& o) const { return i_ != o.i_; }
        bool operator==(const iterator& o) const { return i_ == o.i_; }
    private:
        const TypeView* v_;
        std::uint32_t i_;
    };
    RecordRange(TypeView v, std::uint32_t n) : v_(v), n_(n) {}
    iterator begin() const { return {&v_, 0}; }
    iterator end() const { return {&v_, n_}; }
    std::uint32_t size() const { return n_; }
    bool empty() const { return n_ == 0; }
    T operator[](std::uint32_t i) const { return (v_.*Get)(i); }
private:
    TypeView v_;
    std::uint32_t n_;
};

// Result of a member lookup: the member and where it lies in the struct that
// was searched. For a member found inside anonymous struct/union members,
// `bit_offset` is accumulated over the anonymous path and `path` lists the
// member indices taken from the outer struct down (the last is the member).
struct MemberInfo {
    Member member;          // as recorded in its immediate parent
    TypeId parent = 0;      // the struct/union whose record holds it
    std::uint32_t index = 0;  // index in `parent`
    std::uint32_t bit_offset = 0;  // from the start of the searched struct
    std::vector<std::uint32_t> path;
};

// The function prototype a function-pointer member points to.
struct FuncProtoInfo {
    MemberInfo member;
    TypeView proto;  // kind FuncProto: ref_type() is the return type, params()
};

// The BTF header as found in the data.
struct Header {
    std::uint16_t magic = 0;
    std::uint8_t version = 0;
    std::uint8_t flags = 0;
    std::uint32_t hdr_len = 0;
    std::uint32_t type_off = 0;
    std::uint32_t type_len = 0;
    std::uint32_t str_off = 0;
    std::uint32_t str_len = 0;
};

class Btf {
public:
    // Parses `data` without copying it: the caller keeps it alive (and
    // unchanged) as long as the Btf. `base` makes it split BTF on top of base
    // (the caller keeps base alive too). `name` appears in error messages.
    static Result<Btf> parse(std::span<const std::uint8_t> data, const Btf* base = nullptr,
                             std::string name = "BTF");
    // Same, keeping `bytes` inside the Btf (so a temporary buffer is safe).
    static Result<Btf> parse(std::vector<std::uint8_t>&& bytes, const Btf* base = nullptr,
                             std::string name = "BTF");
    // Maps (or, where mmap is refused, reads) the file; the Btf owns it.
    static Result<Btf> open(const std::string& path, const Btf* base = nullptr);
    // BTF the running kernel publishes (a file under /sys/kernel/btf/): the
    // kernel validated it before exposing it (kinds, sizes, vlen, string
    // offsets), so only the bounds of each record are checked here, which is
    // all views need to stay in bounds. Any other path, or a file that is not
    // on sysfs, gets open()'s full validation: trust is never extended to a
    // file a user hands over.
    static Result<Btf> open_kernel(const std::string& path, const Btf* base = nullptr);
    // Whether open_kernel() would trust `path` by its name alone.
    static bool is_kernel_path(std::string_view path);
    // /sys/kernel/btf/vmlinux (open_kernel).
    static Result<Btf> open_vmlinux();
    // /sys/kernel/btf/<module> as split BTF on `vmlinux` (open_kernel).
    static Result<Btf> open_module(const std::string& module, const Btf& vmlinux);

    Btf(Btf&&) noexcept;
    Btf& operator=(Btf&&) noexcept;
    Btf(const Btf&) = delete;
    Btf& operator=(const Btf&) = delete;
    ~Btf();

    const std::string& name() const;
    const Btf* base() const;
    const Header& header() const;
    // Opened through open_kernel() and trusted: the per-type checks were skipped.
    bool trusted() const;
    // Own types laid out as kernels from 7.0 publish them: the anonymous ones
    // first, then the named ones sorted by name. Name lookups then
    // binary-search instead of scanning or hashing (btf_validate.cpp says how
    // the order is checked). forget_name_order() makes them scan and hash as
    // for any other BTF: tests use it as the oracle of the sorted lookups.
    bool sorted_by_name() const;
    void forget_name_order();
    std::span<const std::uint8_t> raw() const;  // the whole input

    // One past the largest valid type id (libbpf's btf__type_cnt): ids
    // 0..type_count()-1 are valid, including the base's for split BTF.
    std::uint32_t type_count() const { return fast_.start_id + fast_.own_count; }
    // The first id this BTF defines itself: 1, or base->type_count().
    TypeId first_own_id() const { return fast_.start_id; }
    bool has_type(TypeId id) const { return id < type_count(); }

    // The type with that id; a void view for id 0 and for ids out of range
    // (use checked_type() for ids that come from outside).
    TypeView type(TypeId id) const {
        const std::uint8_t* rec = record(id);
        return rec ? TypeView(this, id, rec) : TypeView(this, 0, nullptr);
    }
    Result<TypeView> checked_type(TypeId id) const;

    // The NUL-terminated string at `off` (base strings for split BTF
    // included); "" for an offset out of range.
    std::string_view str(std::uint32_t off) const {
        if (off >= fast_.start_str_off) {
            std::uint32_t rel = off - fast_.start_str_off;
            // The section ends in NUL (checked at parse): strlen stays inside.
            return rel < fast_.str_len ? std::string_view(fast_.strs + rel) : std::string_view{};
        }
        return fast_.base ? fast_.base->str(off) : std::string_view{};
    }
    // Whether the string at `off` starts with `prefix`, without measuring it.
    bool str_starts_with(std::uint32_t off, std::string_view prefix) const {
        if (off >= fast_.start_str_off) {
            std::uint32_t rel = off - fast_.start_str_off;
            // strncmp stops at the string's NUL, inside the section.
            if (rel >= fast_.str_len) return prefix.empty();  // str() is "" there
            return std::strncmp(fast_.strs + rel, prefix.data(), prefix.size()) == 0 &&
                   prefix.find('\0') == std::string_view::npos;
        }
        return fast_.base ? fast_.base->str_starts_with(off, prefix) : prefix.empty();
    }
    // Base and own strings together cover [0, str_end()).
    bool valid_str_off(std::uint32_t off) const { return off < str_end(); }
    // Total string space (base + own).
    std::uint32_t str_end() const { return fast_.start_str_off + fast_.str_len; }

    // The lowest id with that name and kind (base first for split BTF). The
    // first few lookups of a group of kinds scan the records; later ones use
    // that group's name index, built once (btf_query.cpp).
    Result<TypeId> find(std::string_view name, Kind kind) const;
    // Every id with that name, any kind, ascending (base's first).
    std::vector<TypeId> find_all(std::string_view name) const;
    // Every id with that name and kind, ascending (base's first). Cheaper than
    // the above on large BTF: only that kind's group of names is searched.
    std::vector<TypeId> find_all(std::string_view name, Kind kind) const;
    // Every id of that kind whose essential name (essential_name below) is
    // `essential`, ascending (base's first): "foo" and "foo___v2" alike.
    // These are CO-RE's candidates (libbpf's bpf_core_add_cands), found in
    // the same one scan or index lookup as an exact name.
    std::vector<TypeId> find_all_essential(std::string_view essential, Kind kind) const;
    // This BTF's own ids (not the base's) of that kind whose name starts with
    // `prefix`, ascending: one scan of that kind's group of names.
    std::vector<TypeId> own_types_with_prefix(std::string_view prefix, Kind kind) const;

    // Follows TYPEDEF, VOLATILE, CONST, RESTRICT and TYPE_TAG to the first
    // other type (possibly void).
    Result<TypeId> resolve(TypeId id) const;
    // sizeof and alignof as the C compiler would see them.
    Result<std::uint32_t> size_of(TypeId id) const;
    Result<std::uint32_t> align_of(TypeId id) const;

    // A member of a struct/union (modifiers on `composite_id` are resolved
    // first), searched also inside anonymous struct/union members.
    Result<MemberInfo> find_member(TypeId composite_id, std::string_view name) const;
    // The FUNC_PROTO behind a function-pointer member (member type resolves
    // to a PTR whose target resolves to a FUNC_PROTO).
    Result<FuncProtoInfo> func_proto_of_member(TypeId composite_id, std::string_view name) const;
    // The FUNC_PROTO a function-pointer type points to (modifiers on both
    // sides resolved); a void view (is_void()) when `id` is not one.
    TypeView func_proto_of_pointer(TypeId id) const;

    // "STRUCT 'tcp_congestion_ops' (id 1234)" for messages.
    std::string describe(TypeId id) const;

    struct Impl;  // internal, see btf_impl.h

    // An entry of the offset index: the record's byte offset in the type
    // section (low 30 bits) and its lookup group (top 2 bits, btf_impl.h), so
    // that name scans read this array alone, not every record.
    static constexpr std::uint32_t kOffsetMask = (1u << 30) - 1;

    // The raw record of a type; nullptr for void and ids out of range.
    const std::uint8_t* record(TypeId id) const {
        if (id >= fast_.start_id) {
            std::uint32_t i = id - fast_.start_id;
            return i < fast_.own_count ? fast_.types + (fast_.offsets[i] & kOffsetMask) : nullptr;
        }
        return id && fast_.base ? fast_.base->record(id) : nullptr;
    }

private:
    // Copies of Impl fields the hot accessors need, kept inline so lookups
    // over ~150k types don't chase the Impl pointer (or call out) each time.
    // They point into Impl-owned or caller-owned memory, which moves don't move.
    struct Fast {
        const Btf* base = nullptr;
        const std::uint8_t* types = nullptr;
        const std::uint32_t* offsets = nullptr;
        const char* strs = nullptr;
        std::uint32_t start_id = 1;
        std::uint32_t own_count = 0;
        std::uint32_t start_str_off = 0;
        std::uint32_t str_len = 0;
    };

    explicit Btf(std::unique_ptr<Impl> impl);
    void sync_fast();
    std::unique_ptr<Impl> impl_;
    Fast fast_;
};

inline std::string_view TypeView::name() const { return rec_ ? btf_->str(load32(rec_)) : std::string_view{}; }

inline RecordRange<Member, &TypeView::member> TypeView::members() const {
    return {*this, is_composite() ? vlen() : 0};
}
inline RecordRange<Param, &TypeView::param> TypeView::params() const {
    return {*this, kind() == Kind::FuncProto ? vlen() : 0};
}
inline RecordRange<EnumValue, &TypeView::enum_value> TypeView::enum_values() const {
    return {*this, is_enum() ? vlen() : 0};
}
inline RecordRange<VarSecInfo, &TypeView::var_secinfo> TypeView::var_secinfos() const {
    return {*this, kind() == Kind::Datasec ? vlen() : 0};
}

}  // namespace rawops::btf
