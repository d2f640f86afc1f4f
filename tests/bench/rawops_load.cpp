// The rawops side of the load benchmark, the same work as libbpf_load.c in
// one process: open the object, plan against the running kernel, execute
// (BTF, maps, programs, struct_ops registration), tear everything down.
//
// --bpf-time: also print, on stderr, the time spent inside bpf() (the
// library's syscall timer: wall time, and the thread's CPU time, which
// leaves out the kernel sleeping in a call), the process's CPU time so far, and the CPU time
// of main() alone (without exec, the C runtime's start and the exit), all in
// us: bench.py compares rawops' CPU outside bpf() with the kernel's share;
// and the number of bpf() calls (where strace is not at hand: the 7.3 guest).
#include <time.h>

#include <cstdio>
#include <cstring>

namespace {
double process_cpu_us() {
    timespec cpu{};
    ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
    return static_cast<double>(cpu.tv_sec) * 1e6 + static_cast<double>(cpu.tv_nsec) / 1e3;
}
}  // namespace

#include "loader/object.h"
#include "loader/plan/executor.h"
#include "loader/plan/plan.h"
#include "loader/struct_ops/kernel_btf.h"
#include "loader/sys/syscall.h"

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: rawops_load OBJ.o [--bpf-time]\n");
        return 2;
    }
    const double main_start_us = process_cpu_us();
    const bool bpf_time = argc > 2 && std::strcmp(argv[2], "--bpf-time") == 0;
    rawops::sys::time_bpf_cpu(bpf_time);
    bool ok = false;
    // CPU time at the end of each phase, for the bench's "where the time goes".
    double t_open = 0, t_kernel = 0, t_plan = 0, t_execute = 0;
    {
        auto obj = rawops::Object::open(argv[1]);
        if (!obj) return std::fprintf(stderr, "%s\n", obj.error().message().c_str()), 1;
        t_open = process_cpu_us();
        auto kernel = rawops::struct_ops::KernelBtf::open();
        if (!kernel) return std::fprintf(stderr, "%s\n", kernel.error().message().c_str()), 1;
        t_kernel = process_cpu_us();
        auto plan = rawops::plan::build(*obj, *kernel);
        if (!plan) return std::fprintf(stderr, "%s\n", plan.error().message().c_str()), 1;
        t_plan = process_cpu_us();
        auto loaded = rawops::plan::execute(*plan);
        if (!loaded) return std::fprintf(stderr, "%s\n", loaded.error().message().c_str()), 1;
        t_execute = process_cpu_us();
        std::printf("registered %zu struct_ops\n", loaded->registrations().size());
        ok = static_cast<bool>(loaded->detach());
    }  // every fd closed here, as at the end of main
    if (bpf_time) {
        const double now = process_cpu_us();
        std::fprintf(stderr,
                     "bpf_us=%.1f cpu_us=%.1f main_cpu_us=%.1f open_us=%.1f kernel_btf_us=%.1f plan_us=%.1f "
                     "execute_us=%.1f teardown_us=%.1f bpf_calls=%llu bpf_cpu_us=%.1f\n",
                     rawops::sys::bpf_totals().micros, now, now - main_start_us, t_open - main_start_us,
                     t_kernel - t_open, t_plan - t_kernel, t_execute - t_plan, now - t_execute,
                     static_cast<unsigned long long>(rawops::sys::bpf_totals().calls),
                     rawops::sys::bpf_totals().cpu_micros);
    }
    return ok ? 0 : 1;
}
