#!/usr/bin/env bash
# The host suite built with ASan + UBSan (build/fuzz/host-asan), run against
# the real kernel as `make test` runs the plain one. A sanitizer report ends
# the run with a non-zero exit, which tests/run_suites.sh counts as a
# failure. The fault-injection case (750 loads, mostly waiting for the kernel
# to free objects) runs in the plain suite only: here it would add minutes
# and no code path the other cases do not take.
set -u
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:exitcode=86}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
exec "$BUILD/fuzz/host-asan" -tce="*fails anywhere*,*load/unload cycles*"
