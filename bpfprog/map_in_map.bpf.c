// SPDX-License-Identifier: GPL-2.0
/*
 * Map-in-map as libbpf defines it: `outer` is an ARRAY_OF_MAPS whose values
 * are maps like `struct inner_def`, with slots 0 and 2 filled at load time
 * (`.values = { [0] = &inner_a, [2] = &inner_b }`). The syscall program adds
 * 1 through slot 0 and 10 through slot 2, and counts the empty slot 1.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char _license[] SEC("license") = "GPL";

struct inner_def {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
};

struct inner_def inner_a SEC(".maps"), inner_b SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 4);
	__type(key, __u32);
	__array(values, struct inner_def);
} outer SEC(".maps") = {
	.values = { [0] = &inner_a, [2] = &inner_b },
};

__u64 empty_slots;

static void add_through(__u32 slot, __u64 n)
{
	__u32 zero = 0;
	void *inner = bpf_map_lookup_elem(&outer, &slot);
	__u64 *v;

	if (!inner) {
		empty_slots++;
		return;
	}
	v = bpf_map_lookup_elem(inner, &zero);
	if (v)
		__sync_fetch_and_add(v, n);
}

SEC("syscall")
int through_outer(void *ctx)
{
	add_through(0, 1);
	add_through(1, 100);
	add_through(2, 10);
	return 0;
}
