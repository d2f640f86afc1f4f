// How one definition or declaration is written (see format_c_impl.h).
//
// Declarations are built from BTF's chain of types, which runs from the
// outside in (typedef -> array -> ptr -> const -> int), while C writes the
// base type first and wraps the declarator around the name:
// `const int *arr[4]`, `void (*fn)(int)`, `int (*p)[4]`. decl() pushes the
// chain on a stack; decl_chain() pops it from the base type outwards, so
// qualifiers of a base type come before it and those of a pointer after its
// `*`, and arrays and function prototypes recurse for the parenthesized part.
#include <charconv>

#include "btf/format_c_impl.h"

namespace rawops::btf::c_format {

namespace {
constexpr unsigned kMaxChain = 512;      // types in one declaration chain
constexpr unsigned kMaxInlineDepth = 64;  // anonymous definitions inside each other
}  // namespace

void Printer::indent(int lvl) {
    // Like libbpf, at most 13 tabs.
    out_.append(static_cast<std::size_t>(std::min(lvl, 13)), '\t');
}

void Printer::put_u64(std::uint64_t v) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, r.ptr);
}

void Printer::put_i64(std::int64_t v) {
    char buf[24];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, r.ptr);
}

std::uint32_t Printer::name_dups(Names ns, std::string_view name) {
    auto& map = ns == Names::Tags ? tag_names_ : ident_names_;
    return ++map[name];
}

// A struct/union/enum name (tag namespace) or typedef name (identifiers),
// with ___N when an earlier printed type of the same namespace had it.
void Printer::put_name(const TypeView& t, Names ns) {
    if (t.name_off() == 0) return;
    std::string_view name = t.name();
    std::uint32_t& dup = dup_[t.id()];
    if (dup == 0) {
        // Forward declarations and empty enums name an existing type.
        if (t.kind() == Kind::Fwd || (t.is_enum() && t.vlen() == 0)) dup = 1;
        else dup = name_dups(ns, name);
    }
    out_ += name;
    if (dup > 1) {
        out_ += "___";
        put_u64(dup);
    }
}

void Printer::struct_fwd(const TypeView& t) {
    printed_record_ = true;
    out_ += t.kind() == Kind::Struct ? "struct" : "union";
    if (t.name_off()) {
        out_ += ' ';
        put_name(t, Names::Tags);
    }
}

void Printer::put_pads(const std::vector<Pad>& pads, int lvl) {
    for (const Pad& p : pads) {
        out_ += '\n';
        indent(lvl);
        out_ += p.type;
        out_ += ": ";
        put_u64(p.bits);
        out_ += ';';
    }
}

void Printer::struct_def(const TypeView& t, int lvl) {
    const CompositePlan plan = layout_.plan(t.id());
    const bool is_struct = t.kind() == Kind::Struct;
    struct_fwd(t);
    out_ += " {";
    StructCursor cursor(layout_, plan.packed);
    bool prev_bitfield = false;
    for (Member m : t.members()) {
        if (is_struct) {
            std::vector<Pad> pads = cursor.pads_before(m.type, m.bitfield_size, m.bit_offset, prev_bitfield);
            if (cursor.overflow()) {
                fail(btf_.describe(t.id()) + ": gap before member '" + std::string(m.name) +
                     "' too wide to pad (not a C layout)");
                return;
            }
            put_pads(pads, lvl + 1);
            cursor.advance(pads);
            cursor.place(m.type, m.bitfield_size, m.bit_offset);
        }
        out_ += '\n';
        indent(lvl + 1);
        decl(m.type, m.name, lvl + 1);
        if (m.bitfield_size) {
            out_ += ": ";
            put_u64(m.bitfield_size);
        }
        out_ += ';';
        prev_bitfield = m.bitfield_size != 0;
    }
    if (plan.pad_array) {
        // No attribute gives this union its BTF size; a member does.
        out_ += '\n';
        indent(lvl + 1);
        out_ += "char __rawops_size_pad[";
        put_u64(plan.pad_array);
        out_ += "];";
    }
    if (is_struct) {
        std::vector<Pad> pads = cursor.tail_pads(t.size(), plan.align);
        if (cursor.overflow()) {
            fail(btf_.describe(t.id()) + ": gap at the end too wide to pad (not a C layout)");
            return;
        }
        put_pads(pads, lvl + 1);
    }
    if (t.vlen() || t.size()) {
        out_ += '\n';
        indent(lvl);
    }
    out_ += '}';
    if (plan.packed) out_ += " __attribute__((packed))";
    if (plan.aligned) {
        out_ += " __attribute__((aligned(";
        put_u64(plan.aligned);
        out_ += ")))";
    }
}

void Printer::enum_fwd(const TypeView& t) {
    out_ += "enum ";
    put_name(t, Names::Tags);
}

void Printer::enum_def(const TypeView& t, int lvl) {
    out_ += "enum";
    if (t.name_off()) {
        out_ += ' ';
        put_name(t, Names::Tags);
    }
    if (t.vlen() == 0) return;
    out_ += " {";
    const bool is64 = t.kind() == Kind::Enum64, is_signed = t.enum_is_signed();
    for (EnumValue v : t.enum_values()) {
        out_ += '\n';
        indent(lvl + 1);
        // Enumerators share the identifier namespace with typedefs.
        out_ += v.name;
        std::uint32_t dup = name_dups(Names::Idents, v.name);
        if (dup > 1) {
            out_ += "___";
            put_u64(dup);
        }
        out_ += " = ";
        if (is64) {
            if (is_signed) {
                put_i64(v.signed_value());
                out_ += "LL";
            } else {
                put_u64(v.value);
                out_ += "ULL";
            }
        } else if (is_signed) {
            put_i64(static_cast<std::int32_t>(v.value));
        } else {
            put_u64(static_cast<std::uint32_t>(v.value));
        }
        out_ += ',';
    }
    out_ += '\n';
    indent(lvl);
    out_ += '}';
    if (const char* mode = layout_.enum_mode(t.id())) {
        out_ += " __attribute__((mode(";
        out_ += mode;
        out_ += ")))";
    }
}

void Printer::fwd_def(const TypeView& t) {
    printed_record_ = true;
    out_ += t.fwd_is_union() ? "union " : "struct ";
    put_name(t, Names::Tags);
}

void Printer::typedef_def(const TypeView& t, int lvl) {
    std::size_t mark = out_.size();
    put_name(t, Names::Idents);
    std::string name = out_.substr(mark);
    out_.resize(mark);
    // Old GCCs record __gnuc_va_list as a typedef of void.
    if (t.ref_type() == 0 && name == "__gnuc_va_list") {
        out_ += "typedef __builtin_va_list __gnuc_va_list";
        return;
    }
    out_ += "typedef ";
    decl(t.ref_type(), name, lvl);
}

// GCC's internal names for Arm SIMD polynomial types: alias them to what
// they are, as libbpf does.
void Printer::missing_alias(const TypeView& t) {
    static constexpr std::pair<std::string_view, std::string_view> kAliases[] = {
        {"__Poly8_t", "unsigned char"},
        {"__Poly16_t", "unsigned short"},
        {"__Poly64_t", "unsigned long long"},
        {"__Poly128_t", "unsigned __int128"},
    };
    for (const auto& [name, what] : kAliases) {
        if (t.name() != name) continue;
        out_ += "typedef ";
        out_ += what;
        out_ += ' ';
        out_ += name;
        out_ += ";\n\n";
    }
}

void Printer::decl(TypeId id, std::string_view name, int lvl) {
    const std::size_t start = decl_stack_.size();
    for (unsigned n = 0;; ++n) {
        if (n == kMaxChain) {
            fail(btf_.describe(id) + ": declaration chain longer than " + std::to_string(kMaxChain) + " (a loop?)" +
                 while_writing());
            decl_stack_.resize(start);
            return;
        }
        TypeView t = btf_.type(id);
        Kind k = t.kind();
        if (k == Kind::Typedef && blacklisted(t)) {
            // The kernel's __builtin_va_list is x86's (struct __va_list_tag[1],
            // 24 bytes); clang's for BPF is a pointer. Writing what the
            // typedef stands for keeps va_list members at the kernel's size.
            id = t.ref_type();
            continue;
        }
        decl_stack_.push_back(id);
        if (id == 0) break;
        if (k == Kind::Ptr || k == Kind::Volatile || k == Kind::Const || k == Kind::Restrict ||
            k == Kind::FuncProto || k == Kind::TypeTag) {
            id = t.ref_type();
        } else if (k == Kind::Array) {
            id = t.array().elem_type;
        } else if (k == Kind::Int || k == Kind::Enum || k == Kind::Enum64 || k == Kind::Fwd ||
                   k == Kind::Struct || k == Kind::Union || k == Kind::Typedef || k == Kind::Float) {
            break;
        } else {
            fail(btf_.describe(id) + " cannot be part of a C type" +
                 (name.empty() ? "" : " (declaring '" + std::string(name) + "')"));
            decl_stack_.resize(start);
            return;
        }
    }
    decl_chain(start, decl_stack_.size(), name, lvl);
    decl_stack_.resize(start);
}

// const/volatile/restrict applied to the base type just popped: written
// before it ("const int").
void Printer::put_mods(std::size_t start, std::size_t& end) {
    while (end > start) {
        switch (btf_.type(decl_stack_[end - 1]).kind()) {
        case Kind::Volatile: out_ += "volatile "; break;
        case Kind::Const: out_ += "const "; break;
        case Kind::Restrict: out_ += "restrict "; break;
        default: return;
        }
        --end;
    }
}

// Qualifiers on an array or a function type mean nothing in C (GCC records
// them anyway): skipped.
void Printer::drop_mods(std::size_t start, std::size_t& end) {
    while (end > start) {
        Kind k = btf_.type(decl_stack_[end - 1]).kind();
        if (k != Kind::Volatile && k != Kind::Const && k != Kind::Restrict && k != Kind::TypeTag) return;
        --end;
    }
}

void Printer::put_decl_name(std::string_view name, bool last_was_ptr) {
    if (!name.empty() && !last_was_ptr) out_ += ' ';
    out_ += name;
}

void Printer::decl_chain(std::size_t start, std::size_t end, std::string_view name, int lvl) {
    // No space between '*'s ("int **p"), nor before the name after one.
    bool last_was_ptr = true;
    while (end > start) {
        if (!step(decl_stack_[end - 1])) return;
        const TypeId id = decl_stack_[--end];
        if (id == 0) {
            put_mods(start, end);
            out_ += "void";
            last_was_ptr = false;
            continue;
        }
        TypeView t = btf_.type(id);
        const Kind kind = t.kind();
        switch (kind) {
        case Kind::Int: case Kind::Float:
            put_mods(start, end);
            out_ += t.name();
            break;
        case Kind::Struct: case Kind::Union:
            put_mods(start, end);
            if (t.name_off() == 0) {
                if (++inline_depth_ > kMaxInlineDepth) {
                    fail(btf_.describe(id) + ": anonymous types nest deeper than " +
                         std::to_string(kMaxInlineDepth) + " (a loop?)" + while_writing());
                } else {
                    struct_def(t, lvl);
                }
                --inline_depth_;
            } else {
                struct_fwd(t);
            }
            break;
        case Kind::Enum: case Kind::Enum64:
            put_mods(start, end);
            if (t.name_off() == 0) enum_def(t, lvl);
            else enum_fwd(t);
            break;
        case Kind::Fwd:
            put_mods(start, end);
            fwd_def(t);
            break;
        case Kind::Typedef:
            put_mods(start, end);
            put_name(t, Names::Idents);
            break;
        case Kind::Ptr:
            out_ += last_was_ptr ? "*" : " *";
            break;
        case Kind::Volatile: out_ += " volatile"; break;
        case Kind::Const: out_ += " const"; break;
        case Kind::Restrict: out_ += " restrict"; break;
        case Kind::TypeTag:
            put_mods(start, end);
            if (t.kflag()) {
                // The tag is an attribute itself, e.g. address_space(1).
                out_ += " __attribute__((";
                out_ += t.name();
                out_ += "))";
            } else {
                out_ += type_tag_macro_ ? " __btf_type_tag(\"" : " __attribute__((btf_type_tag(\"";
                out_ += t.name();
                out_ += type_tag_macro_ ? "\")" : "\")))";
            }
            break;
        case Kind::Array: {
            const std::uint32_t n = t.array().nelems;
            drop_mods(start, end);
            if (end == start) {
                put_decl_name(name, last_was_ptr);
            } else {
                // Around a pointer/function part: "(*p)[4]"; a nested array
                // needs none: "a[2][3]".
                const bool multidim = btf_.type(decl_stack_[end - 1]).kind() == Kind::Array;
                if (!name.empty() && !last_was_ptr) out_ += ' ';
                if (!multidim) out_ += '(';
                decl_chain(start, end, name, lvl);
                if (!multidim) out_ += ')';
            }
            out_ += '[';
            put_u64(n);
            out_ += ']';
            return;
        }
        case Kind::FuncProto: {
            drop_mods(start, end);
            if (end > start) {
                out_ += " (";
                decl_chain(start, end, name, lvl);
                out_ += ')';
            } else {
                put_decl_name(name, last_was_ptr);
            }
            out_ += '(';
            const std::uint32_t vlen = t.vlen();
            // No parameters, or clang's single void one: "(void)".
            if (vlen == 0 || (vlen == 1 && t.param(0).type == 0)) {
                out_ += "void)";
                return;
            }
            for (std::uint32_t i = 0; i < vlen; ++i) {
                Param p = t.param(i);
                if (i) out_ += ", ";
                if (i == vlen - 1 && p.type == 0) {  // a trailing void parameter is "..."
                    out_ += "...";
                    break;
                }
                decl(p.type, p.name, lvl);
            }
            out_ += ')';
            return;
        }
        default:
            fail(btf_.describe(id) + " cannot be part of a C type");
            return;
        }
        last_was_ptr = kind == Kind::Ptr;
    }
    put_decl_name(name, last_was_ptr);
}

void Printer::kfunc_decl(TypeId func_id, bool fastcall) {
    TypeView f = btf_.type(func_id);
    start_root(func_id);
    out_ += "extern ";
    if (fastcall) out_ += "__bpf_fastcall ";
    decl(f.ref_type(), f.name(), 0);
    out_ += " __weak __ksym;\n";
}

}  // namespace rawops::btf::c_format
