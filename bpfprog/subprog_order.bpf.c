// SPDX-License-Identifier: GPL-2.0
/*
 * Subprogram placement: the entry calls first(), then second(); first()
 * calls nested(). libbpf appends depth first, in instruction order (entry,
 * first, nested, second); a breadth-first linker would give (entry, first,
 * second, nested) and a different instruction stream for the kernel. A
 * bpf_loop callback (BPF_PSEUDO_FUNC) is appended where it is first named.
 * As a `syscall` program it runs with BPF_PROG_TEST_RUN on any kernel:
 * returns first(x) + second(x) = (x + 1) * 2 + (x + 2) + loop_sum(x).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char _license[] SEC("license") = "GPL";

struct order_args {
	__u64 x;
	__u64 result;
};

static __noinline __u64 nested(__u64 v) { return v * 2; }
static __noinline __u64 first(__u64 v) { return nested(v + 1); }
static __noinline __u64 second(__u64 v) { return v + 2; }

static long add_index(__u32 index, void *ctx)
{
	*(__u64 *)ctx += index;
	return 0;
}

SEC("syscall")
int order_entry(struct order_args *args)
{
	__u64 x = args->x, sum = 0;

	x = first(x) + second(x);
	bpf_loop(4, add_index, &sum, 0);  /* 0 + 1 + 2 + 3 */
	args->result = x + sum;
	return 0;
}
