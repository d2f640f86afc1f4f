// Issue 13, fault injection: the one implementation of the sweep, shared by
// the host test (tests/host/fault_injection_test.cpp, doctest) and the static
// guest program (tests/fault/guest_sweep.cpp, run in the 6.12 and 7.3 qemu
// guests). An object is loaded once cleanly to count its bpf() calls; then
// call N of a load is made to fail with an errno (sys::inject_fault_for_testing,
// the call never reaches the kernel), and after each failed load nothing may
// be left: no fd, no program, map or link, nothing registered, no pin; and
// the error names the failing step, its errno and what was rolled back.
// Problems come back as text, so each caller reports them its own way.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "loader/plan/plan.h"

namespace rawops::testing::fault {

// The errnos the kernel really returns for the calls of a load.
inline const std::vector<int>& kernel_errnos() {
    static const std::vector<int> all{ENOMEM, EINVAL, EPERM, EINTR, EAGAIN, E2BIG, ENOSPC};
    return all;
}

// One kind of fault: the errno, and how many calls of the same command in a
// row fail with it. A transient fault (window 1), or a lasting one (12): the
// same command refused 12 times in a row, more than the load ever tries it
// (a PROG_LOAD is tried 5 times on EAGAIN, and 5 more with a verifier log,
// as libbpf does), so the retries are seen to be bounded.
struct Fault {
    int err = 0;
    std::uint64_t window = 1;
};

// Each errno with each window.
std::vector<Fault> faults(const std::vector<int>& errnos, const std::vector<std::uint64_t>& windows = {1, 12});

struct SweepOptions {
    std::string object;        // path of the .bpf.o
    plan::BuildOptions build;  // pin_root: where LIBBPF_PIN_BY_NAME maps pin
    std::vector<Fault> every_call;  // each injected at every call N of the load
    // Injected at a few calls only: the first call of each command the load
    // makes, and each registration call (the BPF_LINK_CREATE of a struct_ops
    // link, the BPF_MAP_UPDATE_ELEM of a legacy struct_ops map). Cheaper
    // than every call where a load costs a fraction of a second (the guests).
    std::vector<Fault> at_spots;
    // Non-empty: the load is plan::execute() and then Loaded::pin(pin_dir),
    // as `rawops load --pin` does, so faults in the pins after the
    // registration are swept too.
    std::string pin_dir;
    // Walk every program, map and link id instead of those of the object's
    // names: only where nothing else loads BPF meanwhile (the guests).
    bool all_ids = false;
    // What the kernel has registered, as text compared before and after
    // (the TCP congestion controls, sched_ext's state, the seed module's).
    std::function<std::string()> registered;
};

struct SweepReport {
    std::string object;
    std::uint64_t calls = 0;  // bpf() calls of a clean load
    int faults = 0;           // loads with a fault injected
    int failed_loads = 0;     // refused, as they should be
    int tolerated = 0;        // went through a fault libbpf also absorbs
    // Faults injected at a registration call, and the calls' numbers.
    int registration_faults = 0;
    std::vector<std::uint64_t> registration_calls;
    std::vector<std::string> commands;  // of the clean load's calls, in order ("BPF_MAP_CREATE")
    std::vector<std::string> problems;  // one line each; empty when all held
    double seconds = 0;
};

SweepReport sweep(const SweepOptions& options);

}  // namespace rawops::testing::fault
