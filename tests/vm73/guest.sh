#!/bin/sh
# Runs inside the Debian 7.3 guest (2 vCPUs, busybox initramfs): the
# kernel's own sched_ext schedulers loaded by rawops. Prints PASS:/FAIL:/SKIP:
# lines; tests/vm73/run.sh counts them.
R=/rawops
S=/sys/kernel/sched_ext
pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1${2:+: $2}"; }
expect() { if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "want '$2', got '$3'"; fi; }

[ -d $S ] && pass "the kernel has sched_ext ($(uname -r))" || fail "the kernel has sched_ext"
expect "no scheduler at boot" "disabled" "$(cat $S/state)"

wait_state() {  # wait_state WANT: up to 3 s
  for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do [ "$(cat $S/state)" = "$1" ] && return 0; sleep 0.2; done
  return 1
}

# A scheduler from tools/sched_ext: load --pin, it takes over, a workload of
# forking busy loops on both CPUs for 3 s leaves it enabled, unload gives the
# CPUs back to the fair class.
scheduler() {  # scheduler OBJECT OPS_NAME [LOAD OPTIONS]
  obj=$1 name=$2 opts=${3:-}
  dir=/sys/fs/bpf/$name
  dmesg -c >/dev/null
  if ! out=$($R load /bpf/$obj --pin $dir $opts 2>&1); then
    fail "$name: rawops load --pin $obj" "$(echo "$out" | tail -n 4 | tr '\n' ' ')"
    return
  fi
  pass "$name: rawops load --pin $obj"
  wait_state enabled && pass "$name: /sys/kernel/sched_ext/state is enabled" || fail "$name: state enabled" "$(cat $S/state)"
  expect "$name: root/ops names it" "$name" "$(cat $S/root/ops 2>/dev/null)"
  pids=""
  for i in 1 2 3 4; do (while :; do sh -c : ; done) & pids="$pids $!"; done
  sleep 3
  kill $pids 2>/dev/null; wait 2>/dev/null
  expect "$name: still enabled after 3 s of forking loops on 2 CPUs" "enabled" "$(cat $S/state)"
  err=$(dmesg | grep -iE "sched_ext.*(error|disabled|runnable task stall|watchdog)" | head -n 2)
  [ -z "$err" ] && pass "$name: no sched_ext error in dmesg" || fail "$name: no sched_ext error in dmesg" "$err"
  if [ "$name" = rawops_vtime ]; then  # per-CPU queues: each CPU served, some work stolen or local
    st=$($R map dump --hex $dir/scx_rawops_vtime_bss | awk '/u64:/{print $2, $3, $4, $5; exit}')
    set -- $st
    [ "${2:-0}" -gt 0 ] && [ "${4:-0}" -gt 0 ] && pass "$name: .bss: $4 enqueued, $2 dispatched from the own CPU's queue, $3 stolen" \
      || fail "$name: .bss statistics" "vtime_now/local/stolen/enqueues: $st"
  fi
  if [ "$name" = rawops_fifo ]; then  # our own: its .bss statistics and the knob
    st=$($R map dump --hex $dir/scx_rawops_fifo_bss | awk '/u64:/{print $2, $3, $4; exit}')
    set -- $st
    [ "${1:-0}" -gt 0 ] && [ "${2:-0}" -gt 0 ] && pass "$name: .bss statistics: $1 enqueued, $2 dispatched" \
      || fail "$name: .bss statistics count" "$st"
    expect "$name: the slice set with --set slice_ns is the one used" "3000000" "${3:-}"
    # rawops show: the scheduler as the kernel holds it (link, ops.name as a
    # data member, ops.enqueue backed by a program), and map dump decoded.
    out=$($R show 2>&1)
    echo "$out" | sed 's/^/DOC:guest-scx-show: /'  # for docs/abi.md (tests/docs/abi_lib.sh)
    if echo "$out" | grep -q "'rawops_fifo_ops': sched_ext_ops (vmlinux), state READY, link id [0-9]*$" \
       && echo "$out" | grep -q '^    name = "rawops_fifo"$' && echo "$out" | grep -q "^    enqueue *-> prog id [0-9]* "; then
      pass "$name: rawops show: sched_ext_ops registered by its link, name and enqueue as the kernel holds them"
    else fail "$name: rawops show: sched_ext_ops registered by its link" "$out"; fi
  fi
  if out=$($R unload $dir 2>&1) && wait_state disabled; then pass "$name: rawops unload disables it"
  else fail "$name: rawops unload disables it" "$(cat $S/state) $(dmesg | tail -n 3 | tr '\n' ' ')"; fi
}

# Without the sched_ext profile (what libbpf alone loads): the __SCX_*
# constants stay 0 (SCX_DSQ_GLOBAL and SCX_DSQ_LOCAL both become 0), and on
# two CPUs the kernel kills the scheduler soon, though how soon depends on
# timing: watched for up to 10 s of forking loops.
dmesg -c >/dev/null
if $R load /bpf/scx_simple.bpf.o --no-profile --pin /sys/fs/bpf/noprofile >/dev/null 2>&1; then
  pids=""
  for i in 1 2 3 4; do (while :; do sh -c : ; done) & pids="$pids $!"; done
  for i in $(seq 50); do [ "$(cat $S/state)" = disabled ] && break; sleep 0.2; done
  kill $pids 2>/dev/null; wait 2>/dev/null
  why=$(dmesg | grep -m1 -iE "sched_ext.*(disabled|error)")
  if [ "$(cat $S/state)" = disabled ] && [ -n "$why" ]; then
    pass "simple --no-profile: with zero __SCX_* constants the kernel kills it on 2 CPUs ($why)"
  else
    echo "SKIP: simple --no-profile: it survived 10 s without the profile this time (the kill is timing-dependent)"
  fi
  $R unload /sys/fs/bpf/noprofile >/dev/null 2>&1
else fail "simple --no-profile loads" ""; fi
wait_state disabled || fail "nothing left enabled before the profiled runs" "$(cat $S/state)"

scheduler scx_simple.bpf.o simple
scheduler scx_central.bpf.o central
scheduler scx_flatcg.bpf.o flatcg
# Our own global-FIFO scheduler: a .rodata knob set with --set, statistics
# in .bss, and the exit information rawops unload reports.
scheduler scx_rawops_fifo.bpf.o rawops_fifo "--set slice_ns=3000000"
scheduler scx_rawops_vtime.bpf.o rawops_vtime
# A scheduler the kernel disables while it stays pinned: sysrq-S.
$R load /bpf/scx_rawops_fifo.bpf.o --pin /sys/fs/bpf/sysrq >/dev/null 2>&1
wait_state enabled || fail "rawops_fifo loads again" "$(cat $S/state)"
echo S > /proc/sysrq-trigger
wait_state disabled && pass "sysrq-S disables the pinned scheduler" || fail "sysrq-S disables the pinned scheduler" "$(cat $S/state)"
out=$($R status /sys/fs/bpf/sysrq 2>&1)
echo "$out" | grep -q "sched_ext exit info: kind SCX_EXIT_SYSRQ" && echo "$out" | grep -q "^sched_ext: state disabled" \
  && pass "rawops status shows the pinned scheduler the kernel disabled, and why" \
  || fail "rawops status shows the pinned scheduler the kernel disabled, and why" "$(echo "$out" | tr '\n' ' ')"
out=$($R unload /sys/fs/bpf/sysrq 2>&1)
echo "$out" | grep -q "sched_ext exit info.*kind SCX_EXIT_SYSRQ" && pass "unload reports the exit: $(echo "$out" | grep -m1 'exit info' | cut -c1-150)" \
  || fail "unload reports the sysrq exit" "$out"
# A scheduler that fails on purpose (scx_bpf_error after 200 enqueues).
$R load /bpf/scx_rawops_fail.bpf.o --pin /sys/fs/bpf/fail >/dev/null 2>&1
for i in 1 2 3 4; do (while :; do sh -c : ; done) & pids="$pids $!"; done
wait_state disabled; kill $pids 2>/dev/null; wait 2>/dev/null; pids=""
expect "rawops_fail: the kernel disabled it" "disabled" "$(cat $S/state)"
out=$($R unload /sys/fs/bpf/fail 2>&1)
echo "$out" | grep -q "kind SCX_EXIT_ERROR_BPF.*message '.*rawops_fail: deliberate failure after 200 enqueues'" \
  && pass "unload reports the scheduler's own error: $(echo "$out" | grep -m1 'exit info' | cut -c1-160)" \
  || fail "unload reports the scheduler's own error" "$out"

# scx_qmap: clang-19 drops an addr_space_cast on an __arena pointer in
# qmap_dequeue, and the verifier refuses the program (a codegen problem of
# this compiler, reported for the kernel's own user space too). rawops must
# refuse it the same way: exit 2, the verifier's verdict, nothing registered.
out=$($R load /bpf/scx_qmap.bpf.o --pin /sys/fs/bpf/qmap 2>&1); rc=$?
if [ $rc -eq 2 ] && echo "$out" | grep -q "load program 'qmap_dequeue'" && echo "$out" | grep -q "R7 invalid mem access 'scalar'"; then
  pass "qmap: the verifier refuses qmap_dequeue (R7 invalid mem access 'scalar', clang-19 arena codegen); exit 2"
else fail "qmap: the verifier refuses qmap_dequeue as known" "rc=$rc $(echo "$out" | head -n 2 | tr '\n' ' ')"; fi
expect "qmap: nothing registered after the refusal" "disabled" "$(cat $S/state)"
expect "qmap: no pins left" "" "$(ls /sys/fs/bpf/qmap 2>/dev/null)"

# One object, three kernels: the host-built tcp_cc.bpf.o on 7.3.
. /tcp_cc_guest.sh
tcp_cc_here "7.3"

# Module kfuncs on 7.3: a congestion control built from tcp_dctcp's kfuncs.
if [ -f /tcp_dctcp.ko ] && insmod /tcp_dctcp.ko; then
  pass "insmod tcp_dctcp.ko; its BTF is /sys/kernel/btf/tcp_dctcp: $([ -e /sys/kernel/btf/tcp_dctcp ] && echo yes || echo no)"
  mkdir -p /sys/fs/bpf/dctcp
  if out=$($R load /bpf/tcp_cc_dctcp.bpf.o --pin /sys/fs/bpf/dctcp 2>&1); then
    pass "load --pin tcp_cc_dctcp.bpf.o (dctcp_init, dctcp_ssthresh, dctcp_cwnd_undo from the module's BTF)"
    old=$(cat /proc/sys/net/ipv4/tcp_congestion_control)
    echo rawops_dctcp > /proc/sys/net/ipv4/tcp_congestion_control
    (sleep 20 | nc -l -p 5598 > /tmp/received) &
    sleep 0.3
    dd if=/dev/zero bs=65536 count=64 2>/dev/null | nc 127.0.0.1 5598
    for i in 1 2 3 4 5 6 7 8 9 10; do [ "$(wc -c < /tmp/received)" -ge 4194304 ] && break; sleep 0.2; done
    pkill -f "sleep 20" 2>/dev/null; wait 2>/dev/null
    echo "$old" > /proc/sys/net/ipv4/tcp_congestion_control
    counts=$($R map dump --hex /sys/fs/bpf/dctcp/tcp_cc_dctcp_bss | awk '/u64:/{print $2, $3; exit}')
    set -- $counts
    [ "${1:-0}" -ge 1 ] && [ "${2:-1}" -eq 0 ] \
      && pass "dctcp_init ran ($1 inits) and switched the non-ECN sockets to dctcp's fallback: no cong_avoid reached our ops" \
      || fail "dctcp_init switched the sockets to its fallback" "inits/cong_avoids: $counts"
    $R unload /sys/fs/bpf/dctcp >/dev/null 2>&1 && pass "unload rawops_dctcp" || fail "unload rawops_dctcp"
  else fail "load --pin tcp_cc_dctcp.bpf.o" "$(echo "$out" | tail -n 3 | tr '\n' ' ')"; fi
else fail "insmod tcp_dctcp.ko" "$(ls /tcp_dctcp.ko 2>&1)"; fi

# 7.x publishes its BTF sorted by name (anonymous types first): rawops
# opens it trusted, samples the order and binary-searches names. Every
# lookup must answer what the scans and hash indexes answer on the same BTF
# (tests/btf/tools/sorted_check.cpp; every 7th name, as TCG is slow), for
# vmlinux and for tcp_dctcp's split BTF when it is loaded.
mods=$([ -e /sys/kernel/btf/tcp_dctcp ] && echo tcp_dctcp)
if out=$(/bin/sorted_check --every 7 /sys/kernel/btf/vmlinux $mods 2>&1); then
  case "$out" in
    *"vmlinux: trusted, sorted by name: yes"*) pass "sorted BTF lookups agree with scans and indexes: $(echo "$out" | tr '\n' ';')" ;;
    *) fail "the 7.3 kernel's BTF is opened trusted and sorted by name" "$(echo "$out" | tr '\n' ' ')" ;;
  esac
else fail "sorted BTF lookups agree with scans and indexes" "$(echo "$out" | tail -n 5 | tr '\n' ' ')"; fi

# A BPF qdisc of our own: registered by rawops, attached to lo with an
# rtnetlink request, carrying a TCP transfer; its kind goes with it.
ip link set lo up
mkdir -p /sys/fs/bpf/qdisc
if out=$($R load /bpf/qdisc_rawops_fifo.bpf.o --pin /sys/fs/bpf/qdisc 2>&1); then
  pass "load --pin qdisc_rawops_fifo.bpf.o (Qdisc_ops: BPF list of skbs, kptrs, qdisc kfuncs)"
  old=$(cat /proc/sys/net/core/default_qdisc)
  echo rawops_fifo > /proc/sys/net/core/default_qdisc 2>/dev/null && pass "default_qdisc accepts rawops_fifo while it is registered" \
    || fail "default_qdisc accepts rawops_fifo while it is registered"
  echo "$old" > /proc/sys/net/core/default_qdisc
  if qdisc_attach lo rawops_fifo; then
    pass "rawops_fifo attached as lo's root qdisc (RTM_NEWQDISC)"
    (sleep 20 | nc -l -p 5597 > /tmp/received) &
    sleep 0.3
    dd if=/dev/zero bs=65536 count=64 2>/dev/null | nc 127.0.0.1 5597
    for i in 1 2 3 4 5 6 7 8 9 10; do [ "$(wc -c < /tmp/received)" -ge 4194304 ] && break; sleep 0.2; done
    pkill -f "sleep 20" 2>/dev/null; wait 2>/dev/null
    expect "4 MiB went through rawops_fifo" "4194304" "$(wc -c < /tmp/received | tr -d ' ')"
    set -- $($R map dump --hex /sys/fs/bpf/qdisc/qdisc_rawops_fifo_bss | awk '/u64:/{print $2, $3, $4, $5; exit}')
    [ "${1:-0}" -gt 100 ] && [ "${2:-0}" -gt 100 ] && [ "$4" -ge 1 ] \
      && pass "rawops_fifo's counters: init $4, $1 packets enqueued, $2 dequeued, ${3:-0} dropped" \
      || fail "rawops_fifo's counters" "enqueued/dequeued/dropped/inits: $*"
    qdisc_attach lo --del && pass "lo's root qdisc removed" || fail "lo's root qdisc removed"
  else fail "rawops_fifo attached as lo's root qdisc"; fi
  $R unload /sys/fs/bpf/qdisc >/dev/null 2>&1 && pass "unload rawops_fifo" || fail "unload rawops_fifo"
  echo rawops_fifo > /proc/sys/net/core/default_qdisc 2>/dev/null && fail "default_qdisc refuses rawops_fifo after unload" \
    || pass "default_qdisc refuses rawops_fifo after unload"
else fail "load --pin qdisc_rawops_fifo.bpf.o" "$(echo "$out" | grep -v '^[0-9]*: ' | tail -n 6 | tr '\n' ' ')"; fi

# The fair-queueing one (.struct_ops.link): two connections at once through
# four flow queues.
mkdir -p /sys/fs/bpf/fq
if out=$($R load /bpf/qdisc_rawops_fq.bpf.o --pin /sys/fs/bpf/fq 2>&1) && qdisc_attach lo rawops_fq; then
  pass "rawops_fq registered (link) and attached to lo"
  for port in 5595 5596; do (sleep 20 | nc -l -p $port > /tmp/fq$port) & done
  sleep 0.3
  for port in 5595 5596; do (dd if=/dev/zero bs=65536 count=32 2>/dev/null | nc 127.0.0.1 $port) & done
  for i in $(seq 30); do [ "$(cat /tmp/fq5595 /tmp/fq5596 | wc -c)" -ge 4194304 ] && break; sleep 0.2; done
  pkill -f "sleep 20" 2>/dev/null; wait 2>/dev/null
  expect "2 x 2 MiB went through rawops_fq" "4194304" "$(cat /tmp/fq5595 /tmp/fq5596 | wc -c | tr -d ' ')"
  set -- $($R map dump --hex /sys/fs/bpf/fq/qdisc_rawops_fq_bss | awk '/u64:/{print $2, $3, $4, $5, $6; exit}')
  used=0; for c in $1 $2 $3 $4; do [ "$c" -gt 0 ] && used=$((used + 1)); done
  [ $used -ge 2 ] && [ "${5:-0}" -gt 100 ] && pass "rawops_fq spread the flows over $used queues ($1 $2 $3 $4 packets), dequeued $5" \
    || fail "rawops_fq spread the flows over several queues" "$*"
  qdisc_attach lo --del
  $R unload /sys/fs/bpf/fq >/dev/null 2>&1 && pass "unload rawops_fq" || fail "unload rawops_fq"
else fail "load and attach rawops_fq" "$(echo "$out" | grep -v '^[0-9]*: ' | tail -n 6 | tr '\n' ' ')"; fi

# libbpf and rawops compared on sched_ext, Qdisc_ops and dctcp (tests/diff/guest_diff.sh).
# Each scheduler is prepared as its own user space does, on both sides, and
# registered: what the kernel holds is compared while sched_ext runs it.
out=$(sh /diff/guest_diff.sh /diff /bpf/scx_simple.bpf.o /bpf/scx_central.bpf.o /bpf/scx_flatcg.bpf.o /bpf/scx_qmap.bpf.o \
  /bpf/scx_rawops_fifo.bpf.o /bpf/scx_rawops_vtime.bpf.o /bpf/qdisc_rawops_fifo.bpf.o /bpf/qdisc_rawops_fq.bpf.o \
  /bpf/tcp_cc_dctcp.bpf.o /bpf/core_sock_state.bpf.o 2>&1)
echo "$out" | grep -v '^diff-compared:'
n=$(echo "$out" | sed -n 's/^diff-compared: //p')
[ "${n:-0}" -ge 4 ] && pass "libbpf and rawops compared on $n objects in the 7.3 guest" \
  || fail "libbpf and rawops compared on at least 4 objects in the 7.3 guest" "only ${n:-0}"

# Issue 13's fault sweep in the guest (tests/fault/guest_sweep.cpp, the host
# test's own code in tests/common/fault_sweep.cpp): each scheduler, and the
# legacy qdisc, loaded and pinned as `load --pin` does, with call N made to
# fail. ENOMEM as a lasting refusal at every call (once, a failed
# BPF_PROG_LOAD is retried and the load goes through: the rollback after
# each program would not be seen); all seven errnos as a lasting refusal,
# and ENOMEM, EAGAIN and EINTR once (the retries), at the first call of each
# command and at the registration (BPF_LINK_CREATE, or the legacy qdisc's
# map update). After
# each: sched_ext disabled and no root/ops, every program, map and link id
# the kernel has as before, no fd, no pin. (Every errno at every call, as the
# host does for tcp_cc, would take about 15 minutes here; rawops_fq, the
# second qdisc, about 2 more for what the others already cover.)
mkdir -p /sys/fs/bpf/fault
guest_sweep --sched-ext --pin /sys/fs/bpf/fault --every ENOMEM:12 --spot all:12,ENOMEM:1,EAGAIN:1,EINTR:1 \
  /bpf/scx_simple.bpf.o /bpf/scx_central.bpf.o /bpf/scx_flatcg.bpf.o /bpf/scx_rawops_fifo.bpf.o \
  /bpf/scx_rawops_vtime.bpf.o /bpf/qdisc_rawops_fifo.bpf.o
rc=$?
[ $rc -le 1 ] || fail "the fault sweep ran to the end" "exit $rc"
