// Moved to the library (loader/pinned.h) so that embedders share it with the
// CLI; this name stays for CLI files that still include it.
#pragma once

#include "loader/pinned.h"

namespace rawops::cli {
using rawops::open_pinned;
using rawops::Pinned;
}  // namespace rawops::cli
