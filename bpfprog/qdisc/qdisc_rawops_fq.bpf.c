// SPDX-License-Identifier: GPL-2.0
/*
 * "rawops_fq": a small fair-queueing BPF qdisc (7.3 guest). Packets go to one
 * of four flow queues by their flow hash (bpf_skb_get_hash); dequeue takes
 * from the queues in turn, so one busy flow cannot starve the others. The
 * four BPF lists share one spin lock (one lock per map value, as the kernel
 * requires). .bss counts packets per queue.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char _license[] SEC("license") = "GPL";

#define NET_XMIT_SUCCESS 0x00
#define NET_XMIT_DROP 0x01
#define NQ 4

#define __contains(name, node) __attribute__((btf_decl_tag("contains:" #name ":" #node)))
#define __kptr __attribute__((btf_type_tag("kptr")))
#define flows_section SEC(".data.flows") __attribute__((visibility("hidden"))) __attribute__((aligned(8)))

struct fq_pkt {
	struct sk_buff __kptr *skb;
	struct bpf_list_node node;
};

flows_section struct bpf_spin_lock flows_lock;
flows_section struct bpf_list_head q0 __contains(fq_pkt, node);
flows_section struct bpf_list_head q1 __contains(fq_pkt, node);
flows_section struct bpf_list_head q2 __contains(fq_pkt, node);
flows_section struct bpf_list_head q3 __contains(fq_pkt, node);

const volatile __u32 limit = 1000;

struct fq_counts {
	__u64 per_queue[NQ];
	__u64 dequeued, dropped;
	__u32 next;  /* the queue dequeue looks at first */
};
struct fq_counts fq;

static struct bpf_list_head *queue_of(__u32 i)
{
	switch (i & (NQ - 1)) {
	case 0: return &q0;
	case 1: return &q1;
	case 2: return &q2;
	default: return &q3;
	}
}

static unsigned int pkt_len(const struct sk_buff *skb)
{
	return ((struct qdisc_skb_cb *)skb->cb)->pkt_len;
}

SEC("struct_ops/rawops_fq_enqueue")
int BPF_PROG(rawops_fq_enqueue, struct sk_buff *skb, struct Qdisc *sch, struct bpf_sk_buff_ptr *to_free)
{
	struct fq_pkt *p;
	__u32 q, len;

	if (sch->q.qlen >= limit)
		goto drop;
	q = bpf_skb_get_hash(skb) & (NQ - 1);
	p = bpf_obj_new_impl(bpf_core_type_id_local(struct fq_pkt), NULL);
	if (!p)
		goto drop;
	len = pkt_len(skb);
	skb = bpf_kptr_xchg(&p->skb, skb);
	if (skb)
		bpf_qdisc_skb_drop(skb, to_free);
	bpf_spin_lock(&flows_lock);
	bpf_list_push_back_impl(queue_of(q), &p->node, NULL, 0);
	bpf_spin_unlock(&flows_lock);
	sch->q.qlen++;
	sch->qstats.backlog += len;
	__sync_fetch_and_add(&fq.per_queue[q], 1);
	return NET_XMIT_SUCCESS;
drop:
	__sync_fetch_and_add(&fq.dropped, 1);
	bpf_qdisc_skb_drop(skb, to_free);
	return NET_XMIT_DROP;
}

SEC("struct_ops/rawops_fq_dequeue")
struct sk_buff *BPF_PROG(rawops_fq_dequeue, struct Qdisc *sch)
{
	struct bpf_list_node *n = NULL;
	struct sk_buff *skb = NULL;
	struct fq_pkt *p;
	__u32 i, start = fq.next;

	for (i = 0; i < NQ && !n; i++) {
		bpf_spin_lock(&flows_lock);
		n = bpf_list_pop_front(queue_of(start + i));
		bpf_spin_unlock(&flows_lock);
		if (n)
			fq.next = (start + i + 1) & (NQ - 1);
	}
	if (!n)
		return NULL;
	p = container_of(n, struct fq_pkt, node);
	skb = bpf_kptr_xchg(&p->skb, skb);
	bpf_obj_drop_impl(p, NULL);
	if (!skb)
		return NULL;
	sch->qstats.backlog -= pkt_len(skb);
	bpf_qdisc_bstats_update(sch, skb);
	sch->q.qlen--;
	__sync_fetch_and_add(&fq.dequeued, 1);
	return skb;
}

SEC("struct_ops/rawops_fq_init")
int BPF_PROG(rawops_fq_init, struct Qdisc *sch, struct nlattr *opt, struct netlink_ext_ack *extack)
{
	sch->limit = limit;
	return 0;
}

SEC("struct_ops/rawops_fq_reset")
void BPF_PROG(rawops_fq_reset, struct Qdisc *sch)
{
	__u32 q;
	int i;

	for (q = 0; q < NQ; q++) {
		for (i = 0; i < 1024; i++) {
			struct bpf_list_node *n;
			struct sk_buff *skb = NULL;
			struct fq_pkt *p;

			bpf_spin_lock(&flows_lock);
			n = bpf_list_pop_front(queue_of(q));
			bpf_spin_unlock(&flows_lock);
			if (!n)
				break;
			p = container_of(n, struct fq_pkt, node);
			skb = bpf_kptr_xchg(&p->skb, skb);
			if (skb)
				bpf_kfree_skb(skb);
			bpf_obj_drop_impl(p, NULL);
		}
	}
	sch->q.qlen = 0;
}

SEC("struct_ops/rawops_fq_destroy")
void BPF_PROG(rawops_fq_destroy, struct Qdisc *sch)
{
}

SEC(".struct_ops.link")
struct Qdisc_ops rawops_fq = {
	.enqueue = (void *)rawops_fq_enqueue,
	.dequeue = (void *)rawops_fq_dequeue,
	.init = (void *)rawops_fq_init,
	.reset = (void *)rawops_fq_reset,
	.destroy = (void *)rawops_fq_destroy,
	.id = "rawops_fq",
};
