#!/usr/bin/env bash
# make bench: rawops against libbpf 1.4.6 side by side, whole processes,
# reported as ratios of the same run (tests/bench/bench.py does the timing):
#   btf lookup           build/bench/btf_lookup vs libbpf_lookup (load vmlinux
#                        BTF, find two structs, walk their members)
#   rawops types (cold)  build/rawops types vs libbpf_lookup
#   load OBJ             build/bench/rawops_load vs libbpf_load: open, load,
#                        register, tear down tcp_cc.bpf.o and large.bpf.o
#                        (generated: 30 programs, 3 struct_ops; needs root)
# Results: build/bench/results.json, build/bench/results.md (the table of
# docs/performance.md). Loads into the kernel: run under the kernel lock when
# the machine is shared (flock /tmp/rawops-kernel.lock make bench).
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
RUNS=${BENCH_RUNS:-30}
tests/deps.sh bench

for b in btf_lookup libbpf_lookup rawops_load libbpf_load large.bpf.o measure; do
  [ -e "$BUILD/bench/$b" ] || { echo "bench: $BUILD/bench/$b missing (run 'make bench')" >&2; exit 1; }
done
if [ ! -r /sys/kernel/btf/vmlinux ]; then
  echo "SKIP: benchmarks: no /sys/kernel/btf/vmlinux"
  exit 0
fi

# Both must find the same thing, or the timing compares nothing.
if ! diff <("$BUILD/bench/btf_lookup") <("$BUILD/bench/libbpf_lookup") >/dev/null; then
  echo "bench: btf_lookup and libbpf_lookup disagree:" >&2
  diff <("$BUILD/bench/btf_lookup") <("$BUILD/bench/libbpf_lookup") >&2 || true
  exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
  # The loads register TCP congestion controls: none may be there already.
  if grep -qwE 'rawops_reno|rawops_bench[0-9]' /proc/sys/net/ipv4/tcp_available_congestion_control; then
    echo "bench: rawops_reno or rawops_bench* is already registered; unload it first" >&2
    exit 1
  fi
  # Each side must load each object, registering the same number of struct_ops.
  for obj in "$BUILD/bpfprog/tcp_cc.bpf.o" "$BUILD/bench/large.bpf.o"; do
    a=$("$BUILD/bench/rawops_load" "$obj") || { echo "bench: rawops_load cannot load $obj" >&2; exit 1; }
    b=$("$BUILD/bench/libbpf_load" "$obj") || { echo "bench: libbpf_load cannot load $obj" >&2; exit 1; }
    [ "$a" = "$b" ] || { echo "bench: $obj: rawops '$a', libbpf '$b'" >&2; exit 1; }
  done
fi

exec python3 tests/bench/bench.py "$BUILD" "$RUNS"
