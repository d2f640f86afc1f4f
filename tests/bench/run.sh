#!/usr/bin/env bash
# make bench: side-by-side whole-process timings, reported as ratios.
#
# BTF lookup (issue 3's bar): load vmlinux BTF, find
# bpf_struct_ops_tcp_congestion_ops and tcp_congestion_ops, walk their members.
#   ours:   build/bench/btf_lookup  (librawops: mmap + index + lazy name table)
#   libbpf: build/bench/libbpf_lookup (btf__load_vmlinux_btf + btf__find_by_name_kind)
# Same benchmark run, hyperfine, fresh process each time. Bar: ours <= 1/5.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
RUNS=${BENCH_RUNS:-40}
tests/deps.sh bench

ours=$BUILD/bench/btf_lookup
theirs=$BUILD/bench/libbpf_lookup
for b in "$ours" "$theirs"; do
  [ -x "$b" ] || { echo "bench: $b missing (run 'make bench')" >&2; exit 1; }
done
if [ ! -r /sys/kernel/btf/vmlinux ]; then
  echo "SKIP: btf lookup benchmark: no /sys/kernel/btf/vmlinux"
  exit 0
fi

# Both must find the same thing, or the timing compares nothing.
if ! diff <("$ours") <("$theirs") >/dev/null; then
  echo "bench: btf_lookup and libbpf_lookup disagree:" >&2
  diff <("$ours") <("$theirs") >&2 || true
  exit 1
fi

json=$(mktemp)
trap 'rm -f "$json"' EXIT
hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$json" \
  -n rawops "$ours" -n libbpf-1.4.6 "$theirs"
status=0
python3 - "$json" <<'PY' || status=1
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
ours, theirs = r["rawops"], r["libbpf-1.4.6"]
ratio = ours["mean"] / theirs["mean"]
# The ratio of medians too: one stall of a shared 2-core machine moves a mean.
mratio = ours["median"] / theirs["median"]
print(f"btf lookup: rawops {ours['mean']*1e3:.2f} ms (median {ours['median']*1e3:.2f}), "
      f"libbpf {theirs['mean']*1e3:.2f} ms (median {theirs['median']*1e3:.2f}); "
      f"ratio {ratio:.3f} (medians {mratio:.3f}), bar <= 0.200")
ok = ratio <= 0.2
print("PASS: btf lookup within 1/5 of libbpf" if ok else "FAIL: btf lookup slower than 1/5 of libbpf")
sys.exit(0 if ok else 1)
PY

# Load benchmark: the whole struct_ops path, each side in one process:
# open tcp_cc.bpf.o, load BTF/maps/programs, register, tear down. Needs root.
OBJ=$BUILD/bpfprog/tcp_cc.bpf.o
if [ "$(id -u)" -ne 0 ]; then
  echo "SKIP: load benchmark: needs root"
  exit $status
fi
if grep -qw rawops_reno /proc/sys/net/ipv4/tcp_available_congestion_control; then
  echo "SKIP: load benchmark: rawops_reno is already registered"
  exit $status
fi
for b in "$BUILD/bench/rawops_load" "$BUILD/bench/libbpf_load"; do
  "$b" "$OBJ" >/dev/null || { echo "bench: $b cannot load $OBJ" >&2; exit 1; }
done
json2=$(mktemp)
trap 'rm -f "$json" "$json2"' EXIT
hyperfine -N --warmup 3 --runs "$RUNS" --export-json "$json2" \
  -n rawops "$BUILD/bench/rawops_load $OBJ" -n libbpf-1.4.6 "$BUILD/bench/libbpf_load $OBJ"
calls() { strace -f -e trace=bpf -o /dev/stdout "$@" 2>/dev/null | grep -c '^[0-9]* *bpf(\|^bpf('; }
ours_calls=$(calls "$BUILD/bench/rawops_load" "$OBJ")
theirs_calls=$(calls "$BUILD/bench/libbpf_load" "$OBJ")
python3 - "$json2" "$ours_calls" "$theirs_calls" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
ours, theirs = r["rawops"], r["libbpf-1.4.6"]
print(f"load tcp_cc.bpf.o (open+load+register+teardown): rawops {ours['mean']*1e3:.2f} ms "
      f"(median {ours['median']*1e3:.2f}), libbpf {theirs['mean']*1e3:.2f} ms (median {theirs['median']*1e3:.2f}); "
      f"ratio {ours['mean']/theirs['mean']:.3f} (medians {ours['median']/theirs['median']:.3f})")
print(f"bpf() calls: rawops {sys.argv[2]}, libbpf {sys.argv[3]}")
PY
exit $status
