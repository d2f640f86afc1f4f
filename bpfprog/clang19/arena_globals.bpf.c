// SPDX-License-Identifier: GPL-2.0
/*
 * `__arena` globals, as sched_ext's libraries use them: variables in
 * address space 1 live in section .addr_space.1, and the loader puts their
 * initial values into the object's BPF_MAP_TYPE_ARENA map, which user space
 * shares by mmap. The syscall program bumps them; the test reads the arena
 * through the loader's own mapping. Built with clang-19 (bpfprog/rules.mk).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char _license[] SEC("license") = "GPL";

#define __arena __attribute__((address_space(1)))

struct {
	__uint(type, BPF_MAP_TYPE_ARENA);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 4); /* pages */
} arena SEC(".maps");

__u64 __arena arena_counter = 40;
__u64 __arena arena_slots[4] = {1, 2, 3, 4};
__u64 runs;  /* .bss */

SEC("syscall")
int arena_bump(void *ctx)
{
	int i;

	arena_counter += 2;
	for (i = 0; i < 4; i++)
		arena_slots[i] *= 10;
	runs++;
	return 0;
}
