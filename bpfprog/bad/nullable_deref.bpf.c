// SPDX-License-Identifier: GPL-2.0
/* BAD on purpose: bpf_dummy_ops.test_1's state argument is nullable (the
 * kernel's stub names it cb__nullable) and this program reads it without a
 * NULL check. The verifier rejects it ("invalid mem access
 * 'trusted_ptr_or_null_'"), showing that argument types come from the kernel's
 * struct member, found through attach_btf_id + expected_attach_type. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

SEC("struct_ops/test_1")
int BPF_PROG(test_1, struct bpf_dummy_ops_state *state)
{
	return state->val;
}

SEC(".struct_ops")
struct bpf_dummy_ops bad_nullable = {
	.test_1 = (void *)test_1,
};
