// `--format raw`: one line per type plus one indented line per member, param,
// enum value or datasec entry, exactly as `bpftool btf dump file X format raw`
// prints them (bpftool 7.x), so the two outputs can be diffed.
#pragma once

#include <cstdio>
#include <string>

#include "btf/btf.h"

namespace rawops::btf {

// The lines of one type, each ending in '\n'.
std::string format_raw_type(const Btf& btf, TypeId id);

// Every type this BTF defines itself (from first_own_id()), like bpftool.
void print_raw(const Btf& btf, std::FILE* out);

}  // namespace rawops::btf
