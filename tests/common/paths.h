// Where tests find build products: $RAWOPS_BUILD_DIR (set by the Makefile),
// else "build" relative to the repository root that `make test` runs in.
#pragma once

#include <cstdlib>
#include <string>

namespace rawops::testing {
inline std::string build_dir() {
    const char* d = std::getenv("RAWOPS_BUILD_DIR");
    return d && *d ? d : "build";
}
inline std::string bpf_object(const std::string& name) { return build_dir() + "/bpfprog/" + name; }
}  // namespace rawops::testing
