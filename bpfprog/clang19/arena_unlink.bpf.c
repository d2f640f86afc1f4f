// SPDX-License-Identifier: GPL-2.0
/*
 * `__arena` globals in the guest (the host kernel refuses ARENA maps): a
 * kprobe on do_unlinkat records the arena variable it reads, then bumps it.
 * The first unlink sees the initial value the loader copied into the arena
 * (7), the second sees 7 + 5: the memory is the arena's, kept between runs.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char _license[] SEC("license") = "GPL";

#define __arena __attribute__((address_space(1)))

struct {
	__uint(type, BPF_MAP_TYPE_ARENA);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
} arena SEC(".maps");

__u64 __arena arena_value = 7;
__u64 first_seen, last_seen, calls;  /* .bss */

SEC("kprobe/do_unlinkat")
int arena_on_unlink(void *ctx)
{
	__u64 v = arena_value;

	if (calls == 0)
		first_seen = v;
	last_seen = v;
	arena_value = v + 5;
	calls++;
	return 0;
}
