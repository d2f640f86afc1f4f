#!/usr/bin/env bash
# Boots the Debian 7.3 guest once: sched_ext, BPF qdiscs. The initramfs holds
# busybox, the static build/rawops, build/vm73/bpf/*.bpf.o (schedulers built
# by tests/vm73/build.sh), the kernel config as /boot/config-<abi> (.kconfig
# externs need it), GUEST_SCRIPT as /guest.sh and, when built, make bench's
# static binaries (build/bench/measure, rawops_load, libbpf_load) in /benchbin.
#   tests/vm73/boot.sh GUEST_SCRIPT    -> the guest's console, as text, on stdout
# VM73_TIMEOUT: seconds before qemu is stopped (default 600).
# Exit status: 0 booted, 3 qemu/busybox missing, 4 kernel or schedulers not built.
set -uo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
VM=$BUILD/vm73
script=${1:?usage: boot.sh GUEST_SCRIPT}

tests/deps.sh vm >&2 || exit 3
abi=$(tests/vm73/build.sh) || exit 4
cache=${RAWOPS_CACHE:-$PWD/.cache/debs}
vmlinuz=$cache/root/linux-binary-$abi/usr/lib/modules/$abi/vmlinuz
[ -f "$vmlinuz" ] || exit 4

root=$VM/initramfs
rm -rf "$root" && mkdir -p "$root"/{bin,proc,sys,dev,bpf,tmp,boot}
cp /bin/busybox "$root/bin/busybox"
cp tests/vm/init.sh "$root/init" && chmod +x "$root/init"
cp "$script" "$root/guest.sh"
cp tests/vm/tcp_cc_guest.sh "$root/tcp_cc_guest.sh"
cp "$BUILD/rawops" "$root/rawops"
# tests/diff in the guest: the static holders, kstate and their runner
# (make vm-test builds them; make bench's guest boots without them).
mkdir -p "$root/diff"
[ -e "$BUILD/diff/kstate" ] && cp "$BUILD"/diff/{libbpf_hold,rawops_hold,kstate} tests/diff/guest_diff.sh "$root/diff/"
cp "$VM"/bpf/*.bpf.o "$root/bpf/"
cp "$BUILD/bpfprog/tcp_cc.bpf.o" "$BUILD/bpfprog/tcp_cc_dctcp.bpf.o" "$BUILD/bpfprog/core_sock_state.bpf.o" "$root/bpf/"  # host-built: CO-RE
cp "$cache/root/linux-base-$abi/usr/lib/modules/$abi/config" "$root/boot/config-$abi"
[ -f "$VM/tcp_dctcp.ko" ] && cp "$VM/tcp_dctcp.ko" "$root/"
cp "$VM/qdisc_attach" "$root/bin/"
# Issue 13's fault sweep, static (tests/fault/guest_sweep.cpp).
[ -e "$BUILD/fault/guest_sweep" ] && cp "$BUILD/fault/guest_sweep" "$root/bin/"
# Sorted-BTF lookups against scans, on the guest kernel's own BTF.
[ -e "$BUILD/btf/sorted_check" ] && cp "$BUILD/btf/sorted_check" "$root/bin/"
# make bench's guest part (tests/bench/guest73.sh).
mkdir -p "$root/benchbin"
for b in measure rawops_load libbpf_load; do
  [ -x "$BUILD/bench/$b" ] && cp "$BUILD/bench/$b" "$root/benchbin/"
done
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$VM/initramfs.cpio.gz"

# timeout 600: the tests take about 210 s, the fault sweep about 130 more.
# -smp 2: a scheduler with wrong constants survives on one CPU and dies on
# two. -cpu qemu64,-cx16 as for the 6.12 guest; without CMPXCHG16B,
# kmalloc_nolock() fails unless slab_debug=F (arena maps, cgroup_init).
# thread=single: with one host thread per vCPU (MTTCG) the kernel's live
# code patching (int3 + text_poke, when sched_ext flips its static keys)
# crashed the guest in __schedule about once in ten runs; with the vCPUs
# taking turns on one thread, 0 in 6, at about 40 s more per run.
timeout "${VM73_TIMEOUT:-600}" qemu-system-x86_64 -nographic -no-reboot -m 2G -smp 2 -cpu qemu64,-cx16 -accel tcg,thread=single \
  -kernel "$vmlinuz" -initrd "$VM/initramfs.cpio.gz" \
  -append "console=ttyS0 panic=-1 quiet slab_debug=F" </dev/null 2>&1 | tr -d '\r'
echo "${PIPESTATUS[0]}" > "$VM/qemu.rc"
exit 0
