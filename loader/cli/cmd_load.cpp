// rawops load OBJ.o: load and register every struct_ops variable of the
// object. Without --pin it stays in the foreground until SIGINT/SIGTERM, then
// unregisters (like the seed's loader); with --pin it pins and exits.
#include <csignal>
#include <cstdio>
#include <memory>

#include <unistd.h>

#include "loader/cli/command.h"
#include "loader/cli/load_common.h"
#include "loader/plan/executor.h"

namespace rawops::cli {
namespace {

struct LoadOptions {
    std::string object;
    std::string pin_dir;
    std::vector<std::string> maps;
    bool trace = false;
    unsigned log_level = 0;
};

volatile std::sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

int run_load(const LoadOptions& o) {
    if (o.trace) enable_trace();
    auto planned = open_and_plan(o.object, o.maps);
    if (!planned) return report(planned.error());
    plan::ExecOptions exec;
    exec.log.level = o.log_level;
    auto loaded = plan::execute(planned->plan, exec);
    if (!loaded) return report(loaded.error());

    if (!o.pin_dir.empty()) {
        auto s = loaded->pin(o.pin_dir);
        if (!s) return report(s.error());  // ~Loaded unregisters what was registered
        loaded->keep();
    }
    for (const auto& r : loaded->registrations())
        std::printf("registered struct_ops '%s' (%s)\n", r.name.c_str(), r.link ? "link" : "map update");
    for (const auto& prog : loaded->attachments()) std::printf("attached program '%s' (link)\n", prog.c_str());
    // What the object holds but this load left out is said, never skipped silently.
    for (const auto& note : planned->plan.notes)
        if (note.find("not loaded") != std::string::npos) std::printf("note: %s\n", note.c_str());
    if (!o.pin_dir.empty()) {
        std::printf("pinned under %s; remove with: rawops unload %s\n", o.pin_dir.c_str(), o.pin_dir.c_str());
        return kExitOk;
    }
    std::signal(SIGINT, on_signal);
    std::signal(SIGTERM, on_signal);
    std::printf("running; press Ctrl-C (or send SIGTERM) to unregister and exit\n");
    std::fflush(stdout);
    while (!g_stop) pause();
    auto s = loaded->detach();
    if (!s) return report(s.error());
    std::printf("unregistered\n");
    return kExitOk;
}

void setup_load(CLI::App& root, int& exit_code) {
    auto opts = std::make_shared<LoadOptions>();
    auto* cmd = root.add_subcommand("load", "Load an object: register its struct_ops, attach its tp_btf/fentry/fexit/kprobe programs");
    cmd->add_option("object", opts->object, "BPF object file (.o)")->required();
    cmd->add_option("--pin", opts->pin_dir, "pin links (and maps) in this bpffs folder and exit");
    cmd->add_option("--map", opts->maps,
                    "only this struct_ops variable (repeatable); also selects SEC(\"?.struct_ops\") ones, which are "
                    "not created by default");
    cmd->add_flag("--trace", opts->trace, "print every bpf() call, decoded, with result and time");
    cmd->add_option("--log-level", opts->log_level, "verifier log level (0: log only on failure, 1, 2)");
    cmd->callback([opts, &exit_code] { exit_code = run_load(*opts); });
}

}  // namespace
RAWOPS_CLI_COMMAND(10, setup_load);
}  // namespace rawops::cli
