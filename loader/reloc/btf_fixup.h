// The object's BTF as the kernel will accept it in BPF_BTF_LOAD. clang leaves
// things for the loader to finish (libbpf does the same fixups):
//  - DATASEC sizes are 0 and VAR offsets inside them are 0: filled from the
//    ELF section sizes and the variables' symbol values;
//  - `extern ... __ksym` functions sit in a `.ksyms` DATASEC as FUNCs with
//    extern linkage, which the kernel refuses: the FUNCs become global, each
//    `.ksyms` entry points to one appended dummy `int` VAR, and unnamed
//    parameters of their prototypes get a name (the kernel wants names on
//    non-static functions).
#pragma once

#include <cstdint>
#include <vector>

#include "loader/object.h"

namespace rawops::reloc {

Result<std::vector<std::uint8_t>> kernel_ready_btf(const Object& obj);

}  // namespace rawops::reloc
