// rawops unload PIN: unregister a pinned struct_ops and remove its pin.
// PIN is a pinned struct_ops link (detached), a pinned legacy struct_ops map
// (its registration deleted) or a folder `load --pin` filled, in which case
// every pin in it is handled and the folder removed when empty.
// rawops unload --map-id ID: the struct_ops map with that id, pinned or not
// (an orphan legacy registration `rawops show` flags). The work is the
// library's (loader/unload.h); this file says what was done.
#include <cstdio>
#include <filesystem>
#include <memory>

#include "loader/cli/command.h"
#include "loader/unload.h"

namespace rawops::cli {
namespace {

void say(const UnloadEvent& e) {
    const char* path = e.path.c_str();
    switch (e.kind) {
        case UnloadEvent::Kind::DetachedStructOpsLink: std::printf("detached struct_ops link %s\n", path); break;
        case UnloadEvent::Kind::UnregisteredStructOpsMap: std::printf("unregistered struct_ops map %s\n", path); break;
        case UnloadEvent::Kind::DetachedProgramLink: std::printf("detached program link %s\n", path); break;
        case UnloadEvent::Kind::RemovedMapPin: break;
        case UnloadEvent::Kind::RemovedPin: std::printf("removed pin %s\n", path); break;
        case UnloadEvent::Kind::ExitInfo:
            std::printf("sched_ext exit info (%s): %s\n", std::filesystem::path(e.path).filename().c_str(), e.text.c_str());
            break;
    }
}

void setup_unload(CLI::App& root, int& exit_code) {
    struct Args {
        std::string pin;
        std::uint32_t map_id = 0;
    };
    auto args = std::make_shared<Args>();
    auto* cmd = root.add_subcommand(
        "unload", "Unregister a pinned struct_ops (link or legacy map, or a --pin folder) and remove the pins; or any "
                  "struct_ops map by id (--map-id), e.g. an orphan legacy registration `show` lists");
    auto* pin = cmd->add_option("pin", args->pin, "pinned struct_ops link or map, or the folder given to load --pin");
    auto* id = cmd->add_option("--map-id", args->map_id, "a struct_ops map id (as `rawops show` prints it)");
    pin->excludes(id);
    cmd->callback([args, pin, &exit_code] {
        if (pin->count() == 0 && args->map_id == 0) {
            std::fprintf(stderr, "rawops: unload: give a PIN or --map-id ID\n");
            exit_code = kExitUsage;
            return;
        }
        const Status s = pin->count() ? unload(args->pin, say) : unload_map_id(args->map_id, say);
        exit_code = s ? kExitOk : report(s.error());
    });
}

}  // namespace
RAWOPS_CLI_COMMAND(60, setup_unload, "unload");
}  // namespace rawops::cli
