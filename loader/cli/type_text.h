// Short C-like spellings of BTF types for listings (`rawops types`,
// `rawops inspect`): "struct sock *", "u32", "int (*)(struct sock *)".
#pragma once

#include <string>

#include "btf/btf.h"

namespace rawops::cli {

// Both are bounded in depth: where a type refers back to itself (a
// FUNC_PROTO returning a pointer to itself) the text ends in "...".
std::string type_text(const btf::Btf& btf, btf::TypeId id);
// "ret name(type a, type b)" for a FUNC_PROTO, with parameter names.
std::string signature_text(const btf::Btf& btf, const btf::TypeView& proto, const std::string& name);

}  // namespace rawops::cli
