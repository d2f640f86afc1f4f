#!/usr/bin/env bash
# `make demo`: the scenarios a newcomer should see first.
#  1. the seed tutorial's system: kernel module bpf_testmod defining a
#     struct_ops type, the BPF program implementing it, rawops loading it,
#     the kernel calling it. This host kernel cannot load modules, so it runs
#     in a Debian 6.12 guest under qemu (tests/vm/boot.sh);
#  2. a BPF TCP congestion control loaded into this host kernel with rawops,
#     carrying a real connection;
#  3. a sched_ext scheduler taking over the CPUs of a Debian 7.3 guest.
#
#   tests/demo.sh [PART...]    the parts to run (default: 1 2 3)
#
# First it installs, builds and downloads what the parts need; all that
# prints goes to $DEMO_LOG (default build/demo.log), one progress line each
# on screen (tests/demo_lib.sh). Exit status: 0, or 1 if a part failed.
set -euo pipefail
cd "$(dirname "$0")/.."
. tests/demo_lib.sh
RAWOPS=build/rawops
OBJ=build/bpfprog/tcp_cc.bpf.o
MAKE=${MAKE:-make}
parts=("$@")
[ $# -gt 0 ] || parts=(1 2 3)
for p in "${parts[@]}"; do
  case "$p" in 1|2|3) ;; *) echo "usage: tests/demo.sh [1|2|3]..." >&2; exit 3 ;; esac
done
want() { [[ " ${parts[*]} " == *" $1 "* ]]; }
guests() { want 1 || want 3; }

if [ "$(id -u)" -ne 0 ]; then
  echo "make demo loads BPF into the kernel: run it as root" >&2
  exit 1
fi
demo_init "${DEMO_LOG:-build/demo.log}"

# --- preparation: one progress line per step, the details in the log -------
install_packages() {
  local groups=(demo) missing
  guests && groups+=(vm)
  mapfile -t missing < <(tests/deps.sh --missing "${groups[@]}")
  [ ${#missing[@]} -eq 0 ] && return 0
  quietly "installing ${#missing[@]} packages (${missing[*]})" tests/deps.sh "${groups[@]}"
}

# The host build is the Makefile's `all`, run here rather than as a
# prerequisite of `make demo` so that its compiler lines go to the log.
# Always run (`make -q all` is never true: vmlinux.h's rule only checks).
build_host() {
  quietly "building rawops, its library and BPF objects (make all)" "$MAKE" all
}

fetch_guest_kernels() {
  tests/fetch_debs.sh --kernel && tests/fetch_debs.sh --kernel73 \
    && tests/fetch_debs.sh libbpf-dev=1:1.4.6-1~bpo12+1
}
download_guest_kernels() {
  local c=${RAWOPS_CACHE:-.cache/debs}/root verb=downloading
  # Unpacked once (fetch_debs.sh leaves a .unpacked stamp): then it only checks.
  if compgen -G "$c/linux-image-6.12*/.unpacked" >/dev/null && compgen -G "$c/linux-binary-7.3*/.unpacked" >/dev/null \
     && [ -f "$c/linux-source-7.3/.unpacked" ] && [ -f "$c/libbpf-dev/.unpacked" ]; then verb=checking; fi
  quietly "$verb the guest kernels and linux-source-7.3 (${c%/root})" fetch_guest_kernels
}

# A chain, not `set -e`: run_long calls it where errexit does not apply.
build_guests() {
  { ! want 1 || tests/vm/build_kmod.sh; } && { ! want 3 || tests/vm73/build.sh; }
}

# boot_guest WHAT DIR GUEST_SCRIPT: boots tests/DIR/boot.sh's guest with a
# ticker, then tells what its guest script said (its "demo: " lines). The
# whole console goes to the log. A guest that did not reach the end of its
# script shows its console's last lines instead.
boot_guest() {
  local what=$1 dir=$2 console rc=0
  console=$(mktemp)
  run_long "booting $what under qemu" "$console" "tests/$dir/boot.sh" "$3" || rc=$?
  { echo "--- console of $what"; cat "$console"; } >>"$DEMO_LOG"
  sed -n 's/^demo: //p' "$console" | fold_out
  if [ "$rc" -ne 0 ] || ! grep -q '^rawops-guest: end' "$console"; then
    say "$what did not finish (boot.sh exit $rc, qemu exit $(cat "${BUILD:-build}/$dir/qemu.rc" 2>/dev/null));" \
        "the last lines of its console:"
    tail -n 12 "$console" | fold_out "  | "
    rm -f "$console"
    return 1
  fi
  rm -f "$console"
}

part1() {
  step "part 1, in a Debian 6.12 guest: the seed tutorial (kernel module + struct_ops type + BPF implementation)"
  if [ -e /proc/modules ] && [ -d "/lib/modules/$(uname -r)/build" ]; then
    say "(this kernel could load modules, but the demo's module is built for the Debian 6.12 guest)"
  fi
  boot_guest "the Debian 6.12 guest" vm tests/vm/demo-guest.sh
}

part2() {
  step "part 2, on this host kernel: tcp_cc.bpf.o, a BPF TCP congestion control; what it holds (rawops inspect)"
  "$RAWOPS" inspect "$OBJ" | sed -n '/^struct_ops variable/,/^$/{/^$/d;p}' | fold_out

  step "the bpf() calls a load will make (rawops plan, nothing sent yet)"
  "$RAWOPS" plan "$OBJ" | grep -E '^#|BPF_LINK_CREATE|BPF_MAP_CREATE.*STRUCT_OPS' | fold_out

  pins=$(mktemp -d)
  trap cleanup EXIT
  mount -t bpf bpf "$pins"
  mkdir "$pins/reno"

  step "load it (rawops load --pin): programs verified, struct_ops map filled, link created"
  "$RAWOPS" load "$OBJ" --pin "$pins/reno" 2>&1 | fold_out
  say "available congestion controls: $(cat /proc/sys/net/ipv4/tcp_available_congestion_control)"

  step "a TCP connection over 127.0.0.1 using rawops_reno (8 MiB)"
  tcp_connection | fold_out

  step "the BPF side's counters (struct rawops_reno_stats in the .bss map, pinned as tcp_cc_bss)"
  "$RAWOPS" map dump --hex "$pins/reno/tcp_cc_bss" | awk '/u64:/{
    split("init release ssthresh cong_avoid set_state cwnd_event undo_cwnd last_cwnd last_ssthresh last_ca_state last_ca_event generation", n, " ");
    for (i = 2; i <= NF; i++) printf "  %-14s %s\n", n[i-1], $i }'

  step "unload (rawops unload): link detached, pins removed"
  "$RAWOPS" unload "$pins/reno" 2>&1 | fold_out
  say "available congestion controls: $(cat /proc/sys/net/ipv4/tcp_available_congestion_control)"
}

pins=''
cleanup() {
  [ -n "$pins" ] || return 0
  "$RAWOPS" unload "$pins/reno" >/dev/null 2>&1 || true
  umount "$pins" 2>/dev/null || true
  rmdir "$pins" 2>/dev/null || true
}

tcp_connection() {
  python3 - <<'PY'
import socket, subprocess, threading
TCP_CONGESTION = 13
srv = socket.socket(); srv.bind(("127.0.0.1", 0)); srv.listen(1)
got = [0]
def reader(conn):
    while True:
        b = conn.recv(1 << 16)
        if not b: break
        got[0] += len(b)
cli = socket.socket()
cli.setsockopt(socket.IPPROTO_TCP, TCP_CONGESTION, b"rawops_reno")
cli.connect(srv.getsockname())
conn, _ = srv.accept()
t = threading.Thread(target=reader, args=(conn,)); t.start()
chunk = b"r" * (1 << 16)
for i in range(128):
    cli.sendall(chunk)
    if i == 64:
        port = cli.getsockname()[1]
        ss = subprocess.run(["ss", "-tin", "sport", "= :%d" % port], capture_output=True, text=True).stdout
        print("ss -tin while sending:\n" + "\n".join("  " + l.strip() for l in ss.splitlines()[1:]), flush=True)
print("sender's congestion control:", cli.getsockopt(socket.IPPROTO_TCP, TCP_CONGESTION, 16).rstrip(b"\0").decode())
cli.close(); t.join(); conn.close(); srv.close()
print("bytes received:", got[0])
PY
}

part3() {
  step "part 3, in a Debian 7.3 guest: a sched_ext scheduler loaded by rawops"
  boot_guest "the Debian 7.3 guest" vm73 tests/vm73/demo-guest.sh
}

say "rawops demo, part(s) ${parts[*]}; what installs, downloads and builds print goes to $DEMO_LOG"
install_packages
build_host
if guests; then
  download_guest_kernels
  quietly "building the guests' kernel module and sched_ext schedulers" build_guests
fi
# Each part in a subshell with errexit: a failed part stops there, cleans up
# (its EXIT trap) and the next part still runs. (`part1 || ...` would turn
# errexit off inside the function.)
failed=()
for p in "${parts[@]}"; do
  set +e; (set -e; "part$p"); rc=$?; set -e
  [ "$rc" -eq 0 ] || failed+=("$p")
done
if [ ${#failed[@]} -gt 0 ]; then
  echo
  say "part(s) ${failed[*]} failed; details in $DEMO_LOG"
  exit 1
fi
