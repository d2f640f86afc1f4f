#include "loader/version.h"

namespace rawops {
const char* version() { return "0.1.0"; }
}  // namespace rawops
