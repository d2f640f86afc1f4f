// Our side of the BTF benchmark: the same work as libbpf_lookup.c (open
// vmlinux BTF, find the struct_ops value type and the ops struct, walk their
// members), through librawops, with the same output.
#include <cstdio>
#include <string>

#include "btf/btf.h"

using namespace rawops::btf;

namespace {

bool print_struct(const Btf& btf, const char* name) {
    auto id = btf.find(name, Kind::Struct);
    if (!id) {
        std::fprintf(stderr, "btf_lookup: %s\n", id.error().message().c_str());
        return false;
    }
    TypeView t = btf.type(*id);
    std::printf("%s id=%u size=%u\n", name, *id, t.size());
    for (Member m : t.members())
        std::printf("  %.*s bit_offset=%u type=%u\n", static_cast<int>(m.name.size()), m.name.data(), m.bit_offset,
                    m.type);
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    const char* value = argc > 1 ? argv[1] : "bpf_struct_ops_tcp_congestion_ops";
    const char* ops = argc > 2 ? argv[2] : "tcp_congestion_ops";
    auto btf = Btf::open_vmlinux();
    if (!btf) {
        std::fprintf(stderr, "btf_lookup: %s\n", btf.error().message().c_str());
        return 1;
    }
    return print_struct(*btf, value) && print_struct(*btf, ops) ? 0 : 1;
}
