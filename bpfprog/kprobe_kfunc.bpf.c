// SPDX-License-Identifier: GPL-2.0
/*
 * The kfunc tutorial's BPF side (seeds/003): a kprobe on do_unlinkat that
 * calls the module kfunc bpf_kfunc_call_test(1, 2, 3, 4) (= 10). The tutorial
 * only printed the result with bpf_printk; it also lands in .bss so a test
 * (and `rawops map dump`) can read it. Needs kmod/bpf_testmod.ko loaded: the
 * kfunc is in the module's BTF, whose fd goes into fd_array.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "bpf_testmod.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct unlink_seen {
	__u64 calls;       /* do_unlinkat hits */
	__u64 result;      /* the kfunc's last result */
	__u64 pid;         /* who removed a file last */
};
struct unlink_seen seen;  /* .bss */

SEC("kprobe/do_unlinkat")
int handle_kprobe(void *ctx)
{
	pid_t pid = bpf_get_current_pid_tgid() >> 32;
	__u64 result = bpf_kfunc_call_test(1, 2, 3, 4);

	bpf_printk("BPF triggered do_unlinkat, PID: %d. Result: %lld\n", pid, result);
	seen.result = result;
	seen.pid = pid;
	__sync_fetch_and_add(&seen.calls, 1);
	return 0;
}
