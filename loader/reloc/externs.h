// Resolving an object's externs against the running kernel, with libbpf's
// rules (bpf_object__resolve_externs and its helpers in libbpf.c):
//
//  - .kconfig: CONFIG_* from the kernel's Kconfig (y/n/m, numbers, strings,
//    each only into the C types libbpf allows for it); LINUX_KERNEL_VERSION,
//    LINUX_HAS_BPF_COOKIE and LINUX_HAS_SYSCALL_WRAPPER computed; any other
//    LINUX_* is an error unless __weak. The values form the initial contents
//    of the read-only .kconfig map.
//  - .ksyms functions (kfuncs): the kernel FUNC of the essential name
//    (`bpf_foo___v2` looks for `bpf_foo`), vmlinux first, then modules; its
//    prototype must be compatible, or a __weak kfunc stays unresolved.
//  - .ksyms typed variables: the kernel VAR of that name, of a compatible type.
//  - .ksyms typeless variables (`extern const void x __ksym`): the address
//    /proc/kallsyms gives, which must be unambiguous.
//  - an unresolved __weak extern reads as 0; an unresolved strong one is an
//    error naming it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "btf/error.h"
#include "loader/object.h"
#include "loader/reloc/kernel_files.h"
#include "loader/struct_ops/kernel_btf.h"

namespace rawops::reloc {

struct ExternValue {
    bool set = false;           // resolved (else: weak, reads as 0 / calls poisoned)
    std::string module;         // Ksym found in this module's BTF ("" for vmlinux)
    btf::TypeId btf_id = 0;     // Ksym with a type: the FUNC / VAR id in that BTF
    std::uint64_t address = 0;  // typeless Ksym: from kallsyms
    std::string shown;          // the value as `rawops plan` shows it
};

struct ResolvedExterns {
    std::vector<ExternValue> values;     // one per Object::externs(), same order
    std::vector<std::uint8_t> kconfig;   // initial contents of the .kconfig map
    std::string kconfig_source;          // where CONFIG_* values came from ("" if none were needed)
};

Result<ResolvedExterns> resolve_externs(const Object& obj, struct_ops::KernelBtf& kernel,
                                        const KernelFiles& files = {});

}  // namespace rawops::reloc
