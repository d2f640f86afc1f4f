#!/usr/bin/env bash
# `make demo`: the scenarios a newcomer should see first. make has built
# everything already.
#  1. the seed tutorial's system: kernel module bpf_testmod defining a
#     struct_ops type, the BPF program implementing it, rawops loading it,
#     the kernel calling it. This host kernel cannot load modules, so it runs
#     in a Debian 6.12 guest under qemu (tests/vm/boot.sh);
#  2. a BPF TCP congestion control loaded into this host kernel with rawops,
#     carrying a real connection;
#  3. a sched_ext scheduler taking over the CPUs of a Debian 7.3 guest.
set -euo pipefail
cd "$(dirname "$0")/.."
RAWOPS=build/rawops
OBJ=build/bpfprog/tcp_cc.bpf.o
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

if [ "$(id -u)" -ne 0 ]; then
  echo "make demo loads BPF into the kernel: run it as root" >&2
  exit 1
fi
tests/deps.sh demo

step "part 1, in a Debian 6.12 guest: the seed tutorial (kernel module + struct_ops type + BPF implementation)"
if [ -e /proc/modules ] && [ -d "/lib/modules/$(uname -r)/build" ]; then
  echo "(this kernel could load modules, but the demo's module is built for the Debian 6.12 guest)"
fi
echo "booting the Debian 6.12 guest under qemu (a few seconds; the first run downloads the kernel)..."
tests/vm/boot.sh tests/vm/demo-guest.sh | sed -n 's/^demo: //p'

step "part 2, on this host kernel: tcp_cc.bpf.o, a BPF TCP congestion control; what it holds (rawops inspect)"
"$RAWOPS" inspect "$OBJ" | sed -n '/^struct_ops variable/,/^$/p'

step "the bpf() calls a load will make (rawops plan, nothing sent yet)"
"$RAWOPS" plan "$OBJ" | grep -E '^#|BPF_LINK_CREATE|BPF_MAP_CREATE.*STRUCT_OPS'

pins=$(mktemp -d)
cleanup() {
  "$RAWOPS" unload "$pins/reno" >/dev/null 2>&1 || true
  umount "$pins" 2>/dev/null || true
  rmdir "$pins" 2>/dev/null || true
}
trap cleanup EXIT
mount -t bpf bpf "$pins"
mkdir "$pins/reno"

step "load it (rawops load --pin): programs verified, struct_ops map filled, link created"
"$RAWOPS" load "$OBJ" --pin "$pins/reno"
echo "available congestion controls: $(cat /proc/sys/net/ipv4/tcp_available_congestion_control)"

step "a TCP connection over 127.0.0.1 using rawops_reno (8 MiB)"
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
        print("ss -tin while sending:\n" + "\n".join("  " + l.strip() for l in ss.splitlines()[1:]))
print("sender's congestion control:", cli.getsockopt(socket.IPPROTO_TCP, TCP_CONGESTION, 16).rstrip(b"\0").decode())
cli.close(); t.join(); conn.close(); srv.close()
print("bytes received:", got[0])
PY

step "the BPF side's counters (struct rawops_reno_stats in the .bss map, pinned as tcp_cc_bss)"
"$RAWOPS" map dump --hex "$pins/reno/tcp_cc_bss" | awk '/u64:/{
  split("init release ssthresh cong_avoid set_state cwnd_event undo_cwnd last_cwnd last_ssthresh last_ca_state last_ca_event generation", n, " ");
  for (i = 2; i <= NF; i++) printf "  %-14s %s\n", n[i-1], $i }'

step "unload (rawops unload): link detached, pins removed"
"$RAWOPS" unload "$pins/reno"
echo "available congestion controls: $(cat /proc/sys/net/ipv4/tcp_available_congestion_control)"

step "part 3, in a Debian 7.3 guest: a sched_ext scheduler loaded by rawops"
echo "booting the Debian 7.3 guest under qemu (about 20 s; the first run downloads the kernel and its sources)..."
tests/vm73/boot.sh tests/vm73/demo-guest.sh 2>/dev/null | sed -n 's/^demo: //p'
