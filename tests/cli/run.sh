#!/usr/bin/env bash
# Black-box tests of the built CLI: the properties a user relies on before any
# kernel is involved (static binary, truthful --help/--version, exit codes).
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
RAWOPS=${RAWOPS:-build/rawops}

if file -L "$RAWOPS" | grep -q "statically linked"; then pass "rawops is statically linked"
else fail "rawops is statically linked" "$(file -L "$RAWOPS")"; fi

# A static binary still must not need a dynamic loader or any shared object.
if ! ldd "$RAWOPS" 2>&1 | grep -q '=>'; then pass "rawops needs no shared libraries"
else fail "rawops needs no shared libraries" "$(ldd "$RAWOPS" 2>&1)"; fi

out=$("$RAWOPS" --version 2>&1); rc=$?
if [ $rc -eq 0 ] && [[ $out =~ ^rawops\ [0-9]+\.[0-9]+\.[0-9]+$ ]]; then pass "--version prints 'rawops X.Y.Z'"
else fail "--version prints 'rawops X.Y.Z'" "rc=$rc out=$out"; fi

out=$("$RAWOPS" --help 2>&1); rc=$?
if [ $rc -eq 0 ] && grep -q "Usage:" <<<"$out"; then pass "--help exits 0 with usage"
else fail "--help exits 0 with usage" "rc=$rc"; fi

"$RAWOPS" no-such-command >/dev/null 2>&1; rc=$?
if [ $rc -eq 3 ]; then pass "unknown subcommand exits 3 (usage)"
else fail "unknown subcommand exits 3 (usage)" "rc=$rc"; fi

# --help lists exactly the subcommands that answer their own --help.
mapfile -t subs < <("$RAWOPS" --help | awk '/^Subcommands:/{on=1;next} on && NF{print $1}')
ok=1
for s in "${subs[@]}"; do "$RAWOPS" "$s" --help >/dev/null 2>&1 || { ok=0; fail "subcommand '$s' --help"; }; done
[ $ok -eq 1 ] && pass "every listed subcommand answers --help (${#subs[@]} listed)"


# --- plan / inspect / types: read-only, but they read /sys/kernel/btf -------
OBJ=build/bpfprog/tcp_cc.bpf.o
if [ -r /sys/kernel/btf/vmlinux ]; then
  out=$("$RAWOPS" plan "$OBJ" 2>&1); rc=$?
  # reno_init serves tcp_congestion_ops.init: its member index, per `types`.
  idx=$("$RAWOPS" types --module vmlinux | awk '/^tcp_congestion_ops /{on=1;next} /^[^ ]/{on=0} on && /\(\*init\)/{sub("#","",$1); print $1}')
  if [ $rc -eq 0 ] && [ -n "$idx" ] && grep -q "prog_name=\"reno_init\" expected_attach_type=member#$idx " <<<"$out" \
     && grep -q "map_flags=BPF_F_LINK" <<<"$out" && grep -q "BPF_LINK_CREATE link_create.map_fd=\$map:rawops_reno" <<<"$out"; then
    pass "plan shows each program's member index, the BPF_F_LINK map and the link"
  else fail "plan shows each program's member index, the BPF_F_LINK map and the link" "rc=$rc idx=$idx"; fi
  out=$("$RAWOPS" types 2>&1)
  if grep -q "^tcp_congestion_ops (vmlinux)" <<<"$out" && grep -q "void (\*cong_avoid)(struct sock \*, u32, u32)" <<<"$out"; then
    pass "types lists tcp_congestion_ops with member signatures"
  else fail "types lists tcp_congestion_ops with member signatures"; fi
  "$RAWOPS" types --module no_such_module >/dev/null 2>&1; rc=$?
  [ $rc -eq 1 ] && pass "types --module of an absent module exits 1" || fail "types --module of an absent module exits 1" "rc=$rc"
  out=$("$RAWOPS" plan build/bpfprog/bad/unknown_type.bpf.o 2>&1); rc=$?
  if [ $rc -eq 1 ] && grep -q "no struct_ops type 'rawops_no_such_ops'" <<<"$out"; then pass "plan of an unknown struct_ops type exits 1 naming it"
  else fail "plan of an unknown struct_ops type exits 1 naming it" "rc=$rc $out"; fi
else
  skip "plan/types tests" "no /sys/kernel/btf/vmlinux"
fi

out=$("$RAWOPS" inspect "$OBJ" 2>&1); rc=$?
if [ $rc -eq 0 ] && grep -q "init *-> program reno_init" <<<"$out" && grep -q 'name *= "rawops_reno"' <<<"$out" \
   && grep -q "tcp_cc.bss" <<<"$out"; then pass "inspect shows members, programs and data maps"
else fail "inspect shows members, programs and data maps" "rc=$rc"; fi
printf 'not an elf' > "${TMPDIR:-/tmp}/rawops-junk.o"
out=$("$RAWOPS" inspect "${TMPDIR:-/tmp}/rawops-junk.o" 2>&1); rc=$?
rm -f "${TMPDIR:-/tmp}/rawops-junk.o"
if [ $rc -eq 1 ] && grep -q "rawops-junk.o" <<<"$out"; then pass "inspect of a non-ELF file exits 1 naming the file"
else fail "inspect of a non-ELF file exits 1 naming the file" "rc=$rc $out"; fi

# --- load / update / unload against the real kernel (root) -----------------
available() { grep -qw "$1" /proc/sys/net/ipv4/tcp_available_congestion_control; }
if [ "$(id -u)" -ne 0 ]; then
  skip "load/update/unload" "needs root"
elif available rawops_reno; then
  skip "load/update/unload" "rawops_reno already registered by someone else"
else
  pins=$(mktemp -d)
  # Whatever happens, nothing stays registered or mounted.
  trap 'umount "$pins" 2>/dev/null; rmdir "$pins" 2>/dev/null' EXIT
  mount -t bpf bpf "$pins"
  mkdir "$pins/reno"
  check "load --pin registers rawops_reno and exits" "$RAWOPS" load "$OBJ" --pin "$pins/reno"
  available rawops_reno && pass "rawops_reno is available after load --pin" || fail "rawops_reno is available after load --pin"
  [ -e "$pins/reno/rawops_reno" ] && [ -e "$pins/reno/tcp_cc_bss" ] && pass "link and data maps are pinned" || fail "link and data maps are pinned" "$(ls "$pins/reno")"
  # rawops map update/dump on the pinned .data map (generation, a u64).
  check "map update writes a pinned map" "$RAWOPS" map update "$pins/reno/tcp_cc_data" 00000000 2a00000000000000
  if "$RAWOPS" map dump "$pins/reno/tcp_cc_data" | grep -q "u64: 42$"; then pass "map dump reads back what map update wrote"
  else fail "map dump reads back what map update wrote" "$("$RAWOPS" map dump "$pins/reno/tcp_cc_data")"; fi
  "$RAWOPS" map update "$pins/reno/tcp_cc_data" 00000000 2a >/dev/null 2>&1; rc=$?
  [ $rc -eq 1 ] && pass "map update with a value of the wrong size exits 1" || fail "map update with a value of the wrong size exits 1" "rc=$rc"
  check "update swaps the pinned link to tcp_cc_v2" "$RAWOPS" update "$pins/reno/rawops_reno" build/bpfprog/tcp_cc_v2.bpf.o
  available rawops_reno && pass "rawops_reno stays available across update" || fail "rawops_reno stays available across update"
  check "unload of the folder detaches and removes the pins" "$RAWOPS" unload "$pins/reno"
  ! available rawops_reno && [ ! -e "$pins/reno" ] && pass "nothing is left after unload" || fail "nothing is left after unload"

  out=$("$RAWOPS" load build/bpfprog/bad/verifier_oob.bpf.o --pin "$pins" 2>&1); rc=$?
  if [ $rc -eq 2 ] && grep -q "verifier log:" <<<"$out" && [ -z "$(ls "$pins" | grep -v debug)" ]; then
    pass "a verifier refusal exits 2 with the log and pins nothing"
  else fail "a verifier refusal exits 2 with the log and pins nothing" "rc=$rc"; fi

  # Foreground mode: registered while running, gone after SIGTERM.
  "$RAWOPS" load "$OBJ" > "$pins.out" 2>&1 &
  pid=$!
  for _ in $(seq 50); do available rawops_reno && break; sleep 0.1; done
  available rawops_reno && pass "foreground load registers while running" || fail "foreground load registers while running" "$(cat "$pins.out")"
  kill -TERM $pid; wait $pid; rc=$?
  if [ $rc -eq 0 ] && ! available rawops_reno; then pass "SIGTERM unregisters and exits 0"
  else fail "SIGTERM unregisters and exits 0" "rc=$rc"; fi
  rm -f "$pins.out"
fi

suite_end
