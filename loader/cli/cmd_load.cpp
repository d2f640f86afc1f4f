// rawops load OBJ.o: load and register every struct_ops variable of the
// object. Without --pin it stays in the foreground until SIGINT, SIGTERM or
// SIGHUP, then unregisters (like the seed's loader); with --pin it pins and
// exits.
#include <signal.h>

#include <cstdio>
#include <memory>

#include "loader/cli/command.h"
#include "loader/cli/load_common.h"
#include "loader/pin_dir.h"
#include "loader/plan/executor.h"

namespace rawops::cli {
namespace {

struct LoadOptions {
    std::string object;
    std::string pin_dir;
    ObjectArgs args;  // --map, --set, --resize
    TraceOptions trace;
    unsigned log_level = 0;
};

// The signals that end a foreground load. They are blocked from before the
// first bpf() call of the load, so one that comes while loading stays
// pending instead of killing the process half-way: a legacy .struct_ops map
// stays registered in the kernel after its process dies, and nothing would
// be left to unregister it. sigwaitinfo() takes it once the load is done,
// with no window between "is there a signal?" and "wait for one".
// SIGHUP counts unless it was ignored when we started (`nohup rawops load`
// asks to outlive the terminal). SIGINT counts even then: a shell starts
// background jobs with SIGINT ignored, and a blocked signal is queued
// whatever its disposition.
sigset_t stop_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    struct sigaction hup {};
    if (sigaction(SIGHUP, nullptr, &hup) != 0 || hup.sa_handler != SIG_IGN) sigaddset(&set, SIGHUP);
    return set;
}

const char* signal_name(int sig) {
    switch (sig) {
        case SIGINT: return "SIGINT";
        case SIGTERM: return "SIGTERM";
        case SIGHUP: return "SIGHUP";
        default: return "a signal";
    }
}

// Blocks until one of `set` (blocked) is pending, and takes it.
int wait_for(const sigset_t& set) {
    for (;;) {
        const int sig = sigwaitinfo(&set, nullptr);
        if (sig > 0) return sig;
        // EINTR: a stop/continue or another signal's handler, not ours.
    }
}

int run_load(const LoadOptions& o) {
    enable_trace(o.trace);
    // Folders --pin created are removed again if the load fails.
    PinDir pin_dir;
    if (!o.pin_dir.empty()) {
        auto d = PinDir::prepare(o.pin_dir);
        if (!d) return report(std::move(d).error().context("--pin " + o.pin_dir));
        pin_dir = std::move(d).value();
    }
    auto planned = open_and_plan(o.object, o.args);
    if (!planned) return report(planned.error());
    plan::ExecOptions exec;
    trace_steps(exec, o.trace);
    exec.log.level = o.log_level;
    // From here on the stop signals wait for us (see stop_signals). On an
    // error path they stay blocked until the process exits: the exit code
    // stays the error's, and ~Loaded unregisters first.
    const sigset_t stop = stop_signals();
    sigset_t old_mask;
    sigprocmask(SIG_BLOCK, &stop, &old_mask);
    auto loaded = plan::execute(planned->plan, exec);
    if (!loaded) return report(loaded.error());

    if (!o.pin_dir.empty()) {
        auto s = loaded->pin(o.pin_dir);
        if (!s) return report(s.error());  // ~Loaded unregisters what was registered
        loaded->keep();
        pin_dir.commit();
    }
    for (const auto& r : loaded->registrations())
        std::printf("registered struct_ops '%s' (%s)\n", r.name.c_str(), r.link ? "link" : "map update");
    for (const auto& prog : loaded->attachments()) std::printf("attached program '%s' (link)\n", prog.c_str());
    // What the object holds but this load left out is said, never skipped silently.
    for (const auto& note : planned->plan.notes)
        if (note.find("not loaded") != std::string::npos) std::printf("note: %s\n", note.c_str());
    if (!o.pin_dir.empty()) {
        std::printf("pinned under %s; remove with: rawops unload %s\n", o.pin_dir.c_str(), o.pin_dir.c_str());
        // Pinned and kept: a signal that came meanwhile may now act as it
        // would have without us (the output is out before it does).
        std::fflush(stdout);
        sigprocmask(SIG_SETMASK, &old_mask, nullptr);
        return kExitOk;
    }
    std::printf("running; press Ctrl-C (or send SIGTERM%s) to unregister and exit\n",
                sigismember(&stop, SIGHUP) ? " or SIGHUP" : "; SIGHUP is ignored, as it was at start");
    std::fflush(stdout);
    const int sig = wait_for(stop);
    // The signals stay blocked: a second Ctrl-C must not cut the unregistering short.
    auto s = loaded->detach();
    if (!s) return report(s.error());
    std::printf("got %s: unregistered\n", signal_name(sig));
    return kExitOk;
}

void setup_load(CLI::App& root, int& exit_code) {
    auto opts = std::make_shared<LoadOptions>();
    auto* cmd = root.add_subcommand("load", "Load an object: register its struct_ops, attach its tp_btf/fentry/fexit/kprobe programs");
    cmd->add_option("object", opts->object, "BPF object file (.o)")->required();
    cmd->add_option("--pin", opts->pin_dir,
                    "pin links (and maps) in this bpffs folder, created with its parents if missing, and exit");
    add_object_options(cmd, opts->args);
    add_trace_options(cmd, opts->trace);
    cmd->add_option("--log-level", opts->log_level, "verifier log level (0: log only on failure, 1, 2)");
    cmd->callback([opts, &exit_code] { exit_code = run_load(*opts); });
}

}  // namespace
RAWOPS_CLI_COMMAND(10, setup_load, "load");
}  // namespace rawops::cli
