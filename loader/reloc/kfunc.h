// Resolving `extern ... __ksym` functions (kfuncs) against the kernel's BTF.
// A kfunc call is emitted as `call` with src_reg = BPF_PSEUDO_KFUNC_CALL,
// imm = the FUNC's BTF id and off = 0 for vmlinux or, for a module's kfunc,
// the index of that module's BTF fd in BPF_PROG_LOAD's fd_array (index 0 is
// never used for a module: off = 0 means vmlinux).
#pragma once

#include <optional>
#include <string>

#include "loader/object.h"
#include "loader/struct_ops/kernel_btf.h"

namespace rawops::reloc {

struct KfuncTarget {
    std::string name;
    std::string module;      // "" for vmlinux
    btf::TypeId btf_id = 0;  // FUNC id in vmlinux or in the module's split BTF
};

// Finds extern function `ext` of `obj` in vmlinux, then in the modules. A
// missing kfunc is an error naming it, except for a __weak extern, which
// resolves to nullopt (the caller poisons the call like libbpf does). The
// prototypes must agree in parameter count (libbpf checks compatibility too).
Result<std::optional<KfuncTarget>> resolve_kfunc(struct_ops::KernelBtf& kernel, const Object& obj, const Extern& ext);

// Rewrites a call instruction for a resolved kfunc; `fd_index` is 0 for
// vmlinux, else the module's slot in fd_array.
void patch_kfunc_call(Insn& call, const KfuncTarget& target, std::int16_t fd_index);

// libbpf's poison for a __weak kfunc the kernel lacks: a call to a helper id
// no kernel has, which the verifier rejects only if the call is reachable.
void poison_kfunc_call(Insn& call, std::size_t extern_index);

}  // namespace rawops::reloc
