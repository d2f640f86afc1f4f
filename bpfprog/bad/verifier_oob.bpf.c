// SPDX-License-Identifier: GPL-2.0
/* BAD on purpose: the verifier rejects test_1, which indexes an 8-entry .bss
 * array with a value that may reach 15 ("invalid access to map value").
 * Loading must fail at BPF_PROG_LOAD of 'test_1' with EACCES and the
 * verifier log naming the access. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

__u64 table[8];

SEC("struct_ops/test_1")
int BPF_PROG(test_1, struct bpf_dummy_ops_state *state)
{
	if (!state)
		return 0;
	return table[state->val & 15];
}

SEC(".struct_ops")
struct bpf_dummy_ops bad_oob = {
	.test_1 = (void *)test_1,
};
