// SPDX-License-Identifier: GPL-2.0
/* Two congestion controls in one object ("rawops_m1", "rawops_m2", legacy
 * .struct_ops), sharing their Reno callbacks (kernel kfuncs), each with its
 * own init; the two init programs sit in one bare SEC("struct_ops") section.
 * init uses BTF-defined maps of four kinds:
 *   settings  ARRAY        user space writes [0]; init stores [0] + id in [id]
 *   seen      HASH         init counts its calls under key id
 *   per_cpu   PERCPU_ARRAY total init calls
 *   events    RINGBUF      init pushes id */
#define BPF_NO_KFUNC_PROTOTYPES
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

extern __u32 tcp_reno_ssthresh(struct sock *sk) __ksym;
extern void tcp_reno_cong_avoid(struct sock *sk, __u32 ack, __u32 acked) __ksym;
extern __u32 tcp_reno_undo_cwnd(struct sock *sk) __ksym;

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} settings SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16);
	__type(key, __u32);
	__type(value, __u64);
} seen SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} per_cpu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

static __always_inline void record(__u32 id)
{
	__u32 zero = 0;
	__u64 one = 1, *count, *setting, *pc, echo;

	count = bpf_map_lookup_elem(&seen, &id);
	if (count)
		__sync_fetch_and_add(count, 1);
	else
		bpf_map_update_elem(&seen, &id, &one, BPF_NOEXIST);
	pc = bpf_map_lookup_elem(&per_cpu, &zero);
	if (pc)
		*pc += 1;
	bpf_ringbuf_output(&events, &id, sizeof(id), 0);
	setting = bpf_map_lookup_elem(&settings, &zero);
	echo = (setting ? *setting : 0) + id;
	bpf_map_update_elem(&settings, &id, &echo, BPF_ANY);
}

SEC("struct_ops")
void BPF_PROG(m1_init, struct sock *sk)
{
	record(1);
}

SEC("struct_ops")
void BPF_PROG(m2_init, struct sock *sk)
{
	record(2);
}

SEC("struct_ops/ssthresh")
__u32 BPF_PROG(m_ssthresh, struct sock *sk)
{
	return tcp_reno_ssthresh(sk);
}

SEC("struct_ops/cong_avoid")
void BPF_PROG(m_cong_avoid, struct sock *sk, __u32 ack, __u32 acked)
{
	tcp_reno_cong_avoid(sk, ack, acked);
}

SEC("struct_ops/undo_cwnd")
__u32 BPF_PROG(m_undo_cwnd, struct sock *sk)
{
	return tcp_reno_undo_cwnd(sk);
}

SEC(".struct_ops")
struct tcp_congestion_ops m1 = {
	.init = (void *)m1_init,
	.ssthresh = (void *)m_ssthresh,
	.cong_avoid = (void *)m_cong_avoid,
	.undo_cwnd = (void *)m_undo_cwnd,
	.name = "rawops_m1",
};

SEC(".struct_ops")
struct tcp_congestion_ops m2 = {
	.init = (void *)m2_init,
	.ssthresh = (void *)m_ssthresh,
	.cong_avoid = (void *)m_cong_avoid,
	.undo_cwnd = (void *)m_undo_cwnd,
	.name = "rawops_m2",
};
