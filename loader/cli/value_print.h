// Decoded BTF values (btf/format_value.h) as the CLI prints them: C-like
// text lines for a person, JSON for a program. Shared by `map dump`, `show`
// and `dump`, so every command spells a value the same way.
#pragma once

#include <string>
#include <vector>

#include "btf/format_value.h"
#include "loader/cli/json_out.h"

namespace rawops::cli {

// "name = value" lines, records and lists opened with "{" / "[" and
// indented by `indent` per level; short lists of scalars on one line.
std::vector<std::string> value_lines(const btf::DecodedValue& value, const std::string& indent = "    ");

// The value alone as JSON: numbers (as strings beyond 2^53), booleans, enum
// names and C strings as strings, pointers as "0x..." strings, records as
// objects (the members of an anonymous struct or union merged into their
// parent, as C names them), lists as arrays, undecodable bytes as a hex string.
Json value_json(const btf::DecodedValue& value);

}  // namespace rawops::cli
