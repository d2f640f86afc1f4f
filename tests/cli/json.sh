# --json of `rawops types`, `inspect` and `plan` (sourced by tests/cli/run.sh,
# which provides RAWOPS and pass/fail/skip): every document validates against
# its schema in docs/schema/ and carries the facts the text output shows.

# valid NAME SCHEMA COMMAND...: COMMAND's stdout validates against SCHEMA.
valid() {
  local name=$1 schema=$2 out err; shift 2
  if ! out=$("$@" 2>&1 >/dev/null | head -c 300; exit "${PIPESTATUS[0]}"); then fail "$name" "$* failed: $out"; return; fi
  if err=$("$@" 2>/dev/null | tests/cli/check_json.py "$schema" 2>&1); then pass "$name"; else fail "$name" "$err"; fi
}
# has NAME JSON JQ_FILTER [jq args]: the filter yields true on the document.
has() {
  local name=$1 doc=$2 filter=$3; shift 3
  if [ "$(jq -r "$@" "$filter" <<<"$doc" 2>&1)" = true ]; then pass "$name"; else fail "$name" "jq: $filter"; fi
}

if ! command -v jq >/dev/null || ! python3 -c 'import jsonschema' 2>/dev/null; then
  skip "--json tests" "needs jq and python3-jsonschema (tests/deps.sh test)"
  return 0
fi

# The validator itself must reject what its schema forbids.
for s in types inspect plan; do
  if echo '{}' | tests/cli/check_json.py "$s" 2>/dev/null; then fail "check_json.py $s rejects an empty document"
  else pass "check_json.py $s rejects an empty document"; fi
done

OBJ=build/bpfprog/tcp_cc.bpf.o
if [ -r /sys/kernel/btf/vmlinux ]; then
  valid "types --json validates against types.schema.json" types "$RAWOPS" types --json
  valid "types --module vmlinux --json validates" types "$RAWOPS" types --module vmlinux --json
  text=$("$RAWOPS" types --module vmlinux)
  doc=$("$RAWOPS" types --module vmlinux --json)
  idx=$(awk '/^tcp_congestion_ops /{on=1;next} /^[^ ]/{on=0} on && /\(\*init\)/{sub("#","",$1); print $1}' <<<"$text")
  off=$(awk '/^tcp_congestion_ops /{on=1;next} /^[^ ]/{on=0} on && /\(\*init\)/{sub("\\+","",$2); print $2}' <<<"$text")
  has "types --json: tcp_congestion_ops (vmlinux) has function member init at the text's index $idx and offset $off" "$doc" \
    '[.types[] | select(.name=="tcp_congestion_ops" and .origin=="vmlinux" and .module==null) | .members[]
      | select(.name=="init" and .index==$i and .offset==$o and .kind=="function" and (.declaration|test("\\(\\*init\\)")))]
     | length == 1' --argjson i "${idx:-null}" --argjson o "${off:-null}"
  has "types --json: as many types and members as the text lists" "$doc" \
    '(.types|length) == $t and ([.types[].members[]]|length) == $m' \
    --argjson t "$(grep -c '^[^ ]' <<<"$text")" --argjson m "$(grep -c '^  #' <<<"$text")"
  has "types --json: value type bpf_struct_ops_tcp_congestion_ops with the text's ids and size" "$doc" \
    '.types[] | select(.name=="tcp_congestion_ops") | "struct \(.name) [\(.type_id)], value struct \(.value_type.name) [\(.value_type.id)], \(.value_type.size) bytes" == $line' \
    --arg line "$(grep '^tcp_congestion_ops ' <<<"$text" | sed 's/^[^:]*: //')"

  valid "plan --json validates against plan.schema.json" plan "$RAWOPS" plan "$OBJ" --json
  for o in build/bpfprog/*.bpf.o; do
    "$RAWOPS" plan "$o" >/dev/null 2>&1 || continue  # objects this kernel cannot plan (module types)
    valid "plan --json of $(basename "$o") validates" plan "$RAWOPS" plan "$o" --json
  done
  doc=$("$RAWOPS" plan "$OBJ" --json)
  text=$("$RAWOPS" plan "$OBJ")
  has "plan --json: BPF_PROG_LOAD of reno_init for member #$idx (struct_ops, license GPL)" "$doc" \
    '[.steps[] | select(.command=="BPF_PROG_LOAD" and .attrs.prog_name=="reno_init"
      and .attrs.prog_type=="BPF_PROG_TYPE_STRUCT_OPS" and .attrs.expected_attach_type==$m
      and .attrs.license=="GPL" and .creates=="$prog:reno_init" and (.attrs.insn_cnt|type)=="number")] | length == 1' \
    --arg m "member#${idx:-?}"
  has "plan --json: the struct_ops map has map_flags [BPF_F_LINK] and a later BPF_LINK_CREATE links it" "$doc" \
    '[.steps[] | select(.command=="BPF_MAP_CREATE" and .attrs.map_name=="rawops_reno")][0] as $m
     | [.steps[] | select(.command=="BPF_LINK_CREATE" and .attrs["link_create.map_fd"]=="$map:rawops_reno"
        and .attrs.attach_type=="BPF_STRUCT_OPS")] as $l
     | $m.attrs.map_flags == ["BPF_F_LINK"] and $m.creates == "$map:rawops_reno"
       and ($l | length) == 1 and $l[0].index > $m.index'
  has "plan --json: the steps, their commands and the notes are those of the text" "$doc" \
    '[.steps[] | .command] == ($cmds | split("\n")) and (.steps|length) == $n and .notes == ($notes | split("\n"))' \
    --arg cmds "$(awk '/^#[0-9]+ /{getline; print $1}' <<<"$text")" \
    --argjson n "$(sed -n 's/^plan for .*: \([0-9]*\) step(s)$/\1/p' <<<"$text")" \
    --arg notes "$(sed -n 's/^  - //p' <<<"$text")"
  has "plan --json: map-in-map's inner template is a call before the outer's BPF_MAP_CREATE" \
    "$("$RAWOPS" plan build/bpfprog/map_in_map.bpf.o --json)" \
    '[.steps[] | select(.before|length > 0) | select(.before[0].command=="BPF_MAP_CREATE"
      and .before[0].result=="inner template (closed after)" and .attrs.inner_map_fd=="(the inner template)")] | length == 1'
  out=$("$RAWOPS" plan build/bpfprog/bad/unknown_type.bpf.o --json 2>/dev/null); rc=$?
  if [ $rc -eq 1 ] && [ -z "$out" ]; then pass "plan --json of a bad object exits 1 and prints nothing on stdout"
  else fail "plan --json of a bad object exits 1 and prints nothing on stdout" "rc=$rc out=${out:0:80}"; fi
else
  skip "types/plan --json tests" "no /sys/kernel/btf/vmlinux"
fi

for o in build/bpfprog/*.bpf.o; do
  valid "inspect --json of $(basename "$o") validates against inspect.schema.json" inspect "$RAWOPS" inspect "$o" --json
done
doc=$("$RAWOPS" inspect "$OBJ" --json)
text=$("$RAWOPS" inspect "$OBJ")
has "inspect --json: struct_ops program reno_init in struct_ops/init, with the text's size" "$doc" \
  '[.programs[] | select(.name=="reno_init" and .kind=="struct_ops" and .section=="struct_ops/init" and .autoload
    and .insns==$n)] | length == 1' --argjson n "$(awk '$1=="reno_init"{print $3}' <<<"$text")"
has "inspect --json: variable rawops_reno (.struct_ops.link) gives init to reno_init and name the string rawops_reno" "$doc" \
  '[.struct_ops[] | select(.name=="rawops_reno" and .link and .type=="tcp_congestion_ops")
    | select(any(.members[]; .name=="init" and .value=="program" and .program=="reno_init"))
    | select(any(.members[]; .name=="name" and .value=="string" and .string=="rawops_reno"))] | length == 1'
has "inspect --json: as many programs as the text counts, and the .bss map" "$doc" \
  '(.programs|length) == $n and .license == "GPL" and any(.global_data[]; .section==".bss" and .map=="tcp_cc.bss")' \
  --argjson n "$(sed -n '1s/.*, \([0-9]*\) program(s),.*/\1/p' <<<"$text")"
has "inspect --json: reno_ssthresh's CO-RE count is the text's" "$doc" \
  '.programs[] | select(.name=="reno_ssthresh") | .core_relocations == $n' \
  --argjson n "$(awk '$1=="reno_ssthresh"{on=1;next} /^  [^ ]/{on=0} on && /CO-RE/{print $1}' <<<"$text" | head -1)"
doc=$("$RAWOPS" inspect build/bpfprog/tcp_cc_externs.bpf.o --json)
has "inspect --json: externs carry kind, type and offset (CONFIG_HZ is a .kconfig int)" "$doc" \
  'any(.externs[]; .name=="CONFIG_HZ" and .kind=="kconfig" and .type=="int" and (.offset|type)=="number")'
