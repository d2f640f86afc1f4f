// Short C-like spellings of BTF types for listings (`rawops types`,
// `rawops inspect`): "struct sock *", "u32", "int (*)(struct sock *)".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "btf/btf.h"

namespace rawops::cli {

// Both are bounded: where a type refers back to itself (a FUNC_PROTO
// returning a pointer to itself) the text ends in "...(type [N] nests deeper
// than 16)" naming where it was cut, and prototypes that fan out (k
// parameters, each a pointer to a prototype of k parameters, ...) stop after
// a fixed number of steps and characters with "...(type [N]: text too long)".
// Crafted BTF can neither overflow the stack nor make the text grow k^depth.
std::string type_text(const btf::Btf& btf, btf::TypeId id);
// "ret name(type a, type b)" for a FUNC_PROTO, with parameter names.
std::string signature_text(const btf::Btf& btf, const btf::TypeView& proto, const std::string& name);

// One member of a struct_ops type, as `rawops types` shows it (text and JSON).
struct OpsMember {
    std::uint32_t index = 0;
    std::string name;
    std::uint32_t bit_offset = 0;
    bool function = false;
    std::string type;         // "u32", "void (*)(struct sock *, u32, u32)"
    std::string declaration;  // "u32 flags", "void (*cong_avoid)(struct sock *, u32, u32)"
};

// A struct_ops type: struct T and the kernel's value struct bpf_struct_ops_T.
struct OpsType {
    std::string name;    // "tcp_congestion_ops"
    std::string module;  // empty for vmlinux
    btf::TypeId type_id = 0;
    std::string value_name;  // "bpf_struct_ops_tcp_congestion_ops"
    btf::TypeId value_id = 0;
    std::uint32_t value_size = 0;
    std::vector<OpsMember> members;
};

// Appends every struct_ops type one BTF defines (its own ids only, for a
// module's split BTF) to `out`, with each member rendered. Outside the
// command so that the fuzzer (tests/fuzz/fuzz_printers.cpp) renders crafted
// BTF exactly as `rawops types` does.
void append_struct_ops_types(const btf::Btf& b, const std::string& module, std::vector<OpsType>& out);

}  // namespace rawops::cli
