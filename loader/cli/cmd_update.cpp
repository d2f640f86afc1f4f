// rawops update PIN OBJ.o: swap the implementation behind a pinned struct_ops
// link (BPF_LINK_UPDATE) for the .struct_ops.link variable of another
// object. The kernel requires the same struct_ops type (and, for TCP
// congestion control, the same name). The new object's maps (global data and
// `.maps`) are pinned beside PIN (a pin of the same name is replaced), so
// what the new programs use stays readable. The work is the library's
// (loader/update.h).
#include <cstdio>
#include <memory>

#include "loader/cli/command.h"
#include "loader/cli/load_common.h"
#include "loader/update.h"

namespace rawops::cli {
namespace {

struct UpdateOptions {
    std::string pin;
    std::string object;
    ObjectArgs args;  // --map chooses the variable; --set and --resize as for load
    TraceOptions trace;
};

int run_update(const UpdateOptions& o) {
    enable_trace(o.trace);
    auto link = open_struct_ops_link(o.pin);
    if (!link) return report(link.error());
    auto planned = open_and_plan(o.object, o.args);
    if (!planned) return report(planned.error());
    plan::ExecOptions exec;
    trace_steps(exec, o.trace);
    auto var = update_link(*link, o.pin, planned->object, planned->plan, o.args.maps, exec);
    if (!var) return report(var.error());
    std::printf("updated %s to '%s' of %s\n", o.pin.c_str(), var->c_str(), o.object.c_str());
    return kExitOk;
}

void setup_update(CLI::App& root, int& exit_code) {
    auto opts = std::make_shared<UpdateOptions>();
    auto* cmd = root.add_subcommand("update", "Swap a pinned struct_ops link to another object's implementation (BPF_LINK_UPDATE)");
    cmd->add_option("pin", opts->pin, "pinned struct_ops link")->required();
    cmd->add_option("object", opts->object, "BPF object with the new .struct_ops.link variable")->required();
    add_object_options(cmd, opts->args);
    add_trace_options(cmd, opts->trace);
    cmd->callback([opts, &exit_code] { exit_code = run_update(*opts); });
}

}  // namespace
RAWOPS_CLI_COMMAND(50, setup_update, "update");
}  // namespace rawops::cli
