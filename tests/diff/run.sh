#!/usr/bin/env bash
# What libbpf 1.4.6 and rawops decide for each built object, compared: map
# names (libbpf's internal_map_name), types, flags (BPF_F_MMAPABLE,
# BPF_F_RDONLY_PROG, BPF_F_LINK), key/value sizes (struct_ops values after
# the kernel type is found), max_entries (ring buffer rounding), which
# ?.struct_ops maps are created, which programs load (autoload rules), their
# types, expected attach types and sleepable flags. libbpf really loads the
# object (root, real kernel) and closes it again; rawops only plans.
# Objects the host kernel cannot load (module types, fentry, kprobes, arena)
# are skipped with libbpf's reason.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
BUILD=${BUILD:-build}
L=$BUILD/diff/libbpf_describe
R=$BUILD/diff/rawops_describe

if [ "$(id -u)" -ne 0 ]; then skip "libbpf vs rawops" "needs root (libbpf loads the objects)"; suite_end; exit; fi
for tool in "$L" "$R"; do
  [ -x "$tool" ] || { fail "build $tool"; suite_end; exit; }
done
# libbpf pins LIBBPF_PIN_BY_NAME maps (maps_libbpf.bpf.o) under a pin root
# that outlives the process: give it a folder of ours and empty it after
# every object, even when the suite is interrupted. (bpffs refuses names
# with a dot, hence no "." in the template.)
PIN_ROOT=$(mktemp -d /sys/fs/bpf/rawops_diff_XXXXXX) || { fail "make a pin folder under /sys/fs/bpf"; suite_end; exit; }
trap 'rm -rf "$PIN_ROOT"' EXIT
compared=0
for obj in "$BUILD"/bpfprog/*.bpf.o; do
  name=$(basename "$obj")
  lout=$("$L" "$obj" "$PIN_ROOT" 2>&1); lrc=$?
  if [ "$name" = maps_libbpf.bpf.o ] && [ $lrc -eq 0 ]; then
    [ -e "$PIN_ROOT/shared_counts" ] && pass "libbpf pinned shared_counts under our pin folder (removed again)" \
      || fail "libbpf pinned shared_counts under our pin folder" "$(ls "$PIN_ROOT")"
  fi
  rm -rf "${PIN_ROOT:?}"/*
  if [ $lrc -ne 0 ]; then
    skip "$name" "libbpf 1.4.6 cannot load it on this kernel: $(grep -m1 -v '^libbpf: load failed' <<<"$lout" | cut -c1-160)"
    continue
  fi
  if ! rout=$("$R" "$obj" 2>&1); then
    fail "$name: rawops plans what libbpf loads" "$rout"
    continue
  fi
  if d=$(diff <(sort <<<"$lout") <(sort <<<"$rout")); then
    pass "$name: same maps and programs as libbpf 1.4.6 ($(wc -l <<<"$lout") lines)"
  else
    fail "$name: same maps and programs as libbpf 1.4.6" "$(tr '\n' ' ' <<<"$d")"
  fi
  compared=$((compared + 1))
done
[ $compared -ge 8 ] && pass "compared $compared objects with libbpf" || fail "compared at least 8 objects with libbpf" "only $compared"
suite_end
