// rawops types [--module M] [--json]: the struct_ops types the running kernel
// offers (every struct bpf_struct_ops_<T> in vmlinux and module BTF), with
// each member of T and, for function members, its signature.
#include <cstdio>
#include <memory>

#include "loader/cli/command.h"
#include "loader/cli/json_out.h"
#include "loader/cli/type_text.h"
#include "loader/struct_ops/kernel_btf.h"

namespace rawops::cli {
namespace {

struct TypesOptions {
    std::string module;
    std::string btf_dir = "/sys/kernel/btf";
    bool json = false;
};

void print_text(const std::vector<OpsType>& types) {
    for (const OpsType& t : types) {
        const std::string origin = t.module.empty() ? "vmlinux" : "module " + t.module;
        std::printf("%s (%s): struct %s [%u], value struct %s [%u], %u bytes\n", t.name.c_str(), origin.c_str(),
                    t.name.c_str(), t.type_id, t.value_name.c_str(), t.value_id, t.value_size);
        for (const OpsMember& m : t.members)
            std::printf("  #%-2u +%-4u %s\n", m.index, m.bit_offset / 8, m.declaration.c_str());
    }
    if (types.empty()) std::printf("no struct_ops types found\n");
}

// docs/schema/types.schema.json
Json types_json(const std::vector<OpsType>& types, const TypesOptions& o) {
    Json list = Json::array();
    for (const OpsType& t : types) {
        Json members = Json::array();
        for (const OpsMember& m : t.members)
            members.push_back({{"index", m.index},
                               {"name", m.name},
                               {"offset", m.bit_offset / 8},
                               {"bit_offset", m.bit_offset},
                               {"kind", m.function ? "function" : "data"},
                               {"type", m.type},
                               {"declaration", m.declaration}});
        list.push_back({{"name", t.name},
                        {"origin", t.module.empty() ? "vmlinux" : "module"},
                        {"module", t.module.empty() ? Json() : Json(t.module)},
                        {"type_id", t.type_id},
                        {"value_type", {{"name", t.value_name}, {"id", t.value_id}, {"size", t.value_size}}},
                        {"members", std::move(members)}});
    }
    return {{"btf_dir", o.btf_dir}, {"types", std::move(list)}};
}

int run_types(const TypesOptions& o) {
    auto kernel = struct_ops::KernelBtf::open(o.btf_dir);
    if (!kernel) return report(kernel.error());
    std::vector<OpsType> types;
    if (o.module.empty() || o.module == "vmlinux") append_struct_ops_types(kernel->vmlinux(), "", types);
    for (const auto& m : kernel->module_names()) {
        if (!o.module.empty() && m != o.module) continue;
        auto b = kernel->module(m);
        if (!b) return report(b.error());
        append_struct_ops_types(**b, m, types);
    }
    if (!o.module.empty() && o.module != "vmlinux" && !kernel->has_module(o.module))
        return report(Error("no module BTF '" + o.module + "' in " + o.btf_dir + " (is the module loaded?)"));
    if (o.json) print_json(types_json(types, o));
    else print_text(types);
    return kExitOk;
}

void setup_types(CLI::App& root, int& exit_code) {
    auto opts = std::make_shared<TypesOptions>();
    auto* cmd = root.add_subcommand("types", "List the struct_ops types the running kernel offers, with member signatures");
    cmd->add_option("--module", opts->module, "only this module ('vmlinux' for the kernel itself)");
    cmd->add_option("--btf-dir", opts->btf_dir, "where kernel BTF lives")->capture_default_str();
    cmd->add_flag("--json", opts->json, "print one JSON document (docs/schema/types.schema.json)");
    cmd->callback([opts, &exit_code] { exit_code = run_types(*opts); });
}

}  // namespace
RAWOPS_CLI_COMMAND(40, setup_types, "types");
}  // namespace rawops::cli
