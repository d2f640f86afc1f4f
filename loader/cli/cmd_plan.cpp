// rawops plan OBJ.o [--json]: every bpf() call a load would make, decoded, none made.
#include <cstdio>
#include <memory>

#include "loader/cli/command.h"
#include "loader/cli/load_common.h"
#include "loader/cli/plan_json.h"

namespace rawops::cli {
namespace {

struct PlanOptions {
    std::string object;
    ObjectArgs args;
    bool json = false;
};

void setup_plan(CLI::App& root, int& exit_code) {
    auto opts = std::make_shared<PlanOptions>();
    auto* cmd = root.add_subcommand("plan", "Print every bpf() call 'load' would make, decoded, without making any");
    cmd->add_option("object", opts->object, "BPF object file (.o)")->required();
    add_object_options(cmd, opts->args);
    cmd->add_option("--btf-dir", opts->args.btf_dir,
                    "plan against the BTF files in this folder (vmlinux and modules, as in /sys/kernel/btf) "
                    "instead of the running kernel's; externs still come from this machine");
    cmd->add_flag("--json", opts->json, "print one JSON document (docs/schema/plan.schema.json)");
    cmd->callback([opts, &exit_code] {
        auto planned = open_and_plan(opts->object, opts->args);
        if (!planned) {
            exit_code = report(planned.error());
            return;
        }
        if (opts->json) print_json(plan_json(planned->plan));
        else std::fputs(plan::print(planned->plan).c_str(), stdout);
        exit_code = kExitOk;
    });
}

}  // namespace
RAWOPS_CLI_COMMAND(20, setup_plan, "plan");
}  // namespace rawops::cli
