#!/usr/bin/env bash
# make fuzz: runs every built fuzzer for FUZZ_SECONDS (default 30) each.
# Corpus: $BUILD/fuzz/corpus/<fuzzer> (grows across runs), seeded from
# tests/fuzz/seeds/<fuzzer>/ when that folder exists. A crash leaves its input
# in $BUILD/fuzz/artifacts/ and makes the run fail.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
BUILD=${BUILD:-build}
SECONDS_EACH=${FUZZ_SECONDS:-30}
mkdir -p "$BUILD/fuzz/artifacts"

shopt -s nullglob
bins=("$BUILD"/fuzz/fuzz_*)
[ ${#bins[@]} -gt 0 ] || { echo "make fuzz: no fuzzers built"; exit 1; }
for bin in "${bins[@]}"; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin")
  corpus="$BUILD/fuzz/corpus/$name"
  mkdir -p "$corpus"
  seeds=()
  [ -d "tests/fuzz/seeds/$name" ] && seeds=("tests/fuzz/seeds/$name")
  log="$BUILD/fuzz/$name.log"
  if "$bin" -max_total_time="$SECONDS_EACH" -rss_limit_mb=4096 -print_final_stats=1 \
       -artifact_prefix="$BUILD/fuzz/artifacts/$name-" "$corpus" "${seeds[@]}" >"$log" 2>&1; then
    pass "$name: $(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$') runs in ${SECONDS_EACH}s, no crash"
  else
    fail "$name" "see $log and $BUILD/fuzz/artifacts/ ($(grep -m1 -E 'ERROR|SUMMARY' "$log"))"
  fi
done
suite_end
