#!/usr/bin/env bash
# Builds everything the guest needs and boots it once:
#   tests/vm/boot.sh GUEST_SCRIPT    -> the guest's console, as text, on stdout
# The initramfs holds busybox, kmod's bpf_testmod.ko, the static build/rawops,
# build/bpfprog/*.bpf.o, the kernel's /boot/config-<abi> and GUEST_SCRIPT as /guest.sh, run by /init, which
# powers the guest off afterwards. Exit status: 0 booted, 3 qemu/busybox
# could not be installed, 4 the kernel could not be fetched or the module not
# built.
set -uo pipefail
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build}
VM=$BUILD/vm
script=${1:?usage: boot.sh GUEST_SCRIPT}

tests/deps.sh vm >&2 || exit 3
abi=$(tests/vm/build_kmod.sh) || exit 4
cache=${RAWOPS_CACHE:-$PWD/.cache/debs}
vmlinuz="$cache/root/linux-image-$abi/boot/vmlinuz-$abi"
[ -f "$vmlinuz" ] || exit 4

root=$VM/initramfs
rm -rf "$root" && mkdir -p "$root"/{bin,proc,sys,dev,bpf,tmp,boot}
cp /bin/busybox "$root/bin/busybox"
cp tests/vm/init.sh "$root/init" && chmod +x "$root/init"
cp "$script" "$root/guest.sh"
cp tests/vm/tcp_cc_guest.sh "$root/tcp_cc_guest.sh"
cp "$BUILD/rawops" "$root/rawops"
# tests/diff in the guest: the static holders, kstate and their runner.
mkdir -p "$root/diff" && cp "$BUILD"/diff/{libbpf_hold,rawops_hold,kstate} tests/diff/guest_diff.sh "$root/diff/"
cp "$VM/kmod/bpf_testmod.ko" "$root/"
# Issue 13's fault sweep, static (tests/fault/guest_sweep.cpp).
cp "$BUILD/fault/guest_sweep" "$root/bin/"
cp "$BUILD"/bpfprog/*.bpf.o "$root/bpf/"
# Where libbpf (and rawops) read .kconfig values: the guest kernel has no
# /proc/config.gz (CONFIG_IKCONFIG is off in Debian's builds).
cp "$cache/root/linux-image-$abi/boot/config-$abi" "$root/boot/"
# The host's bpftool with its shared libraries, as a reference beside
# `rawops show` on a module type (guest.sh prints what it says; not required).
if bpftool=$(command -v bpftool); then
  cp "$bpftool" "$root/bin/bpftool"
  for lib in $(ldd "$bpftool" | awk '/=> \//{print $3} /^\t\/lib/{print $1}'); do
    mkdir -p "$root$(dirname "$lib")" && cp "$lib" "$root$lib"
  done
fi
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$VM/initramfs.cpio.gz"

# -cpu qemu64,-cx16: with CMPXCHG16B the guest's SLUB allocator uses it for
# its lockless freelist, and under qemu 7.2's TCG on a busy 2-core host that
# corrupted memory (double faults, impossible EFLAGS) in about 4 of 10 boots;
# without it, 7 of 7 under the same load. One vCPU for the same reason.
timeout 300 qemu-system-x86_64 -nographic -no-reboot -m 1G -smp 1 -cpu qemu64,-cx16 -accel tcg \
  -kernel "$vmlinuz" -initrd "$VM/initramfs.cpio.gz" \
  -append "console=ttyS0 panic=-1 quiet" </dev/null 2>&1 | tr -d '\r'
echo "${PIPESTATUS[0]}" > "$VM/qemu.rc"
exit 0
