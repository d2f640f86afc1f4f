#!/usr/bin/env bash
# How `make demo` looks: its output helpers (tests/demo_lib.sh) and its host
# part (tests/demo.sh 2) run in a real terminal, a 100x50 tmux pane, and with
# stdout redirected to a file. The full demo boots two qemu guests (minutes),
# so the guests' parts are not run here; their output goes through the same
# helpers (run_long, fold_out).
#
# Checks: no line on the terminal is wider than 100 columns; each progress
# line appears once (a \n in the ticker would repeat it); what a quiet step
# prints stays off the screen; a failed step shows its status, the log's
# path and the log's tail; escape codes only on a terminal without NO_COLOR;
# no escape code and no \r when stdout is a file.
set -u
cd "$(dirname "$0")/.." || exit 1
. tests/lib.sh
W=100
export LC_ALL=C.UTF-8  # ${#line} counts characters, not bytes

if ! command -v tmux >/dev/null; then
  skip "demo output in a terminal" "tmux is missing (tests/deps.sh test installs it)"
  suite_end; exit
fi
tmp=$(mktemp -d)
sock=rawops-demo-output-$$   # our own tmux server: never the user's
trap 'tmux -L "$sock" kill-server 2>/dev/null; rm -rf "$tmp"' EXIT

# in_tmux NAME TIMEOUT CMD: runs the shell command CMD in a fresh 100x50
# pane and waits for it. Leaves $tmp/NAME.rc (its exit status), NAME.txt
# (the screen and its history, wrapped lines joined back: a line printed
# wider than the pane shows as one long line), NAME.esc (the same with the
# escape codes of attributes) and NAME.raw (every byte written to the pane).
# CMD starts only once pipe-pane records, so NAME.raw misses nothing.
in_tmux() {
  local name=$1 timeout=$2 cmd=$3 waited=0
  tmux -L "$sock" new-session -d -s "$name" -x $W -y 50 \
    "while [ ! -e $tmp/$name.go ]; do sleep 0.1; done; env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL $cmd; echo \$? >$tmp/$name.rc; sleep 600"
  tmux -L "$sock" pipe-pane -t "$name" -o "cat >$tmp/$name.raw"
  touch "$tmp/$name.go"
  while [ ! -s "$tmp/$name.rc" ] && [ "$waited" -lt $((timeout * 10)) ]; do sleep 0.1; waited=$((waited + 1)); done
  [ -s "$tmp/$name.rc" ] || echo timeout >"$tmp/$name.rc"
  tmux -L "$sock" capture-pane -t "$name" -p -J -S - | sed 's/ *$//' >"$tmp/$name.txt"
  tmux -L "$sock" capture-pane -t "$name" -p -e -S - >"$tmp/$name.esc"
  tmux -L "$sock" kill-session -t "$name"
}

# check_width NAME FILE: no line of FILE wider than W columns.
check_width() {
  local line n=0 wide=0 first=''
  while IFS= read -r line; do
    n=$((n + 1))
    if [ "${#line}" -gt $W ]; then wide=$((wide + 1)); [ -n "$first" ] || first=$line; fi
  done <"$2"
  if [ "$n" -gt 0 ] && [ "$wide" -eq 0 ]; then pass "$1: no line wider than $W columns ($n lines)"
  else fail "$1: no line wider than $W columns ($n lines)" "$wide wider, e.g. ${#first}: $first"; fi
}

# count_is NAME WANT PATTERN FILE: grep -cE PATTERN FILE is WANT.
count_is() {
  local got
  got=$(grep -cE -- "$3" "$4")
  if [ "$got" -eq "$2" ]; then pass "$1"; else fail "$1" "$got lines match '$3', want $2"; fi
}

# no_escapes NAME FILE: no ESC and no \r in FILE (stdout was not a terminal).
no_escapes() {
  local esc cr
  esc=$(grep -c $'\033' "$2") cr=$(grep -c $'\r' "$2")
  if [ "$esc" -eq 0 ] && [ "$cr" -eq 0 ] && [ -s "$2" ]; then pass "$1: no escape code, no \\r"
  else fail "$1: no escape code, no \\r" "$esc lines with ESC, $cr with \\r, $(wc -l <"$2") lines"; fi
}

# --- the helpers, with real commands ----------------------------------------
# The driver: a step header of ~170 columns, a quiet step printing 500 lines,
# a 2 s step (the ticker), a 250-column table row, a 300-column word, and a
# quiet step that prints 40 lines and fails.
cat >"$tmp/driver.sh" <<'EOF'
. tests/demo_lib.sh
demo_init "$1"
step "a step header longer than the terminal: $(printf 'word%d ' $(seq 30))end-of-header"
quietly "printing 500 lines" bash -c 'for i in $(seq 500); do echo "noise line $i"; done'
quietly "a step of 2 s" sleep 2
printf '  row: %s\n' "$(printf 'cell%d=value ' $(seq 25))" | fold_out
printf '%s\n' "$(printf 'Q%.0s' $(seq 300))" | fold_out
quietly "a step that fails" bash -c 'for i in $(seq 40); do echo "failing line $i"; done; exit 3'
echo "quietly returned $?"
say "driver: end"
EOF
log=$tmp/helpers.log
in_tmux tty 60 "bash $tmp/driver.sh $log"
in_tmux nocolor 60 "NO_COLOR=1 bash $tmp/driver.sh $tmp/nocolor.log"
env -u NO_COLOR bash "$tmp/driver.sh" "$tmp/file.log" >"$tmp/file.txt" 2>&1

t=$tmp/tty.txt
if grep -q '^driver: end$' "$t"; then pass "helpers: the driver ran to its end in the terminal"
else fail "helpers: the driver ran to its end in the terminal" "rc $(cat "$tmp/tty.rc"); $(tail -n 3 "$t")"; fi
check_width "helpers (terminal)" "$t"
count_is "helpers: the quiet step's progress line appears once" 1 '^printing 500 lines' "$t"
count_is "helpers: ... and ends as done, with the time and the log" 1 \
  '^printing 500 lines \.\.\. done \([0-9]+ s; log: .*helpers\.log\)$' "$t"
count_is "helpers: none of its 500 lines reach the screen" 0 'noise line' "$t"
count_is "helpers: all 500 are in the log" 500 '^noise line [0-9]+$' "$log"
count_is "helpers: the 2 s step's line appears once (the ticker rewrites it)" 1 '^a step of 2 s' "$t"
count_is "helpers: ... and ends as done after 2 or 3 s" 1 '^a step of 2 s \.\.\. done \([23] s;' "$t"
if grep -q $'\ra step of 2 s \\.\\.\\. 1 s' "$tmp/tty.raw"; then pass "helpers: the ticker counted seconds on the terminal"
else fail "helpers: the ticker counted seconds on the terminal" "no '\\ra step of 2 s ... 1 s' in what the pane received"; fi
count_is "helpers: the long step header is folded, nothing lost" 2 '^== a step header longer|end-of-header$' "$t"
count_is "helpers: the long table row folds into indented lines" 2 '^  row: cell1=value|^      cell[0-9]+=value .*cell25=value$' "$t"
q=$(grep -E '^ *Q+$' "$t" | tr -cd Q | wc -c)  # (the temporary paths may hold a Q)
if [ "$q" -eq 300 ]; then pass "helpers: a 300-column word is cut into lines, all 300 characters kept"
else fail "helpers: a 300-column word is cut into lines, all 300 characters kept" "$q of 300"; fi
count_is "helpers: a failed step says FAILED with its exit status, once" 1 '^a step that fails \.\.\. FAILED \(exit 3 after' "$t"
count_is "helpers: ... names the log and shows its tail (last line in, first out)" 3 \
  "^last lines of $log:\$|^  \\| failing line 40\$|^quietly returned 3\$" "$t"
count_is "helpers: ... the tail stops at 15 lines" 0 '^  \| failing line 1$' "$t"
count_is "helpers: bold step header on a terminal" 1 $'\033\\[1m== a step header' "$tmp/tty.esc"
count_is "helpers: no bold with NO_COLOR" 0 $'\033\\[1m' "$tmp/nocolor.esc"
f=$tmp/file.txt
no_escapes "helpers (stdout a file)" "$f"
check_width "helpers (stdout a file)" "$f"
count_is "helpers (stdout a file): a plain start line and a done line per quiet step" 4 \
  '^printing 500 lines \.\.\.$|^a step of 2 s \.\.\.$|^\.\.\. done \([0-9]+ s; log: ' "$f"

# --- part 2 of the demo, for real: loads tcp_cc.bpf.o into this kernel -----
if [ "$(id -u)" -ne 0 ]; then
  skip "demo part 2 in a terminal" "not root (it loads BPF into the kernel)"
elif [ ! -r /sys/kernel/btf/vmlinux ] || [ ! -x build/rawops ]; then
  skip "demo part 2 in a terminal" "no /sys/kernel/btf/vmlinux or no build/rawops"
else
  in_tmux part2 180 "DEMO_LOG=$tmp/part2.log tests/demo.sh 2"
  t=$tmp/part2.txt
  if [ "$(cat "$tmp/part2.rc")" = 0 ]; then pass "part 2: tests/demo.sh 2 exits 0 in a terminal"
  else fail "part 2: tests/demo.sh 2 exits 0 in a terminal" "rc $(cat "$tmp/part2.rc"); $(tail -n 5 "$t")"; fi
  check_width "part 2 (terminal)" "$t"
  count_is "part 2: the build's progress line appears once" 1 '^building rawops' "$t"
  count_is "part 2: ... and ends as done" 1 '^building rawops.* \.\.\. done \(' "$t"
  count_is "part 2: each of its 6 step headers appears once" 6 \
    '^== (part 2, on this host|the bpf\(\) calls|load it|a TCP connection|the BPF side.s counters|unload)' "$t"
  count_is "part 2: the connection used rawops_reno and carried 8 MiB" 2 \
    "^sender's congestion control: rawops_reno\$|^bytes received: 8388608\$" "$t"
  DEMO_LOG=$tmp/part2-file.log tests/demo.sh 2 >"$tmp/part2-file.txt" 2>&1
  rc=$?
  if [ "$rc" -eq 0 ]; then pass "part 2: tests/demo.sh 2 exits 0 with stdout a file"
  else fail "part 2: tests/demo.sh 2 exits 0 with stdout a file" "rc $rc; $(tail -n 5 "$tmp/part2-file.txt")"; fi
  no_escapes "part 2 (stdout a file)" "$tmp/part2-file.txt"
  check_width "part 2 (stdout a file)" "$tmp/part2-file.txt"
fi

suite_end
