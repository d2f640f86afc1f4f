// SPDX-License-Identifier: GPL-2.0
/*
 * A scheduler-independent CO-RE object for "one object, three kernels": a
 * tp_btf program on inet_sock_set_state that reads struct sock fields with
 * CO-RE (BPF_CORE_READ) and records TCP sockets reaching ESTABLISHED, with
 * the last local and remote ports. Built once against the host's vmlinux.h;
 * loaded as is on the host (6.18) and in the 6.12 and 7.3 guests.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

struct state_seen {
	__u64 established;
	__u64 last_local_port;
	__u64 last_remote_port;
	__u64 last_family;
};
struct state_seen seen;

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(core_sock_state, const struct sock *sk, int oldstate, int newstate)
{
	if (newstate != 1 /* TCP_ESTABLISHED */ || BPF_CORE_READ(sk, sk_protocol) != 6 /* IPPROTO_TCP */)
		return 0;
	seen.last_local_port = BPF_CORE_READ(sk, __sk_common.skc_num);
	seen.last_remote_port = __builtin_bswap16(BPF_CORE_READ(sk, __sk_common.skc_dport));
	seen.last_family = BPF_CORE_READ(sk, __sk_common.skc_family);
	__sync_fetch_and_add(&seen.established, 1);
	return 0;
}
