// SPDX-License-Identifier: GPL-2.0
/* A program type rawops does not load (XDP) beside a struct_ops variable:
 * refused with the section's name, never skipped. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

SEC("struct_ops/init")
void BPF_PROG(xdp_obj_init, struct sock *sk) {}

SEC("xdp")
int pass_all(struct xdp_md *ctx) { return XDP_PASS; }

SEC(".struct_ops.link")
struct tcp_congestion_ops rawops_xdp = {
	.init = (void *)xdp_obj_init,
	.name = "rawops_xdp",
};
