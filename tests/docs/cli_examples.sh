# Sourced by tests/docs/run.sh: runs the examples block of docs/cli.md, in
# order, as a user would paste it, against a private bpffs mounted where the
# examples say /sys/fs/bpf. Each `rawops` line must exit 0, and its output
# (stdout and stderr) must contain every `backquoted` fragment of its comment.
# The examples load into the host kernel: root only.
examples_run() {
  local doc=docs/cli.md
  mapfile -t lines < <(awk '/^Examples/{on=1; next} on && /^```/{n++; if (n == 2) exit; next} on && n == 1' "$doc")
  if [ ${#lines[@]} -eq 0 ]; then fail "docs/cli.md has an examples block"; return; fi
  if [ "$(id -u)" -ne 0 ]; then skip "docs/cli.md examples" "they load into the kernel: need root"; return; fi
  if grep -qw rawops_reno /proc/sys/net/ipv4/tcp_available_congestion_control; then
    skip "docs/cli.md examples" "rawops_reno already registered by someone else"; return
  fi
  local bpffs; bpffs=$(mktemp -d)
  mount -t bpf bpf "$bpffs" || { fail "docs/cli.md examples: mount a private bpffs"; return; }
  local line cmd shown comment out rc frag ok n=0
  for line in "${lines[@]}"; do
    cmd=${line%%#*}; comment=""
    [[ $line == *"#"* ]] && comment=${line#*#}
    cmd=${cmd%"${cmd##*[![:space:]]}"}
    [[ $cmd == rawops\ * ]] || continue  # mount/mkdir: the private bpffs stands in for them
    n=$((n + 1)); shown=$cmd
    cmd=${cmd//\/sys\/fs\/bpf/$bpffs}
    # The foreground load stays until a signal: run it briefly and stop it as a user would (Ctrl-C).
    if [[ $cmd == "rawops load "* && $cmd != *--pin* ]]; then
      out=$(eval "timeout -s INT 2 build/${cmd}" 2>&1); rc=$?
      [ $rc -eq 124 ] && rc=0  # stopped by the timeout's SIGINT after loading: the expected end
    else
      out=$(eval "build/${cmd}" 2>&1); rc=$?
    fi
    ok=1
    [ $rc -eq 0 ] || ok=0
    while [[ $comment =~ \`([^\`]*)\` ]]; do
      frag=${BASH_REMATCH[1]}; comment=${comment#*"\`$frag\`"}
      grep -qF -- "$frag" <<<"$out" || { ok=0; out="missing '$frag' in: $out"; }
    done
    if [ $ok -eq 1 ]; then pass "docs/cli.md example runs as shown: $shown"
    else fail "docs/cli.md example runs as shown: $shown" "rc=$rc $(head -c 400 <<<"$out")"; fi
  done
  # Whatever an example left (it should be nothing: the last ones unload).
  for d in "$bpffs"/*/; do [ -d "$d" ] && build/rawops unload "$d" >/dev/null 2>&1; done
  umount "$bpffs"; rmdir "$bpffs"
  [ $n -gt 0 ] || fail "docs/cli.md examples: no rawops command found"
}
examples_run
