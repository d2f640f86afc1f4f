// The object's BTF as the kernel will accept it in BPF_BTF_LOAD. clang leaves
// things for the loader to finish (libbpf does the same fixups):
//  - DATASEC sizes are 0 and VAR offsets inside them are 0: filled from the
//    ELF section sizes and the variables' symbol values;
//  - `extern ... __ksym` functions sit in a `.ksyms` DATASEC as FUNCs with
//    extern linkage, which the kernel refuses: the FUNCs become global, each
//    `.ksyms` entry points to one appended dummy `int` VAR, and unnamed
//    parameters of their prototypes get a name (the kernel wants names on
//    non-static functions);
//  - .kconfig gets the Object's layout, every DATASEC is sorted by offset,
//    and resized sections get their new array type (see ArrayResize).
#pragma once

#include <cstdint>
#include <vector>

#include "loader/elf/elf_file.h"
#include "loader/object.h"

namespace rawops::reloc {

// A global-data section resized through its last variable, an array
// (libbpf's map_btf_datasec_resize): the VAR gets a new ARRAY type of
// `elements` elements, appended to the BTF, and the DATASEC the new size.
struct ArrayResize {
    btf::TypeId datasec = 0, var = 0;
    btf::TypeId elem_type = 0, index_type = 0;
    std::uint32_t elements = 0;
    std::uint64_t new_size = 0;
};

// STV_HIDDEN or STV_INTERNAL: libbpf treats such a global as static (its
// BTF VAR or FUNC linkage, and whether its section is BPF_F_MMAPABLE).
inline bool restricted_visibility(const elf::Symbol& s) { return s.visibility == 1 || s.visibility == 2; }

Result<std::vector<std::uint8_t>> kernel_ready_btf(const Object& obj, const std::vector<ArrayResize>& resizes = {});

}  // namespace rawops::reloc
