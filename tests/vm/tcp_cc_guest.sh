# Sourced by both guests' scripts: the host-built tcp_cc.bpf.o (compiled
# once against the host's vmlinux.h, relocated by CO-RE) carries a TCP
# connection on this kernel too. The congestion control becomes the
# default, a 4 MiB transfer over loopback (busybox nc) goes through it, and
# its .bss counters (struct rawops_reno_stats) show init and cong_avoid ran.
tcp_cc_here() {  # tcp_cc_here LABEL
  label=$1
  ip link set lo up
  mkdir -p /sys/fs/bpf/tcpcc /sys/fs/bpf/sockstate
  # And a CO-RE tracing object built once on the host: it watches the same connection.
  $R load /bpf/core_sock_state.bpf.o --pin /sys/fs/bpf/sockstate >/dev/null 2>&1 \
    && pass "$label: load --pin the host-built core_sock_state.bpf.o (tp_btf, CO-RE)" \
    || fail "$label: load --pin the host-built core_sock_state.bpf.o" "$($R load /bpf/core_sock_state.bpf.o 2>&1 | tail -n 2)"
  if ! out=$($R load /bpf/tcp_cc.bpf.o --pin /sys/fs/bpf/tcpcc 2>&1); then
    fail "$label: load --pin the host-built tcp_cc.bpf.o" "$(echo "$out" | tail -n 3 | tr '\n' ' ')"; return
  fi
  pass "$label: load --pin the host-built tcp_cc.bpf.o"
  old=$(cat /proc/sys/net/ipv4/tcp_congestion_control)
  echo rawops_reno > /proc/sys/net/ipv4/tcp_congestion_control
  # busybox nc quits when its stdin ends: the server's stays open meanwhile.
  (sleep 20 | nc -l -p 5599 > /tmp/received) &
  sleep 0.3
  dd if=/dev/zero bs=65536 count=64 2>/dev/null | nc 127.0.0.1 5599
  for i in 1 2 3 4 5 6 7 8 9 10; do [ "$(wc -c < /tmp/received)" -ge 4194304 ] && break; sleep 0.2; done
  pkill -f "sleep 20" 2>/dev/null; wait 2>/dev/null
  echo "$old" > /proc/sys/net/ipv4/tcp_congestion_control
  expect "$label: 4 MiB went through the connection" "4194304" "$(wc -c < /tmp/received | tr -d ' ')"
  counts=$($R map dump --hex /sys/fs/bpf/tcpcc/tcp_cc_bss | awk '/u64:/{print $2, $5; exit}')
  set -- $counts
  [ "${1:-0}" -ge 1 ] && [ "${2:-0}" -ge 1 ] && pass "$label: rawops_reno's init ($1) and cong_avoid ($2) ran on this kernel" \
    || fail "$label: rawops_reno's callbacks ran" "$counts"
  set -- $($R map dump --hex /sys/fs/bpf/sockstate/core_sock_state_bss | awk '/u64:/{print $2, $3, $4, $5; exit}')
  # busybox nc listens on an IPv6 socket (v4-mapped): family 2 or 10.
  [ "${1:-0}" -ge 2 ] && { [ "$2" = 5599 ] || [ "$3" = 5599 ]; } && { [ "$4" = 2 ] || [ "$4" = 10 ]; } \
    && pass "$label: core_sock_state saw $1 sockets reach ESTABLISHED, ports $2/$3 (struct sock read with CO-RE)" \
    || fail "$label: core_sock_state saw the connection" "established/local/remote/family: $*"
  $R unload /sys/fs/bpf/sockstate >/dev/null 2>&1
  $R unload /sys/fs/bpf/tcpcc >/dev/null 2>&1 && ! grep -qw rawops_reno /proc/sys/net/ipv4/tcp_available_congestion_control \
    && pass "$label: unloaded" || fail "$label: unloaded"
}
