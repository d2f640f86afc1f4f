// SPDX-License-Identifier: GPL-2.0
/*
 * Programs for the kernel's test-only struct_ops type bpf_dummy_ops
 * (net/bpf/bpf_dummy_struct_ops.c). Registering a bpf_dummy_ops map always
 * fails (EOPNOTSUPP); its programs are loaded and then run one at a time with
 * BPF_PROG_TEST_RUN, whose ctx_in is the callback's arguments as an array of
 * u64: args[0] is a user pointer to a struct bpf_dummy_ops_state (0 passes
 * NULL), which the kernel copies in before and back out after the call.
 *
 * What a test can check:
 *   test_1(state)            returns the old state->val and sets it to 0x5a;
 *                            with state == NULL returns 0xf2f3f4f5 (the kernel
 *                            marks this argument nullable, so the NULL check
 *                            is required by the verifier)
 *   test_2(state, a1..a4)    stores its arguments in test_2_args[] (.bss),
 *                            sets state->val = a1, returns a1 + a2 + a3 + a4
 *   test_sleepable(state)    a struct_ops.s program (BPF_F_SLEEPABLE); returns
 *                            state->val + 1
 * Every call is counted in dummy_calls (.bss).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

struct dummy_call_counts {
	__u64 test_1;
	__u64 test_2;
	__u64 test_sleepable;
};

struct dummy_call_counts dummy_calls;   /* .bss */
__u64 test_2_args[5];                   /* .bss: state pointer, a1, a2, a3, a4 */
const volatile int test_1_null_result = 0xf2f3f4f5;  /* .rodata */

SEC("struct_ops/test_1")
int BPF_PROG(test_1, struct bpf_dummy_ops_state *state)
{
	int old;

	__sync_fetch_and_add(&dummy_calls.test_1, 1);
	if (!state)
		return test_1_null_result;
	old = state->val;
	state->val = 0x5a;
	return old;
}

SEC("struct_ops/test_2")
int BPF_PROG(test_2, struct bpf_dummy_ops_state *state, int a1, unsigned short a2,
	     char a3, unsigned long a4)
{
	__sync_fetch_and_add(&dummy_calls.test_2, 1);
	test_2_args[0] = (unsigned long)state;
	test_2_args[1] = a1;
	test_2_args[2] = a2;
	test_2_args[3] = a3;
	test_2_args[4] = a4;
	if (state)
		state->val = a1;
	return a1 + a2 + a3 + (int)a4;
}

SEC("struct_ops.s/test_sleepable")
int BPF_PROG(test_sleepable, struct bpf_dummy_ops_state *state)
{
	__sync_fetch_and_add(&dummy_calls.test_sleepable, 1);
	return state ? state->val + 1 : -1;
}

SEC(".struct_ops")
struct bpf_dummy_ops dummy_ops = {
	.test_1 = (void *)test_1,
	.test_2 = (void *)test_2,
	.test_sleepable = (void *)test_sleepable,
};
