// SPDX-License-Identifier: GPL-2.0
/* bpf_testmod_named_ops: data members (name, flags) the module's init_member
 * copies, `run` with a nullable argument, `noop` left NULL on purpose. */
#define BPF_NO_KFUNC_PROTOTYPES
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "bpf_testmod.h"

char _license[] SEC("license") = "GPL";

SEC("struct_ops/run")
int BPF_PROG(named_run, struct bpf_testmod_arg *arg)
{
	if (!arg)  /* __nullable: the verifier insists on this check */
		return -1;
	return arg->value;
}

SEC(".struct_ops.link")
struct bpf_testmod_named_ops named_ops = {
	.run = (void *)named_run,
	.name = "rawops_demo",
	.flags = 1,
};
