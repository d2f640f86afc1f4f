# Shared helpers for shell test suites (sourced). Each check prints one line,
#   PASS: name | FAIL: name: why | SKIP: name: reason
# and suite_end prints the line tests/run_suites.sh sums.
_pass=0 _fail=0 _skip=0

pass() { echo "PASS: $1"; _pass=$((_pass + 1)); }
fail() { echo "FAIL: $1${2:+: $2}"; _fail=$((_fail + 1)); }
skip() { echo "SKIP: $1: $2"; _skip=$((_skip + 1)); }

# check NAME COMMAND...: passes when COMMAND exits 0, shows its output when not.
check() {
  local name=$1; shift
  local out
  if out=$("$@" 2>&1); then pass "$name"; else fail "$name" "$(printf '%s' "$out" | tail -n 5)"; fi
}

suite_end() {
  echo "rawops-suite: passed=$_pass failed=$_fail skipped=$_skip"
  [ "$_fail" -eq 0 ]
}
