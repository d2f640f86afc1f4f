// The rawops side of the load benchmark, the same work as libbpf_load.c in
// one process: open the object, plan against the running kernel, execute
// (BTF, maps, programs, struct_ops registration), tear everything down.
#include <cstdio>

#include "loader/object.h"
#include "loader/plan/executor.h"
#include "loader/plan/plan.h"
#include "loader/struct_ops/kernel_btf.h"

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: rawops_load OBJ.o\n");
        return 2;
    }
    auto obj = rawops::Object::open(argv[1]);
    if (!obj) return std::fprintf(stderr, "%s\n", obj.error().message().c_str()), 1;
    auto kernel = rawops::struct_ops::KernelBtf::open();
    if (!kernel) return std::fprintf(stderr, "%s\n", kernel.error().message().c_str()), 1;
    auto plan = rawops::plan::build(*obj, *kernel);
    if (!plan) return std::fprintf(stderr, "%s\n", plan.error().message().c_str()), 1;
    auto loaded = rawops::plan::execute(*plan);
    if (!loaded) return std::fprintf(stderr, "%s\n", loaded.error().message().c_str()), 1;
    std::printf("registered %zu struct_ops\n", loaded->registrations().size());
    return loaded->detach() ? 0 : 1;
}
