#!/usr/bin/env bash
# Guest tests on the Debian 7.3 kernel (sched_ext): builds the kernel's own
# schedulers against its BTF (tests/vm73/build.sh), boots the guest once
# (tests/vm73/boot.sh) and counts the PASS:/FAIL:/SKIP: lines it prints.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
BUILD=${BUILD:-build}
VM=$BUILD/vm73
log=$VM/console.log.txt
mkdir -p "$VM"
t0=$(date +%s)
# As for the 6.12 guest: a guest kernel crash under TCG is retried twice.
for attempt in 1 2 3; do
  tests/vm73/boot.sh tests/vm73/guest.sh >"$log"
  rc=$?
  [ $rc -ne 0 ] && break
  grep -q "Kernel panic\|Oops:" "$log" || break
  cp "$log" "$VM/console.crash$attempt.txt"
  echo "NOTE: the 7.3 guest kernel crashed (attempt $attempt, see $VM/console.crash$attempt.txt)"
done
secs=$(( $(date +%s) - t0 ))
case $rc in
  3) skip "7.3 guest tests" "qemu cannot be installed here (tests/deps.sh vm failed)"; suite_end; exit ;;
  4) fail "fetch the Debian 7.3 kernel and build the sched_ext schedulers (tests/vm73/build.sh)"; suite_end; exit ;;
esac
pass "fetch the Debian 7.3 kernel, build scx_simple/central/flatcg/qmap against its BTF"
# The same kernel's BTF as a file (validated, its order checked pair by
# pair): every name's lookups, sorted against scans and indexes.
if out=$("$BUILD/btf/sorted_check" "$VM/btf/vmlinux" 2>&1) && echo "$out" | grep -q "sorted by name: yes"; then
  pass "7.3 BTF file: sorted by name, binary-search lookups agree with scans and indexes ($(echo "$out" | sed 's/.*types, //'))"
else
  fail "7.3 BTF file: sorted by name, binary-search lookups agree with scans and indexes" "$(echo "$out" | tail -n 3 | tr '\n' ' ')"
fi
if ! grep -q "rawops-guest: begin" "$log"; then
  fail "7.3 guest booted and ran its tests" "qemu exit $(cat "$VM/qemu.rc" 2>/dev/null); see $log"
  suite_end; exit
fi
grep -q "rawops-guest: end" "$log" && pass "7.3 guest ran to the end (build + boot + tests: $secs s)" \
  || fail "7.3 guest ran to the end" "see $log"
while IFS= read -r line; do
  case "$line" in
    PASS:*) pass "guest 7.3: ${line#PASS: }" ;;
    FAIL:*) fail "guest 7.3: ${line#FAIL: }" ;;
    INFO:*) echo "$line" ;;
    SKIP:*) r=${line#SKIP: }; skip "guest 7.3: ${r%%:*}" "${r#*: }" ;;
  esac
done < <(grep -E '^(PASS|FAIL|SKIP|INFO): ' "$log")
# The docs/abi.md blocks this guest printed (DOC: lines) must be current.
. tests/docs/abi_lib.sh
check_guest_blocks "$log"
suite_end
