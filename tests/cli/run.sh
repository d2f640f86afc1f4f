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

suite_end
