# `rawops run`: BPF_PROG_TEST_RUN of bpf_dummy_ops and syscall programs.
# Sourced by tests/cli/run.sh (uses its RAWOPS and tests/lib.sh helpers).
# Every check looks at what the kernel computed (return values, the state
# struct it copied back, the context it wrote), so a run that did not reach
# the program fails; and at the end no program, map or BTF of the runs may
# be left in the kernel.

DUMMY=build/bpfprog/dummy_ops.bpf.o
MIXED=build/bpfprog/tcp_cc_mixed.bpf.o

# run_case NAME WANT_RC PATTERN... -- ARGS...: `rawops run ARGS` exits
# WANT_RC and its output (stdout and stderr) matches every PATTERN (grep -E).
run_case() {
  local name=$1 want_rc=$2; shift 2
  local patterns=()
  while [ "$1" != -- ]; do patterns+=("$1"); shift; done
  shift
  local out rc p
  out=$("$RAWOPS" run "$@" 2>&1); rc=$?
  if [ $rc -ne "$want_rc" ]; then fail "$name" "rc=$rc (want $want_rc) $(tail -n 3 <<<"$out")"; return; fi
  for p in "${patterns[@]}"; do
    grep -qE -- "$p" <<<"$out" || { fail "$name" "no line matches '$p' in: $(tail -n 6 <<<"$out")"; return; }
  done
  pass "$name"
}

# json_case NAME JQ_FILTER ARGS...: `rawops run ARGS --json` is valid against
# docs/schema/run.schema.json and JQ_FILTER (jq -e) holds on it.
json_case() {
  local name=$1 filter=$2; shift 2
  local out rc why
  out=$("$RAWOPS" run "$@" --json 2>&1); rc=$?
  if [ $rc -ne 0 ]; then fail "$name" "rc=$rc $out"; return; fi
  if ! why=$(tests/cli/check_json.py run <<<"$out" 2>&1); then fail "$name" "$why"; return; fi
  if jq -e "$filter" <<<"$out" >/dev/null; then pass "$name"; else fail "$name" "jq '$filter' false on: $out"; fi
}

# Ids of every program, map and BTF object in the kernel ("p12 m40 b7 ...").
kernel_ids() {
  { bpftool prog show -j | jq -r '.[] | "p\(.id)"'
    bpftool map show -j | jq -r '.[] | "m\(.id)"'
    bpftool btf show -j | jq -r '.[] | "b\(.id)"'; } 2>/dev/null | sort
}

if [ ! -r /sys/kernel/btf/vmlinux ]; then
  skip "rawops run" "no /sys/kernel/btf/vmlinux"
elif ! "$RAWOPS" types --module vmlinux 2>/dev/null | grep -q "^bpf_dummy_ops "; then
  skip "rawops run" "this kernel has no bpf_dummy_ops (CONFIG_NET)"
else
  # Refused before any bpf() call: these need the kernel's BTF only.
  run_case "run: a wrong argument count names the member and its prototype (exit 1)" 1 \
    "bpf_dummy_ops\.test_1 takes 1 argument \(int test_1\(struct bpf_dummy_ops_state \*\)\), 2 given" -- "$DUMMY" test_1 null 5
  run_case "run: state given for an integer parameter names the member and argument (exit 1)" 1 \
    "bpf_dummy_ops\.test_2 args\[1\] \(int\): 'state:val=1' given, but the parameter is not a pointer" \
    -- "$DUMMY" test_2 null state:val=1 2 3 4
  run_case "run: an integer given for the state pointer is refused (exit 1)" 1 \
    "bpf_dummy_ops\.test_1 args\[0\] \(struct bpf_dummy_ops_state \*\): '5' given, but the parameter is a pointer" -- "$DUMMY" test_1 5
  run_case "run: a value out of its parameter's range is refused, with the range (exit 1)" 1 \
    "args\[2\] \(short unsigned int\): 70000 does not fit in 16 bits \(-32768 \.\. 65535\)" -- "$DUMMY" test_2 null 1 70000 3 4
  run_case "run: an unknown state field lists the struct's fields from BTF (exit 1)" 1 \
    "the struct has no field 'nope' \(its fields: val\)" -- "$DUMMY" test_1 state:nope=1
  run_case "run: an unknown program names the object and the program, and lists its programs (exit 1)" 1 \
    "$DUMMY has no program 'no_such_prog' \(its programs: test_1, test_2, test_sleepable\)" -- "$DUMMY" no_such_prog
  run_case "run: a tcp_congestion_ops program is refused, saying which kinds run (exit 1)" 1 \
    "program 'mixed_ssthresh' .*cannot be run: \`rawops run\` runs syscall programs and struct_ops programs of bpf_dummy_ops" \
    -- "$MIXED" mixed_ssthresh
  run_case "run: a tp_btf program is refused the same way (exit 1)" 1 \
    "program 'mixed_state' .*cannot be run: \`rawops run\` runs syscall programs" -- "$MIXED" mixed_state
  run_case "run: a syscall program given arguments is told to use --ctx-hex/--ctx-file (exit 1)" 1 \
    "its context comes from --ctx-hex or --ctx-file" -- "$MIXED" mixed_syscall 1 2
  run_case "run: --ctx-hex with an odd digit count is refused (exit 1)" 1 \
    "--ctx-hex: an odd number of hex digits" -- "$MIXED" mixed_syscall --ctx-hex 123
  run_case "run: --ctx-hex and --ctx-file together are a usage error (exit 3)" 3 \
    "excludes" -- "$MIXED" mixed_syscall --ctx-hex 00 --ctx-file /dev/null

  if [ "$(id -u)" -ne 0 ]; then
    skip "rawops run against the kernel" "needs root (BPF_PROG_LOAD, BPF_PROG_TEST_RUN)"
  else
    have_bpftool=0
    command -v bpftool >/dev/null && command -v jq >/dev/null && have_bpftool=1
    [ $have_bpftool -eq 1 ] && ids_before=$(kernel_ids)

    # dummy_ops.bpf.c: test_1 returns the old state->val and sets it to 0x5a.
    run_case "run test_1 state:val=123: returns 123, the kernel copies back val = 0x5a" 0 \
      "^ran test_1: bpf_dummy_ops\.test_1, int test_1\(struct bpf_dummy_ops_state \*\)$" \
      "^retval: 123 \(0x7b\)$" "^  val = 90 \(0x5a\), was 123$" -- "$DUMMY" test_1 state:val=123
    # NULL takes the program's other path: its .rodata constant.
    run_case "run test_1 null: returns 0xf2f3f4f5 (the NULL path), no state printed" 0 \
      "^retval: -218893067 \(0xf2f3f4f5\)$" -- "$DUMMY" test_1 null
    if "$RAWOPS" run "$DUMMY" test_1 null 2>&1 | grep -q "after the run"; then fail "run test_1 null prints no struct"
    else pass "run test_1 null prints no struct"; fi
    # test_2 returns a1 + a2 + a3 + a4 and sets state->val = a1.
    run_case "run test_2 state 7 11 13 17: returns 48, val = a1" 0 \
      "^retval: 48 \(0x30\)$" "^  val = 7 \(0x7\), was 0$" -- "$DUMMY" test_2 state 7 11 13 17
    # Negative and hex values reach the program as its parameter types read
    # them: -7 + 0xffff (u16 65535) + -1 (char) + (int)-5 = 65522.
    run_case "run test_2 with negative and hex integers: each widened as its type (returns 65522, val = -7)" 0 \
      "^retval: 65522 \(0xfff2\)$" "^  val = -7 \(0xfffffff9\), was 1$" -- "$DUMMY" test_2 state:val=1 -7 0xffff -1 -5
    # Since 6.10 the kernel refuses NULL for a pointer its stub does not mark
    # __nullable (test_2's); the refusal comes back explained, and exits 2.
    run_case "run test_2 null 1 2 3 4: the kernel's EINVAL for a NULL it does not take, explained (exit 2)" 2 \
      "Invalid argument \(EINVAL\) \(the kernel takes null only for pointer parameters the member's stub marks __nullable, and bpf_dummy_ops\.test_2 args\[0\] is not one" \
      -- "$DUMMY" test_2 null 1 2 3 4
    # test_sleepable (SEC("struct_ops.s/")) returns state->val + 1.
    run_case "run test_sleepable state:val=41: the sleepable member returns 42" 0 \
      "^ran test_sleepable: bpf_dummy_ops\.test_sleepable \(sleepable\), " "^retval: 42 \(0x2a\)$" \
      -- "$DUMMY" test_sleepable state:val=41

    json_case "run --json test_2: valid, retval 48, field val before 3 and after 7, a4 as a u64 string" \
      '.kind == "struct_ops" and .member.name == "test_2" and .member.index == 1 and .retval == 48
       and .args[0].fields[0].name == "val" and .args[0].fields[0].before == 3 and .args[0].fields[0].after == 7
       and .args[0].fields[0].after_bytes == "07000000" and (.args | length) == 5 and .args[4].value == "17"' \
      "$DUMMY" test_2 state:val=3 7 11 13 17
    json_case "run --json test_1 null: valid, retval -218893067 (0xf2f3f4f5), arg kind null" \
      '.retval == -218893067 and .retval_hex == "0xf2f3f4f5" and .args[0].kind == "null" and (.args[0] | has("fields") | not)' \
      "$DUMMY" test_1 null
    json_case "run --json test_sleepable: valid, sleepable, retval 42" \
      '.member.sleepable == true and .retval == 42' "$DUMMY" test_sleepable state:val=41

    # tcp_cc_mixed.bpf.c's syscall program: returns 7, writes a * b after a and b.
    run_case "run mixed_syscall --ctx-hex: returns 7, the ctx comes back with a * b = 42" 0 \
      "^ran mixed_syscall: syscall program, 24-byte context$" "^retval: 7 \(0x7\)$" \
      "^  0010:  2a 00 00 00 00 00 00 00$" -- "$MIXED" mixed_syscall --ctx-hex "06000000 00000000 07000000 00000000 0000000000000000"
    json_case "run --json mixed_syscall: valid, ctx_out holds a * b = 6 * 7" \
      '.kind == "syscall" and .retval == 7 and .ctx_out == "060000000000000007000000000000002a00000000000000"
       and .ctx_in == "060000000000000007000000000000000000000000000000" and (has("args") | not)' \
      "$MIXED" mixed_syscall --ctx-hex 060000000000000007000000000000000000000000000000
    # data_sections.bpf.c: adds its argument to counters_second (2222) and
    # returns both counters in the ctx: 1111 = 0x457, 2222 + 5 = 0x8b3.
    ctxf=$(mktemp)
    printf '\x05\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0' > "$ctxf"
    json_case "run --ctx-file read_sections: the ctx comes back with both .data.* counters" \
      '.retval == 0 and .ctx_out == "05000000000000005704000000000000b308000000000000"' \
      build/bpfprog/data_sections.bpf.o read_sections --ctx-file "$ctxf"
    rm -f "$ctxf"
    # The kernel refuses a context shorter than what the program reads.
    run_case "run mixed_syscall without a ctx: the kernel's EINVAL, with what to give (exit 2)" 2 \
      "Invalid argument \(EINVAL\) \(a syscall program that reads its context needs one at least that long" \
      -- "$MIXED" mixed_syscall

    # A LIBBPF_PIN_BY_NAME map would outlive the run in /sys/fs/bpf: it is
    # made private to the run instead, and a note says so.
    if [ -e /sys/fs/bpf/shared_counts ]; then
      skip "run of an object with a LIBBPF_PIN_BY_NAME map pins nothing" "/sys/fs/bpf/shared_counts exists already"
    else
      run_case "run of an object with a LIBBPF_PIN_BY_NAME map notes the map is private to the run" 0 \
        "^note: map 'shared_counts' \(LIBBPF_PIN_BY_NAME\) is private to this run, neither reused from nor pinned at /sys/fs/bpf/shared_counts$" \
        "^retval: 0 \(0x0\)$" -- build/bpfprog/maps_libbpf.bpf.o maps_run
      [ ! -e /sys/fs/bpf/shared_counts ] && pass "run of an object with a LIBBPF_PIN_BY_NAME map pins nothing" \
        || { fail "run of an object with a LIBBPF_PIN_BY_NAME map pins nothing" "/sys/fs/bpf/shared_counts exists"; rm -f /sys/fs/bpf/shared_counts; }
    fi

    # Nothing of any run above, the refused ones included, stays in the
    # kernel. Objects go with their last reference but are freed after an
    # RCU grace period, so allow them a moment.
    if [ $have_bpftool -eq 1 ]; then
      left=""
      for _ in $(seq 50); do
        left=$(comm -13 <(echo "$ids_before") <(kernel_ids) | tr '\n' ' ')
        [ -z "$left" ] && break
        sleep 0.1
      done
      [ -z "$left" ] && pass "run leaves no program, map or BTF in the kernel (bpftool ids before and after)" \
        || fail "run leaves no program, map or BTF in the kernel (bpftool ids before and after)" "new ids: $left"
    else
      skip "run leaves nothing in the kernel" "needs bpftool and jq"
    fi
  fi
fi
