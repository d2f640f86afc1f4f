/* The guest's stand-in for `tc qdisc replace dev DEV root KIND` and
 * `tc qdisc del dev DEV root`: one rtnetlink request (RTM_NEWQDISC or
 * RTM_DELQDISC) with TCA_KIND, and its acknowledgement. Busybox has no tc.
 *   qdisc_attach DEV KIND    attach qdisc KIND as DEV's root qdisc
 *   qdisc_attach DEV --del   remove DEV's root qdisc */
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "usage: qdisc_attach DEV KIND|--del\n");
		return 2;
	}
	const int del = strcmp(argv[2], "--del") == 0;
	struct {
		struct nlmsghdr nh;
		struct tcmsg tc;
		char attrs[64];
	} req;
	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(struct tcmsg));
	req.nh.nlmsg_type = del ? RTM_DELQDISC : RTM_NEWQDISC;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (del ? 0 : NLM_F_CREATE | NLM_F_REPLACE);
	req.tc.tcm_family = AF_UNSPEC;
	req.tc.tcm_ifindex = if_nametoindex(argv[1]);
	req.tc.tcm_parent = TC_H_ROOT;
	if (!req.tc.tcm_ifindex) {
		perror(argv[1]);
		return 1;
	}
	if (!del) {
		struct rtattr *rta = (struct rtattr *)((char *)&req + NLMSG_ALIGN(req.nh.nlmsg_len));
		const size_t len = strlen(argv[2]) + 1;
		rta->rta_type = TCA_KIND;
		rta->rta_len = RTA_LENGTH(len);
		memcpy(RTA_DATA(rta), argv[2], len);
		req.nh.nlmsg_len = NLMSG_ALIGN(req.nh.nlmsg_len) + RTA_ALIGN(rta->rta_len);
	}
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (fd < 0 || send(fd, &req, req.nh.nlmsg_len, 0) < 0) {
		perror("rtnetlink");
		return 1;
	}
	char buf[4096];
	ssize_t n = recv(fd, buf, sizeof(buf), 0);
	close(fd);
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	if (n < (ssize_t)sizeof(*nh) || nh->nlmsg_type != NLMSG_ERROR) {
		fprintf(stderr, "qdisc_attach: unexpected reply\n");
		return 1;
	}
	int err = ((struct nlmsgerr *)NLMSG_DATA(nh))->error;
	if (err) {
		fprintf(stderr, "qdisc_attach %s %s: %s\n", argv[1], argv[2], strerror(-err));
		return 1;
	}
	return 0;
}
