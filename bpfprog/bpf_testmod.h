/* SPDX-License-Identifier: GPL-2.0 */
/* The struct_ops types of kmod/bpf_testmod.c, as BPF programs see them. The
 * layout is ours, so it is written here rather than generated from the
 * module's BTF; the loader matches members by name against the module's BTF
 * anyway. preserve_access_index makes field accesses CO-RE relocations. */
#ifndef RAWOPS_BPF_TESTMOD_H
#define RAWOPS_BPF_TESTMOD_H

struct bpf_testmod_ops {
	int (*test_1)(void);
	int (*test_2)(int a, int b);
	int (*test_3)(const char *buf, int len);
} __attribute__((preserve_access_index));

struct bpf_testmod_arg {
	int value;
} __attribute__((preserve_access_index));

struct bpf_testmod_named_ops {
	int (*run)(struct bpf_testmod_arg *arg);
	int (*noop)(void);
	char name[16];
	__u32 flags;
} __attribute__((preserve_access_index));

/* The module's kfunc: a + b + c + d. */
extern __u64 bpf_kfunc_call_test(__u32 a, __u64 b, __u32 c, __u64 d) __ksym;

#endif
