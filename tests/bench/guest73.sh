#!/bin/sh
# make bench's guest part: runs as /guest.sh in the Debian 7.3 guest
# (tests/vm73/boot.sh; busybox sh, 2 vCPUs under TCG), where sched_ext is.
# For the kernel's schedulers scx_simple, scx_central and scx_flatcg: rawops
# (/benchbin/rawops_load) against libbpf 1.4.6 (/benchbin/libbpf_load), each
# run a fresh process that opens, loads, registers and tears the scheduler
# down, timed by /benchbin/measure; WARMUP runs then RUNS runs per side,
# interleaved. tests/bench/bench.py reads the lines it prints:
#   BENCHINFO: kernel|cpu|cpus|runs VALUE
#   BENCH: OBJ SIDE WALL_S CPU_S USER_S RSS_KIB EXIT    (one per measured run)
#   BENCHBPF: OBJ bpf_us=.. cpu_us=.. ...               (rawops_load --bpf-time)
#   BENCHFAIL: OBJ SIDE: WHAT                           (the bench fails)
#   BENCHDONE                                           (the script ran to its end)
# After every run the kernel must have enabled the scheduler once
# (/sys/kernel/sched_ext/enable_seq one higher), disabled it again (state
# "disabled") and said it was unregistered, not killed: a scheduler loaded
# with wrong constants may register and die, which would time nothing useful.
# BENCH_RUNS may be set by a line the host puts before this script.
B=/benchbin
S=/sys/kernel/sched_ext
RUNS=${BENCH_RUNS:-10}
WARMUP=2
OBJS="scx_simple.bpf.o scx_central.bpf.o scx_flatcg.bpf.o"
BPF_RUNS=3

fail() { echo "BENCHFAIL: $1"; }

echo "BENCHINFO: kernel $(uname -r)"
echo "BENCHINFO: cpu $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -n 1)"
echo "BENCHINFO: cpus $(grep -c '^processor' /proc/cpuinfo)"
echo "BENCHINFO: runs $RUNS"

for f in measure rawops_load libbpf_load; do
  [ -x $B/$f ] || { fail "all: /benchbin/$f missing (build/bench/$f not built on the host)"; echo BENCHDONE; exit 0; }
done
[ -r $S/enable_seq ] || { fail "all: no $S/enable_seq: the kernel has no sched_ext"; echo BENCHDONE; exit 0; }
[ "$(cat $S/state)" = disabled ] || fail "all: a scheduler is enabled at boot ($(cat $S/state))"

# check OBJ SIDE SEQ_BEFORE: the run enabled the scheduler once and it is
# disabled again, by unregistration. Returns 1 (after a BENCHFAIL) if not.
check() {
  seq=$(cat $S/enable_seq) state=$(cat $S/state)
  why=$(dmesg -c | grep 'sched_ext:.*disabled' | head -n 1)
  if [ "$state" != disabled ]; then
    # Never leave it enabled: wait for the teardown, then say how long it took.
    for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do [ "$(cat $S/state)" = disabled ] && break; sleep 0.2; done
    fail "$1 $2: state '$state' right after the process exited (now '$(cat $S/state)')"
    return 1
  fi
  if [ "$seq" != $(($3 + 1)) ]; then
    fail "$1 $2: enable_seq $3 -> $seq, not one enable"
    return 1
  fi
  case "$why" in
    *unregistered*) last_why=$why; return 0 ;;
  esac
  fail "$1 $2: the kernel disabled it otherwise than by unregistration: '$why'"
  return 1
}

# once OBJ SIDE [print]: one measured run; prints its BENCH line with "print".
once() {
  seq0=$(cat $S/enable_seq)
  dmesg -c >/dev/null
  $B/measure /tmp/res $B/${2}_load /bpf/$1 >/dev/null 2>/tmp/err
  rc=$?
  res=$(cat /tmp/res 2>/dev/null)
  set -- "$1" "$2" "${3:-}" $res
  if [ $rc -ne 0 ] || [ $# -ne 8 ] || [ "$8" != 0 ]; then
    fail "$1 $2: run failed (measure exit $rc, result '$res'): $(tail -n 3 /tmp/err | tr '\n' ' ')"
    check "$1" "$2" "$seq0"
    return 1
  fi
  [ "$3" = print ] && echo "BENCH: $1 $2 $4 $5 $6 $7 $8"
  check "$1" "$2" "$seq0"
}

for obj in $OBJS; do
  # Both sides load it and register the same, and set the same constants
  # before load (rawops' profile, as `rawops plan` lists it, against
  # libbpf_load's scx_prepare.c).
  ok=1
  for side in rawops libbpf; do
    seq0=$(cat $S/enable_seq)
    dmesg -c >/dev/null
    if [ $side = rawops ]; then out=$($B/rawops_load /bpf/$obj 2>/tmp/err)
    else out=$($B/libbpf_load /bpf/$obj -v 2>/tmp/err); fi
    rc=$?
    if [ $rc -ne 0 ] || [ "$out" != "registered 1 struct_ops" ]; then
      fail "$obj $side: does not load (exit $rc, '$out'): $(grep -v '^scx_prepare: ' /tmp/err | tail -n 4 | tr '\n' ' ')"
      ok=0
    fi
    check $obj $side "$seq0" || ok=0
  done
  sed -n 's/^scx_prepare: \(set .*\)$/\1/p' /tmp/err | sort > /tmp/libbpf.sets
  /rawops plan /bpf/$obj 2>/dev/null | sed -n 's/^  - \(set .*\) (was .*)$/\1/p' | sort -u > /tmp/rawops.sets
  if [ ! -s /tmp/rawops.sets ] || ! cmp -s /tmp/rawops.sets /tmp/libbpf.sets; then
    fail "$obj libbpf: scx_prepare does not set what rawops' profile sets: $(diff /tmp/rawops.sets /tmp/libbpf.sets | grep '^[-+][^-+]' | head -n 4 | tr '\n' ' ')"
    ok=0
  fi
  [ $ok = 1 ] || continue
  echo "BENCHINFO: $obj: both sides register it; $(wc -l < /tmp/rawops.sets) variables set alike before load; the kernel: ${last_why#*] }"

  i=0
  while [ $i -lt $WARMUP ]; do once $obj rawops; once $obj libbpf; i=$((i + 1)); done
  i=0
  while [ $i -lt "$RUNS" ]; do
    # Who goes first alternates, as in bench.py.
    if [ $((i % 2)) = 0 ]; then once $obj rawops print; once $obj libbpf print
    else once $obj libbpf print; once $obj rawops print; fi
    i=$((i + 1))
  done
  i=0
  while [ $i -lt $BPF_RUNS ]; do
    seq0=$(cat $S/enable_seq)
    dmesg -c >/dev/null
    t=$($B/rawops_load /bpf/$obj --bpf-time 2>&1 >/dev/null)
    if [ $? -eq 0 ]; then echo "BENCHBPF: $obj $t"; else fail "$obj rawops: --bpf-time run failed: $t"; fi
    check $obj rawops "$seq0"
    i=$((i + 1))
  done
done
[ "$(cat $S/state)" = disabled ] || fail "all: sched_ext left $(cat $S/state)"
echo BENCHDONE
