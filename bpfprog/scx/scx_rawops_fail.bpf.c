// SPDX-License-Identifier: GPL-2.0
/*
 * rawops_fail: a scheduler that gives up on purpose. After fail_after
 * enqueues (a .rodata knob) it calls scx_bpf_error(); the kernel disables
 * it, and its exit information (UEI: kind, reason, message) tells why.
 * For the guest tests of exit reporting.
 */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

const volatile u64 fail_after = 200;
u64 enqueued;

UEI_DEFINE(uei);

void BPF_STRUCT_OPS(fail_enqueue, struct task_struct *p, u64 enq_flags)
{
	if (__sync_fetch_and_add(&enqueued, 1) + 1 == fail_after)
		scx_bpf_error("rawops_fail: deliberate failure after %llu enqueues", fail_after);
	scx_bpf_dsq_insert(p, SCX_DSQ_GLOBAL, SCX_SLICE_DFL, enq_flags);
}

void BPF_STRUCT_OPS(fail_exit, struct scx_exit_info *ei)
{
	UEI_RECORD(uei, ei);
}

SCX_OPS_DEFINE(rawops_fail_ops,
	       .enqueue = (void *)fail_enqueue,
	       .exit    = (void *)fail_exit,
	       .name    = "rawops_fail");
