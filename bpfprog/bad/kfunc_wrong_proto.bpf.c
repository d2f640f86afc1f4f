// SPDX-License-Identifier: GPL-2.0
/* A strong kfunc declared with a prototype the kernel's does not match
 * (tcp_reno_ssthresh takes one argument): refused, naming both prototypes. */
#define BPF_NO_KFUNC_PROTOTYPES
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

extern __u32 tcp_reno_ssthresh(struct sock *sk, int extra) __ksym;

SEC("struct_ops/ssthresh")
__u32 BPF_PROG(wrong_ssthresh, struct sock *sk) { return tcp_reno_ssthresh(sk, 1); }

SEC(".struct_ops.link")
struct tcp_congestion_ops rawops_wrong = {
	.ssthresh = (void *)wrong_ssthresh,
	.name = "rawops_wrong",
};
