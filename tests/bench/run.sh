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
python3 - "$json" <<'PY'
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
