// SPDX-License-Identifier: GPL-2.0
/* BAD on purpose: a struct_ops variable of a type no kernel has. The loader
 * must fail before any bpf() call, naming the type: there is no
 * bpf_struct_ops_rawops_no_such_ops in vmlinux or module BTF. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

struct rawops_no_such_ops {
	int (*run)(struct sock *sk);
	char name[16];
};

SEC("struct_ops/run")
int BPF_PROG(no_such_run, struct sock *sk)
{
	return 0;
}

SEC(".struct_ops.link")
struct rawops_no_such_ops no_such_ops = {
	.run = (void *)no_such_run,
	.name = "rawops_bad",
};
