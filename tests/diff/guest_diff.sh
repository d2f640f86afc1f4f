#!/bin/sh
# tests/diff inside a guest (busybox sh, no bash): each object loaded by the
# static libbpf_hold and then by the static rawops_hold, what the kernel
# holds read back by kstate while each load is alive, compared. The same
# comparison as tests/diff/diff_one.sh, for what only a guest kernel has:
# the seed module's types (6.12), sched_ext and Qdisc_ops (7.3).
#
#   guest_diff.sh TOOLS_DIR OBJ...
#
# Prints PASS:/FAIL:/SKIP: lines for the host to count. An object neither
# loader can load is skipped with libbpf's reason; one loader loading what
# the other refuses is a failure.
T=$1; shift
W=/tmp/diff
PINS=/sys/fs/bpf/rawops_diff

for tool in libbpf_hold rawops_hold kstate; do
  $T/$tool >/dev/null 2>&1
  if [ $? -eq 127 ]; then
    echo "FAIL: diff: $T/$tool does not run here (not static?)"; echo "diff-compared: 0"; exit 0
  fi
done

# hold SIDE TOOL ARGS...: load, describe while held, tear down. 0 if all
# worked, 1 if the load failed, 3 if the reading failed.
hold() {
  side=$1; shift
  rm -f $W/$side.in; mkfifo $W/$side.in
  RAWOPS_DIFF_CALLS=$W/$side.calls "$@" < $W/$side.in > $W/$side.manifest 2> $W/$side.err &
  pid=$!
  exec 3> $W/$side.in
  i=0
  while [ $i -lt 600 ] && ! grep -qx ready $W/$side.manifest 2>/dev/null && kill -0 $pid 2>/dev/null; do
    sleep 0.1; i=$((i + 1))
  done
  ok=1
  if grep -qx ready $W/$side.manifest; then
    ok=3
    $T/kstate describe $W/$side.manifest > $W/$side.state 2>> $W/$side.err && ok=0
  fi
  exec 3>&-
  wait $pid || [ $ok -ne 0 ] || ok=1
  rm -rf $PINS/*
  return $ok
}

# hold_scx SIDE TOOL ARGS...: hold; for a sched_ext object ($scx set), also
# that the kernel enabled the scheduler exactly once (enable_seq) and that it
# is disabled again before the next load (disabling finishes after the
# unregistration returns). 4 (reason in $W/scx.why) when not.
S=/sys/kernel/sched_ext
hold_scx() {
  [ -n "$scx" ] || { hold "$@"; return; }
  seq0=$(cat $S/enable_seq 2>/dev/null || echo 0)
  hold "$@"; rc=$?
  i=0; while [ $i -lt 50 ] && [ "$(cat $S/state)" != disabled ]; do sleep 0.1; i=$((i + 1)); done
  seq1=$(cat $S/enable_seq 2>/dev/null || echo 0)
  if [ $rc -eq 0 ] && { [ $((seq1 - seq0)) -ne 1 ] || [ "$(cat $S/state)" != disabled ]; }; then
    echo "$1: enable_seq $seq0 -> $seq1, state $(cat $S/state)" > $W/scx.why
    return 4
  fi
  return $rc
}

mkdir -p $W $PINS
compared=0
for obj in "$@"; do
  name=$(basename "$obj")
  rm -f $W/*
  # Created and loaded, not registered: bpf_dummy_ops cannot be. A sched_ext
  # scheduler is registered by both, each preparing it as its own user space
  # does (libbpf_hold: tests/common/scx_prepare.c; rawops_hold: the sched_ext
  # profile); without that it would be enabled broken.
  case $name in
    dummy_ops.bpf.o) export RAWOPS_DIFF_NO_REGISTER=1; how=" (not registered)" ;;
    *) unset RAWOPS_DIFF_NO_REGISTER; how="" ;;
  esac
  scx=; unset RAWOPS_DIFF_LIVE
  case $name in scx_*.bpf.o) scx=1; export RAWOPS_DIFF_LIVE=1; how=" (registered: sched_ext enabled by each)" ;; esac
  l=ok; r=ok
  hold_scx libbpf $T/libbpf_hold "$obj" $PINS; rc=$?
  [ $rc -eq 1 ] && l=failed; [ $rc -eq 3 ] && l=unreadable; [ $rc -eq 4 ] && l=unregistered
  hold_scx rawops $T/rawops_hold "$obj" $PINS; rc=$?
  [ $rc -eq 1 ] && r=failed; [ $rc -eq 3 ] && r=unreadable; [ $rc -eq 4 ] && r=unregistered
  if [ $l = unregistered ] || [ $r = unregistered ]; then
    echo "FAIL: diff $name: each loader enables sched_ext once and leaves it disabled: libbpf $l, rawops $r: $(cat $W/scx.why)"
    continue
  fi
  if [ $l = unreadable ] || [ $r = unreadable ]; then
    echo "FAIL: diff $name: kstate could not read what the kernel holds: $(tail -n 2 $W/libbpf.err $W/rawops.err | tr '\n' ' ' | cut -c1-300)"
    continue
  fi
  if [ $l = failed ] && [ $r = failed ]; then
    echo "SKIP: diff $name: neither loader can load it here; libbpf: $(grep -v 'load of\|failed to load object' $W/libbpf.err | head -n 1 | cut -c1-150)"
    continue
  fi
  if [ $l = failed ] || [ $r = failed ]; then
    echo "FAIL: diff $name: both loaders load it or both refuse: libbpf $l, rawops $r: $(tail -n 3 $W/libbpf.err $W/rawops.err | tr '\n' ' ' | cut -c1-400)"
    continue
  fi
  report=$($T/kstate compare $W/libbpf.state $W/rawops.state libbpf rawops); cmp=$?
  calls=$(grep '^essential ' $W/libbpf.calls | sort > $W/l.ess; grep '^essential ' $W/rawops.calls | sort > $W/r.ess; diff $W/l.ess $W/r.ess)
  if [ $cmp -eq 0 ] && [ -z "$calls" ]; then
    expected=$(echo "$report" | grep -c ', expected: ')
    echo "PASS: diff $name$how: the kernel holds the same after libbpf and rawops ($(wc -l < $W/libbpf.state) facts, $(wc -l < $W/l.ess) essential bpf() calls each$([ "$expected" -gt 0 ] && echo "; $expected expected difference(s): $(echo "$report" | grep ', expected: ' | cut -d: -f1,2 | tr '\n' ' ')"))"
    compared=$((compared + 1))
  else
    echo "FAIL: diff $name: the kernel holds the same after libbpf and rawops: $(echo "$report" "$calls" | head -n 12 | tr '\n' ' ' | cut -c1-600)"
  fi
done
rm -rf $PINS $W
echo "diff-compared: $compared"
