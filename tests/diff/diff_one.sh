#!/usr/bin/env bash
# One object, loaded by libbpf 1.4.6 and then by rawops on this kernel; what
# the kernel holds after each load is read back (build/diff/kstate) and
# compared, and so are the bpf() calls each loader made.
#
#   tests/diff/diff_one.sh [--break=WHAT] [--keep DIR] OBJ.o [TARGET_BTF]
#
# TARGET_BTF: a raw BTF file named vmlinux used as the CO-RE target by both
# loaders instead of the kernel's (libbpf's btf_custom_path).
# --break=WHAT is handed to rawops_hold (a deliberately wrong rawops).
# --keep DIR leaves the manifests, descriptions and call lists in DIR.
#
# Exit: 0 identical, 1 different (the report names each difference),
#       2 a side failed to load (both sides' errors are shown).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
L=$BUILD/diff/libbpf_hold
R=$BUILD/diff/rawops_hold
K=$BUILD/diff/kstate
broken=() keep=""
while [ $# -gt 0 ]; do
  case $1 in
    --break=*) broken=("$1"); shift ;;
    --keep) keep=$2; shift 2 ;;
    *) break ;;
  esac
done
[ $# -eq 1 ] || [ $# -eq 2 ] || { echo "usage: $0 [--break=WHAT] [--keep DIR] OBJ.o [TARGET_BTF]" >&2; exit 2; }
obj=$1 target=${2:-}
for tool in "$L" "$R" "$K"; do
  [ -x "$tool" ] || { echo "diff: $tool is not built (make diff builds it)" >&2; exit 2; }
done
[ -r "$obj" ] || { echo "diff: cannot read $obj" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "diff: needs root: both loaders load $obj into the kernel" >&2; exit 2; }

work=$(mktemp -d)
# The pin root of both loaders for LIBBPF_PIN_BY_NAME maps: a bpffs of its
# own, so the diff neither needs one on /sys/fs/bpf (a machine may have none)
# nor leaves anything there.
pins=$(mktemp -d) || exit 2
if ! mount -t bpf bpf "$pins"; then
  rmdir "$pins"
  echo "diff: cannot mount a bpffs for the pins at $pins" >&2
  exit 2
fi
holder=""
cleanup() {
  [ -n "$holder" ] && kill "$holder" 2>/dev/null && wait "$holder" 2>/dev/null
  umount "$pins" && rmdir "$pins"
  rm -f "$work"/*.in  # the fifos
  if [ -n "$keep" ]; then mkdir -p "$keep" && cp "$work"/* "$keep"/ 2>/dev/null; fi
  rm -rf "$work"
}
trap cleanup EXIT

# hold SIDE TOOL ARGS...: load with TOOL, describe what the kernel holds while
# TOOL keeps it, let TOOL tear down. 0 when all of that worked, 1 when the
# load failed; a failed reading ends the comparison (exit 2).
hold() {
  local side=$1; shift
  mkfifo "$work/$side.in"
  RAWOPS_DIFF_CALLS=$work/$side.calls "$@" <"$work/$side.in" >"$work/$side.manifest" 2>"$work/$side.err" &
  holder=$!
  local keep_open
  exec {keep_open}>"$work/$side.in"
  local i
  for ((i = 0; i < 1200; i++)); do
    grep -qx ready "$work/$side.manifest" 2>/dev/null && break
    kill -0 "$holder" 2>/dev/null || break
    sleep 0.05
  done
  local described=1
  if grep -qx ready "$work/$side.manifest"; then
    described=3
    "$K" describe "$work/$side.manifest" >"$work/$side.state" 2>>"$work/$side.err" && described=0
  fi
  exec {keep_open}>&-
  wait "$holder"; local rc=$?
  holder=""
  rm -rf "${pins:?}"/*
  [ $described -eq 3 ] && { echo "kstate could not read what $side's load holds: $(tail -n 3 "$work/$side.err")"; exit 2; }
  [ $described -eq 0 ] && [ $rc -eq 0 ]
}

status=0 lstate=ok rstate=ok
hold libbpf "$L" "$obj" "$pins" ${target:+"$target"} || lstate=failed
hold rawops "$R" "${broken[@]}" "$obj" "$pins" ${target:+"$target"} || rstate=failed
if [ $lstate = failed ] || [ $rstate = failed ]; then
  echo "load: libbpf $lstate, rawops $rstate"
  for side in libbpf rawops; do
    echo "--- $side:"
    sed 's/^/  /' "$work/$side.err" | tail -n 15
  done
  exit 2
fi

"$K" compare "$work/libbpf.state" "$work/rawops.state" libbpf rawops || status=1

# The bpf() calls: the essential ones (what the load keeps) must be the same
# multiset; the order, probes and queries are counted and shown only.
count() { grep -c "^$1 " "$work/$2.calls"; }
essential() { grep '^essential ' "$work/$1.calls" | sort; }
if ! d=$(diff <(essential libbpf) <(essential rawops)); then
  echo "bpf() calls: the essential calls differ (< libbpf, > rawops):"
  sed 's/^/  /' <<<"$d" | head -n 20
  status=1
fi
printf 'bpf() calls: libbpf %d essential + %d probes + %d queries + %d failed; rawops %d essential + %d probes + %d queries + %d failed\n' \
  "$(count essential libbpf)" "$(count probe libbpf)" "$(count query libbpf)" "$(count failed libbpf)" \
  "$(count essential rawops)" "$(count probe rawops)" "$(count query rawops)" "$(count failed rawops)"
[ $status -eq 0 ] && echo "$(basename "$obj"): identical ($(wc -l <"$work/libbpf.state") facts)"
exit $status
