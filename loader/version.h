#pragma once

namespace rawops {
// Semantic version of the library and the CLI.
const char* version();
}  // namespace rawops
