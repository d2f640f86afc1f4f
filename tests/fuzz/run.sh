#!/usr/bin/env bash
# make fuzz: runs the unit suite built with ASan + UBSan once, then every
# built fuzzer for FUZZ_SECONDS (default 30) each.
# Corpus: $BUILD/fuzz/corpus/<fuzzer> (grows across runs), seeded from
# tests/fuzz/seeds/<fuzzer>/ when that folder exists and, for fuzz_elf and
# fuzz_inspect, with every BPF object the build produced. A crash, or an
# input taking longer than FUZZ_TIMEOUT seconds (default 20: a walk without a
# bound, k^depth), leaves its input in $BUILD/fuzz/artifacts/ and makes the
# run fail.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
BUILD=${BUILD:-build}
SECONDS_EACH=${FUZZ_SECONDS:-30}
TIMEOUT=${FUZZ_TIMEOUT:-20}
mkdir -p "$BUILD/fuzz/artifacts"

shopt -s nullglob
if [ -x "$BUILD/fuzz/unit-asan" ]; then
  log="$BUILD/fuzz/unit-asan.log"
  if RAWOPS_BUILD_DIR="$BUILD" "$BUILD/fuzz/unit-asan" >"$log" 2>&1; then
    pass "unit suite under ASan + UBSan: $(grep -m1 -o "[0-9]* passed" "$log") test cases, no memory error"
  else
    fail "unit suite under ASan + UBSan" "see $log ($(grep -m1 -E 'ERROR|SUMMARY|failed' "$log"))"
  fi
fi

# Real inputs from the build, copied so that the corpus outlives a rebuild.
build_seeds() {
  case "$1" in
    fuzz_elf|fuzz_inspect) echo "$BUILD"/bpfprog/*.bpf.o "$BUILD"/bpfprog/*/*.bpf.o ;;
  esac
}
# Copied without DWARF (vmlinux.h makes it 95% of a 650 KB object; .BTF,
# .BTF.ext and the program relocations stay), else libFuzzer's -max_len
# follows the biggest seed and mutates mostly debug info, ten times slower.
STRIP=$(command -v llvm-strip-14 || command -v llvm-strip || true)
copy_seed() {
  [ "$2" -nt "$1" ] && return
  if [ -n "$STRIP" ] && "$STRIP" -g -o "$2" "$1" 2>/dev/null; then return; fi
  cp "$1" "$2"
}

bins=("$BUILD"/fuzz/fuzz_*)
[ ${#bins[@]} -gt 0 ] || { echo "make fuzz: no fuzzers built"; exit 1; }
for bin in "${bins[@]}"; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin")
  corpus="$BUILD/fuzz/corpus/$name"
  mkdir -p "$corpus"
  for o in $(build_seeds "$name"); do copy_seed "$o" "$corpus/build-$(basename "$o")"; done
  seeds=()
  [ -d "tests/fuzz/seeds/$name" ] && seeds=("tests/fuzz/seeds/$name")
  log="$BUILD/fuzz/$name.log"
  if "$bin" -max_total_time="$SECONDS_EACH" -timeout="$TIMEOUT" -rss_limit_mb=4096 -print_final_stats=1 \
       -artifact_prefix="$BUILD/fuzz/artifacts/$name-" "$corpus" "${seeds[@]}" >"$log" 2>&1; then
    pass "$name: $(grep -m1 -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$') runs in ${SECONDS_EACH}s, no crash"
  else
    fail "$name" "see $log and $BUILD/fuzz/artifacts/ ($(grep -m1 -E 'ERROR|SUMMARY' "$log"))"
  fi
done
suite_end
