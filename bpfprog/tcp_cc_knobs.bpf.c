// SPDX-License-Identifier: GPL-2.0
/*
 * What a libbpf skeleton's user changes between open and load, here changed
 * with `rawops load --set ... --resize ...` (or ObjectEdits in the library):
 *
 *   .rodata   knob_factor (u32), knob_enabled (bool), knob_mode (enum),
 *             knob_label (char[8]), nr_slots (u32)
 *   .data     knob_data (u64)
 *   .bss      knob_bss_start (u64): .bss may be given a start value too
 *   .data.slots  slots[1]: resized to nr_slots elements; init writes the
 *             last one, which the verifier only allows if the map grew
 *   .maps     knob_array, max_entries 4: resized; init writes its last slot
 *   struct_ops  rawops_knobs.name and .flags are data members
 *
 * init copies everything it sees into `seen` (.bss).
 */
#define BPF_NO_KFUNC_PROTOTYPES
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

extern __u32 tcp_reno_ssthresh(struct sock *sk) __ksym;
extern void tcp_reno_cong_avoid(struct sock *sk, __u32 ack, __u32 acked) __ksym;
extern __u32 tcp_reno_undo_cwnd(struct sock *sk) __ksym;

enum knob_mode { KNOB_SLOW = 1, KNOB_FAST = 2 };

const volatile __u32 knob_factor = 1;
const volatile bool knob_enabled = false;
const volatile enum knob_mode knob_mode = KNOB_SLOW;
const volatile char knob_label[8] = "none";
const volatile __u32 nr_slots = 1;
__u64 knob_data = 5;
__u64 knob_bss_start;
__u64 slots[1] SEC(".data.slots");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} knob_array SEC(".maps");

struct knob_seen {
	__u64 factor, enabled, mode;
	char label[8];
	__u64 data, bss_start, nr_slots, inits;
	__u64 array_write;  /* 1 if the lookup of the last slot of knob_array worked */
};
struct knob_seen seen;

SEC("struct_ops/init")
void BPF_PROG(knobs_init, struct sock *sk)
{
	__u32 last = nr_slots - 1, key = 63;
	__u64 *v;
	int i;

	seen.factor = knob_factor;
	seen.enabled = knob_enabled;
	seen.mode = knob_mode;
	for (i = 0; i < 8; i++)
		seen.label[i] = knob_label[i];
	seen.data = knob_data;
	seen.bss_start = knob_bss_start;
	seen.nr_slots = nr_slots;
	if (last < nr_slots)  /* nr_slots is a frozen constant: the verifier knows */
		slots[last] = 0x51075;
	v = bpf_map_lookup_elem(&knob_array, &key);
	if (v) {
		*v = 0xa77a7;
		seen.array_write = 1;
	}
	__sync_fetch_and_add(&seen.inits, 1);
}

SEC("struct_ops/ssthresh")
__u32 BPF_PROG(knobs_ssthresh, struct sock *sk) { return tcp_reno_ssthresh(sk); }

SEC("struct_ops/cong_avoid")
void BPF_PROG(knobs_cong_avoid, struct sock *sk, __u32 ack, __u32 acked) { tcp_reno_cong_avoid(sk, ack, acked); }

SEC("struct_ops/undo_cwnd")
__u32 BPF_PROG(knobs_undo_cwnd, struct sock *sk) { return tcp_reno_undo_cwnd(sk); }

SEC(".struct_ops.link")
struct tcp_congestion_ops rawops_knobs = {
	.init = (void *)knobs_init,
	.ssthresh = (void *)knobs_ssthresh,
	.cong_avoid = (void *)knobs_cong_avoid,
	.undo_cwnd = (void *)knobs_undo_cwnd,
	.name = "rawops_knobs",
};
