/* SPDX-License-Identifier: GPL-2.0 */
/* The seed tutorial's BPF implementation of bpf_testmod_ops, shared by
 * testmod_ops.bpf.c (.struct_ops) and testmod_ops_link.bpf.c
 * (.struct_ops.link); the includer defines TESTMOD_SEC. */
#define BPF_NO_KFUNC_PROTOTYPES
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "bpf_testmod.h"

char _license[] SEC("license") = "GPL";

SEC("struct_ops/test_1")
int BPF_PROG(bpf_testmod_test_1)
{
	return 42;
}

/* a + b, checked through the module's kfunc (a + b + 0 + 0). */
SEC("struct_ops/test_2")
int BPF_PROG(bpf_testmod_test_2, int a, int b)
{
	return (int)bpf_kfunc_call_test(a, b, 0, 0);
}

SEC("struct_ops/test_3")
int BPF_PROG(bpf_testmod_test_3, const char *buf, int len)
{
	char read_buf[64] = {};
	__u32 n = len < (int)sizeof(read_buf) ? len : (int)sizeof(read_buf) - 1;

	/* The verifier wants the size provably within the buffer. clang knows
	 * n < 64 already and would drop a mask, so hide n from it first. */
	asm volatile("" : "+r"(n));
	n &= sizeof(read_buf) - 1;
	if (buf && n)
		bpf_probe_read_kernel(read_buf, n, buf);
	return len;
}

SEC(TESTMOD_SEC)
struct bpf_testmod_ops testmod_ops = {
	.test_1 = (void *)bpf_testmod_test_1,
	.test_2 = (void *)bpf_testmod_test_2,
	.test_3 = (void *)bpf_testmod_test_3,
};
