#include "loader/cli/type_text.h"

#include <optional>

#include "loader/struct_ops/binding.h"

namespace rawops::cli {

namespace {
// Modifier chains and nested function pointers are short; deeper means a
// loop (BTF may point a type back at itself, e.g. a FUNC_PROTO returning a
// pointer to itself), which must be cut rather than overflow the stack.
constexpr int kMaxDepth = 16;
// The depth bound alone still lets a prototype whose k parameters each point
// to a prototype of k parameters spell k^8 types: a listing line needs far
// fewer steps (a real signature takes ~40) and characters than these.
constexpr unsigned kMaxSteps = 512;
constexpr std::size_t kMaxChars = 16 * 1024;

class Renderer {
public:
    explicit Renderer(const btf::Btf& b) : b_(b) {}

    std::string text(btf::TypeId id, int depth) {
        const btf::TypeView t = b_.type(id);
        // Only kinds that lead further count for the depth: a type reached at
        // the bound that ends there (an int) is written, and the cut names a
        // type of the loop.
        const bool leads_on = t.is_modifier() || t.kind() == btf::Kind::Ptr || t.kind() == btf::Kind::Array ||
                              t.kind() == btf::Kind::FuncProto;
        if (auto cut = stop(id, leads_on ? depth : 0)) return *cut;
        const std::string name = use(t.name());
        switch (t.kind()) {
            case btf::Kind::Void: return "void";
            case btf::Kind::Struct: return "struct " + name;
            case btf::Kind::Union: return "union " + name;
            case btf::Kind::Enum:
            case btf::Kind::Enum64: return name.empty() ? "enum" : "enum " + name;
            case btf::Kind::Fwd: return (t.fwd_is_union() ? "union " : "struct ") + name;
            case btf::Kind::Const: return "const " + text(t.ref_type(), depth + 1);
            case btf::Kind::Volatile: return "volatile " + text(t.ref_type(), depth + 1);
            case btf::Kind::Restrict:
            case btf::Kind::TypeTag: return text(t.ref_type(), depth + 1);
            case btf::Kind::Ptr: {
                const btf::TypeView target = b_.type(t.ref_type());
                if (target.kind() == btf::Kind::FuncProto) return signature(target, "(*)", depth + 1);
                return text(t.ref_type(), depth + 1) + " *";
            }
            case btf::Kind::Array: {
                const auto a = t.array();
                return text(a.elem_type, depth + 1) + "[" + std::to_string(a.nelems) + "]";
            }
            case btf::Kind::FuncProto: return signature(t, "", depth + 1);
            default: return name.empty() ? btf::kind_name(t.kind()) : name;
        }
    }

    // The return and parameter types are one level below the prototype, so
    // a prototype reached again through them counts towards the same bound.
    std::string signature(const btf::TypeView& proto, const std::string& name, int depth) {
        if (auto cut = stop(proto.id(), depth)) return *cut;
        std::string s = text(proto.ref_type(), depth + 1) + " " + name + "(";
        bool first = true;
        for (const btf::Param& p : proto.params()) {
            if (!first) s += ", ";
            first = false;
            if (p.type == 0) {
                s += "...";
                continue;
            }
            if (exhausted_) {  // the rest would only repeat the cut-off marker
                s += "...";
                break;
            }
            s += text(p.type, depth + 1);
            if (!p.name.empty()) s += (s.back() == '*' ? "" : " ") + use(p.name);
        }
        if (first) s += "void";
        return s + ")";
    }

private:
    // Where the text must end: too deep (a loop: that branch only, its
    // siblings are still written) or too long (fan-out: everything after).
    // The first depth cut names the type it happened at, later ones are
    // "..."; the length cut, which ends the text, always says so.
    std::optional<std::string> stop(btf::TypeId id, int depth) {
        if (exhausted_) return "...";
        const char* why = nullptr;
        if (++steps_ > kMaxSteps || chars_ > kMaxChars) {
            exhausted_ = true;
            why = ": text too long)";
        } else if (depth > kMaxDepth) {
            why = " nests deeper than 16)";
        }
        if (!why) return std::nullopt;
        if (named_cut_ && !exhausted_) return "...";  // the length cut is always said
        named_cut_ = true;
        return "...(type [" + std::to_string(id) + "]" + why;
    }
    // Counts the characters names add, the only unbounded part of a step.
    std::string use(std::string_view name) {
        chars_ += name.size();
        return std::string(name);
    }

    const btf::Btf& b_;
    unsigned steps_ = 0;
    std::size_t chars_ = 0;
    bool exhausted_ = false;
    bool named_cut_ = false;
};

OpsMember member_of(const btf::Btf& b, const btf::Member& m, std::uint32_t index) {
    OpsMember out{index, std::string(m.name), m.bit_offset, false, type_text(b, m.type), ""};
    if (const btf::TypeView fn = b.func_proto_of_pointer(m.type); !fn.is_void()) {
        out.function = true;
        out.declaration = signature_text(b, fn, "(*" + out.name + ")");
    }
    if (out.declaration.empty())
        out.declaration = out.type + (!out.type.empty() && out.type.back() == '*' ? "" : " ") + out.name;
    return out;
}

}  // namespace

std::string type_text(const btf::Btf& btf, btf::TypeId id) { return Renderer(btf).text(id, 0); }

std::string signature_text(const btf::Btf& btf, const btf::TypeView& proto, const std::string& name) {
    return Renderer(btf).signature(proto, name, 0);
}

void append_struct_ops_types(const btf::Btf& b, const std::string& module, std::vector<OpsType>& out) {
    const std::string_view prefix = struct_ops::kValueTypePrefix;
    // One scan of the struct names, compared in place; reading every type
    // record instead was a third of the command's instructions.
    for (const btf::TypeId id : b.own_types_with_prefix(prefix, btf::Kind::Struct)) {
        const btf::TypeView vt = b.type(id);
        const std::string name(vt.name().substr(prefix.size()));
        // The kernel declares bpf_struct_ops_<T> as { common; struct T data; }:
        // T is the type of that member, no search of every name needed (and
        // bpf_struct_ops_map, _link, ... which are no value types have none).
        std::optional<btf::TypeId> t;
        for (const btf::Member& m : vt.members())
            if (b.type(m.type).kind() == btf::Kind::Struct && b.type(m.type).name() == name) t = m.type;
        if (!t) continue;
        OpsType ops{name, module, *t, std::string(vt.name()), id, vt.size(), {}};
        std::uint32_t i = 0;
        for (const btf::Member& m : b.type(*t).members()) ops.members.push_back(member_of(b, m, i++));
        out.push_back(std::move(ops));
    }
}

}  // namespace rawops::cli
