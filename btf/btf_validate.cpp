// Checks every own type once, after the offset index is built: kind-specific
// rules the kernel also enforces (sizes, vlen, kflag, encodings), and that
// every type id reference and string offset lands inside this BTF (base
// included). After this, views and queries never read out of bounds.
#include <cstdio>
#include <string>

#include "btf/btf_impl.h"
#include "btf/raw_layout.h"

namespace rawops::btf {

namespace {

std::string num(std::uint64_t v) { return std::to_string(v); }

// Names a field in an error message; built into a string only on failure so
// the happy path over ~150k vmlinux types allocates nothing.
struct Field {
    const char* group;            // "member", "param", ... or the field itself
    std::int64_t index = -1;      // member/param index, -1 for none
    const char* part = nullptr;   // "type", "name", ...
    std::uint32_t name_off = 0;   // the member's name, when already valid
};

class Validator {
public:
    Validator(const Btf& btf, TypeId id) : btf_(btf), id_(id), t_(btf.type(id)) {}

    std::string field_text(const Field& f) const {
        std::string s = f.group;
        if (f.index >= 0) s += " " + std::to_string(f.index);
        if (f.name_off && btf_.valid_str_off(f.name_off)) s += " '" + std::string(btf_.str(f.name_off)) + "'";
        if (f.part) s += std::string(" ") + f.part;
        return s;
    }

    Error fail(const Field& field, const std::string& what) const {
        std::string s = "BTF '" + btf_.name() + "': type [" + num(id_) + "] " + kind_name(t_.kind());
        if (btf_.valid_str_off(t_.name_off()) && !t_.name().empty()) s += " '" + std::string(t_.name()) + "'";
        return Error(s + ": " + field_text(field) + ": " + what);
    }

    Status str_ok(std::uint32_t off, const Field& field) const {
        if (btf_.valid_str_off(off)) [[likely]] return {};
        return fail(field, "string offset " + num(off) + " out of range (string section ends at " +
                               num(btf_.str_end()) + ")");
    }

    Status type_ok(TypeId ref, const Field& field) const {
        if (ref < btf_.type_count()) [[likely]] return {};
        return fail(field, "type id " + num(ref) + " out of range (largest id is " + num(btf_.type_count() - 1) + ")");
    }

    Status run();

private:
    Status check_int() const;
    Status check_composite() const;
    Status check_enum() const;
    Status check_func_proto() const;
    Status check_datasec() const;
    Status check_decl_tag() const;

    const std::uint8_t* extra() const { return t_.raw() + raw::kTypeHeaderSize; }

    const Btf& btf_;
    TypeId id_;
    TypeView t_;
};

Status Validator::run() {
    const std::uint32_t info = t_.info();
    const Kind kind = t_.kind();
    RAWOPS_TRY(str_ok(t_.name_off(), {"name"}));
    // Bits 16-23 and 29-30 of info are unused; the kernel rejects them set.
    if (info & 0x60ff0000u) return fail({"info"}, "unused bits set (info 0x" + [&] {
        char b[16]; std::snprintf(b, sizeof b, "%08x", info); return std::string(b); }() + ")");

    bool kflag_ok = false, vlen_ok = false;
    switch (kind) {
    case Kind::Struct: case Kind::Union: case Kind::Enum: case Kind::Enum64:
        kflag_ok = vlen_ok = true; break;
    case Kind::Fwd: kflag_ok = true; break;
    case Kind::FuncProto: case Kind::Datasec: vlen_ok = true; break;
    // Linux 6.13+ uses kflag on tags for __attribute__((btf_*_tag)) forms.
    case Kind::DeclTag: case Kind::TypeTag: kflag_ok = true; break;
    case Kind::Func:
        vlen_ok = true;
        if (t_.vlen() > static_cast<std::uint32_t>(Linkage::Extern))
            return fail({"linkage"}, "unknown function linkage " + num(t_.vlen()));
        break;
    default: break;
    }
    if (t_.kflag() && !kflag_ok) return fail({"kflag"}, "kind_flag must be 0 for this kind");
    if (t_.vlen() && !vlen_ok) return fail({"vlen"}, "vlen " + num(t_.vlen()) + " must be 0 for this kind");

    switch (kind) {
    case Kind::Int: return check_int();
    case Kind::Ptr: case Kind::Typedef: case Kind::Volatile: case Kind::Const: case Kind::Restrict:
    case Kind::TypeTag:
        return type_ok(t_.ref_type(), {"type"});
    case Kind::Array: {
        ArrayInfo a = t_.array();
        RAWOPS_TRY(type_ok(a.elem_type, {"element type"}));
        return type_ok(a.index_type, {"index type"});
    }
    case Kind::Struct: case Kind::Union: return check_composite();
    case Kind::Enum: case Kind::Enum64: return check_enum();
    case Kind::Fwd: return {};
    case Kind::Func: {
        RAWOPS_TRY(type_ok(t_.ref_type(), {"type"}));
        TypeView proto = btf_.type(t_.ref_type());
        if (proto.kind() != Kind::FuncProto)
            return fail({"type"}, "refers to " + btf_.describe(proto.id()) + ", not a FUNC_PROTO");
        return {};
    }
    case Kind::FuncProto: return check_func_proto();
    case Kind::Var: {
        RAWOPS_TRY(type_ok(t_.ref_type(), {"type"}));
        std::uint32_t linkage = raw::u32(extra());
        if (linkage > BTF_VAR_GLOBAL_EXTERN) return fail({"linkage"}, "unknown variable linkage " + num(linkage));
        return {};
    }
    case Kind::Datasec: return check_datasec();
    case Kind::Float: {
        std::uint32_t s = t_.size();
        if (s != 2 && s != 4 && s != 8 && s != 12 && s != 16) return fail({"size"}, "invalid float size " + num(s));
        return {};
    }
    case Kind::DeclTag: return check_decl_tag();
    case Kind::Void: break;
    }
    return fail({"info"}, "unknown kind");
}

Status Validator::check_int() const {
    std::uint32_t v = raw::u32(extra());
    std::uint32_t size = t_.size();
    if (size != 1 && size != 2 && size != 4 && size != 8 && size != 16)
        return fail({"size"}, "invalid int size " + num(size));
    if (v & ~0x0fff00ffu) return fail({"int encoding"}, "unused bits set");
    unsigned bits = BTF_INT_BITS(v), off = BTF_INT_OFFSET(v), enc = BTF_INT_ENCODING(v);
    if (bits == 0 || bits > 128) return fail({"nr_bits"}, "invalid nr_bits " + num(bits));
    if (off + bits > size * 8) return fail({"bits_offset"}, "bits_offset " + num(off) + " + nr_bits " + num(bits) +
                                                              " exceeds " + num(size * 8) + " bits");
    if (enc != 0 && enc != BTF_INT_SIGNED && enc != BTF_INT_CHAR && enc != BTF_INT_BOOL)
        return fail({"encoding"}, "invalid encoding " + num(enc));
    return {};
}

Status Validator::check_composite() const {
    for (std::uint32_t i = 0; i < t_.vlen(); ++i) {
        const std::uint8_t* m = extra() + i * sizeof(struct btf_member);
        RAWOPS_TRY(str_ok(raw::u32(m), {"member", i, "name"}));
        RAWOPS_TRY(type_ok(raw::u32(m + 4), {"member", i, "type", raw::u32(m)}));
        std::uint32_t off = raw::u32(m + 8);
        if (t_.kflag() && BTF_MEMBER_BITFIELD_SIZE(off) > 128)
            return fail({"member", i, nullptr, raw::u32(m)}, "bitfield_size " + num(BTF_MEMBER_BITFIELD_SIZE(off)) + " exceeds 128");
    }
    return {};
}

Status Validator::check_enum() const {
    std::uint32_t s = t_.size();
    if (s != 1 && s != 2 && s != 4 && s != 8) return fail({"size"}, "invalid enum size " + num(s));
    std::size_t rec = t_.kind() == Kind::Enum ? sizeof(struct btf_enum) : sizeof(struct btf_enum64);
    for (std::uint32_t i = 0; i < t_.vlen(); ++i)
        RAWOPS_TRY(str_ok(raw::u32(extra() + i * rec), {"value", i, "name"}));
    return {};
}

Status Validator::check_func_proto() const {
    RAWOPS_TRY(type_ok(t_.ref_type(), {"return type"}));
    for (std::uint32_t i = 0; i < t_.vlen(); ++i) {
        const std::uint8_t* p = extra() + i * sizeof(struct btf_param);
        RAWOPS_TRY(str_ok(raw::u32(p), {"param", i, "name"}));
        RAWOPS_TRY(type_ok(raw::u32(p + 4), {"param", i, "type", raw::u32(p)}));
    }
    return {};
}

Status Validator::check_datasec() const {
    for (std::uint32_t i = 0; i < t_.vlen(); ++i) {
        VarSecInfo v = t_.var_secinfo(i);
        RAWOPS_TRY(type_ok(v.type, {"entry", i, "type"}));
        if (std::uint64_t{v.offset} + v.size > 0xffffffffULL)
            return fail({"entry", i}, "offset " + num(v.offset) + " + size " + num(v.size) + " overflows");
    }
    return {};
}

Status Validator::check_decl_tag() const {
    RAWOPS_TRY(type_ok(t_.ref_type(), {"type"}));
    std::int32_t idx = t_.component_idx();
    if (idx < -1) return fail({"component_idx"}, "invalid component_idx " + std::to_string(idx));
    if (idx == -1) return {};
    // A member or parameter: it must exist in the tagged type.
    TypeView target = btf_.type(t_.ref_type());
    std::uint32_t n = 0;
    if (target.is_composite()) n = target.vlen();
    else if (target.kind() == Kind::Func) n = btf_.type(target.ref_type()).vlen();
    else return fail({"component_idx"}, "component_idx " + std::to_string(idx) + " on " + btf_.describe(target.id()) +
                                          ", which has no members or parameters");
    if (static_cast<std::uint32_t>(idx) >= n)
        return fail({"component_idx"}, "component_idx " + std::to_string(idx) + " out of range for " +
                                         btf_.describe(target.id()) + " (" + num(n) + " components)");
    return {};
}

}  // namespace

Status validate_types(const Btf& btf, const Btf::Impl& impl) {
    const TypeId end = btf.type_count();
    (void)impl;
    for (TypeId id = btf.first_own_id(); id < end; ++id) RAWOPS_TRY(Validator(btf, id).run());
    return {};
}

}  // namespace rawops::btf
