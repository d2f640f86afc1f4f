// SPDX-License-Identifier: GPL-2.0
/*
 * Two `.data.*` sections whose names share their first 15 characters: the
 * kernel labels both maps ".data.counters_" (libbpf's internal_map_name cuts
 * there too), so a loader that keys maps by that label hands one map to both
 * variables. The syscall program returns what it reads from each and adds
 * its argument to the second.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char _license[] SEC("license") = "GPL";

__u64 counters_first SEC(".data.counters_first") = 1111;
__u64 counters_second SEC(".data.counters_second") = 2222;

struct sections_args {
	__u64 add;
	__u64 first, second;  /* written back */
};

SEC("syscall")
int read_sections(struct sections_args *args)
{
	counters_second += args->add;
	args->first = counters_first;
	args->second = counters_second;
	return 0;
}
