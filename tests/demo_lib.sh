# shellcheck shell=bash
# Output helpers of `make demo` (sourced by tests/demo.sh, tested by
# tests/demo_output.sh). The demo tells a story; what package installs,
# downloads and builds print goes to a log instead, summarised on screen in
# one progress line per step:
#   installing 3 packages (qemu-system-x86 busybox-static cpio) ... done (12 s; log: build/demo.log)
# Every line printed fits the terminal (or 100 columns when stdout is not a
# terminal): longer lines are folded at a space. Escape codes (bold step
# headers) only on a terminal and without NO_COLOR; the elapsed-seconds
# ticker, which rewrites its line with \r, only on a terminal.

# demo_init LOG: starts a fresh log and decides how to print.
demo_init() {
  DEMO_LOG=$1
  mkdir -p "$(dirname "$DEMO_LOG")"
  : >"$DEMO_LOG"
  DEMO_TTY=0 DEMO_BOLD='' DEMO_OFF='' DEMO_COLS=100
  if [ -t 1 ]; then
    DEMO_TTY=1
    # The terminal's own width (stty reads stdin: point it at stdout).
    local size
    size=$(stty size 0<&1 2>/dev/null) && DEMO_COLS=${size#* }
    [ "${DEMO_COLS:-0}" -ge 40 ] 2>/dev/null || DEMO_COLS=100
    if [ -z "${NO_COLOR:-}" ]; then DEMO_BOLD=$'\033[1m' DEMO_OFF=$'\033[0m'; fi
  fi
}

# fold_out [PREFIX]: a filter. Prefixes each line, then folds lines wider
# than DEMO_COLS at the last space that fits (at a column if there is none in
# the line's second half); continuation lines keep the line's indentation
# plus 4 spaces, so a folded table row still reads as one row. Flushes every
# line: it sits behind commands whose output should appear as it comes.
fold_out() {
  expand | awk -v w="${DEMO_COLS:-100}" -v pre="${1:-}" '
  {
    line = pre $0
    match(line, /^ */); ind = substr(line, 1, RLENGTH) "    "
    if (length(ind) > w / 4) ind = substr(ind, 1, int(w / 4))
    while (length(line) > w) {
      cut = 0
      for (i = w + 1; i > w / 2; i--) if (substr(line, i, 1) == " ") { cut = i; break }
      if (cut) { head = substr(line, 1, cut - 1); rest = substr(line, cut + 1) }
      else { head = substr(line, 1, w); rest = substr(line, w + 1) }
      sub(/ +$/, "", head); print head
      sub(/^ +/, "", rest); line = ind rest
    }
    print line; fflush()
  }'
}

# say TEXT...: one line of the story, folded.
say() { printf '%s\n' "$*" | fold_out; }

# step TEXT...: a step header after a blank line, bold on a terminal.
step() {
  local text
  text=$(printf '== %s\n' "$*" | fold_out)
  printf '\n%s%s%s\n' "$DEMO_BOLD" "$text" "$DEMO_OFF"
}

# _fit LABEL RESERVE: LABEL cut (with "...") to leave RESERVE columns free, so
# that the progress line stays one line and \r can rewrite it.
_fit() {
  local label=$1 room=$((DEMO_COLS - $2))
  [ "$room" -lt 10 ] && room=10
  if [ "${#label}" -gt "$room" ]; then label="${label:0:room-3}..."; fi
  printf '%s' "$label"
}

# _ticker LABEL START PARENT: redraws "LABEL ... N s" every second until
# killed, or until PARENT is gone (a background job ignores Ctrl-C, so it
# must notice by itself that the demo was interrupted).
_ticker() {
  local label=$1 start=$2 parent=$3 now last=-1
  while kill -0 "$parent" 2>/dev/null; do
    printf -v now '%(%s)T' -1
    if [ $((now - start)) -ne "$last" ]; then
      last=$((now - start))
      printf '\r%s ... %d s' "$label" "$last"
    fi
    sleep 0.2
  done
}

# run_long LABEL OUT CMD...: runs CMD with stdout to OUT and stderr to the log
# (OUT may be the log), showing one progress line: on a terminal a ticker
# that ends as "LABEL ... done (N s; log: LOG)", elsewhere a start line
# "LABEL ..." and a "... done" line. CMD runs in the foreground, so Ctrl-C
# reaches it (and qemu under it). On failure prints the last lines the step
# logged and returns CMD's status.
run_long() {
  local label=$1 out=$2; shift 2
  local start now rc=0 tick='' logged suffix
  printf -v start '%(%s)T' -1
  logged=$(wc -l <"$DEMO_LOG")
  printf '=== %s\n$ %s\n' "$label" "$*" >>"$DEMO_LOG"
  if [ "$DEMO_TTY" = 1 ]; then
    # Room for " ... done (1234 s; log: LOG)" after the label.
    label=$(_fit "$label" $((24 + ${#DEMO_LOG})))
    printf '%s ...' "$label"
    _ticker "$label" "$start" "$BASHPID" &
    tick=$!
  else
    printf '%s ...\n' "$label" | fold_out
  fi
  if [ "$out" = "$DEMO_LOG" ]; then "$@" >>"$DEMO_LOG" 2>&1 || rc=$?
  else "$@" >"$out" 2>>"$DEMO_LOG" || rc=$?; fi
  if [ -n "$tick" ]; then kill "$tick" 2>/dev/null; wait "$tick" 2>/dev/null || true; fi
  printf -v now '%(%s)T' -1
  if [ "$rc" -eq 0 ]; then suffix="done ($((now - start)) s; log: $DEMO_LOG)"
  else suffix="FAILED (exit $rc after $((now - start)) s)"; fi
  if [ "$DEMO_TTY" = 1 ]; then printf '\r%s ... %s\n' "$label" "$suffix"
  else printf '... %s\n' "$suffix"; fi
  if [ "$rc" -ne 0 ]; then
    say "last lines of $DEMO_LOG:"
    tail -n +$((logged + 1)) "$DEMO_LOG" | tail -n 15 | fold_out "  | "
  fi
  return "$rc"
}

# quietly LABEL CMD...: run_long with all of CMD's output in the log.
quietly() { local label=$1; shift; run_long "$label" "$DEMO_LOG" "$@"; }
