// SPDX-License-Identifier: GPL-2.0
/*
 * "rawops_mixed": a struct_ops object with the other program types real
 * schedulers and congestion controls carry beside their struct_ops:
 *
 *   tp_btf/inet_sock_set_state          counts sockets reaching TCP_ESTABLISHED
 *   syscall                             run with BPF_PROG_TEST_RUN: adds its
 *                                       context's two numbers into .bss and
 *                                       writes their product back
 *   ?fentry/tcp_v4_connect              autoload off: never loaded
 *   ?struct_ops/cwnd_event              autoload off and used by no map: never loaded
 *
 * fentry and fexit are loaded and attached in the 6.12 guest
 * (guest_tracing.bpf.c): the host kernel refuses fentry loads with EPERM.
 */
#define BPF_NO_KFUNC_PROTOTYPES
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

extern __u32 tcp_reno_ssthresh(struct sock *sk) __ksym;
extern void tcp_reno_cong_avoid(struct sock *sk, __u32 ack, __u32 acked) __ksym;
extern __u32 tcp_reno_undo_cwnd(struct sock *sk) __ksym;

struct mixed_counts {
	__u64 established;
	__u64 syscall_runs;
	__u64 syscall_sum;
	__u64 never;          /* written only by programs that must not load */
};
struct mixed_counts counts;  /* .bss */

struct syscall_args {
	__u64 a, b;
	__u64 product;        /* written by the program */
};

SEC("struct_ops/ssthresh")
__u32 BPF_PROG(mixed_ssthresh, struct sock *sk) { return tcp_reno_ssthresh(sk); }

SEC("struct_ops/cong_avoid")
void BPF_PROG(mixed_cong_avoid, struct sock *sk, __u32 ack, __u32 acked) { tcp_reno_cong_avoid(sk, ack, acked); }

SEC("struct_ops/undo_cwnd")
__u32 BPF_PROG(mixed_undo_cwnd, struct sock *sk) { return tcp_reno_undo_cwnd(sk); }

SEC("?struct_ops/cwnd_event")
void BPF_PROG(mixed_unused_op, struct sock *sk, enum tcp_ca_event ev) { counts.never++; }

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(mixed_state, const struct sock *sk, int oldstate, int newstate)
{
	if (newstate == 1 /* TCP_ESTABLISHED */)
		__sync_fetch_and_add(&counts.established, 1);
	return 0;
}

SEC("?fentry/tcp_v4_connect")
int BPF_PROG(mixed_never_loaded, struct sock *sk)
{
	counts.never++;
	return 0;
}

SEC("syscall")
int mixed_syscall(struct syscall_args *args)
{
	__sync_fetch_and_add(&counts.syscall_runs, 1);
	counts.syscall_sum = args->a + args->b;
	args->product = args->a * args->b;
	return 7;
}

SEC(".struct_ops.link")
struct tcp_congestion_ops rawops_mixed = {
	.ssthresh = (void *)mixed_ssthresh,
	.cong_avoid = (void *)mixed_cong_avoid,
	.undo_cwnd = (void *)mixed_undo_cwnd,
	.name = "rawops_mixed",
};
