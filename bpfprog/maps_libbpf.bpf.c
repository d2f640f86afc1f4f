// SPDX-License-Identifier: GPL-2.0
/*
 * Maps the way libbpf makes them:
 *   jobs, undo      QUEUE and STACK maps: created without BTF, as libbpf does
 *                   (the kernel refuses BTF for them)
 *   events          a ring buffer of 5000 bytes: rounded up to a power-of-2
 *                   number of pages (libbpf's adjust_ringbuf_sz)
 *   shared_counts   __uint(pinning, LIBBPF_PIN_BY_NAME): pinned under the pin
 *                   root and reused by the next load
 *   .bss/.rodata    BPF_F_MMAPABLE: user space reads and writes them directly
 * The syscall program `maps_run` pushes and pops, counts in shared_counts,
 * and copies `input` (.bss, set through the mmap) to `output`.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char _license[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_QUEUE);
	__uint(max_entries, 8);
	__type(value, __u32);
} jobs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_STACK);
	__uint(max_entries, 8);
	__type(value, __u32);
} undo SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 5000);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} shared_counts SEC(".maps");

const volatile __u64 ro_magic = 0x5eed;
__u64 input, output, popped_queue, popped_stack, runs;

SEC("syscall")
int maps_run(void *ctx)
{
	__u32 zero = 0, a = 1, b = 2, v = 0;
	__u64 *count;

	bpf_map_push_elem(&jobs, &a, 0);
	bpf_map_push_elem(&jobs, &b, 0);
	if (bpf_map_pop_elem(&jobs, &v) == 0)
		popped_queue = v;   /* FIFO: 1 */
	bpf_map_push_elem(&undo, &a, 0);
	bpf_map_push_elem(&undo, &b, 0);
	if (bpf_map_pop_elem(&undo, &v) == 0)
		popped_stack = v;   /* LIFO: 2 */
	count = bpf_map_lookup_elem(&shared_counts, &zero);
	if (count)
		__sync_fetch_and_add(count, 1);
	output = input + ro_magic;
	runs++;
	return 0;
}
