// SPDX-License-Identifier: GPL-2.0
/*
 * rawops_vtime: a weighted virtual-time scheduler with one dispatch queue
 * per CPU. Each task's vtime advances by its run time scaled by 100/weight;
 * enqueue puts it in the queue of the CPU it last ran on, ordered by vtime;
 * a CPU takes from its own queue first, then from the others. A task never
 * falls further behind than one slice (so a sleeper cannot hoard credit).
 * .bss counts local and stolen dispatches. 7.3 guest (tests/vm73/build.sh).
 */
#include <scx/common.bpf.h>

char _license[] SEC("license") = "GPL";

#define MAX_CPUS 64

u64 vtime_now;
u64 local_dispatches, stolen_dispatches, enqueues;
UEI_DEFINE(uei);

static u64 cpu_dsq(s32 cpu) { return 0x2000 + (u64)cpu; }

void BPF_STRUCT_OPS(vtime_enqueue, struct task_struct *p, u64 enq_flags)
{
	u64 vtime = p->scx.dsq_vtime;
	s32 cpu = scx_bpf_task_cpu(p);

	if (time_before(vtime, vtime_now - SCX_SLICE_DFL))
		vtime = vtime_now - SCX_SLICE_DFL;
	if (cpu < 0 || cpu >= MAX_CPUS)
		cpu = 0;
	__sync_fetch_and_add(&enqueues, 1);
	scx_bpf_dsq_insert_vtime(p, cpu_dsq(cpu), SCX_SLICE_DFL, vtime, enq_flags);
}

void BPF_STRUCT_OPS(vtime_dispatch, s32 cpu, struct task_struct *prev)
{
	u32 n = scx_bpf_nr_cpu_ids(), i;

	if (scx_bpf_dsq_move_to_local(cpu_dsq(cpu), 0)) {
		__sync_fetch_and_add(&local_dispatches, 1);
		return;
	}
	bpf_for(i, 0, n) {
		if (i >= MAX_CPUS)
			break;
		if (i != (u32)cpu && scx_bpf_dsq_move_to_local(cpu_dsq(i), 0)) {
			__sync_fetch_and_add(&stolen_dispatches, 1);
			return;
		}
	}
}

void BPF_STRUCT_OPS(vtime_running, struct task_struct *p)
{
	if (time_before(vtime_now, p->scx.dsq_vtime))
		vtime_now = p->scx.dsq_vtime;
}

void BPF_STRUCT_OPS(vtime_stopping, struct task_struct *p, bool runnable)
{
	p->scx.dsq_vtime += (SCX_SLICE_DFL - p->scx.slice) * 100 / p->scx.weight;
}

void BPF_STRUCT_OPS(vtime_enable, struct task_struct *p)
{
	p->scx.dsq_vtime = vtime_now;
}

s32 BPF_STRUCT_OPS_SLEEPABLE(vtime_init)
{
	u32 n = scx_bpf_nr_cpu_ids(), i;
	s32 err;

	bpf_for(i, 0, n) {
		if (i >= MAX_CPUS)
			break;
		err = scx_bpf_create_dsq(cpu_dsq(i), -1);
		if (err)
			return err;
	}
	return 0;
}

void BPF_STRUCT_OPS(vtime_exit, struct scx_exit_info *ei)
{
	UEI_RECORD(uei, ei);
}

SCX_OPS_DEFINE(rawops_vtime_ops,
	       .enqueue  = (void *)vtime_enqueue,
	       .dispatch = (void *)vtime_dispatch,
	       .running  = (void *)vtime_running,
	       .stopping = (void *)vtime_stopping,
	       .enable   = (void *)vtime_enable,
	       .init     = (void *)vtime_init,
	       .exit     = (void *)vtime_exit,
	       .name     = "rawops_vtime");
