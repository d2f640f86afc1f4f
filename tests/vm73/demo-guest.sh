#!/bin/sh
# `make demo` part 3, inside the Debian 7.3 guest: a sched_ext scheduler.
R=/rawops
S=/sys/kernel/sched_ext
say() { echo "demo: $*"; }
run() { say "\$ $*"; "$@" 2>&1 | sed 's/^/demo:   /'; }

say "== 1. the kernel's scheduler class today: $(cat $S/state) (no BPF scheduler)"
say "== 2. what rawops will do for scx_rawops_fifo.bpf.o (the sched_ext profile fills its constants)"
$R plan /bpf/scx_rawops_fifo.bpf.o --set slice_ns=3000000 2>&1 | grep -E '^#|profile|slice_ns' | sed 's/^\(.\{88\}\).\{5,\}$/\1 .../; s/^/demo:   /'
say "== 3. load it: it takes over both CPUs"
mkdir -p /sys/fs/bpf/fifo
run $R load /bpf/scx_rawops_fifo.bpf.o --set slice_ns=3000000 --pin /sys/fs/bpf/fifo
sleep 0.5
say "state: $(cat $S/state), root/ops: $(cat $S/root/ops)"
say "== 4. some work for it: four forking loops for 2 s"
pids=""
for i in 1 2 3 4; do (while :; do sh -c : ; done) & pids="$pids $!"; done
sleep 2; kill $pids 2>/dev/null; wait 2>/dev/null
set -- $($R map dump --hex /sys/fs/bpf/fifo/scx_rawops_fifo_bss | awk '/u64:/{print $2, $3, $4; exit}')
say "its statistics (.bss): $1 tasks enqueued, $2 dispatched, slice $3 ns; state still $(cat $S/state)"
say "== 5. unload: the CPUs go back to the fair class, and the scheduler's exit info"
run $R unload /sys/fs/bpf/fifo
say "state: $(cat $S/state)"
