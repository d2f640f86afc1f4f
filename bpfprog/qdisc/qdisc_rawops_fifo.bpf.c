// SPDX-License-Identifier: GPL-2.0
/*
 * "rawops_fifo": a BPF qdisc (struct Qdisc_ops, 7.3 guest) that keeps
 * packets in a BPF linked list, first in, first out, up to `limit` packets
 * (a .rodata knob), and counts what it does in .bss. It uses what BPF qdiscs
 * need from a loader: kfuncs (bpf_obj_new_impl with a CO-RE local type id,
 * bpf_list_*, bpf_qdisc_*), a global-data section holding a spin lock and a
 * list head with its `contains:` declaration tag, and kptrs in allocated
 * objects. Built against the 7.3 kernel by tests/vm73/build.sh.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

#define NET_XMIT_SUCCESS 0x00
#define NET_XMIT_DROP 0x01

/* What bpf_experimental.h spells out for the kernel's allocation kfuncs. */
#define __contains(name, node) __attribute__((btf_decl_tag("contains:" #name ":" #node)))
#define __kptr __attribute__((btf_type_tag("kptr")))
#define queue_section SEC(".data.queue") __attribute__((visibility("hidden"))) __attribute__((aligned(8)))

struct pkt {
	struct sk_buff __kptr *skb;
	struct bpf_list_node node;
};

queue_section struct bpf_spin_lock lock;
queue_section struct bpf_list_head queue __contains(pkt, node);

const volatile __u32 limit = 1000;

struct fifo_counts {
	__u64 enqueued, dequeued, dropped, inits, resets;
};
struct fifo_counts counts;

static unsigned int pkt_len(const struct sk_buff *skb)
{
	return ((struct qdisc_skb_cb *)skb->cb)->pkt_len;
}

SEC("struct_ops/rawops_fifo_enqueue")
int BPF_PROG(rawops_fifo_enqueue, struct sk_buff *skb, struct Qdisc *sch, struct bpf_sk_buff_ptr *to_free)
{
	struct pkt *p;
	__u32 len;

	if (sch->q.qlen >= limit)
		goto drop;
	p = bpf_obj_new_impl(bpf_core_type_id_local(struct pkt), NULL);
	if (!p)
		goto drop;
	len = pkt_len(skb);
	skb = bpf_kptr_xchg(&p->skb, skb);
	if (skb)
		bpf_qdisc_skb_drop(skb, to_free);  /* a fresh object holds none */
	bpf_spin_lock(&lock);
	bpf_list_push_back_impl(&queue, &p->node, NULL, 0);
	bpf_spin_unlock(&lock);
	sch->q.qlen++;
	sch->qstats.backlog += len;
	__sync_fetch_and_add(&counts.enqueued, 1);
	return NET_XMIT_SUCCESS;
drop:
	__sync_fetch_and_add(&counts.dropped, 1);
	bpf_qdisc_skb_drop(skb, to_free);
	return NET_XMIT_DROP;
}

SEC("struct_ops/rawops_fifo_dequeue")
struct sk_buff *BPF_PROG(rawops_fifo_dequeue, struct Qdisc *sch)
{
	struct bpf_list_node *n;
	struct sk_buff *skb = NULL;
	struct pkt *p;

	bpf_spin_lock(&lock);
	n = bpf_list_pop_front(&queue);
	bpf_spin_unlock(&lock);
	if (!n)
		return NULL;
	p = container_of(n, struct pkt, node);
	skb = bpf_kptr_xchg(&p->skb, skb);
	bpf_obj_drop_impl(p, NULL);
	if (!skb)
		return NULL;
	sch->qstats.backlog -= pkt_len(skb);
	bpf_qdisc_bstats_update(sch, skb);
	sch->q.qlen--;
	__sync_fetch_and_add(&counts.dequeued, 1);
	return skb;
}

SEC("struct_ops/rawops_fifo_init")
int BPF_PROG(rawops_fifo_init, struct Qdisc *sch, struct nlattr *opt, struct netlink_ext_ack *extack)
{
	sch->limit = limit;
	__sync_fetch_and_add(&counts.inits, 1);
	return 0;
}

SEC("struct_ops/rawops_fifo_reset")
void BPF_PROG(rawops_fifo_reset, struct Qdisc *sch)
{
	int i;

	for (i = 0; i < 1024; i++) {
		struct bpf_list_node *n;
		struct sk_buff *skb = NULL;
		struct pkt *p;

		bpf_spin_lock(&lock);
		n = bpf_list_pop_front(&queue);
		bpf_spin_unlock(&lock);
		if (!n)
			break;
		p = container_of(n, struct pkt, node);
		skb = bpf_kptr_xchg(&p->skb, skb);
		if (skb)
			bpf_kfree_skb(skb);
		bpf_obj_drop_impl(p, NULL);
	}
	sch->q.qlen = 0;
	__sync_fetch_and_add(&counts.resets, 1);
}

SEC("struct_ops/rawops_fifo_destroy")
void BPF_PROG(rawops_fifo_destroy, struct Qdisc *sch)
{
}

SEC(".struct_ops")
struct Qdisc_ops rawops_fifo = {
	.enqueue = (void *)rawops_fifo_enqueue,
	.dequeue = (void *)rawops_fifo_dequeue,
	.init = (void *)rawops_fifo_init,
	.reset = (void *)rawops_fifo_reset,
	.destroy = (void *)rawops_fifo_destroy,
	.id = "rawops_fifo",
};
