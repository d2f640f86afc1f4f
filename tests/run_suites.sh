#!/usr/bin/env bash
# Runs every test suite given on the command line and prints the summary that
# ends `make test`:   N passed, M failed
#
# Each suite is an executable that prints, as its last words, one line
#   rawops-suite: passed=N failed=M skipped=K
# (doctest suites get it from tests/common/test_main.cpp, shell suites from
# tests/lib.sh). A suite that exits non-zero without a failure counted, or
# prints no such line, counts as one failure: a crash never passes silently.
set -u

total_pass=0 total_fail=0 total_skip=0
for suite in "$@"; do
  name=${suite#build/tests/}
  echo "=== suite: $name"
  out=$(mktemp)
  "$suite" 2>&1 | tee "$out"
  rc=${PIPESTATUS[0]}
  line=$(grep -a '^rawops-suite: ' "$out" | tail -n 1)
  rm -f "$out"
  if [ -z "$line" ]; then
    echo "=== suite $name: CRASHED (exit $rc, no summary line)"
    total_fail=$((total_fail + 1))
    continue
  fi
  p=$(sed -n 's/.*passed=\([0-9]*\).*/\1/p' <<<"$line")
  f=$(sed -n 's/.*failed=\([0-9]*\).*/\1/p' <<<"$line")
  s=$(sed -n 's/.*skipped=\([0-9]*\).*/\1/p' <<<"$line")
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    echo "=== suite $name: exit $rc with no failure counted; counting one"
    f=1
  fi
  echo "=== suite $name: $p passed, $f failed, $s skipped"
  total_pass=$((total_pass + p)) total_fail=$((total_fail + f)) total_skip=$((total_skip + s))
done

echo "$total_skip skipped (not counted as passed; see SKIP: lines for reasons)"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
