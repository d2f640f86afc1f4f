// SPDX-License-Identifier: GPL-2.0
/*
 * "rawops_dctcp": a congestion control built from the kfuncs of the tcp_dctcp
 * module (7.3 guest, after insmod): their BTF ids are in the module's split
 * BTF, whose fd goes into BPF_PROG_LOAD's fd_array. dctcp_init() switches a
 * socket without ECN to dctcp's Reno fallback (its own ops), so on a plain
 * connection init runs here and cong_avoid never does: the proof that the
 * module's kfunc really ran.
 */
#define BPF_NO_KFUNC_PROTOTYPES
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

extern void dctcp_init(struct sock *sk) __ksym;
extern __u32 dctcp_ssthresh(struct sock *sk) __ksym;
extern __u32 dctcp_cwnd_undo(struct sock *sk) __ksym;
extern void tcp_reno_cong_avoid(struct sock *sk, __u32 ack, __u32 acked) __ksym;

__u64 inits, cong_avoids;  /* .bss */

SEC("struct_ops/init")
void BPF_PROG(dctcp_bpf_init, struct sock *sk)
{
	__sync_fetch_and_add(&inits, 1);
	dctcp_init(sk);
}

SEC("struct_ops/ssthresh")
__u32 BPF_PROG(dctcp_bpf_ssthresh, struct sock *sk) { return dctcp_ssthresh(sk); }

SEC("struct_ops/cong_avoid")
void BPF_PROG(dctcp_bpf_cong_avoid, struct sock *sk, __u32 ack, __u32 acked)
{
	__sync_fetch_and_add(&cong_avoids, 1);
	tcp_reno_cong_avoid(sk, ack, acked);
}

SEC("struct_ops/undo_cwnd")
__u32 BPF_PROG(dctcp_bpf_undo_cwnd, struct sock *sk) { return dctcp_cwnd_undo(sk); }

SEC(".struct_ops.link")
struct tcp_congestion_ops rawops_dctcp = {
	.init = (void *)dctcp_bpf_init,
	.ssthresh = (void *)dctcp_bpf_ssthresh,
	.cong_avoid = (void *)dctcp_bpf_cong_avoid,
	.undo_cwnd = (void *)dctcp_bpf_undo_cwnd,
	.name = "rawops_dctcp",
};
