#!/usr/bin/env bash
# Guest tests: our kernel module and the static rawops in a Debian 6.12
# kernel under qemu (TCG, no KVM needed). Builds the module against the
# Debian headers, packs a busybox initramfs with the module, build/rawops,
# the BPF objects and tests/vm/guest.sh, boots it and counts the
# PASS:/FAIL:/SKIP: lines the guest prints on its serial console.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
BUILD=${BUILD:-build}
VM=$BUILD/vm

if ! tests/deps.sh vm >&2; then
  skip "guest tests" "cannot install qemu/busybox (tests/deps.sh vm failed)"; suite_end; exit
fi
if ! abi=$(tests/vm/build_kmod.sh); then
  fail "build kmod/bpf_testmod.ko against the Debian 6.12 headers"; suite_end; exit
fi
pass "build kmod/bpf_testmod.ko against the Debian $abi headers"
cache=${RAWOPS_CACHE:-$PWD/.cache/debs}
vmlinuz="$cache/root/linux-image-$abi/boot/vmlinuz-$abi"

root=$VM/initramfs
rm -rf "$root" && mkdir -p "$root"/{bin,proc,sys,dev,bpf,tmp}
cp /bin/busybox "$root/bin/busybox"
cp tests/vm/init.sh "$root/init" && chmod +x "$root/init"
cp tests/vm/guest.sh "$root/guest.sh"
cp "$BUILD/rawops" "$root/rawops"
cp "$VM/kmod/bpf_testmod.ko" "$root/"
cp "$BUILD"/bpfprog/*.bpf.o "$root/bpf/"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$VM/initramfs.cpio.gz"

log=$VM/console.log
start=$(date +%s.%N)
timeout 300 qemu-system-x86_64 -nographic -no-reboot -m 1G -smp 1 -accel tcg \
  -kernel "$vmlinuz" -initrd "$VM/initramfs.cpio.gz" \
  -append "console=ttyS0 panic=-1 quiet" </dev/null >"$log" 2>&1
rc=$?
secs=$(echo "$(date +%s.%N) - $start" | bc 2>/dev/null || echo "?")
tr -d '\r' <"$log" >"$log.txt"
if ! grep -q "rawops-guest: begin" "$log.txt"; then
  if [ $rc -eq 127 ] || grep -qi "could not\|failed to" "$log.txt" && ! grep -q "Linux version" "$log.txt"; then
    skip "guest tests" "qemu could not start: $(head -n 3 "$log.txt")"
  else
    fail "guest booted and ran its tests" "qemu exit $rc; see $log.txt"
  fi
  suite_end; exit
fi
grep -q "rawops-guest: end" "$log.txt" && pass "guest ran to the end and powered off ($secs s)" \
  || fail "guest ran to the end" "qemu exit $rc; see $log.txt"
while IFS= read -r line; do
  case "$line" in
    PASS:*) pass "guest: ${line#PASS: }" ;;
    FAIL:*) fail "guest: ${line#FAIL: }" ;;
    SKIP:*) r=${line#SKIP: }; skip "guest: ${r%%:*}" "${r#*: }" ;;
  esac
done < <(grep -E '^(PASS|FAIL|SKIP): ' "$log.txt")
suite_end
