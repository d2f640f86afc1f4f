// rawops unload PIN: unregister a pinned struct_ops and remove its pin.
// PIN is a pinned struct_ops link (detached), a pinned legacy struct_ops map
// (its registration deleted) or a folder `load --pin` filled, in which case
// every pin in it is handled and the folder removed when empty. The work is
// the library's (loader/unload.h); this file says what was done.
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
        case UnloadEvent::Kind::ExitInfo:
            std::printf("sched_ext exit info (%s): %s\n", std::filesystem::path(e.path).filename().c_str(), e.text.c_str());
            break;
    }
}

int run_unload(const std::string& pin) {
    auto s = unload(pin, say);
    return s ? kExitOk : report(s.error());
}

void setup_unload(CLI::App& root, int& exit_code) {
    auto pin = std::make_shared<std::string>();
    auto* cmd = root.add_subcommand("unload", "Unregister a pinned struct_ops (link or legacy map, or a --pin folder) and remove the pins");
    cmd->add_option("pin", *pin, "pinned struct_ops link or map, or the folder given to load --pin")->required();
    cmd->callback([pin, &exit_code] { exit_code = run_unload(*pin); });
}

}  // namespace
RAWOPS_CLI_COMMAND(60, setup_unload);
}  // namespace rawops::cli
