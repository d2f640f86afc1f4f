// --json output of the CLI. Every command that takes --json prints exactly
// one JSON document on stdout, described by docs/schema/<command>.schema.json
// (the CLI tests validate each against its schema). Keys are stable: new keys
// may be added, existing ones keep their name and meaning.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdio>
#include <string>

namespace rawops::cli {

// Keys keep the order in which the command adds them: output a person reads
// (name first, details after) and a stable diff between runs.
using Json = nlohmann::ordered_json;

inline void print_json(const Json& doc) {
    // Invalid UTF-8 (a name read from a crafted BTF) is replaced, never thrown.
    const std::string text = doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fputc('\n', stdout);
}

}  // namespace rawops::cli
