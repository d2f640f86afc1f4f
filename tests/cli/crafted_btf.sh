#!/usr/bin/env bash
# The CLI on crafted BTF whose type graph loops or nests too deep (issue 13):
# tests/cli/crafted_btf.py writes the files (a FUNC_PROTO reaching itself
# through a pointer, a pointer cycle, typedef and array cycles, anonymous
# structs nested past every bound, prototypes fanning out, a struct_ops
# module and a whole vmlinux built of such types), and each command that
# prints BTF must end with exit code 0 or 1 and a message naming the type:
# never a crash (exit >= 128), a hang, or sanitizer output.
# Reads only files: no kernel is touched (plan --btf-dir makes no bpf() call).
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
RAWOPS=${RAWOPS:-build/rawops}
DIR=$(mktemp -d /tmp/rawops-crafted.XXXXXX)
trap 'rm -rf "$DIR"' EXIT
python3 tests/cli/crafted_btf.py "$DIR" --base || { fail "crafted BTF written" "crafted_btf.py failed"; suite_end; exit 1; }

# expect NAME RC PATTERN CMD...: CMD exits RC within 20 s, its output (stdout
# and stderr) matches the extended regex PATTERN, and nothing in it comes from
# a sanitizer or a crash.
expect() {
  local name=$1 want=$2 pattern=$3; shift 3
  local out rc
  out=$(timeout 20 "$@" 2>&1); rc=$?
  if [ $rc -ge 124 ]; then fail "$name" "exit $rc (crash or hang): $(tail -n 3 <<<"$out")"
  elif grep -qE "Sanitizer|runtime error|Segmentation|Aborted" <<<"$out"; then fail "$name" "$(grep -m1 -E 'Sanitizer|runtime error' <<<"$out")"
  elif [ $rc -ne "$want" ]; then fail "$name" "exit $rc, expected $want: $(tail -n 2 <<<"$out" | cut -c1-300)"
  elif ! grep -qE -- "$pattern" <<<"$out"; then fail "$name" "output does not match /$pattern/: $(tail -n 2 <<<"$out" | cut -c1-300)"
  else pass "$name"; fi
}

# The raw dump prints records one by one: loops are just ids, all print.
for f in self_proto ptr_cycle deep_anon array_cycle fanout_proto self_embed kernel_loops; do
  expect "btf dump $f.btf (raw) prints every record" 0 "^\[[0-9]+\] " "$RAWOPS" btf dump "$DIR/$f.btf"
done
expect "btf dump of a module on its base (raw)" 0 "STRUCT 'bpf_struct_ops_mod_ops'" \
  "$RAWOPS" btf dump "$DIR/module_on_base.btf" --base "$DIR/base.btf"

# The C dump cannot write these: it says where and why.
expect "btf dump --format c: self-referential FUNC_PROTO" 1 "type chain deeper than 600 \(a loop\?\) \(while writing \[2\] FUNC_PROTO" \
  "$RAWOPS" btf dump "$DIR/self_proto.btf" --format c
expect "btf dump --format c: pointer cycle" 1 "\[3\] CONST '\(anon\)': type chain deeper than 600 \(a loop\?\)" \
  "$RAWOPS" btf dump "$DIR/ptr_cycle.btf" --format c
expect "btf dump --format c: array cycle" 1 "ARRAY '\(anon\)': type chain deeper than 600" \
  "$RAWOPS" btf dump "$DIR/array_cycle.btf" --format c
expect "btf dump --format c: prototypes fanning out stop at the step bound" 1 "steps to write it .*\(while writing \[[0-9]+\] STRUCT 'fan_ops'\)" \
  "$RAWOPS" btf dump "$DIR/fanout_proto.btf" --format c
expect "btf dump --format c: struct embedding itself" 1 "unsatisfiable type cycle at \[2\] STRUCT 'self_embed'" \
  "$RAWOPS" btf dump "$DIR/self_embed.btf" --format c
expect "btf dump --format c: anonymous members looping" 1 "STRUCT 'self_anon'" \
  "$RAWOPS" btf dump "$DIR/deep_anon.btf" --format c
expect "btf dump --format c --type deep: 40 anonymous levels still print" 0 "^struct deep \{" \
  "$RAWOPS" btf dump "$DIR/deep_anon.btf" --format c --type deep
expect "btf dump --format c: module on its base" 1 "\(a loop\?\) \(while writing \[5\] FUNC_PROTO" \
  "$RAWOPS" btf dump "$DIR/module_on_base.btf" --base "$DIR/base.btf" --format c

# rawops types on a folder of crafted kernel BTF: the loops are cut, named.
mkdir -p "$DIR/mod" "$DIR/self" "$DIR/fan" "$DIR/kernel"
cp "$DIR/base.btf" "$DIR/mod/vmlinux"; cp "$DIR/module_on_base.btf" "$DIR/mod/crafted_mod"
cp "$DIR/self_proto.btf" "$DIR/self/vmlinux"
cp "$DIR/fanout_proto.btf" "$DIR/fan/vmlinux"
cp "$DIR/kernel_loops.btf" "$DIR/kernel/vmlinux"
expect "types --btf-dir: a module's looping prototype ends in a named cut" 0 \
  "int \(\*op\)\(struct s \*s, .*\.\.\.\(type \[[0-9]+\] nests deeper than 16\)" "$RAWOPS" types --btf-dir "$DIR/mod"
expect "types --btf-dir --module: only that module" 0 "^mod_ops \(module crafted_mod\)" \
  "$RAWOPS" types --btf-dir "$DIR/mod" --module crafted_mod
expect "types --btf-dir: self-referential FUNC_PROTO in vmlinux" 0 "int \(\*fn\)\(.*nests deeper than 16\)" \
  "$RAWOPS" types --btf-dir "$DIR/self"
expect "types --btf-dir: prototypes fanning out end 'text too long'" 0 "text too long\)" \
  "$RAWOPS" types --btf-dir "$DIR/fan"
expect "types --btf-dir --json: the same, as JSON" 0 '"declaration": "int \(\*fn\)\(' \
  "$RAWOPS" types --btf-dir "$DIR/self" --json

# plan against a vmlinux of loops: binding passes (the members are function
# pointers), CO-RE's member search meets 70 anonymous levels and says so.
OBJ=build/bpfprog/tcp_cc.bpf.o
if [ -f "$OBJ" ]; then
  expect "plan --btf-dir: CO-RE search past 64 anonymous levels is an error naming the type" 1 \
    "candidate \[[0-9]+\] STRUCT 'tcp_sock': \[[0-9]+\] STRUCT '\(anon\)': anonymous members nest deeper than the 64 accesses" \
    "$RAWOPS" plan "$OBJ" --btf-dir "$DIR/kernel"
  expect "plan --btf-dir --json: the same error, exit 1" 1 "anonymous members nest deeper" \
    "$RAWOPS" plan "$OBJ" --btf-dir "$DIR/kernel" --json
  # inspect on the object with its .BTF swapped for a crafted one.
  OBJCOPY=$(command -v llvm-objcopy-14 || command -v llvm-objcopy || true)
  if [ -n "$OBJCOPY" ]; then
    "$OBJCOPY" --update-section .BTF="$DIR/self_proto.btf" --remove-section .rel.BTF "$OBJ" "$DIR/crafted.o" 2>/dev/null
    expect "inspect of an object whose .BTF loops: exit 1 with a message" 1 "^rawops: " "$RAWOPS" inspect "$DIR/crafted.o"
    expect "btf dump of that object's .BTF --format c" 1 "\(while writing \[2\] FUNC_PROTO" \
      "$RAWOPS" btf dump "$DIR/crafted.o" --format c
  else
    skip "inspect of an object whose .BTF loops" "no llvm-objcopy"
  fi
else
  skip "plan and inspect on crafted BTF" "$OBJ not built"
fi
suite_end
