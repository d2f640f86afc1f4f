// SPDX-License-Identifier: GPL-2.0
/* BAD on purpose: the object's struct tcp_congestion_ops has a member the
 * kernel's type lacks (rawops_no_such_member), set to a program, so it cannot
 * be dropped silently (libbpf only tolerates missing members left zero). The
 * loader must fail naming the member and the type.
 *
 * vmlinux.h's own definition is renamed out of the way so this file can
 * declare the type under the kernel's name. */
#define tcp_congestion_ops rawops_vmlinux_tcp_congestion_ops
#include "vmlinux.h"
#undef tcp_congestion_ops
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

struct tcp_congestion_ops {
	__u32 (*ssthresh)(struct sock *sk);
	void (*cong_avoid)(struct sock *sk, __u32 ack, __u32 acked);
	__u32 (*undo_cwnd)(struct sock *sk);
	__u32 (*rawops_no_such_member)(struct sock *sk);
	char name[16];
};

SEC("struct_ops/ssthresh")
__u32 BPF_PROG(bad_ssthresh, struct sock *sk)
{
	return 2;
}

SEC("struct_ops/cong_avoid")
void BPF_PROG(bad_cong_avoid, struct sock *sk, __u32 ack, __u32 acked)
{
}

SEC("struct_ops/undo_cwnd")
__u32 BPF_PROG(bad_undo_cwnd, struct sock *sk)
{
	return 2;
}

SEC("struct_ops/rawops_no_such_member")
__u32 BPF_PROG(bad_extra, struct sock *sk)
{
	return 0;
}

SEC(".struct_ops.link")
struct tcp_congestion_ops bad_member = {
	.ssthresh = (void *)bad_ssthresh,
	.cong_avoid = (void *)bad_cong_avoid,
	.undo_cwnd = (void *)bad_undo_cwnd,
	.rawops_no_such_member = (void *)bad_extra,
	.name = "rawops_badmem",
};
