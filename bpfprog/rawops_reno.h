/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A Reno congestion control as BPF struct_ops programs, shared by
 * tcp_cc.bpf.c (.struct_ops.link), tcp_cc_legacy.bpf.c (.struct_ops) and
 * tcp_cc_v2.bpf.c (a second .struct_ops.link object with the same tcp name,
 * for BPF_LINK_UPDATE). Each includer defines, before including this file:
 *
 *   RENO_SEC         ".struct_ops.link" or ".struct_ops"
 *   RENO_NAME        the tcp congestion control name (<= 15 characters)
 *   RENO_VAR         the struct_ops variable (becomes the map name)
 *   RENO_FN(x)       program name of callback x (a distinct prefix per object,
 *                    so traces and bpftool tell the objects apart)
 *   RENO_GENERATION  copied into rawops_stats.generation by init
 *
 * Besides being a correct Reno (the semantics of the kernel's
 * tcp_reno_cong_avoid / tcp_reno_ssthresh / tcp_reno_undo_cwnd), the object is
 * built to exercise every relocation path of the loader:
 *   .bss    rawops_stats: one u64 counter per callback + last values seen
 *   .data   rawops_generation (initialised, so it is not in .bss)
 *   .rodata reno_min_cwnd (const volatile: stays a load from the map)
 *   .text   a static subprogram (reno_slow_start) and a global one
 *           (rawops_reno_halve): bpf-to-bpf calls from struct_ops programs
 *   CO-RE   every tcp_sock field access (vmlinux.h uses
 *           preserve_access_index) and a bitfield read (is_cwnd_limited).
 */
#ifndef RAWOPS_RENO_H
#define RAWOPS_RENO_H

#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

/* Layout read by the tests (and by `rawops` users) from the .bss map. */
struct rawops_reno_stats {
	__u64 init;
	__u64 release;
	__u64 ssthresh;
	__u64 cong_avoid;
	__u64 set_state;
	__u64 cwnd_event;
	__u64 undo_cwnd;
	__u64 last_cwnd;      /* snd_cwnd after the last cong_avoid */
	__u64 last_ssthresh;  /* value returned by the last ssthresh */
	__u64 last_ca_state;  /* new_state of the last set_state */
	__u64 last_ca_event;  /* event of the last cwnd_event */
	__u64 generation;     /* rawops_generation seen by the last init */
};

struct rawops_reno_stats rawops_stats;             /* .bss */
__u64 rawops_generation = RENO_GENERATION;         /* .data */
const volatile __u32 reno_min_cwnd = 2;            /* .rodata: Reno's floor */

#define RENO_COUNT(field) __sync_fetch_and_add(&rawops_stats.field, 1)

/* BPF_PROG with a macro-built name (BPF_PROG pastes its first argument, so it
 * must be expanded one level up). */
#define RENO_PROG(name, args...) BPF_PROG(name, ##args)

static __always_inline struct tcp_sock *tcp_sk(const struct sock *sk)
{
	return (struct tcp_sock *)sk;
}

static __always_inline bool reno_in_slow_start(const struct tcp_sock *tp)
{
	return tp->snd_cwnd < tp->snd_ssthresh;
}

/* The kernel's tcp_is_cwnd_limited(). */
static __always_inline bool reno_cwnd_limited(const struct tcp_sock *tp)
{
	if (BPF_CORE_READ_BITFIELD(tp, is_cwnd_limited))
		return true;
	/* In slow start, let cwnd grow to twice what was in flight. */
	if (reno_in_slow_start(tp))
		return tp->snd_cwnd < 2 * tp->max_packets_out;
	return false;
}

/* The kernel's tcp_slow_start(): grow by `acked`, not past ssthresh; returns
 * the part of `acked` left over for congestion avoidance. A static .text
 * subprogram, verified in the caller's context (tp stays a trusted tcp_sock). */
static __noinline __u32 reno_slow_start(struct tcp_sock *tp, __u32 acked)
{
	__u32 cwnd = tp->snd_cwnd + acked;

	if (cwnd > tp->snd_ssthresh)
		cwnd = tp->snd_ssthresh;
	acked -= cwnd - tp->snd_cwnd;
	tp->snd_cwnd = cwnd < tp->snd_cwnd_clamp ? cwnd : tp->snd_cwnd_clamp;
	return acked;
}

/* The kernel's tcp_cong_avoid_ai(): one segment per window of acked data. */
static __always_inline void reno_cong_avoid_ai(struct tcp_sock *tp, __u32 w, __u32 acked)
{
	if (tp->snd_cwnd_cnt >= w) {
		tp->snd_cwnd_cnt = 0;
		tp->snd_cwnd = tp->snd_cwnd + 1;
	}
	tp->snd_cwnd_cnt = tp->snd_cwnd_cnt + acked;
	if (tp->snd_cwnd_cnt >= w) {
		__u32 delta = tp->snd_cwnd_cnt / w;

		tp->snd_cwnd_cnt = tp->snd_cwnd_cnt - delta * w;
		tp->snd_cwnd = tp->snd_cwnd + delta;
	}
	if (tp->snd_cwnd > tp->snd_cwnd_clamp)
		tp->snd_cwnd = tp->snd_cwnd_clamp;
}

/* Reno's multiplicative decrease, max(cwnd / 2, floor). A global .text
 * subprogram: the verifier checks it once on its own, from its BTF prototype. */
__noinline __u32 rawops_reno_halve(__u32 cwnd, __u32 floor)
{
	__u32 half = cwnd >> 1;

	return half > floor ? half : floor;
}

SEC("struct_ops/init")
void RENO_PROG(RENO_FN(init), struct sock *sk)
{
	RENO_COUNT(init);
	rawops_stats.generation = rawops_generation;
}

SEC("struct_ops/release")
void RENO_PROG(RENO_FN(release), struct sock *sk)
{
	RENO_COUNT(release);
}

SEC("struct_ops/ssthresh")
__u32 RENO_PROG(RENO_FN(ssthresh), struct sock *sk)
{
	__u32 ssthresh = rawops_reno_halve(tcp_sk(sk)->snd_cwnd, reno_min_cwnd);

	RENO_COUNT(ssthresh);
	rawops_stats.last_ssthresh = ssthresh;
	return ssthresh;
}

SEC("struct_ops/cong_avoid")
void RENO_PROG(RENO_FN(cong_avoid), struct sock *sk, __u32 ack, __u32 acked)
{
	struct tcp_sock *tp = tcp_sk(sk);

	RENO_COUNT(cong_avoid);
	if (!reno_cwnd_limited(tp))
		goto out;
	if (reno_in_slow_start(tp)) {
		acked = reno_slow_start(tp, acked);
		if (!acked)
			goto out;
	}
	reno_cong_avoid_ai(tp, tp->snd_cwnd, acked);
out:
	rawops_stats.last_cwnd = tp->snd_cwnd;
}

SEC("struct_ops/set_state")
void RENO_PROG(RENO_FN(set_state), struct sock *sk, __u8 new_state)
{
	RENO_COUNT(set_state);
	rawops_stats.last_ca_state = new_state;
}

SEC("struct_ops/cwnd_event")
void RENO_PROG(RENO_FN(cwnd_event), struct sock *sk, enum tcp_ca_event event)
{
	RENO_COUNT(cwnd_event);
	rawops_stats.last_ca_event = event;
}

SEC("struct_ops/undo_cwnd")
__u32 RENO_PROG(RENO_FN(undo_cwnd), struct sock *sk)
{
	const struct tcp_sock *tp = tcp_sk(sk);

	RENO_COUNT(undo_cwnd);
	return tp->snd_cwnd > tp->prior_cwnd ? tp->snd_cwnd : tp->prior_cwnd;
}

SEC(RENO_SEC)
struct tcp_congestion_ops RENO_VAR = {
	.init = (void *)RENO_FN(init),
	.release = (void *)RENO_FN(release),
	.ssthresh = (void *)RENO_FN(ssthresh),
	.cong_avoid = (void *)RENO_FN(cong_avoid),
	.set_state = (void *)RENO_FN(set_state),
	.cwnd_event = (void *)RENO_FN(cwnd_event),
	.undo_cwnd = (void *)RENO_FN(undo_cwnd),
	.name = RENO_NAME,
};

#endif /* RAWOPS_RENO_H */
