// `--format c`: BTF as a compilable C header, the vmlinux.h that BPF programs
// include (what `bpftool btf dump file X format c` prints, in type id order).
//
// Types come out in an order C accepts: a struct is defined after everything
// it embeds, forward declarations break cycles through pointers, anonymous
// structs, unions and enums are written inline where they are used, and
// duplicate names get a ___N suffix. Every struct and union is written so that
// clang -target bpf reproduces the BTF's sizes and member offsets (see
// format_c_layout.h). The whole header is wrapped in an include guard and in
// `#pragma clang attribute push (preserve_access_index)`, so that field
// accesses through it become CO-RE relocations.
#pragma once

#include <string>
#include <vector>

#include "btf/btf.h"
#include "btf/error.h"

namespace rawops::btf {

struct CFormatOptions {
    // Types to print, each with every type it needs to compile (ids of the
    // BTF given, base included); empty: every type.
    std::vector<TypeId> roots;
    // The include guard, the preserve_access_index pragma and the __ksym,
    // __weak, __bpf_fastcall macros around the types.
    bool header = true;
    // `extern ... __weak __ksym;` for each FUNC tagged "bpf_kfunc" (whole
    // dumps only), under #ifndef BPF_NO_KFUNC_PROTOTYPES.
    bool kfuncs = true;
};

// The C text. Fails (naming the type) on BTF that C cannot express: a cycle
// of types that embed each other, or a FUNC, VAR or DATASEC used as a type.
Result<std::string> format_c(const Btf& btf, const CFormatOptions& options = {});

}  // namespace rawops::btf
