// Entry point of the `rawops` command-line tool. Subcommands live in
// cmd_*.cpp and register themselves (see command.h).
#include <algorithm>
#include <cstdio>
#include <string>
#include <string_view>

#include "loader/cli/command.h"
#include "loader/hint.h"
#include "loader/version.h"

namespace rawops::cli {

std::vector<CommandEntry>& command_registry() {
    static std::vector<CommandEntry> registry;
    return registry;
}

int report(const Error& error) {
    // Kernel errors already carry the errno's name and text (loader/sys).
    std::fprintf(stderr, "rawops: %s\n", error.message().c_str());
    if (const std::string h = hint(error); !h.empty()) std::fprintf(stderr, "rawops: hint: %s\n", h.c_str());
    return error.kernel_refused() ? kExitKernelRefused : kExitBadInput;
}

}  // namespace rawops::cli

int main(int argc, char** argv) {
    using namespace rawops::cli;
    CLI::App app{"rawops: load BPF struct_ops objects into the kernel with raw bpf() calls"};
    app.name("rawops");
    const std::string version_text = std::string("rawops ") + rawops::version();
    app.set_version_flag("--version", version_text);
    app.require_subcommand(1);

    int exit_code = kExitOk;
    auto commands = command_registry();
    std::sort(commands.begin(), commands.end(),
              [](const CommandEntry& a, const CommandEntry& b) { return a.order < b.order; });
    // The subcommand the command line starts with, if any: only its entry is
    // set up. Anything else (no subcommand, a typo, a top-level --help or
    // --version before it) sets up all of them, for the full listing or error.
    const CommandEntry* named = nullptr;
    if (argc > 1)
        for (const auto& c : commands)
            if (std::find(c.names.begin(), c.names.end(), argv[1]) != c.names.end()) named = &c;
    if (named)
        named->setup(app, exit_code);
    else
        for (const auto& c : commands) c.setup(app, exit_code);

    // `rawops --help` and `rawops --version` print what CLI11 would print
    // without its exception: the first C++ exception of a static binary has
    // libgcc sort every unwind entry (~11M instructions, ~3 ms here).
    if (argc == 2 && !named) {
        const std::string_view only = argv[1];
        if (only == "--version") {
            std::printf("%s\n", version_text.c_str());  // (app.version() throws inside)
            return kExitOk;
        }
        if (only == "--help" || only == "-h") {
            std::fputs(app.help().c_str(), stdout);
            return kExitOk;
        }
    }
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
