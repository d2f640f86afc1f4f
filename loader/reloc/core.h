// CO-RE: the relocation records clang writes into .BTF.ext for every access
// to a type marked preserve_access_index (all of vmlinux.h), resolved
// against the running kernel's BTF, with the semantics of libbpf's
// relo_core.c: candidates by essential name (a ___flavor suffix ignored),
// vmlinux first and modules only when vmlinux has none, fields matched by
// name through anonymous members, every candidate must agree, and a relocation
// without a candidate poisons its instruction (the verifier then refuses it
// only if it is reachable) unless it asks whether something exists.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "btf/btf.h"
#include "btf/btf_ext.h"
#include "btf/error.h"
#include "loader/insn.h"

namespace rawops::reloc {

struct CoreTarget {
    const btf::Btf* btf = nullptr;
    std::string name;  // "vmlinux" or the module's name
};

struct CoreResult {
    bool found = false;           // some candidate matched
    bool poison = false;          // no candidate: the instruction becomes an invalid call
    bool validate = true;         // the instruction must hold `orig` (not for bitfield offsets)
    std::uint64_t orig = 0;       // the value as compiled (from the object's own BTF)
    std::uint64_t value = 0;      // the value for the running kernel
    std::uint32_t orig_size = 0;  // field size as compiled / in the kernel (load size fixups)
    std::uint32_t new_size = 0;
    // The size changed for a field that is not a pointer or unsigned integer:
    // a load or store of it is poisoned (libbpf's fail_memsz_adjust).
    bool fail_memsz_adjust = false;
    std::string description;      // "byte_off tcp_sock.snd_cwnd: 1464 -> 1464 (vmlinux [3421])"
};

// Candidate lists already searched, per target BTF, essential name and kind:
// an object's relocations mostly name a few kernel types over and over
// (tcp_cc.bpf.o: 17 relocations, one type), and each search reads the
// target's records. One cache per load, alive while its target BTFs are.
struct CoreCandidateCache {
    std::map<std::tuple<const btf::Btf*, std::string, btf::Kind>, std::vector<btf::TypeId>, std::less<>> lists;
};

// Computes one relocation. `targets` in search order (vmlinux, then modules).
// `cache`, when given, keeps candidate lists between calls.
Result<CoreResult> core_calc(const btf::Btf& local, const btf::CoreRelo& relo, const std::vector<CoreTarget>& targets,
                             CoreCandidateCache* cache = nullptr);

// libbpf's bpf_core_types_are_compat(): the compatibility rule CO-RE uses
// for types, and the one extern kfuncs and typed ksyms are checked with.
// An error (naming the type) where the comparison gave up: a modifier chain
// or nesting deeper than 32, or more types compared than any real pair needs.
Result<bool> types_are_compat(const btf::Btf& local, btf::TypeId local_id, const btf::Btf& target, btf::TypeId target_id);

// Applies a result to the instruction at `at` (ALU imm, LDX/ST/STX offset and
// load size, ld_imm64 value), checking that it held the compiled value.
Status core_patch(std::span<Insn> insns, std::uint32_t at, const CoreResult& result);

}  // namespace rawops::reloc
