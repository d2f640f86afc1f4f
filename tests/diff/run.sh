#!/usr/bin/env bash
# tests/diff (part of make test): every object of the corpus loaded by libbpf
# 1.4.6 and by rawops on this kernel, one after the other, and what the kernel
# holds after each load compared (tests/diff/diff_one.sh, README.md): maps,
# programs with their xlated instructions, func/line info, the object's BTF,
# struct_ops values, links, and the essential bpf() calls.
# Objects this kernel cannot load with either loader (module types, ARENA
# without the capability, dctcp's kfuncs) are skipped with libbpf's reason;
# one loader loading what the other refuses is a failure.
# Then the suite shows that it catches a deliberately broken rawops.
set -u
cd "$(dirname "$0")/../.."
. tests/lib.sh
BUILD=${BUILD:-build}
export BUILD=$PWD/$BUILD

if [ "$(id -u)" -ne 0 ]; then skip "libbpf vs rawops" "needs root (both loaders load the objects)"; suite_end; exit; fi
for tool in libbpf_hold rawops_hold kstate; do
  [ -x "$BUILD/diff/$tool" ] || { fail "build $BUILD/diff/$tool"; suite_end; exit; }
done

# diff_object NAME OBJ [TARGET_BTF]: one corpus entry.
compared=0
diff_object() {
  local name=$1; shift
  local out rc
  out=$(tests/diff/diff_one.sh "$@" 2>&1); rc=$?
  case $rc in
    0) pass "$name: the kernel holds the same after libbpf and rawops ($(grep -o "[0-9]* facts" <<<"$out"); $(grep '^bpf() calls' <<<"$out" | sed 's/^bpf() calls: //'))"
       compared=$((compared + 1)) ;;
    1) fail "$name: the kernel holds the same after libbpf and rawops" "$(head -n 20 <<<"$out")" ;;
    *) if grep -q '^load: libbpf failed, rawops failed' <<<"$out"; then
         skip "$name" "neither loader can load it on this kernel; libbpf: $(grep -m1 -A1 '^--- libbpf:' <<<"$out" | tail -n1 | sed 's/^ *//' | cut -c1-150)"
       else
         fail "$name: both loaders load it or both refuse" "$(head -n 20 <<<"$out")"
       fi ;;
  esac
}

# Every object as clang-14 (bookworm's default) built it, and as clang-19 did.
for obj in "$BUILD"/bpfprog/*.bpf.o "$BUILD"/bpfprog-clang19/*.bpf.o; do
  name=$(basename "$obj")
  case $obj in */bpfprog-clang19/*) name="$name (clang-19)" ;; esac
  case $name in
    # bpf_dummy_ops cannot be registered: its programs are test-run only.
    dummy_ops.bpf.o*) RAWOPS_DIFF_NO_REGISTER=1 diff_object "$name" "$obj" ;;
    *) diff_object "$name" "$obj" ;;
  esac
done
# The CO-RE table: every relocation kind against a hand-made target BTF.
CORE=$BUILD/diff/core
diff_object "CO-RE table (core_cases.bpf.o against core_target.c)" "$CORE/core_cases.bpf.o" "$CORE/target/vmlinux"
[ $compared -ge 25 ] && pass "compared $compared objects with libbpf" || fail "compared at least 25 objects with libbpf" "only $compared"

# A deliberately broken rawops must be caught, with the member named.
out=$(tests/diff/diff_one.sh --break=swap-members:ssthresh,undo_cwnd "$BUILD/bpfprog/tcp_cc.bpf.o" 2>&1); rc=$?
if [ $rc -eq 1 ] && grep -q "member ssthresh: libbpf \`prog reno_ssthresh\` vs rawops \`prog reno_undo_cwnd\`" <<<"$out"; then
  pass "a rawops that swaps two struct_ops members is caught (exit 1, member ssthresh named)"
else
  fail "a rawops that swaps two struct_ops members is caught" "exit $rc: $(head -n 8 <<<"$out")"
fi
out=$(tests/diff/diff_one.sh --break=skip-core "$CORE/core_cases.bpf.o" "$CORE/target/vmlinux" 2>&1); rc=$?
if [ $rc -eq 1 ] && grep -q "^prog fields: insn 0000: libbpf \`r2 = 12\` vs rawops \`r2 = 0\`" <<<"$out"; then
  pass "a rawops that skips a CO-RE relocation is caught (exit 1, instruction 0 of program fields shown on both sides)"
else
  fail "a rawops that skips a CO-RE relocation is caught" "exit $rc: $(head -n 8 <<<"$out")"
fi
suite_end
