// SPDX-License-Identifier: GPL-2.0
/* A struct_ops program that no struct_ops variable refers to: libbpf refuses
 * the object ("isn't referenced anywhere, did you forget to use it?"). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

SEC("struct_ops/init")
void BPF_PROG(used_init, struct sock *sk) {}

SEC("struct_ops/cwnd_event")
void BPF_PROG(forgotten_cwnd_event, struct sock *sk, enum tcp_ca_event ev) {}

SEC(".struct_ops.link")
struct tcp_congestion_ops rawops_unref = {
	.init = (void *)used_init,
	.name = "rawops_unref",
};
