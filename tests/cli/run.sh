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
for s in "${subs[@]}"; do
  # Its own usage line: main.cpp sets up only the command the line starts with.
  "$RAWOPS" "$s" --help 2>&1 | grep -q "^Usage: rawops $s " || { ok=0; fail "subcommand '$s' --help"; }
done
[ $ok -eq 1 ] && pass "every listed subcommand answers --help with its usage (${#subs[@]} listed)"


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
  # Each global variable decoded at the offset its symbol gives: clang leaves
  # the object's DATASEC offsets at 0 (the plan used to show every variable
  # at value+0, decoded from the section's first bytes).
  out=$("$RAWOPS" plan build/bpfprog/tcp_cc_knobs.bpf.o 2>&1); rc=$?
  if [ $rc -eq 0 ] && grep -qx '      value+0 (knob_factor) = 1' <<<"$out" && grep -qx '      value+8 (knob_mode) = KNOB_SLOW' <<<"$out" \
     && grep -qx '      value+12 (knob_label) = "none"' <<<"$out" && grep -qx '      value+20 (nr_slots) = 1' <<<"$out" \
     && ! grep -q 'knob_enabled' <<<"$out"; then
    pass "plan decodes each .rodata variable at its own offset (tcp_cc_knobs: +0, +8, +12, +20; false knob_enabled left out)"
  else fail "plan decodes each .rodata variable at its own offset" "rc=$rc $(grep 'value+' <<<"$out" | head -8 | tr '\n' ' ')"; fi
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

. tests/cli/json.sh  # --json of types, inspect and plan against their schemas

# --- load / update / unload against the real kernel (root) -----------------
available() { grep -qw "$1" /proc/sys/net/ipv4/tcp_available_congestion_control; }
# Whether process $1 ignores signal number $2 (SigIgn in its status).
ignores() {
  local mask
  mask=$(awk '/^SigIgn:/{print $2}' "/proc/$1/status" 2>/dev/null) || return 1
  [ -n "$mask" ] && (( (16#$mask >> ($2 - 1)) & 1 ))
}
# Waits for background process $1 to end, at most 10 s (then kills it, so a
# test that fails cannot hang the suite); returns its exit code.
reap() {
  for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$1" 2>/dev/null && kill -KILL "$1"
  wait "$1"
}
if [ "$(id -u)" -ne 0 ]; then
  skip "load/update/unload" "needs root"
elif available rawops_reno; then
  skip "load/update/unload" "rawops_reno already registered by someone else"
else
  pins=$(mktemp -d)
  # Whatever happens, nothing stays registered or mounted: a legacy
  # .struct_ops stays registered when its pin goes, so unload the folders first.
  # Only this shell cleans up, not a child forked for `cmd &` that is
  # signalled before it execs.
  trap '[ "$BASHPID" = "$$" ] || exit
        for d in "$pins"/*/; do [ -d "$d" ] && "$RAWOPS" unload "$d" >/dev/null 2>&1; done
        umount "$pins" 2>/dev/null; rmdir "$pins" 2>/dev/null' EXIT
  mount -t bpf bpf "$pins"
  mkdir "$pins/reno"
  check "load --pin registers rawops_reno and exits" "$RAWOPS" load "$OBJ" --pin "$pins/reno"
  available rawops_reno && pass "rawops_reno is available after load --pin" || fail "rawops_reno is available after load --pin"
  [ -e "$pins/reno/rawops_reno" ] && [ -e "$pins/reno/tcp_cc_bss" ] && pass "link and data maps are pinned" || fail "link and data maps are pinned" "$(ls "$pins/reno")"
  # rawops map update/dump on the pinned .data map (generation, a u64).
  check "map update writes a pinned map" "$RAWOPS" map update "$pins/reno/tcp_cc_data" 00000000 2a00000000000000
  if "$RAWOPS" map dump --hex "$pins/reno/tcp_cc_data" | grep -q "u64: 42$"; then pass "map dump --hex reads back what map update wrote"
  else fail "map dump --hex reads back what map update wrote" "$("$RAWOPS" map dump --hex "$pins/reno/tcp_cc_data")"; fi
  # Decoded with the map's BTF: the .data section's variable by name.
  if "$RAWOPS" map dump "$pins/reno/tcp_cc_data" | grep -q "^    rawops_generation = 42$"; then pass "map dump decodes a .data map's variables by name"
  else fail "map dump decodes a .data map's variables by name" "$("$RAWOPS" map dump "$pins/reno/tcp_cc_data")"; fi
  check "map update VAR=VALUE sets one variable of a .data map" "$RAWOPS" map update "$pins/reno/tcp_cc_data" rawops_generation=0x10007
  if [ "$("$RAWOPS" map dump "$pins/reno/tcp_cc_data" --json | jq '.elements[0].value.rawops_generation')" = 65543 ]; then
    pass "map dump --json reads back the variable map update set"
  else fail "map dump --json reads back the variable map update set" "$("$RAWOPS" map dump "$pins/reno/tcp_cc_data" --json)"; fi
  "$RAWOPS" map dump "$pins/reno/tcp_cc_bss" --json | tests/cli/check_json.py map_dump \
    && pass "map dump --json matches docs/schema/map_dump.schema.json" || fail "map dump --json matches docs/schema/map_dump.schema.json"
  out=$("$RAWOPS" map update "$pins/reno/tcp_cc_data" no_such_var=1 2>&1); rc=$?
  [ $rc -eq 1 ] && grep -q "map 'tcp_cc.data' has no variable 'no_such_var' (it has: rawops_generation)" <<<"$out" \
    && pass "map update of an unknown variable exits 1 listing the map's variables" \
    || fail "map update of an unknown variable exits 1 listing the map's variables" "rc=$rc $out"
  out=$("$RAWOPS" map update "$pins/reno/tcp_cc_data" rawops_generation=x 2>&1); rc=$?
  [ $rc -eq 1 ] && grep -q "variable 'rawops_generation'" <<<"$out" && pass "map update VAR=VALUE checks the value against the BTF type (exit 1)" \
    || fail "map update VAR=VALUE checks the value against the BTF type (exit 1)" "rc=$rc $out"
  "$RAWOPS" map update "$pins/reno/tcp_cc_data" 00000000 2a >/dev/null 2>&1; rc=$?
  [ $rc -eq 1 ] && pass "map update with a value of the wrong size exits 1" || fail "map update with a value of the wrong size exits 1" "rc=$rc"
  "$RAWOPS" map dump "$pins/reno/rawops_reno" >/dev/null 2>&1; rc=$?
  [ $rc -eq 1 ] && pass "map dump of a pinned link exits 1 (not a map)" || fail "map dump of a pinned link exits 1 (not a map)" "rc=$rc"
  check "update swaps the pinned link to tcp_cc_v2" "$RAWOPS" update "$pins/reno/rawops_reno" build/bpfprog/tcp_cc_v2.bpf.o
  available rawops_reno && pass "rawops_reno stays available across update" || fail "rawops_reno stays available across update"
  # --pin creates the folder and its parents in bpffs, before registering;
  # outside a bpffs it refuses before any bpf() call.
  KOBJ=build/bpfprog/tcp_cc_kfunc.bpf.o  # rawops_kfunc: $OBJ's rawops_reno is pinned already
  check "load --pin into a folder that does not exist yet creates it" "$RAWOPS" load "$KOBJ" --pin "$pins/new/deeper/kf"
  [ -e "$pins/new/deeper/kf/rawops_kfunc" ] && pass "the new folder holds the pins" || fail "the new folder holds the pins" "$(ls -R "$pins/new")"
  check "unload the new folder" "$RAWOPS" unload "$pins/new/deeper/kf"
  rm -rf "$pins/new"
  notbpf=$(mktemp -d)
  out=$("$RAWOPS" load "$KOBJ" --pin "$notbpf/x" 2>&1); rc=$?
  if [ $rc -eq 1 ] && grep -q "is not on a bpffs (mount one first" <<<"$out" && ! available rawops_kfunc && [ ! -e "$notbpf/x" ]; then
    pass "load --pin outside a bpffs exits 1 before registering, naming the missing mount"
  else fail "load --pin outside a bpffs exits 1 before registering, naming the missing mount" "rc=$rc $out"; fi
  rm -rf "$notbpf"
  # --set / --resize reach the kernel: the struct_ops `name` member renames
  # the congestion control, a .rodata knob and a resized .maps map show in
  # the pinned maps.
  mkdir "$pins/knobs"
  check "load --set/--resize tcp_cc_knobs.bpf.o" "$RAWOPS" load build/bpfprog/tcp_cc_knobs.bpf.o --pin "$pins/knobs" \
    --set rawops_knobs.name=rawops_knobs3 --set knob_factor=7 --resize knob_array=32
  available rawops_knobs3 && ! available rawops_knobs && pass "--set ops.name registers under the new name" \
    || fail "--set ops.name registers under the new name" "$(cat /proc/sys/net/ipv4/tcp_available_congestion_control)"
  if "$RAWOPS" map dump --hex "$pins/knobs/tcp_cc_knobs_rodata" | grep -q "^    0000:  07 00 00 00"; then
    pass "--set knob_factor=7 is in the pinned .rodata"
  else fail "--set knob_factor=7 is in the pinned .rodata" "$("$RAWOPS" map dump "$pins/knobs/tcp_cc_knobs_rodata")"; fi
  if "$RAWOPS" map dump "$pins/knobs/tcp_cc_knobs_rodata" | grep -q "^    knob_factor = 7$"; then pass "map dump decodes the .rodata: knob_factor = 7"
  else fail "map dump decodes the .rodata: knob_factor = 7" "$("$RAWOPS" map dump "$pins/knobs/tcp_cc_knobs_rodata")"; fi
  out=$("$RAWOPS" map update "$pins/knobs/tcp_cc_knobs_rodata" knob_factor=8 2>&1); rc=$?
  [ $rc -eq 2 ] && grep -q "EPERM" <<<"$out" && pass "map update of a frozen .rodata is refused by the kernel (exit 2, EPERM)" \
    || fail "map update of a frozen .rodata is refused by the kernel (exit 2, EPERM)" "rc=$rc $out"
  "$RAWOPS" map dump "$pins/knobs/knob_array" | head -1 | grep -q "max_entries 32" && pass "--resize knob_array=32 is what the kernel holds" \
    || fail "--resize knob_array=32 is what the kernel holds" "$("$RAWOPS" map dump "$pins/knobs/knob_array" | head -1)"
  check "unload the knobs" "$RAWOPS" unload "$pins/knobs"
  out=$("$RAWOPS" load build/bpfprog/tcp_cc_knobs.bpf.o --set knob_factor=-1 2>&1); rc=$?
  [ $rc -eq 1 ] && grep -q "'-1' is negative, the type is unsigned" <<<"$out" && pass "a value that does not fit its type exits 1, saying why" \
    || fail "a value that does not fit its type exits 1, saying why" "rc=$rc $out"
  # A ?.struct_ops.link variable only when asked for.
  mkdir "$pins/opt"
  out=$("$RAWOPS" load build/bpfprog/tcp_cc_optional.bpf.o --map rawops_opt_b --pin "$pins/opt" 2>&1)
  available rawops_opt_b && ! available rawops_opt_a && grep -q "note: program 'opt_a_init'.*not loaded" <<<"$out" \
    && pass "--map selects a ?.struct_ops.link variable; load notes the program it left out" \
    || fail "--map selects a ?.struct_ops.link variable; load notes the program it left out" "$out"
  check "unload the optional variable" "$RAWOPS" unload "$pins/opt"
  # A tp_btf program's link is pinned beside the struct_ops and unloaded with it.
  mkdir "$pins/mixed"
  check "load --pin tcp_cc_mixed.bpf.o (struct_ops + tp_btf + syscall)" "$RAWOPS" load build/bpfprog/tcp_cc_mixed.bpf.o --pin "$pins/mixed"
  [ -e "$pins/mixed/mixed_state" ] && [ -e "$pins/mixed/rawops_mixed" ] && pass "the tp_btf link is pinned as <dir>/<program>" \
    || fail "the tp_btf link is pinned as <dir>/<program>" "$(ls "$pins/mixed")"
  check "unload removes the program link too" "$RAWOPS" unload "$pins/mixed"
  [ ! -e "$pins/mixed" ] && ! available rawops_mixed && pass "nothing of tcp_cc_mixed is left" || fail "nothing of tcp_cc_mixed is left"
  check "unload of the folder detaches and removes the pins" "$RAWOPS" unload "$pins/reno"
  ! available rawops_reno && [ ! -e "$pins/reno" ] && pass "nothing is left after unload" || fail "nothing is left after unload"

  # Per-CPU maps: a lookup/update moves one round_up(value_size, 8) slot per
  # possible CPU (tcp_cc_maps' per_cpu: a PERCPU_ARRAY of u64).
  mkdir "$pins/maps"
  check "load --pin of tcp_cc_maps (legacy struct_ops, .maps)" "$RAWOPS" load build/bpfprog/tcp_cc_maps.bpf.o --pin "$pins/maps"
  possible=$(cat /sys/devices/system/cpu/possible)
  cpus=()
  IFS=, read -ra ranges <<<"$possible"
  for r in "${ranges[@]}"; do for c in $(seq "${r%-*}" "${r#*-}"); do cpus+=("$c"); done; done
  out=$("$RAWOPS" map dump "$pins/maps/per_cpu" 2>&1); rc=$?
  listed=$(grep -oE "^ +cpu [0-9]+:" <<<"$out" | grep -oE "[0-9]+" | tr '\n' ' ')
  if [ $rc -eq 0 ] && [ "$listed" = "${cpus[*]} " ]; then pass "map dump of a per-CPU map lists every possible CPU ($possible)"
  else fail "map dump of a per-CPU map lists every possible CPU ($possible)" "rc=$rc listed=$listed $out"; fi
  check "map update of a per-CPU map" "$RAWOPS" map update "$pins/maps/per_cpu" 00000000 2a00000000000000
  out=$("$RAWOPS" map dump --hex "$pins/maps/per_cpu" 2>&1)
  if [ "$(grep -c "u64: 42$" <<<"$out")" -eq ${#cpus[@]} ]; then pass "map update writes the value to every CPU, dump reads it back"
  else fail "map update writes the value to every CPU, dump reads it back" "$out"; fi
  # unload tells links from maps with bpf() alone: it works without /proc (an initramfs).
  out=$(unshare -m --propagation private sh -c 'mount -t tmpfs none /proc && exec "$1" unload "$2"' sh "$RAWOPS" "$pins/maps" 2>&1); rc=$?
  if [ $rc -eq 0 ] && ! available rawops_m1 && ! available rawops_m2 && [ ! -e "$pins/maps" ]; then
    pass "unload without /proc unregisters legacy struct_ops maps and removes the folder"
  else fail "unload without /proc unregisters legacy struct_ops maps and removes the folder" "rc=$rc $out"; fi

  # update re-pins every map of the new object, `.maps` too, under the names
  # load --pin gives them (tcp_cc_externs: numbers, timers, .bss, .kconfig).
  pin_ids() { for f in "$1"/*; do "$RAWOPS" map dump "$f" 2>/dev/null | head -1 | sed -n "s|^$1/\([^:]*\): map .* id \([0-9]*\),.*|\1=\2|p"; done; }
  mkdir "$pins/ext"
  check "load --pin of tcp_cc_externs (link, .maps)" "$RAWOPS" load build/bpfprog/tcp_cc_externs.bpf.o --pin "$pins/ext"
  before=$(pin_ids "$pins/ext"); names_before=$(ls "$pins/ext")
  check "update of tcp_cc_externs with itself" "$RAWOPS" update "$pins/ext/rawops_ext" build/bpfprog/tcp_cc_externs.bpf.o
  after=$(pin_ids "$pins/ext")
  stale=$(comm -12 <(sort <<<"$before") <(sort <<<"$after"))
  if grep -q "^numbers=" <<<"$after" && [ -z "$stale" ] && [ "$(ls "$pins/ext")" = "$names_before" ]; then
    pass "update re-pins the .maps and data maps of the new object, no pin left on an old map"
  else fail "update re-pins the .maps and data maps of the new object, no pin left on an old map" "still old: $stale; pins: $(ls "$pins/ext" | tr '\n' ' ')"; fi
  out=$(unshare -m --propagation private sh -c 'mount -t tmpfs none /proc && exec "$1" unload "$2"' sh "$RAWOPS" "$pins/ext" 2>&1); rc=$?
  if [ $rc -eq 0 ] && ! available rawops_ext && [ ! -e "$pins/ext" ]; then pass "unload without /proc detaches a struct_ops link"
  else fail "unload without /proc detaches a struct_ops link" "rc=$rc $out"; fi

  out=$("$RAWOPS" load build/bpfprog/bad/verifier_oob.bpf.o --pin "$pins" 2>&1); rc=$?
  if [ $rc -eq 2 ] && grep -q "verifier log:" <<<"$out" && [ -z "$(ls "$pins" | grep -v debug)" ]; then
    pass "a verifier refusal exits 2 with the log and pins nothing"
  else fail "a verifier refusal exits 2 with the log and pins nothing" "rc=$rc"; fi

  # Foreground mode: registered while running, gone after SIGTERM.
  "$RAWOPS" load "$OBJ" > "$pins.out" 2>&1 &
  pid=$!
  for _ in $(seq 50); do available rawops_reno && break; sleep 0.1; done
  available rawops_reno && pass "foreground load registers while running" || fail "foreground load registers while running" "$(cat "$pins.out")"
  kill -TERM $pid; reap $pid; rc=$?
  if [ $rc -eq 0 ] && ! available rawops_reno; then pass "SIGTERM unregisters and exits 0"
  else fail "SIGTERM unregisters and exits 0" "rc=$rc"; fi
  # RLIMIT_MEMLOCK (loader/sys/memlock.h): raised to unlimited only on
  # kernels before 5.11; on this one a load keeps the soft limit it was given.
  hard=$(ulimit -H -l)
  soft=4096; [ "$hard" != unlimited ] && soft=$((hard / 2))
  want=$((soft * 1024))
  case $(uname -r) in [0-4].*|5.[0-9].*|5.10.*) want=unlimited ;; esac
  : > "$pins.out"
  sh -c 'ulimit -S -l "$1" && exec "$2" load "$3"' sh "$soft" "$RAWOPS" "$OBJ" > "$pins.out" 2>&1 &
  pid=$!
  for _ in $(seq 50); do grep -q "^running" "$pins.out" && break; sleep 0.1; done
  got=$(awk '/^Max locked memory/{print $4}' /proc/$pid/limits 2>/dev/null)
  kill -TERM $pid; reap $pid
  [ "$got" = "$want" ] && pass "a load on $(uname -r) leaves RLIMIT_MEMLOCK as it was given ($got bytes; raised only before 5.11)" \
    || fail "a load leaves RLIMIT_MEMLOCK alone from 5.11 on" "want '$want', got '$got' ($(head -n 2 "$pins.out"))"
  for sig in HUP INT; do
    # Emptied first: the child's own `>` may come after the grep below, which
    # would then read the last test's "running" and signal a process that has
    # not blocked its signals yet (a background job ignores SIGINT until then).
    : > "$pins.out"
    "$RAWOPS" load "$OBJ" > "$pins.out" 2>&1 &
    pid=$!
    label="SIG$sig unregisters and exits 0"
    for _ in $(seq 50); do grep -q "^running" "$pins.out" && break; sleep 0.1; done
    if [ $sig = HUP ] && ignores $pid 1; then
      # Started with SIGHUP ignored (the suite runs under nohup): rawops
      # keeps it ignored, as `nohup rawops load` asks, and SIGTERM still ends it.
      kill -HUP $pid; sleep 0.5
      if kill -0 $pid 2>/dev/null && available rawops_reno && grep -q "SIGHUP is ignored" "$pins.out"; then pass "SIGHUP ignored at start (nohup): says so, still registered after SIGHUP"
      else fail "SIGHUP ignored at start (nohup): says so, still registered after SIGHUP" "$(cat "$pins.out")"; fi
      sig=TERM label="SIGTERM after the ignored SIGHUP unregisters and exits 0"
    fi
    kill -$sig $pid; reap $pid; rc=$?
    if [ $rc -eq 0 ] && ! available rawops_reno && grep -q "got SIG$sig" "$pins.out"; then pass "$label"
    else fail "$label" "rc=$rc $(cat "$pins.out")"; fi
  done
  # A signal during the load waits for it, then unregisters: nothing stays.
  # (Sent as soon as the child is rawops, no longer the forked shell.)
  "$RAWOPS" load "$OBJ" > "$pins.out" 2>&1 &
  pid=$!
  for _ in $(seq 100000); do read -r comm < /proc/$pid/comm && [ "$comm" = rawops ] && break; done 2>/dev/null
  kill -TERM $pid; reap $pid; rc=$?
  if { [ $rc -eq 0 ] || [ $rc -eq 143 ]; } && ! available rawops_reno; then pass "SIGTERM right after start leaves nothing registered"
  else fail "SIGTERM right after start leaves nothing registered" "rc=$rc $(cat "$pins.out")"; fi
  # The same, deterministically, for a legacy .struct_ops (which the kernel
  # keeps registered when its process dies): strace sends SIGTERM at the
  # very bpf() call that registers it, the last call of the load.
  if command -v strace >/dev/null; then
    : > "$pins.out"  # (see above: no stale "running")
    "$RAWOPS" load build/bpfprog/tcp_cc_legacy.bpf.o --trace > "$pins.out" 2> "$pins.trace" &
    pid=$!
    for _ in $(seq 50); do grep -q "^running" "$pins.out" && break; sleep 0.1; done
    kill -INT $pid; reap $pid
    n=$(awk '/BPF_MAP_DELETE_ELEM/{exit} /^bpf:/{n++} END{print n+0}' "$pins.trace")
    strace -o /dev/null -qq -e trace=bpf -e inject=bpf:signal=TERM:when=$n "$RAWOPS" load build/bpfprog/tcp_cc_legacy.bpf.o > "$pins.out" 2>&1
    rc=$?
    if [ $rc -eq 0 ] && ! available rawops_reno_l && grep -q "got SIGTERM" "$pins.out"; then
      pass "SIGTERM at the registering bpf() call (#$n): unregistered, exit 0"
    else fail "SIGTERM at the registering bpf() call (#$n): unregistered, exit 0" "rc=$rc $(cat "$pins.out")"
      available rawops_reno_l && command -v bpftool >/dev/null && bpftool struct_ops unregister name rawops_reno_l >/dev/null
    fi
    rm -f "$pins.trace"
  else
    skip "SIGTERM at the registering bpf() call" "no strace"
  fi
  rm -f "$pins.out"
fi

# Two loaders racing for one congestion-control name: exactly one wins, the
# other exits 2 naming the map (and pin) that holds it, and leaves nothing:
# no registration, no pin folder. Ten rounds.
if [ "$(id -u)" -eq 0 ]; then
  race_ok=0 race_detail=""
  for round in $(seq 10); do
    a=/sys/fs/bpf/rawops_race_a$round b=/sys/fs/bpf/rawops_race_b$round
    "$RAWOPS" load "$OBJ" --pin "$a" > /tmp/rawops_race_a 2>&1 & pa=$!
    "$RAWOPS" load "$OBJ" --pin "$b" > /tmp/rawops_race_b 2>&1 & pb=$!
    wait $pa; ra=$?; wait $pb; rb=$?
    if [ $ra -eq 0 ] && [ $rb -eq 2 ]; then win=$a lose=$b out=/tmp/rawops_race_b
    elif [ $ra -eq 2 ] && [ $rb -eq 0 ]; then win=$b lose=$a out=/tmp/rawops_race_a
    else race_detail="round $round: exits $ra and $rb"; "$RAWOPS" unload "$a" >/dev/null 2>&1; "$RAWOPS" unload "$b" >/dev/null 2>&1; break; fi
    # (The winner pins right after it registers: the loser may look before that.)
    if ! grep -Eq "File exists \(EEXIST\); already registered by struct_ops map id [0-9]+ 'rawops_reno'( \(pinned at $win/rawops_reno\))?;" "$out" || [ -e "$lose" ]; then
      race_detail="round $round: $(cat "$out") / $(ls -d "$lose" 2>&1)"; "$RAWOPS" unload "$win" >/dev/null 2>&1; break
    fi
    "$RAWOPS" unload "$win" >/dev/null 2>&1
    available rawops_reno && { race_detail="round $round: rawops_reno still registered after unload"; break; }
    race_ok=$((race_ok + 1))
  done
  rm -f /tmp/rawops_race_a /tmp/rawops_race_b
  [ $race_ok -eq 10 ] && pass "two loaders race for rawops_reno 10 times: one wins, the other exits 2 naming the holder's map id (and pin), leaving no folder" \
    || fail "two loaders racing for one name" "$race_detail"
fi

# The machine, not the object, is at fault: each case gets its own message and
# a hint naming the fix; nothing is registered. Private mount namespaces
# change only this process's view (a bind remount, never the shared bpffs).
if [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null && command -v setpriv >/dev/null; then
  env_case() {  # env_case NAME WANT_RC WANT_TEXT COMMAND...
    local name=$1 want_rc=$2 want=$3; shift 3
    local out rc
    out=$("$@" 2>&1); rc=$?
    if [ $rc -eq "$want_rc" ] && grep -qF -- "$want" <<<"$out" && ! available rawops_reno; then pass "$name"
    else fail "$name" "rc=$rc (want $want_rc) $(tail -n 2 <<<"$out")"; fi
  }
  env_case "not root: EPERM named, with the capabilities it needs and the process's own (exit 2)" 2 \
    "rawops: hint: bpf() needs root, or CAP_BPF with CAP_PERFMON (struct_ops, tracing and kprobe programs), and CAP_NET_ADMIN for network types such as Qdisc_ops; this process has CapEff=0000000000000000." \
    setpriv --reuid=65534 --regid=65534 --clear-groups "$RAWOPS" load "$OBJ"
  env_case "no /sys/kernel/btf: the kernel BTF is named, with CONFIG_DEBUG_INFO_BTF (exit 1)" 1 \
    "rawops: hint: this kernel exposes no BTF (it needs CONFIG_DEBUG_INFO_BTF=y) or /sys is not mounted" \
    unshare -m --propagation private sh -c 'mount -t tmpfs none /sys/kernel/btf && exec "$1" load "$2"' sh "$RAWOPS" "$OBJ"
  env_case "no bpffs for --pin: named before anything is registered (exit 1)" 1 \
    "rawops: --pin /sys/fs/bpf/rawops_env: /sys/fs/bpf is not on a bpffs (mount one first: mount -t bpf bpf /sys/fs/bpf)" \
    unshare -m --propagation private sh -c 'umount -l /sys/fs/bpf && exec "$1" load "$2" --pin /sys/fs/bpf/rawops_env' sh "$RAWOPS" "$OBJ"
  env_case "read-only bpffs: EROFS named, with the remount (exit 2)" 2 \
    "rawops: hint: the bpffs is mounted read-only: remount it read-write (mount -o remount,rw /sys/fs/bpf) or pin elsewhere" \
    unshare -m --propagation private sh -c 'mount --bind /sys/fs/bpf /sys/fs/bpf && mount -o remount,bind,ro /sys/fs/bpf && exec "$1" load "$2" --pin /sys/fs/bpf/rawops_env' sh "$RAWOPS" "$OBJ"
  env_case "module BTF missing: the type and the module to load are named (exit 1)" 1 \
    "rawops: hint: a type defined by a kernel module needs that module loaded first (modprobe or insmod)" \
    "$RAWOPS" load build/bpfprog/testmod_ops.bpf.o
  # Not $pins: the EXIT trap unmounts the private bpffs held in that one.
  envpins=$(mktemp -d /sys/fs/bpf/rawops_cli_env_XXXXXX)
  if "$RAWOPS" load build/bpfprog/tcp_cc_maps.bpf.o --pin "$envpins" >/dev/null 2>&1; then
    env_case "--pin into a folder that holds another load's pins is refused, naming them and the unload (exit 2)" 2 \
      "the folder already holds the pins of another load (events, per_cpu, seen, settings, ...): unload that first (rawops unload $envpins)" \
      "$RAWOPS" load "$OBJ" --pin "$envpins"
    "$RAWOPS" unload "$envpins" >/dev/null 2>&1
  else fail "load tcp_cc_maps.bpf.o --pin (for the pin-folder case)"; fi
  rmdir "$envpins" 2>/dev/null
  # /proc missing (an initramfs): a pinned load and its unload still work.
  env_case "no /proc: load --pin and unload work without it (exit 0)" 0 "detached struct_ops link" \
    unshare -m --propagation private sh -c 'umount -l /proc && "$1" load "$2" --pin /sys/fs/bpf/rawops_noproc >/dev/null && exec "$1" unload /sys/fs/bpf/rawops_noproc' sh "$RAWOPS" "$OBJ"
else
  skip "environment messages" "needs root, unshare and setpriv"
fi

. tests/cli/run_cmd.sh  # rawops run
. tests/cli/embedding.sh  # docs/embedding.md's program, built from the doc and run

suite_end
