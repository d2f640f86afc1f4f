// The C dump as a whole: header, every requested type, kfunc prototypes.
#include "btf/format_c.h"

#include <algorithm>

#include "btf/format_c_impl.h"

namespace rawops::btf {

namespace c_format {

bool Printer::uses_type_tag_macro(const Btf& btf) {
    for (TypeId id = 1; id < btf.type_count(); ++id) {
        TypeView t = btf.type(id);
        if (t.kind() == Kind::TypeTag && !t.kflag()) return true;
    }
    return false;
}

// A FUNC or VAR asked for by name: the types it uses, then its declaration.
Status Printer::extern_decl(TypeId id) {
    TypeView t = btf_.type(id);
    const TypeId type = t.ref_type();
    queue_.clear();
    start_root(id);
    if (order(type, false, 0) < 0) return error_;
    for (TypeId q : queue_) emit(q, 0, 0);
    // Not at top level: named structs behind pointers get `struct X;` only.
    emit(type, id, 0);
    out_ += "extern ";
    decl(type, t.name(), 0);
    out_ += ";\n\n";
    if (failed_) return error_;
    return {};
}

}  // namespace c_format

namespace {

// Same text as bpftool's, so a program written against its vmlinux.h
// compiles against ours.
// `records`: there are structs or unions for the pragma to apply to (clang
// warns about an unused one).
void prologue(std::string& out, bool records, bool type_tag_macro) {
    out +=
        "#ifndef __VMLINUX_H__\n"
        "#define __VMLINUX_H__\n"
        "\n";
    if (records)
        out +=
            "#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n"
            "#pragma clang attribute push (__attribute__((preserve_access_index)), apply_to = record)\n"
            "#endif\n\n";
    out +=
        "#ifndef __ksym\n"
        "#define __ksym __attribute__((section(\".ksyms\")))\n"
        "#endif\n\n"
        "#ifndef __weak\n"
        "#define __weak __attribute__((weak))\n"
        "#endif\n\n"
        "#ifndef __bpf_fastcall\n"
        "#if __has_attribute(bpf_fastcall)\n"
        "#define __bpf_fastcall __attribute__((bpf_fastcall))\n"
        "#else\n"
        "#define __bpf_fastcall\n"
        "#endif\n"
        "#endif\n\n";
    if (type_tag_macro) {
        // Older clangs lack the attribute; BPF_NO_TYPE_TAGS turns it off.
        out +=
            "#ifndef __btf_type_tag\n"
            "#if __has_attribute(btf_type_tag) && !defined(BPF_NO_TYPE_TAGS)\n"
            "#define __btf_type_tag(x) __attribute__((btf_type_tag(x)))\n"
            "#else\n"
            "#define __btf_type_tag(x)\n"
            "#endif\n"
            "#endif\n\n";
    }
}

void epilogue(std::string& out, bool records) {
    if (records)
        out +=
            "#ifndef BPF_NO_PRESERVE_ACCESS_INDEX\n"
            "#pragma clang attribute pop\n"
            "#endif\n"
            "\n";
    out += "#endif /* __VMLINUX_H__ */\n";
}

// FUNCs carrying a whole-function DECL_TAG of this name.
std::vector<TypeId> tagged_funcs(const Btf& btf, std::string_view tag) {
    std::vector<TypeId> ids;
    for (TypeId id = 1; id < btf.type_count(); ++id) {
        TypeView t = btf.type(id);
        if (t.kind() != Kind::DeclTag || t.component_idx() != -1 || t.name() != tag) continue;
        if (btf.type(t.ref_type()).kind() == Kind::Func) ids.push_back(t.ref_type());
    }
    return ids;
}

void kfuncs(c_format::Printer& p, const Btf& btf) {
    std::vector<TypeId> funcs = tagged_funcs(btf, "bpf_kfunc");
    std::vector<TypeId> fastcalls = tagged_funcs(btf, "bpf_fastcall");
    std::sort(fastcalls.begin(), fastcalls.end());
    // Sorted by name (then id) so the header is stable across builds.
    std::sort(funcs.begin(), funcs.end(), [&](TypeId a, TypeId b) {
        std::string_view na = btf.type(a).name(), nb = btf.type(b).name();
        return na != nb ? na < nb : a < b;
    });
    funcs.erase(std::unique(funcs.begin(), funcs.end()), funcs.end());
    p.out() += "\n/* BPF kfuncs */\n#ifndef BPF_NO_KFUNC_PROTOTYPES\n";
    for (TypeId f : funcs) p.kfunc_decl(f, std::binary_search(fastcalls.begin(), fastcalls.end(), f));
    p.out() += "#endif\n\n";
}

}  // namespace

Result<std::string> format_c(const Btf& btf, const CFormatOptions& options) {
    c_format::Printer p(btf);
    const bool tag_macro = options.header && c_format::Printer::uses_type_tag_macro(btf);
    p.set_type_tag_macro(tag_macro);
    if (options.roots.empty()) {
        for (TypeId id = 1; id < btf.type_count(); ++id) RAWOPS_TRY(p.dump_type(id));
        if (options.kfuncs) kfuncs(p, btf);
    } else {
        for (TypeId id : options.roots) {
            if (!btf.has_type(id)) return Error("BTF '" + btf.name() + "': no type id " + std::to_string(id));
            Kind k = btf.type(id).kind();
            if (k == Kind::Func || k == Kind::Var) RAWOPS_TRY(p.extern_decl(id));
            else RAWOPS_TRY(p.dump_type(id));
        }
    }
    if (p.failed()) return p.error();
    if (!options.header) return std::move(p.out());
    std::string out;
    out.reserve(p.out().size() + 1024);
    prologue(out, p.printed_record(), tag_macro);
    out += p.out();
    epilogue(out, p.printed_record());
    return out;
}

}  // namespace rawops::btf
