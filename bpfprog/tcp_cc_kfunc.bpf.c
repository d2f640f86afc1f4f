// SPDX-License-Identifier: GPL-2.0
/* "rawops_kfunc": a congestion control whose callbacks are the kernel's own
 * Reno, called as kfuncs (tcp_reno_ssthresh, tcp_reno_cong_avoid,
 * tcp_reno_undo_cwnd are in the kernel's bpf_tcp_ca kfunc set). It exercises
 * kfunc relocation on a kernel without modules: `extern ... __ksym` becomes
 * BPF_PSEUDO_KFUNC_CALL with the FUNC's vmlinux BTF id.
 * vmlinux.h declares every kfunc `__weak __ksym` (as bpftool's does); the
 * externs below are meant strong (a missing kfunc must fail the load), so
 * its declarations are turned off. */
#define BPF_NO_KFUNC_PROTOTYPES
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

extern __u32 tcp_reno_ssthresh(struct sock *sk) __ksym;
extern void tcp_reno_cong_avoid(struct sock *sk, __u32 ack, __u32 acked) __ksym;
extern __u32 tcp_reno_undo_cwnd(struct sock *sk) __ksym;

__u64 kfunc_calls;  /* .bss: callbacks that went through a kfunc */

SEC("struct_ops/ssthresh")
__u32 BPF_PROG(kf_ssthresh, struct sock *sk)
{
	__sync_fetch_and_add(&kfunc_calls, 1);
	return tcp_reno_ssthresh(sk);
}

SEC("struct_ops/cong_avoid")
void BPF_PROG(kf_cong_avoid, struct sock *sk, __u32 ack, __u32 acked)
{
	__sync_fetch_and_add(&kfunc_calls, 1);
	tcp_reno_cong_avoid(sk, ack, acked);
}

SEC("struct_ops/undo_cwnd")
__u32 BPF_PROG(kf_undo_cwnd, struct sock *sk)
{
	__sync_fetch_and_add(&kfunc_calls, 1);
	return tcp_reno_undo_cwnd(sk);
}

SEC(".struct_ops.link")
struct tcp_congestion_ops rawops_kfunc = {
	.ssthresh = (void *)kf_ssthresh,
	.cong_avoid = (void *)kf_cong_avoid,
	.undo_cwnd = (void *)kf_undo_cwnd,
	.name = "rawops_kfunc",
};
