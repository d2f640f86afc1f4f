// libFuzzer target: arbitrary bytes as a BPF object, through what `rawops
// inspect` and `rawops plan` print. fuzz_elf checks the parsers and the plan
// builder; this one renders what they accept, the way the commands do:
// inspect's text (programs, struct_ops members and their values, global
// variables decoded by their BTF, externs) and its JSON, then the plan built
// against this machine's kernel BTF (read only: plan::build makes no bpf()
// call; skipped where /sys/kernel/btf is absent), printed as text and JSON.
// The object's own BTF is crafted too, so every type spelling and value
// decoding meets loops and fan-outs here as well.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <span>

#include "loader/object.h"
#include "loader/plan/plan.h"
// The CLI's printers are not in librawops.a (the fuzz library): their
// translation units are compiled in, as the unit tests do. main.cpp is not
// (it has main()): its two helpers the commands call are defined below.
#include "loader/cli/cmd_inspect.cpp"  // NOLINT(bugprone-suspicious-include)
#include "loader/cli/plan_json.cpp"    // NOLINT(bugprone-suspicious-include)
#include "loader/cli/type_text.cpp"    // NOLINT(bugprone-suspicious-include)

namespace rawops::cli {
std::vector<CommandEntry>& command_registry() {
    static std::vector<CommandEntry> registry;
    return registry;
}
int report(const Error& error) { return error.kernel_refused() ? kExitKernelRefused : kExitBadInput; }
}  // namespace rawops::cli

using namespace rawops;

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    // inspect's text goes to stdout, as in the command: to /dev/null here
    // (libFuzzer reports on stderr).
    if (!std::freopen("/dev/null", "w", stdout)) return 1;
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    auto obj = Object::from_buffer(std::span<const std::uint8_t>(data, size), "fuzz.o");
    if (!obj.ok()) return 0;
    std::size_t sink = 0;

    // rawops inspect, text and --json.
    cli::print_text(*obj);
    sink += cli::inspect_json(*obj).dump(2, ' ', false, nlohmann::json::error_handler_t::replace).size();

    // rawops plan, text and --json, against the running kernel's BTF.
    static auto kernel = struct_ops::KernelBtf::open();
    if (kernel.ok()) {
        if (auto p = plan::build(*obj, *kernel); p.ok()) {
            sink += plan::print(*p).size();
            sink += cli::plan_json(*p).dump(2, ' ', false, nlohmann::json::error_handler_t::replace).size();
        } else {
            sink += p.error().message().size();
        }
    }
    asm volatile("" : : "r"(sink));
    return 0;
}
