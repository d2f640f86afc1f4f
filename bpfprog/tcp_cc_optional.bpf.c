// SPDX-License-Identifier: GPL-2.0
/*
 * Optional parts as libbpf defines them:
 *   rawops_opt_a  SEC(".struct_ops.link"): created by default
 *   rawops_opt_b  SEC("?.struct_ops.link"): created only when asked for
 *                 (libbpf: bpf_map__set_autocreate; rawops: --map rawops_opt_b)
 * Programs follow the maps (libbpf's struct_ops autoload rule): opt_b_init
 * is used only by rawops_opt_b, so it is loaded only when that map is;
 * shared_cong_avoid serves both.
 */
#define BPF_NO_KFUNC_PROTOTYPES
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

extern __u32 tcp_reno_ssthresh(struct sock *sk) __ksym;
extern void tcp_reno_cong_avoid(struct sock *sk, __u32 ack, __u32 acked) __ksym;
extern __u32 tcp_reno_undo_cwnd(struct sock *sk) __ksym;

__u64 a_inits, b_inits, cong_avoids;  /* .bss */

SEC("struct_ops/init")
void BPF_PROG(opt_a_init, struct sock *sk) { __sync_fetch_and_add(&a_inits, 1); }

SEC("struct_ops/init")
void BPF_PROG(opt_b_init, struct sock *sk) { __sync_fetch_and_add(&b_inits, 1); }

SEC("struct_ops/ssthresh")
__u32 BPF_PROG(shared_ssthresh, struct sock *sk) { return tcp_reno_ssthresh(sk); }

SEC("struct_ops/cong_avoid")
void BPF_PROG(shared_cong_avoid, struct sock *sk, __u32 ack, __u32 acked)
{
	__sync_fetch_and_add(&cong_avoids, 1);
	tcp_reno_cong_avoid(sk, ack, acked);
}

SEC("struct_ops/undo_cwnd")
__u32 BPF_PROG(shared_undo_cwnd, struct sock *sk) { return tcp_reno_undo_cwnd(sk); }

SEC(".struct_ops.link")
struct tcp_congestion_ops rawops_opt_a = {
	.init = (void *)opt_a_init,
	.ssthresh = (void *)shared_ssthresh,
	.cong_avoid = (void *)shared_cong_avoid,
	.undo_cwnd = (void *)shared_undo_cwnd,
	.name = "rawops_opt_a",
};

SEC("?.struct_ops.link")
struct tcp_congestion_ops rawops_opt_b = {
	.init = (void *)opt_b_init,
	.ssthresh = (void *)shared_ssthresh,
	.cong_avoid = (void *)shared_cong_avoid,
	.undo_cwnd = (void *)shared_undo_cwnd,
	.name = "rawops_opt_b",
};
