// rawops update PIN OBJ.o: swap the implementation behind a pinned struct_ops
// link (BPF_LINK_UPDATE) for the .struct_ops.link variable of another
// object. The kernel requires the same struct_ops type (and, for TCP
// congestion control, the same name). The new object's maps (global data and
// `.maps`) are pinned beside PIN (a pin of the same name is replaced), so
// what the new programs use stays readable.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <variant>

#include "loader/cli/command.h"
#include "loader/cli/load_common.h"
#include "loader/cli/pinned.h"
#include "loader/plan/executor.h"
#include "loader/sys/abi.h"
#include "loader/sys/link.h"
#include "loader/sys/obj.h"

namespace rawops::cli {
namespace {

struct UpdateOptions {
    std::string pin;
    std::string object;
    ObjectArgs args;  // --map chooses the variable; --set and --resize as for load
    bool trace = false;
};

// Pins every map of the new object beside the link, under the name
// Loaded::pin would give it (global data, .kconfig and `.maps` maps alike),
// replacing the pin of the same name: the programs now behind the link use
// these maps, and a pin still naming the old object's map would show stale
// values. The struct_ops map itself needs no pin: the link holds it.
Status repin_maps(const plan::Plan& plan, const plan::Loaded& loaded, const std::string& dir) {
    for (const plan::Step& step : plan.steps) {
        const auto* create = std::get_if<plan::CreateMap>(&step.action);
        if (!create || create->request.map_type == sys::kMapTypeStructOps) continue;
        const int fd = loaded.fd(step.creates);
        const std::string name = loaded.pin_name_of(step.creates);
        if (fd < 0 || name.empty()) continue;
        const std::string path = dir + "/" + name;
        ::unlink(path.c_str());
        RAWOPS_TRY(sys::obj_pin(fd, path));
    }
    return {};
}

int run_update(const UpdateOptions& o) {
    if (o.trace) enable_trace();
    auto link = open_pinned(o.pin);
    if (!link) return report(link.error());
    if (link->kind != Pinned::Kind::StructOpsLink)
        return report(Error(o.pin + ": not a pinned struct_ops link (legacy .struct_ops maps cannot be updated in place)"));

    auto planned = open_and_plan(o.object, o.args);
    const std::vector<std::string>& maps = o.args.maps;
    if (!planned) return report(planned.error());
    std::vector<std::string> link_vars;
    for (const auto& v : planned->object.struct_ops())
        if (v.link() && (maps.empty() ? v.autocreate : std::find(maps.begin(), maps.end(), v.name) != maps.end()))
            link_vars.push_back(v.name);
    if (link_vars.size() != 1)
        return report(Error(o.object + ": needs exactly one .struct_ops.link variable to update with (found " +
                            std::to_string(link_vars.size()) + "; choose one with --map)"));

    plan::ExecOptions exec;
    if (o.trace) trace_steps(exec);
    exec.create_links = false;
    auto loaded = plan::execute(planned->plan, exec);
    if (!loaded) return report(loaded.error());

    auto info = sys::link_info(link->fd.get());
    if (!info) return report(info.error());
    auto old_map = sys::map_get_fd_by_id(info->struct_ops_map_id);
    if (!old_map) return report(old_map.error());
    auto s = sys::link_update_struct_ops(link->fd.get(), loaded->map_fd(link_vars[0]), old_map->get());
    if (!s) return report(s.error());

    auto pinned = repin_maps(planned->plan, *loaded, std::filesystem::path(o.pin).parent_path().string());
    if (!pinned) return report(pinned.error());
    loaded->keep();  // the link now holds the new map and its programs
    std::printf("updated %s to '%s' of %s\n", o.pin.c_str(), link_vars[0].c_str(), o.object.c_str());
    return kExitOk;
}

void setup_update(CLI::App& root, int& exit_code) {
    auto opts = std::make_shared<UpdateOptions>();
    auto* cmd = root.add_subcommand("update", "Swap a pinned struct_ops link to another object's implementation (BPF_LINK_UPDATE)");
    cmd->add_option("pin", opts->pin, "pinned struct_ops link")->required();
    cmd->add_option("object", opts->object, "BPF object with the new .struct_ops.link variable")->required();
    add_object_options(cmd, opts->args);
    cmd->add_flag("--trace", opts->trace, "print every bpf() call, decoded, with result and time");
    cmd->callback([opts, &exit_code] { exit_code = run_update(*opts); });
}

}  // namespace
RAWOPS_CLI_COMMAND(50, setup_update);
}  // namespace rawops::cli
