#include "loader/cli/type_text.h"

namespace rawops::cli {

namespace {
// Modifier chains and nested function pointers are short; deeper means a
// loop (BTF may point a type back at itself, e.g. a FUNC_PROTO returning a
// pointer to itself), which must end in "..." rather than a stack overflow.
constexpr int kMaxDepth = 16;

std::string signature(const btf::Btf& b, const btf::TypeView& proto, const std::string& name, int depth);

std::string text(const btf::Btf& b, btf::TypeId id, int depth) {
    if (depth > kMaxDepth) return "...";
    const btf::TypeView t = b.type(id);
    const std::string name(t.name());
    switch (t.kind()) {
        case btf::Kind::Void: return "void";
        case btf::Kind::Struct: return "struct " + name;
        case btf::Kind::Union: return "union " + name;
        case btf::Kind::Enum:
        case btf::Kind::Enum64: return name.empty() ? "enum" : "enum " + name;
        case btf::Kind::Fwd: return (t.fwd_is_union() ? "union " : "struct ") + name;
        case btf::Kind::Const: return "const " + text(b, t.ref_type(), depth + 1);
        case btf::Kind::Volatile: return "volatile " + text(b, t.ref_type(), depth + 1);
        case btf::Kind::Restrict:
        case btf::Kind::TypeTag: return text(b, t.ref_type(), depth + 1);
        case btf::Kind::Ptr: {
            const btf::TypeView target = b.type(t.ref_type());
            if (target.kind() == btf::Kind::FuncProto) return signature(b, target, "(*)", depth + 1);
            return text(b, t.ref_type(), depth + 1) + " *";
        }
        case btf::Kind::Array: {
            const auto a = t.array();
            return text(b, a.elem_type, depth + 1) + "[" + std::to_string(a.nelems) + "]";
        }
        case btf::Kind::FuncProto: return signature(b, t, "", depth + 1);
        default: return name.empty() ? btf::kind_name(t.kind()) : name;
    }
}

// The return and parameter types are one level below the prototype, so a
// prototype reached again through them counts towards the same bound.
std::string signature(const btf::Btf& b, const btf::TypeView& proto, const std::string& name, int depth) {
    if (depth > kMaxDepth) return "...";
    std::string s = text(b, proto.ref_type(), depth + 1) + " " + name + "(";
    bool first = true;
    for (const btf::Param& p : proto.params()) {
        if (!first) s += ", ";
        first = false;
        if (p.type == 0) {
            s += "...";
            continue;
        }
        s += text(b, p.type, depth + 1);
        if (!p.name.empty()) s += (s.back() == '*' ? "" : " ") + std::string(p.name);
    }
    if (first) s += "void";
    return s + ")";
}
}  // namespace

std::string type_text(const btf::Btf& btf, btf::TypeId id) { return text(btf, id, 0); }

std::string signature_text(const btf::Btf& btf, const btf::TypeView& proto, const std::string& name) {
    return signature(btf, proto, name, 0);
}

}  // namespace rawops::cli
