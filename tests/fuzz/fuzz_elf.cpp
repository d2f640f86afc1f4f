// libFuzzer target: arbitrary bytes as a BPF object file. Whatever our ELF
// reader accepts must survive every accessor; the Object parser on top,
// program linking and, where the machine has kernel BTF, the whole plan
// builder (binding, BTF fixup, CO-RE, kfuncs; it makes no bpf() call) must
// refuse or accept without crashing.
#include <cstddef>
#include <cstdint>
#include <span>

#include "loader/elf/elf_file.h"
#include "loader/object.h"
#include "loader/plan/plan.h"
#include "loader/reloc/link.h"

using namespace rawops;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::span<const std::uint8_t> bytes(data, size);
    auto elf = elf::ElfFile::from_buffer(bytes, "fuzz.o");
    if (!elf.ok()) return 0;
    std::uint64_t sink = 0;
    for (const auto& s : elf->sections()) {
        for (std::uint8_t b : s.data) sink += b;
        sink += s.name.size();
        for (const auto& r : elf->relocations_for(s.index)) sink += elf->symbols()[r.symbol].name.size() + r.offset;
    }
    for (const auto& y : elf->symbols()) sink += y.name.size();
    if (elf->find_section(".BTF")) ++sink;

    auto obj = Object::from_buffer(bytes, "fuzz.o");
    if (obj.ok()) {
        for (std::size_t i = 0; i < obj->programs().size(); ++i) {
            auto linked = reloc::link_program(*obj, i);
            if (linked.ok()) sink += linked->insns.size();
        }
        static auto kernel = struct_ops::KernelBtf::open();
        if (kernel.ok()) {
            auto p = plan::build(*obj, *kernel);
            if (p.ok()) sink += p->steps.size();
        }
    }
    asm volatile("" : : "r"(sink));
    return 0;
}
