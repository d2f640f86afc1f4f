// SPDX-License-Identifier: GPL-2.0
/*
 * "rawops_ext": a congestion control (the kernel's Reno, called as kfuncs)
 * whose init callback records every kind of extern libbpf resolves, and whose
 * cong_avoid runs callbacks, so a TCP connection shows what the loader put
 * into the program:
 *
 *   .kconfig  CONFIG_HZ (int), CONFIG_BPF_SYSCALL (bool), CONFIG_BPF_JIT
 *             (tristate), CONFIG_BPF_JIT_ALWAYS_ON (char), CONFIG_DEFAULT_HOSTNAME
 *             (char[]), CONFIG_LOG_BUF_SHIFT (u8), an absent __weak CONFIG_,
 *             LINUX_KERNEL_VERSION, LINUX_HAS_BPF_COOKIE, LINUX_HAS_SYSCALL_WRAPPER
 *   .ksyms    a typeless symbol (do_unlinkat: its /proc/kallsyms address), an
 *             absent __weak typed variable (address 0), bpf_ksym_exists() on a kfunc that exists,
 *             on one that does not, on a ___flavour name and on a __weak kfunc
 *             whose prototype differs from the kernel's (left unresolved)
 *   callbacks bpf_loop(), bpf_for_each_map_elem() and a bpf_timer callback
 *             (BPF_PSEUDO_FUNC)
 *
 * Typed kernel variables (BPF_PSEUDO_BTF_ID) need the kernel to find their
 * address in kallsyms, which the host kernel (no CONFIG_KALLSYMS_ALL) cannot:
 * kprobe_kfunc.bpf.c tests them in the 6.12 guest.
 */
#define BPF_NO_KFUNC_PROTOTYPES
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "compat.h"

char _license[] SEC("license") = "GPL";

extern int CONFIG_HZ __kconfig;
extern bool CONFIG_BPF_SYSCALL __kconfig;
extern enum libbpf_tristate CONFIG_BPF_JIT __kconfig;
extern char CONFIG_BPF_JIT_ALWAYS_ON __kconfig;
extern char CONFIG_DEFAULT_HOSTNAME[8] __kconfig;
extern __u8 CONFIG_LOG_BUF_SHIFT __kconfig;
extern int CONFIG_RAWOPS_NO_SUCH_OPTION __kconfig __weak;
extern __u32 LINUX_KERNEL_VERSION __kconfig;
extern bool LINUX_HAS_BPF_COOKIE __kconfig;
extern bool LINUX_HAS_SYSCALL_WRAPPER __kconfig;

extern const void do_unlinkat __ksym;                    /* typeless: kallsyms */
extern const int rawops_no_such_variable __ksym __weak;  /* absent: 0 */

extern __u32 tcp_reno_ssthresh(struct sock *sk) __ksym;
extern void tcp_reno_cong_avoid(struct sock *sk, __u32 ack, __u32 acked) __ksym;
extern __u32 tcp_reno_undo_cwnd(struct sock *sk) __ksym __weak;
extern __u32 rawops_no_such_kfunc(struct sock *sk) __ksym __weak;
/* A ___flavour: resolved as tcp_reno_undo_cwnd. */
extern __u32 tcp_reno_undo_cwnd___rawops(struct sock *sk) __ksym __weak;
/* tcp_reno_ssthresh takes one argument; this declaration takes two. */
extern __u32 tcp_reno_ssthresh___wrong(struct sock *sk, int extra) __ksym __weak;

struct extern_values {
	__u64 hz;
	__u64 bpf_syscall;
	__u64 bpf_jit;
	__u64 jit_always_on;
	char hostname[8];
	__u64 log_buf_shift;
	__u64 absent_config;
	__u64 kernel_version;
	__u64 has_bpf_cookie;
	__u64 has_syscall_wrapper;
	__u64 do_unlinkat_addr;
	__u64 absent_var_addr;
	__u64 kfunc_exists;        /* bpf_ksym_exists(tcp_reno_undo_cwnd) */
	__u64 absent_kfunc_exists; /* bpf_ksym_exists(rawops_no_such_kfunc) */
	__u64 flavour_exists;
	__u64 wrong_proto_exists;
	__u64 init_calls;
	__u64 loop_sum;            /* bpf_loop: 1 + 2 + ... + 10 */
	__u64 loop_calls;
	__u64 map_sum;             /* bpf_for_each_map_elem over `numbers` */
	__u64 map_elems;
	__u64 cong_avoid_calls;
	__u64 undo_via_flavour;
	__u64 timer_fired;
	__u64 timer_started;       /* bpf_timer_start()'s return + 1 */
	__u64 absent_var_exists;   /* bpf_ksym_exists(&rawops_no_such_variable) */
};

struct extern_values values;  /* .bss */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 4);
	__type(key, __u32);
	__type(value, __u64);
} numbers SEC(".maps");

struct timer_elem {
	struct bpf_timer timer;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct timer_elem);
} timers SEC(".maps");

SEC("struct_ops/init")
void BPF_PROG(ext_init, struct sock *sk)
{
	int i;

	values.hz = CONFIG_HZ;
	values.bpf_syscall = CONFIG_BPF_SYSCALL;
	values.bpf_jit = CONFIG_BPF_JIT;
	values.jit_always_on = CONFIG_BPF_JIT_ALWAYS_ON;
	for (i = 0; i < 8; i++)
		values.hostname[i] = CONFIG_DEFAULT_HOSTNAME[i];
	values.log_buf_shift = CONFIG_LOG_BUF_SHIFT;
	values.absent_config = CONFIG_RAWOPS_NO_SUCH_OPTION;
	values.kernel_version = LINUX_KERNEL_VERSION;
	values.has_bpf_cookie = LINUX_HAS_BPF_COOKIE;
	values.has_syscall_wrapper = LINUX_HAS_SYSCALL_WRAPPER;

	values.do_unlinkat_addr = (__u64)&do_unlinkat;
	values.absent_var_addr = (__u64)&rawops_no_such_variable;
	values.absent_var_exists = bpf_ksym_exists(&rawops_no_such_variable);

	values.kfunc_exists = bpf_ksym_exists(tcp_reno_undo_cwnd);
	values.absent_kfunc_exists = bpf_ksym_exists(rawops_no_such_kfunc);
	values.flavour_exists = bpf_ksym_exists(tcp_reno_undo_cwnd___rawops);
	values.wrong_proto_exists = bpf_ksym_exists(tcp_reno_ssthresh___wrong);
	__sync_fetch_and_add(&values.init_calls, 1);
}

static long add_index(__u32 index, void *ctx)
{
	*(__u64 *)ctx += index + 1;
	return 0;
}

static long add_elem(struct bpf_map *map, __u32 *key, __u64 *value, void *ctx)
{
	*(__u64 *)ctx += *value;
	__sync_fetch_and_add(&values.map_elems, 1);
	return 0;
}

static int timer_fired(void *map, __u32 *key, struct timer_elem *elem)
{
	__sync_fetch_and_add(&values.timer_fired, 1);
	return 0;
}

SEC("struct_ops/cong_avoid")
void BPF_PROG(ext_cong_avoid, struct sock *sk, __u32 ack, __u32 acked)
{
	__u64 sum = 0, msum = 0;
	long n;

	if (__sync_fetch_and_add(&values.cong_avoid_calls, 1) == 0) {
		n = bpf_loop(10, add_index, &sum, 0);
		values.loop_sum = sum;
		values.loop_calls = n;
		bpf_for_each_map_elem(&numbers, add_elem, &msum, 0);
		values.map_sum = msum;

		__u32 zero = 0;
		struct timer_elem *t = bpf_map_lookup_elem(&timers, &zero);
		if (t) {
			bpf_timer_init(&t->timer, &timers, 1 /* CLOCK_MONOTONIC */);
			bpf_timer_set_callback(&t->timer, timer_fired);
			values.timer_started = bpf_timer_start(&t->timer, 1000 /* ns */, 0) + 1;
		}
	}
	tcp_reno_cong_avoid(sk, ack, acked);
}

SEC("struct_ops/ssthresh")
__u32 BPF_PROG(ext_ssthresh, struct sock *sk)
{
	if (bpf_ksym_exists(rawops_no_such_kfunc))
		return rawops_no_such_kfunc(sk);  /* poisoned, and dead code */
	if (bpf_ksym_exists(tcp_reno_ssthresh___wrong))
		return tcp_reno_ssthresh___wrong(sk, 1);  /* poisoned, and dead code */
	return tcp_reno_ssthresh(sk);
}

SEC("struct_ops/undo_cwnd")
__u32 BPF_PROG(ext_undo_cwnd, struct sock *sk)
{
	__sync_fetch_and_add(&values.undo_via_flavour, 1);
	if (bpf_ksym_exists(tcp_reno_undo_cwnd___rawops))
		return tcp_reno_undo_cwnd___rawops(sk);
	return 2;
}

SEC(".struct_ops.link")
struct tcp_congestion_ops rawops_ext = {
	.init = (void *)ext_init,
	.ssthresh = (void *)ext_ssthresh,
	.cong_avoid = (void *)ext_cong_avoid,
	.undo_cwnd = (void *)ext_undo_cwnd,
	.name = "rawops_ext",
};
