// How a subcommand joins the `rawops` CLI: each cmd_*.cpp file defines a
// setup function that adds its CLI11 subcommand, and registers it with
// RAWOPS_CLI_COMMAND with the names of the subcommands it adds. main.cpp adds
// them in `order` (the order of --help); when the command line names a
// subcommand, only the entry that adds it is set up (building every
// command's options was a sixth of a `rawops types` run).
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <vector>

#include "btf/error.h"

namespace rawops::cli {

// Exit codes of the CLI (DESIGN.md): what the user should look at.
enum ExitCode : int {
    kExitOk = 0,
    kExitBadInput = 1,       // the object file, BTF or arguments make no sense
    kExitKernelRefused = 2,  // a bpf() call failed; errno and verifier log shown
    kExitUsage = 3,          // unknown command or option
};

// Prints "rawops: <message chain>" (and the errno name) to stderr and maps the
// error to an exit code.
int report(const Error& error);

// A subcommand's setup: adds itself to `root`; when selected, its callback
// stores the process exit code in `exit_code`.
using CommandSetup = void (*)(CLI::App& root, int& exit_code);

struct CommandEntry {
    int order;
    CommandSetup setup;
    std::vector<std::string> names;  // the top-level subcommands `setup` adds
};

std::vector<CommandEntry>& command_registry();

struct CommandRegistrar {
    CommandRegistrar(int order, CommandSetup setup, std::vector<std::string> names) {
        command_registry().push_back({order, setup, std::move(names)});
    }
};

}  // namespace rawops::cli

#define RAWOPS_CLI_COMMAND(order, setup_fn, ...) \
    static ::rawops::cli::CommandRegistrar rawops_cli_registrar_##setup_fn(order, setup_fn, {__VA_ARGS__})
