#!/usr/bin/env bash
# `rawops show` and `rawops dump` against the host kernel: what they report
# must be what the kernel holds, checked against bpftool's view of the same
# objects (link ids, map ids, the program id behind each function member,
# program sizes) and against what the loaded object defines.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
RAWOPS=${RAWOPS:-build/rawops}
available() { grep -qw "$1" /proc/sys/net/ipv4/tcp_available_congestion_control; }

if [ "$(id -u)" -ne 0 ]; then
  skip "show/dump" "needs root"; suite_end; exit
fi
if ! command -v bpftool >/dev/null || ! command -v jq >/dev/null; then
  skip "show/dump" "needs bpftool and jq (tests/deps.sh test)"; suite_end; exit
fi
if available rawops_reno || available rawops_reno_l; then
  skip "show/dump" "rawops_reno or rawops_reno_l already registered by someone else"; suite_end; exit
fi

pins=$(mktemp -d)
trap 'for d in "$pins"/*/; do [ -d "$d" ] && "$RAWOPS" unload "$d" >/dev/null 2>&1; done
      umount "$pins" 2>/dev/null; rmdir "$pins" 2>/dev/null' EXIT
mount -t bpf bpf "$pins"

check "load tcp_cc.bpf.o (link) --pin" "$RAWOPS" load build/bpfprog/tcp_cc.bpf.o --pin "$pins/reno"
check "load tcp_cc_legacy.bpf.o (legacy) --pin" "$RAWOPS" load build/bpfprog/tcp_cc_legacy.bpf.o --pin "$pins/legacy"

show=$("$RAWOPS" show --json); rc=$?
if [ $rc -eq 0 ] && tests/cli/check_json.py show <<<"$show"; then pass "show --json exits 0 and matches docs/schema/show.schema.json"
else fail "show --json exits 0 and matches docs/schema/show.schema.json" "rc=$rc"; fi
reno=$(jq -c '.struct_ops[] | select(.name == "rawops_reno")' <<<"$show")
legacy=$(jq -c '.struct_ops[] | select(.name == "rawops_reno_l")' <<<"$show")

# The link: its id is the one bpftool reads from the pin, and show found the pin.
link_id=$(bpftool -j link show pinned "$pins/reno/rawops_reno" | jq .id)
if [ "$(jq -r '[.type, .origin, .mode, .links[0].id, .links[0].pins[0]] | join(" ")' <<<"$reno")" = \
     "tcp_congestion_ops vmlinux link $link_id $pins/reno/rawops_reno" ]; then
  pass "show: rawops_reno is tcp_congestion_ops from vmlinux, registered by link $link_id, pinned where load put it"
else fail "show: rawops_reno is tcp_congestion_ops from vmlinux, registered by its link" "$reno"; fi

# Each function member's program id, as bpftool's struct_ops dump reports it
# ("<proto> <prog name>/prog_id:<id>"), and the data member `name`.
for v in "$reno" "$legacy"; do
  name=$(jq -r .name <<<"$v")
  ours=$(jq -r '.members[] | select(.kind == "function" and .prog != null) | "\(.name)=\(.prog.id)"' <<<"$v" | sort)
  theirs=$(bpftool -j struct_ops dump name "$name" | jq -r '.[1][].data | to_entries[] | select(.value | type == "string")
            | select(.value | test("prog_id:")) | "\(.key)=\(.value | capture("prog_id:(?<id>[0-9]+)").id)"' | sort)
  if [ -n "$ours" ] && [ "$ours" = "$theirs" ]; then pass "show: $name's program ids per member are bpftool's ($(wc -l <<<"$ours") members)"
  else fail "show: $name's program ids per member are bpftool's" "ours: $(echo $ours) bpftool: $(echo $theirs)"; fi
done
if [ "$(jq -r '.members[] | select(.name == "name") | .value' <<<"$reno")" = rawops_reno ] &&
   [ "$(jq -r '.members[] | select(.name == "init") | .prog.name' <<<"$reno")" = reno_init ]; then
  pass "show: the data member name is the string the object set, init is reno_init"
else fail "show: the data member name is the string the object set, init is reno_init" "$reno"; fi

legacy_map=$(bpftool -j map show pinned "$pins/legacy/rawops_reno_l" | jq .id)
if [ "$(jq -r '[.mode, .state, .map_id, .map_pins[0]] | join(" ")' <<<"$legacy")" = "legacy INUSE $legacy_map $pins/legacy/rawops_reno_l" ]; then
  pass "show: the legacy registration is INUSE, map id $legacy_map, with its pin"
else fail "show: the legacy registration is INUSE, with its pin" "$legacy"; fi

out=$("$RAWOPS" show)
if grep -q "^struct_ops map id [0-9]* 'rawops_reno': tcp_congestion_ops (vmlinux), state READY, link id $link_id$" <<<"$out" &&
   grep -q '^    init *-> prog id [0-9]* .reno_init. tag [0-9a-f]\{16\}$' <<<"$out" && grep -q '^    name = "rawops_reno"$' <<<"$out"; then
  pass "show (text): one header line per map, a line per program member and per data member"
else fail "show (text): one header line per map, a line per program member and per data member" "$out"; fi

# dump: the programs behind the members, with sizes as the kernel reports them.
dump=$("$RAWOPS" dump rawops_reno --json); rc=$?
if [ $rc -eq 0 ] && tests/cli/check_json.py show:dump <<<"$dump"; then pass "dump --json exits 0 and matches \$defs/dump"
else fail "dump --json exits 0 and matches \$defs/dump" "rc=$rc"; fi
init_id=$(jq -r '.programs[] | select(.member == "init") | .id' <<<"$dump")
want=$(bpftool -j prog show id "$init_id" | jq -r '"\(.bytes_xlated) \(.bytes_jited) \(.tag)"')
got=$(jq -r '.programs[] | select(.member == "init") | "\(.xlated_bytes) \(.jited_bytes) \(.tag) \(.type) \(.attach_type_name)"' <<<"$dump")
if [ "$got" = "$want BPF_PROG_TYPE_STRUCT_OPS tcp_congestion_ops (vmlinux)" ]; then
  pass "dump: reno_init's sizes and tag are bpftool's, attached to tcp_congestion_ops"
else fail "dump: reno_init's sizes and tag are bpftool's, attached to tcp_congestion_ops" "got '$got' bpftool '$want'"; fi
map_id=$(jq .map_id <<<"$reno")
if [ "$("$RAWOPS" dump "$map_id" --json | jq .map_id)" = "$map_id" ] && "$RAWOPS" dump "$map_id" | grep -q "^program id $init_id 'reno_init' for member init"; then
  pass "dump by map id gives the same map and its programs"
else fail "dump by map id gives the same map and its programs"; fi

out=$("$RAWOPS" dump no_such_ops 2>&1); rc=$?
[ $rc -eq 1 ] && grep -q "no struct_ops map named 'no_such_ops'" <<<"$out" && pass "dump of an unknown name exits 1 naming it" \
  || fail "dump of an unknown name exits 1 naming it" "rc=$rc $out"
bss_id=$(bpftool -j map show pinned "$pins/reno/tcp_cc_bss" | jq .id)
out=$("$RAWOPS" dump "$bss_id" 2>&1); rc=$?
[ $rc -eq 1 ] && grep -q "map id $bss_id 'tcp_cc.bss' is not a struct_ops map" <<<"$out" && pass "dump of a map that is not struct_ops exits 1 saying so" \
  || fail "dump of a map that is not struct_ops exits 1 saying so" "rc=$rc $out"

check "unload both" bash -c "'$RAWOPS' unload '$pins/reno' && '$RAWOPS' unload '$pins/legacy'"
if ! "$RAWOPS" show --json | jq -e --arg a "$map_id" --arg b "$legacy_map" '.struct_ops[] | select(.map_id == ($a|tonumber) or .map_id == ($b|tonumber))' >/dev/null; then
  pass "after unload, show lists neither map"
else fail "after unload, show lists neither map"; fi

# Decoded at the level of the ABI: plan and --trace name what BTF ids refer
# to and decode the values they send (struct_ops data members, variables).
out=$("$RAWOPS" plan build/bpfprog/tcp_cc_legacy.bpf.o)
if grep -q '^      btf_vmlinux_value_type_id: STRUCT bpf_struct_ops_tcp_congestion_ops (vmlinux)$' <<<"$out" &&
   grep -q '^      attach_btf_id: STRUCT tcp_congestion_ops (vmlinux)$' <<<"$out" &&
   grep -q '^      value+152 (name) = "rawops_reno_l"$' <<<"$out" && grep -q '^      value+0 (rawops_generation) = 1$' <<<"$out"; then
  pass "plan names the BTF types behind ids and decodes struct_ops data members and variables"
else fail "plan names the BTF types behind ids and decodes struct_ops data members and variables" "$out"; fi
j=$("$RAWOPS" plan build/bpfprog/tcp_cc_legacy.bpf.o --json)
if tests/cli/check_json.py plan <<<"$j" && [ "$(jq -r '.steps[] | select(.action == "update_map") | .fields[]? | select(.name == "name") | .value' <<<"$j")" = '"rawops_reno_l"' ]; then
  pass "plan --json carries the decoded fields"
else fail "plan --json carries the decoded fields"; fi
"$RAWOPS" load build/bpfprog/tcp_cc_legacy.bpf.o --pin "$pins/traced" --trace >/dev/null 2>"$pins.trace"; rc=$?
# The step's explanation comes right before the call it explains.
if [ $rc -eq 0 ] && grep -A12 '^step #[0-9]*: fill and register .rawops_reno_l.' "$pins.trace" | grep -q '^      value+152 (name) = "rawops_reno_l"$' &&
   grep -A10 '^step #[0-9]*: fill and register' "$pins.trace" | grep -q '^bpf: BPF_MAP_UPDATE_ELEM map_fd=[0-9]*<\$map:rawops_reno_l> .* -> 0 ' &&
   grep -q '^bpf: BPF_PROG_LOAD .* prog_btf_fd=[0-9]*<\$btf> ' "$pins.trace"; then
  pass "load --trace prints each step with its decoded value before the bpf() call, and names the fds it passes"
else fail "load --trace prints each step with its decoded value before the bpf() call, and names the fds it passes" "rc=$rc $(head -c 600 "$pins.trace")"; fi
rm -f "$pins.trace"
"$RAWOPS" unload "$pins/traced" >/dev/null 2>&1
# --trace-json: one JSON object per line, each valid against its schema.
"$RAWOPS" load build/bpfprog/tcp_cc_legacy.bpf.o --pin "$pins/traced" --trace-json >/dev/null 2>"$pins.trace"; rc=$?
bad_lines=0
while IFS= read -r line; do tests/cli/check_json.py trace <<<"$line" 2>/dev/null || bad_lines=$((bad_lines + 1)); done <"$pins.trace"
reg=$(jq -rs '[.[] | select(.event == "call" and .command == "BPF_MAP_UPDATE_ELEM")] | last | "\(.result) \(.errno)"' "$pins.trace")
name=$(jq -rs '[.[] | select(.event == "step") | .explain[] | select(startswith("value+152 (name)"))] | first' "$pins.trace")
ref=$(jq -rs '[.[] | select(.event == "call" and .command == "BPF_MAP_UPDATE_ELEM")] | last | .fd_refs.map_fd' "$pins.trace")
if [ $rc -eq 0 ] && [ $bad_lines -eq 0 ] && [ "$reg" = "0 null" ] && [ "$name" = 'value+152 (name) = "rawops_reno_l"' ] &&
   [ "$ref" = '$map:rawops_reno_l' ]; then
  pass "load --trace-json: $(wc -l <"$pins.trace") lines, each valid against docs/schema/trace.schema.json, steps and calls decoded"
else fail "load --trace-json: each line valid against docs/schema/trace.schema.json" "rc=$rc bad=$bad_lines reg='$reg' name='$name' ref='$ref'"; fi
rm -f "$pins.trace"
"$RAWOPS" unload "$pins/traced" >/dev/null 2>&1

# Process death. A foreground load holds its objects by fd: `show` names it.
# SIGKILL of a link-registered load leaves nothing registered (the link goes
# with its last fd); a legacy registration stays in the kernel, an orphan
# that `show` flags and `unload --map-id` removes.
wait_cc() { for _ in $(seq 100); do available "$1" && return 0; sleep 0.1; done; return 1; }
"$RAWOPS" load build/bpfprog/tcp_cc_legacy.bpf.o >/dev/null 2>&1 & pid=$!
if wait_cc rawops_reno_l; then
  entry=$("$RAWOPS" show --json | jq -c '.struct_ops[] | select(.name == "rawops_reno_l")')
  if jq -e --arg p "rawops (pid $pid)" '.holders == [$p] and .orphan == false' <<<"$entry" >/dev/null; then
    pass "show: a foreground load's registration is held by its process (pid $pid), not an orphan"
  else fail "show: a foreground load's registration is held by its process" "$entry"; fi
  kill -KILL "$pid"; wait "$pid" 2>/dev/null
  sleep 0.2
  entry=$("$RAWOPS" show --json | jq -c '.struct_ops[] | select(.name == "rawops_reno_l")')
  orphan_id=$(jq -r .map_id <<<"$entry")
  if available rawops_reno_l && jq -e '.orphan == true and .holders == [] and .state == "INUSE"' <<<"$entry" >/dev/null; then
    pass "SIGKILL of a legacy load: the kernel keeps the registration, show flags it as an orphan"
  else fail "SIGKILL of a legacy load: the kernel keeps the registration, show flags it as an orphan" "$entry"; fi
  "$RAWOPS" show | grep -q "orphan: no pin and no process holds it; \`rawops unload --map-id $orphan_id\` unregisters it" \
    && pass "show (text) says how to remove the orphan" || fail "show (text) says how to remove the orphan" "$("$RAWOPS" show)"
  out=$("$RAWOPS" unload --map-id "$orphan_id" 2>&1); rc=$?
  if [ $rc -eq 0 ] && ! available rawops_reno_l && grep -q "unregistered struct_ops map id $orphan_id 'rawops_reno_l'" <<<"$out"; then
    pass "unload --map-id unregisters the orphan"
  else fail "unload --map-id unregisters the orphan" "rc=$rc $out"; fi
else
  fail "foreground legacy load registers rawops_reno_l"; kill -KILL "$pid" 2>/dev/null
fi
"$RAWOPS" load build/bpfprog/tcp_cc.bpf.o >/dev/null 2>&1 & pid=$!
if wait_cc rawops_reno; then
  kill -KILL "$pid"; wait "$pid" 2>/dev/null
  for _ in $(seq 50); do available rawops_reno || break; sleep 0.1; done
  ! available rawops_reno && pass "SIGKILL of a link-registered foreground load leaves nothing registered" \
    || fail "SIGKILL of a link-registered foreground load leaves nothing registered"
else
  fail "foreground link load registers rawops_reno"; kill -KILL "$pid" 2>/dev/null
fi
# A pinned link can be removed by its map's id as well: link detached, pin removed.
check "load tcp_cc.bpf.o --pin again" "$RAWOPS" load build/bpfprog/tcp_cc.bpf.o --pin "$pins/again"
id=$("$RAWOPS" show --json | jq '.struct_ops[] | select(.name == "rawops_reno") | .map_id')
out=$("$RAWOPS" unload --map-id "$id" 2>&1); rc=$?
if [ $rc -eq 0 ] && ! available rawops_reno && [ ! -e "$pins/again/rawops_reno" ] && grep -q "removed pin $pins/again/rawops_reno" <<<"$out"; then
  pass "unload --map-id of a link-mode map detaches its link and removes the link's pin"
else fail "unload --map-id of a link-mode map detaches its link and removes the link's pin" "rc=$rc $out"; fi
bss_id=$(bpftool -j map show pinned "$pins/again/tcp_cc_bss" | jq .id)
out=$("$RAWOPS" unload --map-id "$bss_id" 2>&1); rc=$?
[ $rc -eq 1 ] && grep -q "is not a struct_ops map" <<<"$out" && pass "unload --map-id of another map kind exits 1" \
  || fail "unload --map-id of another map kind exits 1" "rc=$rc $out"
"$RAWOPS" unload "$pins/again" >/dev/null 2>&1

# `update` racing `unload` on the same pin, ten times: whichever wins, the
# end is clean (nothing registered, no pin, no program or map of either
# object left), and each exits 0 or with a clear error (1, 2).
# Only the two objects' programs and maps: others may still be on their way out.
prog_count() { bpftool -j prog show | jq '[.[] | select(.name // "" | test("^reno(2|l)?_"))] | length'; }
map_count() { bpftool -j map show | jq '[.[] | select(.name // "" | test("^(rawops_reno|tcp_cc\\.|tcp_cc_[vl]\\.)"))] | length'; }
for _ in $(seq 50); do [ "$(prog_count) $(map_count)" = "0 0" ] && break; sleep 0.2; done
progs0=$(prog_count); maps0=$(map_count); races=0; bad=""
for round in $(seq 10); do
  "$RAWOPS" load build/bpfprog/tcp_cc.bpf.o --pin "$pins/race" >/dev/null 2>&1 || { bad+=" round $round: load failed"; continue; }
  "$RAWOPS" update "$pins/race/rawops_reno" build/bpfprog/tcp_cc_v2.bpf.o >"$pins.u" 2>&1 & u=$!
  "$RAWOPS" unload "$pins/race" >"$pins.d" 2>&1 & d=$!
  wait $u; urc=$?; wait $d; drc=$?
  races=$((races + 1))
  # What a loser may leave is for the user to see; clean it as a user would.
  [ -e "$pins/race" ] && { left=$(ls "$pins/race" | tr '\n' ' '); "$RAWOPS" unload "$pins/race" >/dev/null 2>&1; bad+=" round $round: left pins: $left (update $urc, unload $drc: $(tail -n1 "$pins.u") / $(tail -n1 "$pins.d"))"; }
  available rawops_reno && { bad+=" round $round: still registered (update $urc, unload $drc)"; "$RAWOPS" unload --map-id "$("$RAWOPS" show --json | jq '.struct_ops[] | select(.name == "rawops_reno") | .map_id')" >/dev/null 2>&1; }
  case "$urc$drc" in [012][012]) ;; *) bad+=" round $round: exit codes update $urc unload $drc" ;; esac
  [ "$drc" = 0 ] || [ "$urc" = 0 ] || bad+=" round $round: neither won (update $urc, unload $drc)"
done
rm -f "$pins.u" "$pins.d"
for _ in $(seq 50); do [ "$(prog_count) $(map_count)" = "$progs0 $maps0" ] && break; sleep 0.2; done
[ "$(prog_count) $(map_count)" = "$progs0 $maps0" ] || bad+=" programs/maps $progs0/$maps0 -> $(prog_count)/$(map_count)"
[ -z "$bad" ] && pass "update racing unload on one pin, $races rounds: one wins, nothing is left" \
  || fail "update racing unload on one pin" "$bad"

# Signals at random moments, repeated: a foreground load of the legacy or the
# link object gets SIGINT or SIGTERM after 0-400 ms (before, during or after
# registration), half the time the other one 0-4 ms later (during the
# unload). Each time: it exits 0 (stopped cleanly) or by that signal's
# default action (130, 143: stopped before its first bpf() call, when the
# signals are not yet blocked), and nothing stays registered.
signals=0; bad=""
for round in $(seq 30); do
  if [ $((round % 2)) -eq 0 ]; then obj=build/bpfprog/tcp_cc.bpf.o cc=rawops_reno; else obj=build/bpfprog/tcp_cc_legacy.bpf.o cc=rawops_reno_l; fi
  sig=$([ $((RANDOM % 2)) -eq 0 ] && echo INT || echo TERM)
  "$RAWOPS" load "$obj" >/dev/null 2>&1 & pid=$!
  sleep "0.$(printf '%03d' $((RANDOM % 400)))"
  kill -$sig $pid 2>/dev/null; signals=$((signals + 1))
  # The other signal, 0-4 ms later: it lands while the first one's unload runs.
  if [ $((RANDOM % 2)) -eq 0 ]; then
    other=$([ $sig = INT ] && echo TERM || echo INT)
    sleep "0.00$((RANDOM % 5))"; kill -$other $pid 2>/dev/null && signals=$((signals + 1))
  fi
  wait $pid; rc=$?
  case $rc in 0|130|143) ;; *) bad+=" round $round ($sig, $cc): exit $rc" ;; esac
  if available $cc; then
    bad+=" round $round ($sig, $cc): still registered"
    "$RAWOPS" unload --map-id "$("$RAWOPS" show --json | jq ".struct_ops[] | select(.name == \"$cc\") | .map_id")" >/dev/null 2>&1
  fi
done
for _ in $(seq 50); do [ "$(prog_count) $(map_count)" = "0 0" ] && break; sleep 0.2; done
[ "$(prog_count) $(map_count)" = "0 0" ] || bad+=" programs/maps left: $(prog_count)/$(map_count)"
[ -z "$bad" ] && pass "$signals signals at random moments in 30 foreground loads: each ends cleanly, nothing stays registered" \
  || fail "signals at random moments in foreground loads" "$bad"

suite_end
