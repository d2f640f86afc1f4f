#!/usr/bin/env bash
# make bench: rawops against libbpf 1.4.6 side by side, whole processes,
# reported as ratios of the same run (tests/bench/bench.py does the timing):
#   btf lookup           build/bench/btf_lookup vs libbpf_lookup (load vmlinux
#                        BTF, find two structs, walk their members)
#   rawops types (cold)  build/rawops types vs libbpf_lookup
#   load OBJ             build/bench/rawops_load vs libbpf_load: open, load,
#                        register, tear down tcp_cc.bpf.o and large.bpf.o
#                        (generated: 30 programs, 3 struct_ops; needs root)
#   load scx_*.bpf.o (7.3 guest, TCG)
#                        the same for the kernel's sched_ext schedulers
#                        scx_simple, scx_central and scx_flatcg, inside the
#                        Debian 7.3 guest (tests/bench/guest73.sh, booted
#                        once by tests/vm73/boot.sh; the host has no
#                        sched_ext). libbpf_load prepares a scheduler as its
#                        own loader does (tests/common/scx_prepare.c). Emulated
#                        CPU: only the ratios mean something there.
# Results: build/bench/results.json, build/bench/results.md (the table of
# docs/performance.md); the guest's console in build/bench/guest73.console.txt.
# Loads into the kernel: run under the kernel lock when the machine is shared
# (flock /tmp/rawops-kernel.lock make bench); the guest does not touch it.
# Environment: BENCH_RUNS (host runs per side, 30), BENCH_GUEST=0 (no guest),
# BENCH_GUEST_RUNS (guest runs per side, 10 or BENCH_RUNS if smaller),
# VM73_TIMEOUT (seconds the guest may take, 300 here).
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
RUNS=${BENCH_RUNS:-30}
GUEST_RUNS=${BENCH_GUEST_RUNS:-$(( RUNS < 10 ? RUNS : 10 ))}
tests/deps.sh bench

for b in btf_lookup libbpf_lookup rawops_load libbpf_load large.bpf.o measure empty; do
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

# The 7.3 guest, once, before the host's cases (its single-threaded TCG
# takes one core; the host's runs come after, on a quiet machine).
# bench.py reads its console; a missing console means the guest was skipped.
console=$BUILD/bench/guest73.console.txt
rm -f "$console"
export BENCH_GUEST_CONSOLE= BENCH_GUEST_SECONDS= BENCH_GUEST_SKIP=
if [ "${BENCH_GUEST:-1}" = 0 ]; then
  BENCH_GUEST_SKIP="BENCH_GUEST=0"
else
  # The run count goes in as the script's first line: the guest has no
  # other way in than its initramfs.
  { echo "BENCH_RUNS=$GUEST_RUNS"; cat tests/bench/guest73.sh; } > "$BUILD/bench/guest73.run.sh"
  echo "bench: sched_ext in the 7.3 guest ($GUEST_RUNS runs each, interleaved; boots qemu, about a minute)"
  t0=$(date +%s)
  # A guest kernel crash under TCG (rare with thread=single, see boot.sh)
  # is retried once, as tests/vm73/run.sh does.
  for attempt in 1 2; do
    rc=0
    VM73_TIMEOUT=${VM73_TIMEOUT:-300} tests/vm73/boot.sh "$BUILD/bench/guest73.run.sh" \
      >"$console" 2>"$BUILD/bench/guest73.boot.log" || rc=$?
    [ $rc -ne 0 ] && break
    grep -q "Kernel panic\|Oops:" "$console" || break
    cp "$console" "$BUILD/bench/guest73.crash$attempt.txt"
    echo "NOTE: the 7.3 guest kernel crashed (attempt $attempt, see $BUILD/bench/guest73.crash$attempt.txt)"
  done
  case $rc in
    0) BENCH_GUEST_CONSOLE=$console
       BENCH_GUEST_SECONDS=$(( $(date +%s) - t0 ))
       qemu_rc=$(cat "$BUILD/vm73/qemu.rc" 2>/dev/null || echo '?')
       [ "$qemu_rc" = 0 ] || echo "bench: qemu exited $qemu_rc (124: VM73_TIMEOUT); see $console" ;;
    3) BENCH_GUEST_SKIP="qemu cannot be installed here (tests/deps.sh vm failed; see $BUILD/bench/guest73.boot.log)" ;;
    4) BENCH_GUEST_SKIP="the Debian 7.3 kernel cannot be fetched or its schedulers built (tests/vm73/build.sh; see $BUILD/bench/guest73.boot.log)" ;;
    *) # Not a reason to skip: bench.py fails on the console it finds.
       echo "bench: tests/vm73/boot.sh exited $rc (see $BUILD/bench/guest73.boot.log)"
       BENCH_GUEST_CONSOLE=$console ;;
  esac
fi
if [ -n "$BENCH_GUEST_SKIP" ]; then
  rm -f "$console"
  echo "SKIP: sched_ext benchmarks: $BENCH_GUEST_SKIP"
fi

exec python3 tests/bench/bench.py "$BUILD" "$RUNS"
