// SPDX-License-Identifier: GPL-2.0
/*
 * Tracing programs and typed kernel variables, for the 6.12 guest (the host
 * kernel refuses fentry loads and has no CONFIG_KALLSYMS_ALL, which typed
 * __ksym variables need):
 *
 *   fentry/do_unlinkat, fexit/do_unlinkat   count calls, record the return value
 *   runqueues (vmlinux VAR)                  read through bpf_this_cpu_ptr()
 *   bpf_testmod_percpu_magic (module VAR)    the same, with the module's BTF fd in
 *                                            the ld_imm64 (BPF_PSEUDO_BTF_ID)
 *   CONFIG_HZ (.kconfig)                     from /boot/config-$(uname -r)
 *   ?kretprobe/do_unlinkat                   autoload off: never loaded
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "compat.h"

char _license[] SEC("license") = "GPL";

extern const struct rq runqueues __ksym __weak;  /* weak: bpf_ksym_exists() wants it so */
extern const __u64 bpf_testmod_percpu_magic __ksym;
extern const int rawops_absent_typed_var __ksym __weak;
extern int CONFIG_HZ __kconfig;

struct tracing_seen {
	__u64 entries;
	__u64 exits;
	__s64 last_ret;
	__u64 rq_cpu;          /* runqueues.cpu of the CPU we ran on */
	__u64 cpu;             /* bpf_get_smp_processor_id() */
	__u64 module_magic;    /* the module's per-CPU variable */
	__u64 absent_addr;     /* &rawops_absent_typed_var: 0 */
	__u64 hz;
	__u64 never;
	__u64 runqueues_exists;  /* bpf_ksym_exists(&runqueues) */
};
struct tracing_seen seen;  /* .bss */

SEC("fentry/do_unlinkat")
int BPF_PROG(unlink_entry, int dfd, struct filename *name)
{
	const struct rq *rq = bpf_this_cpu_ptr(&runqueues);
	const __u64 *magic = bpf_this_cpu_ptr(&bpf_testmod_percpu_magic);

	seen.rq_cpu = rq->cpu;
	seen.cpu = bpf_get_smp_processor_id();
	seen.module_magic = *magic;
	seen.absent_addr = (__u64)&rawops_absent_typed_var;
	seen.hz = CONFIG_HZ;
	seen.runqueues_exists = bpf_ksym_exists(&runqueues);
	__sync_fetch_and_add(&seen.entries, 1);
	return 0;
}

SEC("fexit/do_unlinkat")
int BPF_PROG(unlink_exit, int dfd, struct filename *name, int ret)
{
	seen.last_ret = ret;
	__sync_fetch_and_add(&seen.exits, 1);
	return 0;
}

SEC("?kretprobe/do_unlinkat")
int unlink_never(void *ctx)
{
	seen.never++;
	return 0;
}
