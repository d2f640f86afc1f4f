// What `load`, `plan` and `update` share: opening an object and planning it
// against the running kernel, with errors reported the CLI's way.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "loader/object.h"
#include "loader/plan/executor.h"
#include "loader/plan/plan.h"
#include "loader/struct_ops/kernel_btf.h"

namespace rawops::cli {

struct Planned {
    Object object;
    struct_ops::KernelBtf kernel;
    plan::Plan plan;
};

// What `load`, `plan` and `update` let the user choose about an object.
struct ObjectArgs {
    std::vector<std::string> maps;     // --map NAME
    std::vector<std::string> sets;     // --set VAR=VALUE, --set VAR.MEMBER=VALUE
    std::vector<std::string> resizes;  // --resize MAP=N
    std::string btf_dir = "/sys/kernel/btf";  // plan --btf-dir: another kernel's BTF
    bool no_profile = false;                  // --no-profile: exactly what libbpf does
};
// Adds --map, --set and --resize to `cmd`.
void add_object_options(CLI::App* cmd, ObjectArgs& args);

// Opens `path`, reads the kernel's BTF and builds the plan.
Result<Planned> open_and_plan(const std::string& path, const ObjectArgs& args);
Result<Planned> open_and_plan(const std::string& path, const std::vector<std::string>& only_maps);

// --trace (text) and --trace-json (JSON Lines, docs/schema/trace.schema.json):
// every bpf() call on stderr as it returns, each plan step before its calls.
struct TraceOptions {
    bool text = false;
    bool json = false;
    bool on() const { return text || json; }
};
void add_trace_options(CLI::App* cmd, TraceOptions& trace);
// Installs the tracer of every bpf() call (nothing when trace is off).
void enable_trace(const TraceOptions& trace);
// Before each step's calls, the step and what its BTF ids and values mean
// (plan::explain_step), so the trace reads at the level of the ABI.
void trace_steps(plan::ExecOptions& exec, const TraceOptions& trace);

}  // namespace rawops::cli
