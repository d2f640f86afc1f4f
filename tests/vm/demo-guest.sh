#!/bin/sh
# `make demo` inside the guest: the seed tutorial's scenario, narrated.
R=/rawops
T=/proc/bpf_testmod_trigger
say() { echo "demo: $*"; }
run() { say "\$ $*"; "$@" 2>&1 | sed 's/^/demo:   /'; }

say "== 1. load the kernel module that defines struct_ops type bpf_testmod_ops"
run insmod /bpf_testmod.ko
say "module BTF: $(ls -l /sys/kernel/btf/bpf_testmod | awk '{print $5}') bytes in /sys/kernel/btf/bpf_testmod"
say "== 2. the type, found in the module's split BTF"
run $R types --module bpf_testmod
say "== 3. the BPF implementation (the seed's struct_ops.bpf.c) and the calls that load it"
run $R inspect /bpf/testmod_ops.bpf.o
$R plan /bpf/testmod_ops.bpf.o 2>&1 | grep -E '^#' | sed 's/^/demo:   /'
say "== 4. load: programs verified, struct_ops map filled, registered (map update)"
mkdir -p /sys/fs/bpf/seed
run $R load /bpf/testmod_ops.bpf.o --pin /sys/fs/bpf/seed
say "== 5. the kernel calls the BPF ops: write to $T, read the results"
say "\$ echo -n hello > $T; cat $T"
echo -n hello > $T
say "  $(cat $T)     (test_1 returns 42, test_2(10, 20) = a + b through the module kfunc, test_3 = len)"
say "== 6. unload"
run $R unload /sys/fs/bpf/seed
echo -n x > $T
say "after unload: $(cat $T)"
say "== 7. the kfunc tutorial: a kprobe on do_unlinkat calls the module's kfunc bpf_kfunc_call_test(1, 2, 3, 4)"
$R plan /bpf/kprobe_kfunc.bpf.o 2>&1 | grep -E '^#|fd_array|perf_event_open' | sed 's/^/demo:   /'
mkdir -p /sys/fs/bpf/kprobe
run $R load /bpf/kprobe_kfunc.bpf.o --pin /sys/fs/bpf/kprobe
say "\$ touch /tmp/f; rm /tmp/f"
touch /tmp/f; rm /tmp/f
calls=$($R map dump --hex /sys/fs/bpf/kprobe/kprobe_kfunc_bss | awk '/u64:/{print $2, $3, $4; exit}')
set -- $calls
say "  the kprobe ran $1 time(s); the kfunc returned $2 to it (pid $3); the tutorial's bpf_printk line went to trace_pipe"
run $R unload /sys/fs/bpf/kprobe
say "== 8. nothing of ours is left: the module can go"
for i in 1 2 3 4 5 6 7 8 9 10; do rmmod bpf_testmod 2>/dev/null && break; sleep 0.5; done
grep -q bpf_testmod /proc/modules && say "rmmod: still loaded" || say "rmmod bpf_testmod: done"
