// Rewriting calls of `extern ... __ksym` functions (kfuncs).
// A kfunc call is emitted as `call` with src_reg = BPF_PSEUDO_KFUNC_CALL,
// imm = the FUNC's BTF id and off = 0 for vmlinux or, for a module's kfunc,
// the index of that module's BTF fd in BPF_PROG_LOAD's fd_array (index 0 is
// never used for a module: off = 0 means vmlinux).
#pragma once

#include <optional>
#include <string>

#include "loader/object.h"

namespace rawops::reloc {

// Rewrites a call instruction for a resolved kfunc (loader/reloc/externs.h
// finds it): `btf_id` in vmlinux or in a module's BTF; `fd_index` is 0 for
// vmlinux, else the module's slot in fd_array.
void patch_kfunc_call(Insn& call, btf::TypeId btf_id, std::int16_t fd_index);

// libbpf's poison for a __weak kfunc the kernel lacks: a call to a helper id
// no kernel has, which the verifier rejects only if the call is reachable.
void poison_kfunc_call(Insn& call, std::size_t extern_index);

}  // namespace rawops::reloc
