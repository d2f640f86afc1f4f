// Moved to the library (loader/struct_ops/exit_info.h): `rawops::unload`
// reports it too. This name stays for CLI files that still include it.
#pragma once

#include "loader/struct_ops/exit_info.h"

namespace rawops::cli {
using rawops::struct_ops::read_exit_info;
}  // namespace rawops::cli
