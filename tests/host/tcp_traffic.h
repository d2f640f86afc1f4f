// Real TCP traffic for congestion-control tests: a connection over 127.0.0.1
// whose sender uses a named congestion control, on plain loopback or inside
// a private network namespace whose loopback qdisc overflows (mtu 1500 + a
// small tbf, TCP small queues lifted): the local drops put the sender into
// CWR, so ssthresh and set_state run too.
#pragma once

#include <cstdint>
#include <string>

#include "btf/error.h"

namespace rawops::testing {

struct TcpTransfer {
    std::uint64_t bytes_received = 0;
    std::string congestion;          // TCP_CONGESTION as read back from the sender
    std::uint32_t snd_cwnd = 0;      // tcpi_snd_cwnd once every byte is acknowledged
    std::uint32_t snd_ssthresh = 0;
    std::uint32_t total_retrans = 0;
};

// Sends `bytes` from a socket using congestion control `cc` to a receiver on
// 127.0.0.1 in this network namespace, and waits until all is acknowledged.
Result<TcpTransfer> loopback_transfer(const std::string& cc, std::uint64_t bytes);

// The same in a child process in a new network namespace with the
// overflowing loopback. Needs root and `ip`/`tc`.
Result<TcpTransfer> lossy_transfer(const std::string& cc, std::uint64_t bytes);

// setsockopt(TCP_CONGESTION, cc) on a fresh TCP socket: 0 or the errno.
int try_set_congestion(const std::string& cc);

// Whether `name` is listed in /proc/sys/net/ipv4/tcp_available_congestion_control.
bool tcp_cc_available(const std::string& name);

}  // namespace rawops::testing
