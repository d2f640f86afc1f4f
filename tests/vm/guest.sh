#!/bin/sh
# Runs inside the qemu guest (Debian 6.12, busybox initramfs) as part of
# /init. Prints PASS:/FAIL:/SKIP: lines on the serial console; the host
# (tests/vm/run.sh) counts them.
R=/rawops
T=/proc/bpf_testmod_trigger
pass() { echo "PASS: $1"; }
fail() { echo "FAIL: $1${2:+: $2}"; }
check() { name=$1; shift; if out=$("$@" 2>&1); then pass "$name"; else fail "$name" "$(echo "$out" | tail -n 3 | tr '\n' ' ')"; fi; }
expect() {  # expect NAME WANT GOT
  if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "want '$2', got '$3'"; fi
}
trigger() { echo -n "$1" > $T; cat $T; }

check "insmod bpf_testmod.ko" insmod /bpf_testmod.ko
[ -e /sys/kernel/btf/bpf_testmod ] && pass "module BTF appears in /sys/kernel/btf" || fail "module BTF appears in /sys/kernel/btf"
out=$($R btf dump bpf_testmod --format raw 2>&1)
echo "$out" | grep -q "STRUCT 'bpf_struct_ops_bpf_testmod_ops'" && pass "rawops parses the module's split BTF" \
  || fail "rawops parses the module's split BTF" "$(echo "$out" | tail -n 2)"
expect "trigger with nothing registered" "none" "$(trigger x)"

out=$($R types --module bpf_testmod 2>&1)
if echo "$out" | grep -q "^bpf_testmod_ops (module bpf_testmod)" && echo "$out" | grep -q "int (\*test_2)(int, int)" \
   && echo "$out" | grep -q "^bpf_testmod_named_ops (module bpf_testmod)" && echo "$out" | grep -q "char\[16\] name"; then
  pass "rawops types --module lists both types with member signatures"
else fail "rawops types --module lists both types with member signatures" "$out"; fi

# The seed's scenario, legacy .struct_ops: registered by map update.
mkdir -p /sys/fs/bpf/legacy /sys/fs/bpf/link /sys/fs/bpf/named /sys/fs/bpf/second
check "load --pin testmod_ops.bpf.o (.struct_ops, module type, module kfunc)" $R load /bpf/testmod_ops.bpf.o --pin /sys/fs/bpf/legacy
expect "the BPF ops run: test_1=42, test_2=a+b via the kfunc, test_3=len" \
  "test_1=42 test_2=30 test_3=5 kfunc=30" "$(trigger hello)"

out=$($R load /bpf/testmod_ops_link.bpf.o --pin /sys/fs/bpf/second 2>&1); rc=$?
if [ $rc -eq 2 ] && echo "$out" | grep -q EEXIST; then pass "a second registration is refused with EEXIST (exit 2)"
else fail "a second registration is refused with EEXIST (exit 2)" "rc=$rc $out"; fi
[ -z "$(ls /sys/fs/bpf/second)" ] && pass "the refused load left no pins" || fail "the refused load left no pins" "$(ls /sys/fs/bpf/second)"
expect "the first registration still runs" "test_1=42 test_2=30 test_3=2 kfunc=30" "$(trigger hi)"

check "unload the legacy registration" $R unload /sys/fs/bpf/legacy
expect "nothing registered after unload" "none" "$(trigger x)"

# .struct_ops.link: registered by BPF_LINK_CREATE, swapped by BPF_LINK_UPDATE.
check "load --pin testmod_ops_link.bpf.o (.struct_ops.link)" $R load /bpf/testmod_ops_link.bpf.o --pin /sys/fs/bpf/link
expect "the link's ops run" "test_1=42 test_2=30 test_3=3 kfunc=30" "$(trigger abc)"
check "update the link to a fresh copy (BPF_LINK_UPDATE)" $R update /sys/fs/bpf/link/testmod_ops /bpf/testmod_ops_link.bpf.o
expect "the updated ops run" "test_1=42 test_2=30 test_3=4 kfunc=30" "$(trigger abcd)"
check "unload the link" $R unload /sys/fs/bpf/link
expect "nothing registered after unloading the link" "none" "$(trigger x)"

# Second type: data members through init_member, a nullable argument, a NULL op.
check "load --pin testmod_named_ops.bpf.o" $R load /bpf/testmod_named_ops.bpf.o --pin /sys/fs/bpf/named
expect "data members reach the kernel, NULL arg handled, NULL op stays NULL" \
  "named=rawops_demo flags=1 run=7 run_null=-1 noop=absent" "$(trigger x)"
check "unload the named ops" $R unload /sys/fs/bpf/named

# The module can go once no map or link of its types is left (freed after RCU).
ok=0
for i in 1 2 3 4 5 6 7 8 9 10; do
  if rmmod bpf_testmod 2>/dev/null; then ok=1; break; fi
  sleep 0.5
done
[ $ok -eq 1 ] && pass "rmmod bpf_testmod after unload" || fail "rmmod bpf_testmod after unload" "$(cat /proc/modules)"
