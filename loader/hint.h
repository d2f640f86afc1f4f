// What to do about an error that comes from the machine (privileges, a
// missing BTF, bpffs or module) rather than from the object: the CLI prints it
// as "rawops: hint: ...", and an embedder can show it the same way.
#pragma once

#include <string>

#include "btf/error.h"

namespace rawops {

// One line naming the fix, or "" when the error is about the object itself.
std::string hint(const Error& error);

}  // namespace rawops
