// rawops types [--module M]: the struct_ops types the running kernel offers
// (every struct bpf_struct_ops_<T> in vmlinux and module BTF), with each
// member of T and, for function members, its signature.
#include <cstdio>
#include <memory>
#include <optional>

#include "loader/cli/command.h"
#include "loader/cli/type_text.h"
#include "loader/struct_ops/binding.h"

namespace rawops::cli {
namespace {

struct TypesOptions {
    std::string module;
    std::string btf_dir = "/sys/kernel/btf";
};

// Every struct_ops type defined by one BTF (its own ids only for a module).
void list(const btf::Btf& b, const std::string& origin, int& count) {
    const std::string_view prefix = struct_ops::kValueTypePrefix;
    for (btf::TypeId id = b.first_own_id(); id < b.type_count(); ++id) {
        const btf::TypeView vt = b.type(id);
        // The prefix is compared in place: measuring every struct's name
        // first (string_view's strlen) was a tenth of the command's time.
        if (vt.kind() != btf::Kind::Struct || !b.str_starts_with(vt.name_off(), prefix)) continue;
        const std::string name(vt.name().substr(prefix.size()));
        // The kernel declares bpf_struct_ops_<T> as { common; struct T data; }:
        // T is the type of that member, no search of every name needed (and
        // bpf_struct_ops_map, _link, ... which are no value types have none).
        std::optional<btf::TypeId> t;
        for (const btf::Member& m : vt.members())
            if (b.type(m.type).kind() == btf::Kind::Struct && b.type(m.type).name() == name) t = m.type;
        if (!t) continue;
        ++count;
        const btf::TypeView ops = b.type(*t);
        std::printf("%s (%s): struct %s [%u], value struct %s [%u], %u bytes\n", name.c_str(), origin.c_str(),
                    name.c_str(), *t, std::string(vt.name()).c_str(), id, vt.size());
        std::uint32_t i = 0;
        for (const btf::Member& m : ops.members()) {
            auto target = b.resolve(m.type);
            std::string desc;
            if (target && b.type(*target).kind() == btf::Kind::Ptr) {
                auto fn = b.resolve(b.type(*target).ref_type());
                if (fn && b.type(*fn).kind() == btf::Kind::FuncProto)
                    desc = signature_text(b, b.type(*fn), "(*" + std::string(m.name) + ")");
            }
            if (desc.empty()) {
                desc = type_text(b, m.type);
                desc += (desc.back() == '*' ? "" : " ") + std::string(m.name);
            }
            std::printf("  #%-2u +%-4u %s\n", i++, m.bit_offset / 8, desc.c_str());
        }
    }
}

int run_types(const TypesOptions& o) {
    auto kernel = struct_ops::KernelBtf::open(o.btf_dir);
    if (!kernel) return report(kernel.error());
    int count = 0;
    if (o.module.empty() || o.module == "vmlinux") list(kernel->vmlinux(), "vmlinux", count);
    for (const auto& m : kernel->module_names()) {
        if (!o.module.empty() && m != o.module) continue;
        auto b = kernel->module(m);
        if (!b) return report(b.error());
        list(**b, "module " + m, count);
    }
    if (!o.module.empty() && o.module != "vmlinux" && !kernel->has_module(o.module))
        return report(Error("no module BTF '" + o.module + "' in " + o.btf_dir + " (is the module loaded?)"));
    if (count == 0) std::printf("no struct_ops types found\n");
    return kExitOk;
}

void setup_types(CLI::App& root, int& exit_code) {
    auto opts = std::make_shared<TypesOptions>();
    auto* cmd = root.add_subcommand("types", "List the struct_ops types the running kernel offers, with member signatures");
    cmd->add_option("--module", opts->module, "only this module ('vmlinux' for the kernel itself)");
    cmd->add_option("--btf-dir", opts->btf_dir, "where kernel BTF lives")->capture_default_str();
    cmd->callback([opts, &exit_code] { exit_code = run_types(*opts); });
}

}  // namespace
RAWOPS_CLI_COMMAND(40, setup_types);
}  // namespace rawops::cli
