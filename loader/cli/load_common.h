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

// Installs a tracer printing every bpf() call to stderr as it returns.
void enable_trace();
// With --trace: before each step's calls, the step and what its BTF ids and
// values mean (plan::explain_step), so the trace reads at the level of the ABI.
void trace_steps(plan::ExecOptions& exec);

}  // namespace rawops::cli
