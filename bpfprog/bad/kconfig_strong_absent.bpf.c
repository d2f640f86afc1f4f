// SPDX-License-Identifier: GPL-2.0
/* A strong .kconfig extern no kernel config sets: the load must fail naming it. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

extern int CONFIG_RAWOPS_SURELY_ABSENT __kconfig;
int seen;

SEC("struct_ops/init")
void BPF_PROG(kcfg_init, struct sock *sk) { seen = CONFIG_RAWOPS_SURELY_ABSENT; }

SEC(".struct_ops.link")
struct tcp_congestion_ops rawops_kcfg = {
	.init = (void *)kcfg_init,
	.name = "rawops_kcfg",
};
