#!/usr/bin/env bash
# The real output docs/abi.md embeds, produced on this machine's kernel.
#
#   tests/docs/abi_output.sh              rewrite the generated blocks of docs/abi.md
#   tests/docs/abi_output.sh --guest-only  only the blocks the guests produced
#   tests/docs/abi_output.sh --check      compare the host blocks with fresh output (a test)
#
# The guest blocks (guest-*: the seed module in the 6.12 guest, sched_ext in
# the 7.3 guest) come from the guests' last run (build/docs/guest-*.txt);
# the guest suites check them (tests/docs/abi_lib.sh, check_guest_blocks).
#
# A generated block sits between
#   <!-- generated: NAME (tests/docs/abi_output.sh) -->  and  <!-- end: NAME -->
# and holds, in a ``` fence, what block_NAME below prints. Loading (trace,
# show, dump) needs root; without it --check skips those blocks.
#
# What differs from one run or machine to the next is normalised before the
# comparison, never in the document: object ids, fds, times, addresses,
# kernel BTF type ids, the kernel version number, and the size of the
# object's BTF (its line_info strings hold the path of the clone). What is left (the calls,
# their order, attribute names, decoded types and values) must match.
set -u
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
RAWOPS=${RAWOPS:-build/rawops}
DOC=docs/abi.md
OBJ=build/bpfprog/tcp_cc.bpf.o
LEGACY=build/bpfprog/tcp_cc_legacy.bpf.o

block_layout() {
  "$RAWOPS" btf dump vmlinux --format raw --type bpf_struct_ops_tcp_congestion_ops
  "$RAWOPS" btf dump vmlinux --format raw --type bpf_struct_ops_common_value
  "$RAWOPS" types --module vmlinux | awk '/^tcp_congestion_ops /{on=1; print; next} /^[^ ]/{on=0} on'
}
block_plan() { "$RAWOPS" plan "$LEGACY"; }
# The load of the .struct_ops.link object as --trace shows it, then what the
# kernel holds: `show` and `dump` while it is registered.
with_loaded() {
  local pins; pins=$(mktemp -d)
  mount -t bpf bpf "$pins" || return 1
  "$RAWOPS" load "$OBJ" --pin "$pins/reno" --trace 2>"$pins.trace" >/dev/null
  "$@" "$pins"
  "$RAWOPS" unload "$pins/reno" >/dev/null
  rm -f "$pins.trace"; umount "$pins"; rmdir "$pins"
}
block_trace() { with_loaded _trace; }
_trace() { sed "s|$1|/sys/fs/bpf|g" "$1.trace"; }
block_show() { with_loaded _show; }
_show() { "$RAWOPS" show | sed "s|$1|/sys/fs/bpf|g"; }
block_dump() { with_loaded _dump; }
_dump() { "$RAWOPS" dump rawops_reno | sed "s|$1|/sys/fs/bpf|g"; }

BLOCKS=(layout plan trace show dump)
needs_root() { case $1 in trace|show|dump) return 0 ;; esac; return 1; }

. tests/docs/abi_lib.sh  # normalise, embedded, replace_block

if [ "${1:-}" = --check ]; then
  # Sourced by tests/docs/run.sh, which counts: the checks only.
  sourced=0; [ "${BASH_SOURCE[0]}" != "$0" ] && sourced=1
  [ $sourced -eq 1 ] || . tests/lib.sh
  for b in "${BLOCKS[@]}"; do
    if needs_root "$b" && [ "$(id -u)" -ne 0 ]; then skip "docs/abi.md block '$b' is current" "needs root"; continue; fi
    have=$(embedded "$b")
    if [ -z "$have" ]; then fail "docs/abi.md block '$b' is current" "no generated block '$b' in $DOC"; continue; fi
    fresh=$("block_$b" 2>&1)
    if diff <(normalise <<<"$have") <(normalise <<<"$fresh") >/tmp/abi_doc_diff.$$; then pass "docs/abi.md block '$b' is current"
    else fail "docs/abi.md block '$b' is current" "run tests/docs/abi_output.sh (make docs) to refresh it: $(head -n 8 /tmp/abi_doc_diff.$$)"; fi
    rm -f /tmp/abi_doc_diff.$$
  done
  if [ $sourced -eq 1 ]; then return 0; fi
  suite_end
  exit
fi

# --guest-only: just the blocks the guests produced on their last run
# (tests/vm/run.sh and tests/vm73/run.sh keep them under build/docs/).
if [ "${1:-}" != --guest-only ]; then
  [ "$(id -u)" -eq 0 ] || { echo "abi_output.sh: run as root (the trace, show and dump blocks load tcp_cc.bpf.o)" >&2; exit 1; }
  for b in "${BLOCKS[@]}"; do
    out=$("block_$b" 2>&1) || { echo "abi_output.sh: block $b failed: $out" >&2; exit 1; }
    replace_block "$b" "$out"
  done
  echo "abi_output.sh: refreshed ${#BLOCKS[@]} blocks of $DOC"
fi
n=0
for f in "${BUILD:-build}"/docs/guest-*.txt; do
  [ -f "$f" ] || continue
  replace_block "$(basename "$f" .txt)" "$(cat "$f")"; n=$((n + 1))
done
echo "abi_output.sh: refreshed $n guest blocks of $DOC from ${BUILD:-build}/docs/ (run the guest suites first for fresh ones)"
