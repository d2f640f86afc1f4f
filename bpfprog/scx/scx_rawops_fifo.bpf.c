// SPDX-License-Identifier: GPL-2.0
/*
 * rawops_fifo: a global-FIFO sched_ext scheduler of our own, using what a
 * real scheduler needs from its loader:
 *   - a dispatch queue created in ops.init (scx_bpf_create_dsq);
 *   - a .rodata knob, slice_ns (0: the kernel's SCX_SLICE_DFL, an __SCX_*
 *     constant the sched_ext profile fills), set with --set slice_ns=N;
 *   - statistics in .bss: enqueued, dispatched, and the slice in effect;
 *   - exit information (UEI) recorded in ops.exit.
 * Built against the 7.3 kernel's vmlinux.h by tests/vm73/build.sh.
 */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

#define FIFO_DSQ 0x1000

const volatile u64 slice_ns;  /* 0: SCX_SLICE_DFL */

struct fifo_stats {
	u64 enqueued;
	u64 dispatched;
	u64 slice;      /* the slice enqueue used */
};
struct fifo_stats stats;

UEI_DEFINE(uei);

void BPF_STRUCT_OPS(fifo_enqueue, struct task_struct *p, u64 enq_flags)
{
	u64 slice = slice_ns ?: SCX_SLICE_DFL;

	stats.slice = slice;
	__sync_fetch_and_add(&stats.enqueued, 1);
	scx_bpf_dsq_insert(p, FIFO_DSQ, slice, enq_flags);
}

void BPF_STRUCT_OPS(fifo_dispatch, s32 cpu, struct task_struct *prev)
{
	if (scx_bpf_dsq_move_to_local(FIFO_DSQ, 0))
		__sync_fetch_and_add(&stats.dispatched, 1);
}

s32 BPF_STRUCT_OPS_SLEEPABLE(fifo_init)
{
	return scx_bpf_create_dsq(FIFO_DSQ, -1);
}

void BPF_STRUCT_OPS(fifo_exit, struct scx_exit_info *ei)
{
	UEI_RECORD(uei, ei);
}

SCX_OPS_DEFINE(rawops_fifo_ops,
	       .enqueue  = (void *)fifo_enqueue,
	       .dispatch = (void *)fifo_dispatch,
	       .init     = (void *)fifo_init,
	       .exit     = (void *)fifo_exit,
	       .name     = "rawops_fifo");
