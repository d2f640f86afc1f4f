// The rawops side of the load benchmark, the same work as libbpf_load.c in
// one process: open the object, plan against the running kernel, execute
// (BTF, maps, programs, struct_ops registration), tear everything down.
//
// --bpf-time: also print, on stderr, the time spent inside bpf() (the
// library's syscall timer) and the process's CPU time so far, both in us:
// bench.py compares rawops' CPU outside bpf() with the kernel's share.
#include <time.h>

#include <cstdio>
#include <cstring>

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
    const bool bpf_time = argc > 2 && std::strcmp(argv[2], "--bpf-time") == 0;
    bool ok = false;
    {
        auto obj = rawops::Object::open(argv[1]);
        if (!obj) return std::fprintf(stderr, "%s\n", obj.error().message().c_str()), 1;
        auto kernel = rawops::struct_ops::KernelBtf::open();
        if (!kernel) return std::fprintf(stderr, "%s\n", kernel.error().message().c_str()), 1;
        auto plan = rawops::plan::build(*obj, *kernel);
        if (!plan) return std::fprintf(stderr, "%s\n", plan.error().message().c_str()), 1;
        auto loaded = rawops::plan::execute(*plan);
        if (!loaded) return std::fprintf(stderr, "%s\n", loaded.error().message().c_str()), 1;
        std::printf("registered %zu struct_ops\n", loaded->registrations().size());
        ok = static_cast<bool>(loaded->detach());
    }  // every fd closed here, as at the end of main
    if (bpf_time) {
        timespec cpu{};
        ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpu);
        std::fprintf(stderr, "bpf_us=%.1f cpu_us=%.1f\n", rawops::sys::bpf_totals().micros,
                     cpu.tv_sec * 1e6 + cpu.tv_nsec / 1e3);
    }
    return ok ? 0 : 1;
}
