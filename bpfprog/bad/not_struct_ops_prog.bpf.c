// SPDX-License-Identifier: GPL-2.0
/* BAD on purpose: the struct_ops member ssthresh points to a socket filter
 * program (SEC("socket")), not a struct_ops program. The loader must refuse it
 * naming the member and the program, before loading anything. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

SEC("socket")
int not_ops(struct __sk_buff *skb)
{
	return 0;
}

SEC("struct_ops/cong_avoid")
void BPF_PROG(ok_cong_avoid, struct sock *sk, __u32 ack, __u32 acked)
{
}

SEC("struct_ops/undo_cwnd")
__u32 BPF_PROG(ok_undo_cwnd, struct sock *sk)
{
	return 2;
}

SEC(".struct_ops.link")
struct tcp_congestion_ops bad_prog_kind = {
	.ssthresh = (void *)not_ops,
	.cong_avoid = (void *)ok_cong_avoid,
	.undo_cwnd = (void *)ok_undo_cwnd,
	.name = "rawops_badprog",
};
