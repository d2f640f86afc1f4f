// Entry point of the `rawops` command-line tool. Subcommands live in
// cmd_*.cpp and register themselves (see command.h).
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "loader/cli/command.h"
#include "loader/version.h"

namespace rawops::cli {

std::vector<CommandEntry>& command_registry() {
    static std::vector<CommandEntry> registry;
    return registry;
}

namespace {

// This process's effective capabilities (CapEff in /proc/self/status), or
// "unknown" where /proc is missing (an initramfs).
std::string effective_caps() {
    std::FILE* f = std::fopen("/proc/self/status", "r");
    if (!f) return "unknown (no /proc)";
    char line[256];
    std::string caps = "unknown";
    while (std::fgets(line, sizeof line, f))
        if (std::strncmp(line, "CapEff:", 7) == 0) {
            caps = line + 7;
            caps.erase(0, caps.find_first_not_of(" \t"));
            caps.erase(caps.find_last_not_of(" \t\n") + 1);
        }
    std::fclose(f);
    return caps;
}

// What to do about an error that comes from the machine rather than the
// object: one line naming the fix, or "".
std::string hint_for(const Error& error) {
    const std::string& m = error.message();
    if (error.err_no() == EPERM && m.find("BPF_") != std::string::npos)
        return "bpf() needs root, or CAP_BPF (with CAP_PERFMON for tracing and kprobe programs, CAP_NET_ADMIN for "
               "network types such as Qdisc_ops); this process has CapEff=" + effective_caps() +
               ". On kernels before 5.11 BPF memory also counts against RLIMIT_MEMLOCK: ulimit -l unlimited";
    if (error.err_no() == EROFS)
        return "the bpffs is mounted read-only: remount it read-write (mount -o remount,rw /sys/fs/bpf) or pin elsewhere";
    if (m.find("/sys/kernel/btf/vmlinux") != std::string::npos && m.find("cannot open") != std::string::npos)
        return "this kernel exposes no BTF (it needs CONFIG_DEBUG_INFO_BTF=y) or /sys is not mounted "
               "(mount -t sysfs sysfs /sys); `rawops plan --btf-dir DIR` plans against another kernel's BTF";
    if (m.find("the kernel has no struct_ops type") != std::string::npos)
        return "a type defined by a kernel module needs that module loaded first (modprobe or insmod): its BTF then "
               "appears as /sys/kernel/btf/<module>";
    return "";
}

}  // namespace

int report(const Error& error) {
    // Kernel errors already carry the errno's name and text (loader/sys).
    std::fprintf(stderr, "rawops: %s\n", error.message().c_str());
    if (const std::string hint = hint_for(error); !hint.empty()) std::fprintf(stderr, "rawops: hint: %s\n", hint.c_str());
    return error.kernel_refused() ? kExitKernelRefused : kExitBadInput;
}

}  // namespace rawops::cli

int main(int argc, char** argv) {
    using namespace rawops::cli;
    CLI::App app{"rawops: load BPF struct_ops objects into the kernel with raw bpf() calls"};
    app.name("rawops");
    app.set_version_flag("--version", std::string("rawops ") + rawops::version());
    app.require_subcommand(1);

    int exit_code = kExitOk;
    auto commands = command_registry();
    std::sort(commands.begin(), commands.end(),
              [](const CommandEntry& a, const CommandEntry& b) { return a.order < b.order; });
    for (const auto& c : commands) c.setup(app, exit_code);

    try {
        app.parse(argc, argv);
    } catch (const CLI::Success& e) {  // --help, --version
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        app.exit(e);
        return kExitUsage;
    }
    return exit_code;
}
