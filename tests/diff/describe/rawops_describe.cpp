// The rawops side of tests/diff: plan an object (nothing is sent) and print
// what rawops decided in libbpf_describe's format. The plan is what the
// executor would send, so the maps are its BPF_MAP_CREATE requests and the
// programs its BPF_PROG_LOAD requests.
#include <cstdio>
#include <variant>

#include "loader/object.h"
#include "loader/plan/plan.h"
#include "loader/struct_ops/kernel_btf.h"
#include "loader/sys/abi.h"

using namespace rawops;

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: rawops_describe OBJ.o\n");
        return 2;
    }
    auto obj = Object::open(argv[1]);
    if (!obj) {
        std::fprintf(stderr, "rawops: %s\n", obj.error().message().c_str());
        return 1;
    }
    auto kernel = struct_ops::KernelBtf::open();
    if (!kernel) {
        std::fprintf(stderr, "rawops: %s\n", kernel.error().message().c_str());
        return 1;
    }
    auto p = plan::build(*obj, *kernel);
    if (!p) {
        std::fprintf(stderr, "rawops: %s\n", p.error().message().c_str());
        return 1;
    }
    for (const plan::Step& s : p->steps) {
        if (const auto* m = std::get_if<plan::CreateMap>(&s.action)) {
            const sys::MapCreateRequest& r = m->request;
            // As the kernel will report it: 15 characters of the name.
            std::printf("map %s type=%u flags=0x%x key=%u value=%u max_entries=%u\n",
                        r.name.substr(0, sys::kObjNameLen - 1).c_str(), r.map_type, r.map_flags, r.key_size,
                        r.value_size, r.max_entries);
        } else if (const auto* l = std::get_if<plan::LoadProgram>(&s.action)) {
            std::printf("prog %s sec=%s type=%u expected_attach_type=%u\n", l->name.c_str(), l->section.c_str(),
                        l->prog_type, l->expected_attach_type);
        }
    }
    return 0;
}
