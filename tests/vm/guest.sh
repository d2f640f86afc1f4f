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
# rawops show on a module type (bpftool's struct_ops show fails on these):
# the type and its module, the legacy registration, a program per member.
out=$($R show 2>&1)
if echo "$out" | grep -q "^struct_ops map id [0-9]* 'testmod_ops': bpf_testmod_ops (bpf_testmod), state INUSE, legacy" \
   && echo "$out" | grep -q "^    test_1 *-> prog id [0-9]* 'bpf_testmod_test_1' tag [0-9a-f]*$" \
   && echo "$out" | grep -q "^    pinned map:  /sys/fs/bpf/legacy/testmod_ops$"; then
  pass "show: a module type's legacy registration, its pin and its programs"
else fail "show: a module type's legacy registration, its pin and its programs" "$out"; fi
# For comparison, what bpftool (the host's, Debian's 7.1) says about the
# same registration; shown in the log, not checked: rawops is the instrument.
if [ -x /bin/bpftool ]; then
  bpftool struct_ops show > /tmp/bpftool.out 2>&1; rc=$?
  sed 's/^/INFO: bpftool struct_ops show: /' /tmp/bpftool.out
  echo "INFO: bpftool struct_ops show exit: $rc"
  bpftool struct_ops dump name testmod_ops 2>&1 | head -n 20 | sed 's/^/INFO: bpftool struct_ops dump: /'
fi
# For docs/abi.md (tests/docs/abi_lib.sh): the seed module's registration as
# `show` prints it, and the plan of its object.
echo "$out" | sed 's/^/DOC:guest-testmod-show: /'
$R plan /bpf/testmod_ops.bpf.o 2>&1 | sed 's/^/DOC:guest-testmod-plan: /'
out=$($R dump testmod_ops 2>&1)
if echo "$out" | grep -q "^program id [0-9]* 'bpf_testmod_test_1' for member test_1 (#[0-9]*)$" \
   && echo "$out" | grep -q "attached to bpf_testmod_ops (bpf_testmod): BTF object [1-9][0-9]*, type id [0-9]*$"; then
  pass "dump: the programs of a module type, attached to the module's BTF"
else fail "dump: the programs of a module type, attached to the module's BTF" "$out"; fi

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
# For docs/abi.md: the link load of the module type as --trace shows it.
mkdir -p /sys/fs/bpf/doc
$R load /bpf/testmod_ops_link.bpf.o --pin /sys/fs/bpf/doc --trace 2>&1 >/dev/null | sed 's/^/DOC:guest-testmod-trace: /'
$R unload /sys/fs/bpf/doc >/dev/null 2>&1

# Second type: data members through init_member, a nullable argument, a NULL op.
check "load --pin testmod_named_ops.bpf.o" $R load /bpf/testmod_named_ops.bpf.o --pin /sys/fs/bpf/named
expect "data members reach the kernel, NULL arg handled, NULL op stays NULL" \
  "named=rawops_demo flags=1 run=7 run_null=-1 noop=absent" "$(trigger x)"
out=$($R show 2>&1)
if echo "$out" | grep -q "bpf_testmod_named_ops (bpf_testmod)" && echo "$out" | grep -q '^    name = "rawops_demo"$' \
   && echo "$out" | grep -q '^    flags = 1$'; then
  pass "show: a module type's data members as the kernel holds them (name, flags)"
else fail "show: a module type's data members as the kernel holds them (name, flags)" "$out"; fi
check "unload the named ops" $R unload /sys/fs/bpf/named

# The kfunc tutorial (seeds/003): a kprobe on do_unlinkat calls the module's
# kfunc bpf_kfunc_call_test(1, 2, 3, 4); perf_event_open + BPF_LINK_CREATE.
word() {  # word PIN N: the N-th u64 of the pinned map's first value
  $R map dump --hex "$1" | awk -v n="$2" '/u64:/{print $(n + 1); exit}'
}
mkdir -p /sys/fs/bpf/kprobe /sys/fs/bpf/tracing
check "load --pin kprobe_kfunc.bpf.o (kprobe on do_unlinkat, module kfunc)" $R load /bpf/kprobe_kfunc.bpf.o --pin /sys/fs/bpf/kprobe
[ -e /sys/fs/bpf/kprobe/handle_kprobe ] && pass "the kprobe's link is pinned" || fail "the kprobe's link is pinned" "$(ls /sys/fs/bpf/kprobe)"
touch /tmp/unlink-me && rm /tmp/unlink-me
expect "removing a file runs the kprobe once" "1" "$(word /sys/fs/bpf/kprobe/kprobe_kfunc_bss 1)"
expect "the kprobe got the kfunc's result: 1+2+3+4" "10" "$(word /sys/fs/bpf/kprobe/kprobe_kfunc_bss 2)"
check "unload the kprobe" $R unload /sys/fs/bpf/kprobe
touch /tmp/unlink-me && rm /tmp/unlink-me
out=$(ls /sys/fs/bpf/kprobe 2>/dev/null)
[ -z "$out" ] && pass "nothing left pinned after unloading the kprobe" || fail "nothing left pinned after unloading the kprobe" "$out"

# fentry/fexit links, typed __ksym from vmlinux and from the module (its BTF
# fd in the ld_imm64), .kconfig from /boot/config-$(uname -r).
check "load --pin guest_tracing.bpf.o (fentry, fexit, typed ksyms, kconfig)" $R load /bpf/guest_tracing.bpf.o --pin /sys/fs/bpf/tracing
touch /tmp/unlink-me && rm /tmp/unlink-me
unlink /tmp/no-such-file 2>/dev/null
B=/sys/fs/bpf/tracing/guest_tracing_bss
expect "fentry ran for both unlinks" "2" "$(word $B 1)"
expect "fexit ran for both unlinks" "2" "$(word $B 2)"
expect "fexit saw the failed unlink's -ENOENT" "18446744073709551614" "$(word $B 3)"
expect "typed ksym runqueues: this CPU's rq->cpu equals the CPU the program ran on" "$(word $B 5)" "$(word $B 4)"
expect "typed ksym of the module (BTF fd in ld_imm64): the per-CPU value it was initialised with" \
  "$(printf %d 0x7e57c0de)" "$(word $B 6)"
expect "an absent __weak typed ksym reads as address 0" "0" "$(word $B 7)"
expect "CONFIG_HZ from /boot/config-\$(uname -r)" "$(grep '^CONFIG_HZ=' /boot/config-$(uname -r) | cut -d= -f2)" "$(word $B 8)"
expect "the ?kretprobe program never ran" "0" "$(word $B 9)"
expect "bpf_ksym_exists(&runqueues) on a typed variable" "1" "$(word $B 10)"
[ ! -e /sys/fs/bpf/tracing/unlink_never ] && pass "the ?kretprobe program was not loaded" || fail "the ?kretprobe program was not loaded"
check "unload the tracing programs" $R unload /sys/fs/bpf/tracing

# fmod_ret on a module function: the attach target is in the module's BTF.
expect "the module's fmod target returns its argument" "fmod=4" "$(trigger fmod)"
mkdir -p /sys/fs/bpf/fmod
check "load --pin fmod_ret_module.bpf.o (fmod_ret on a module function)" $R load /bpf/fmod_ret_module.bpf.o --pin /sys/fs/bpf/fmod
expect "the fmod_ret program replaced the module function's result" "fmod=1004" "$(trigger fmod)"
check "unload the fmod_ret program" $R unload /sys/fs/bpf/fmod
expect "after unload the module function runs again" "fmod=5" "$(trigger fmodx)"

# __arena globals (clang-19): the loader copies their initial values into the
# ARENA map it mmaps; a kprobe reads and bumps them.
mkdir -p /sys/fs/bpf/arena
check "load --pin arena_unlink.bpf.o (ARENA map, __arena globals)" $R load /bpf/arena_unlink.bpf.o --pin /sys/fs/bpf/arena
touch /tmp/unlink-me && rm /tmp/unlink-me
touch /tmp/unlink-me && rm /tmp/unlink-me
A=/sys/fs/bpf/arena/arena_unlink_bss
expect "the kprobe ran twice" "2" "$(word $A 1)"
expect "the first run read the __arena global's initial value from the arena" "7" "$(word $A 2)"
expect "the second run read what the first wrote there" "12" "$(word $A 3)"
check "unload the arena object" $R unload /sys/fs/bpf/arena

# One object, three kernels: the host-built tcp_cc.bpf.o here too.
. /tcp_cc_guest.sh
tcp_cc_here "6.12"

# libbpf and rawops compared on the module's types (tests/diff/guest_diff.sh).
out=$(sh /diff/guest_diff.sh /diff /bpf/testmod_ops.bpf.o /bpf/testmod_ops_link.bpf.o /bpf/testmod_named_ops.bpf.o \
  /bpf/fmod_ret_module.bpf.o /bpf/kprobe_kfunc.bpf.o /bpf/guest_tracing.bpf.o /bpf/tcp_cc.bpf.o 2>&1)
echo "$out" | grep -v '^diff-compared:'
n=$(echo "$out" | sed -n 's/^diff-compared: //p')
[ "${n:-0}" -ge 5 ] && pass "libbpf and rawops compared on $n objects in the 6.12 guest" \
  || fail "libbpf and rawops compared on at least 5 objects in the 6.12 guest" "only ${n:-0}"

# Soak with the seed's module: 200 cycles of load --pin, one call through the
# module, unload; each cycle is its own rawops process. At the end the
# kernel's program and map counts (bpftool) and the guest's free memory must
# be where they were: nothing accumulates.
if [ -x /bin/bpftool ]; then
  objects() { echo "$(bpftool prog show | grep -c '^[0-9]*:') $(bpftool map show | grep -c '^[0-9]*:')"; }
  avail() { awk '/^MemAvailable:/{print $2}' /proc/meminfo; }
  sleep 1; before=$(objects); mem0=$(avail); bad=0; start=$(date +%s)
  mkdir -p /sys/fs/bpf/soak
  for i in $(seq 200); do
    $R load /bpf/testmod_ops_link.bpf.o --pin /sys/fs/bpf/soak/c >/dev/null 2>&1 || { bad=$((bad + 1)); continue; }
    [ "$(trigger x | cut -d' ' -f1)" = "test_1=42" ] || bad=$((bad + 1))
    $R unload /sys/fs/bpf/soak/c >/dev/null 2>&1 || bad=$((bad + 1))
  done
  secs=$(( $(date +%s) - start ))
  after=$(objects); for i in 1 2 3 4 5 6 7 8 9 10; do [ "$after" = "$before" ] && break; sleep 0.5; after=$(objects); done
  mem1=$(avail); drop=$(( (mem0 - mem1) / 1024 ))
  echo "INFO: guest soak: 200 cycles in ${secs} s, programs/maps $before -> $after, MemAvailable $((mem0 / 1024)) -> $((mem1 / 1024)) MiB"
  if [ $bad -eq 0 ] && [ "$after" = "$before" ] && [ $drop -lt 8 ]; then
    pass "soak: 200 load/call/unload cycles of the module type, programs/maps flat ($after), MemAvailable within 8 MiB ($drop MiB)"
  else fail "soak: 200 load/call/unload cycles of the module type" "failed cycles $bad, objects $before -> $after, MemAvailable drop $drop MiB"; fi
  rmdir /sys/fs/bpf/soak 2>/dev/null
else
  echo "SKIP: soak of 200 cycles in the guest: no bpftool in the guest (the host has none to copy)"
fi

# Issue 13's fault sweep in the guest (tests/fault/guest_sweep.cpp, the host
# test's own code in tests/common/fault_sweep.cpp) on the seed module's
# types: each object loaded and pinned as `load --pin` does, with call N made
# to fail, for every N and every errno, once and as a lasting refusal (the
# objects are small: 12-14 calls). After each: the module's trigger says
# nothing is registered and its reference count is as before, every
# program, map and link id the kernel has is as before, no fd, no pin.
mkdir -p /sys/fs/bpf/fault
guest_sweep --testmod --pin /sys/fs/bpf/fault --every all:1,all:12 --spot "" \
  /bpf/testmod_ops.bpf.o /bpf/testmod_ops_link.bpf.o /bpf/testmod_named_ops.bpf.o
rc=$?
[ $rc -le 1 ] || fail "the fault sweep ran to the end" "exit $rc"

# The module can go once no map or link of its types is left (freed after RCU).
ok=0
for i in 1 2 3 4 5 6 7 8 9 10; do
  if rmmod bpf_testmod 2>/dev/null; then ok=1; break; fi
  sleep 0.5
done
[ $ok -eq 1 ] && pass "rmmod bpf_testmod after unload" || fail "rmmod bpf_testmod after unload" "$(cat /proc/modules)"
