/* IGMP and MLD sockets of a listened link (qsock.h). */
#include "qsock.h"

#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "mld.h"

/* IPv4 datagrams carrying IGMP. */
static const struct sock_filter igmp_prog[] = {
	BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 9), /* IP protocol (SOCK_DGRAM: from the IP header) */
	BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, IPPROTO_IGMP, 0, 1),
	BPF_STMT(BPF_RET | BPF_K, 0xffff),
	BPF_STMT(BPF_RET | BPF_K, 0),
};

/*
 * IPv6 packets carrying an ICMPv6 message of an MLD type, right after the
 * IPv6 header or after a hop-by-hop header (where MLD's Router Alert is):
 * neighbour discovery and the rest of ICMPv6 stay in the kernel.
 */
static const struct sock_filter mld_prog[] = {
	/* 0 */ BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 6),           /* next header */
	/* 1 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 58, 0, 2),    /* ICMPv6: 2, else 4 */
	/* 2 */ BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 40),          /* its type */
	/* 3 */ BPF_STMT(BPF_JMP | BPF_JA, 6),                    /* to 10 */
	/* 4 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 9),     /* hop-by-hop: 5, else 14 */
	/* 5 */ BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 41),          /* its length in 8 bytes, less 1 */
	/* 6 */ BPF_STMT(BPF_ALU | BPF_ADD | BPF_K, 1),
	/* 7 */ BPF_STMT(BPF_ALU | BPF_LSH | BPF_K, 3),
	/* 8 */ BPF_STMT(BPF_MISC | BPF_TAX, 0),
	/* 9 */ BPF_STMT(BPF_LD | BPF_B | BPF_IND, 40),          /* the type after it */
	/* 10 */ BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, MLD_QUERY, 0, 3),   /* < 130: 14 */
	/* 11 */ BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, MLD_V1_DONE, 0, 1), /* 130..132: 13 */
	/* 12 */ BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, MLD_V2_REPORT, 0, 1),
	/* 13 */ BPF_STMT(BPF_RET | BPF_K, 0xffff),
	/* 14 */ BPF_STMT(BPF_RET | BPF_K, 0),
};

int qsock_rx(int ifindex, int family)
{
	bool v6 = family == AF_INET6;
	struct sock_fprog prog = {
		.len = v6 ? sizeof(mld_prog) / sizeof(mld_prog[0]) :
			    sizeof(igmp_prog) / sizeof(igmp_prog[0]),
		.filter = (struct sock_filter *)(v6 ? mld_prog : igmp_prog),
	};
	struct sockaddr_ll sll = { .sll_family = AF_PACKET,
				   .sll_protocol = htons(v6 ? ETH_P_IPV6 : ETH_P_IP),
				   .sll_ifindex = ifindex };
	struct packet_mreq mr = { .mr_ifindex = ifindex, .mr_type = PACKET_MR_ALLMULTI };
	/* Protocol 0 until bound: nothing arrives before the filter is in place. */
	int fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), err;

	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0 ||
	    setsockopt(fd, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0 ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

/* IGMP: TTL 1, Router Alert as an IP option, the link's address. */
static int tx4(int fd, int ifindex)
{
	static const uint8_t ra[4] = { 0x94, 0x04, 0, 0 };
	struct ip_mreqn mq = { .imr_ifindex = ifindex };
	int one = 1, zero = 0;

	if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mq, sizeof(mq)) < 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, &zero, sizeof(zero)) < 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_OPTIONS, ra, sizeof(ra)) < 0)
		return -errno;
	return 0;
}

/* MLD: hop limit 1, a hop-by-hop header with Router Alert 0 (RFC 2711) and PadN. */
static int tx6(int fd, int ifindex)
{
	static const uint8_t hbh[8] = { 0, 0, 5, 2, 0, 0, 1, 0 };
	int one = 1, zero = 0;

	if (setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex, sizeof(ifindex)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &one, sizeof(one)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &zero, sizeof(zero)) < 0 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_HOPOPTS, hbh, sizeof(hbh)) < 0)
		return -errno;
	return 0;
}

int qsock_tx(int ifindex, int family)
{
	struct sock_filter none = BPF_STMT(BPF_RET | BPF_K, 0);
	struct sock_fprog prog = { 1, &none };
	int fd = socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
			family == AF_INET6 ? IPPROTO_ICMPV6 : IPPROTO_IGMP), err;

	if (fd < 0)
		return -errno;
	err = setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0 ? -errno : 0;
	if (!err)
		err = family == AF_INET6 ? tx6(fd, ifindex) : tx4(fd, ifindex);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

static const struct in6_addr all_nodes = { { { 0xff, 2, [15] = 1 } } };

static int send6(int fd, int ifindex, struct mcr_addr self, struct mcr_addr group,
		 const uint8_t *msg, size_t len)
{
	struct sockaddr_in6 to = { .sin6_family = AF_INET6, .sin6_scope_id = (uint32_t)ifindex };
	union {
		struct cmsghdr h;
		uint8_t b[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} c;
	struct iovec iov = { (void *)msg, len };
	struct msghdr mh = { .msg_name = &to, .msg_namelen = sizeof(to), .msg_iov = &iov,
			     .msg_iovlen = 1, .msg_control = c.b, .msg_controllen = sizeof(c.b) };
	struct in6_pktinfo pi = { .ipi6_addr = self.v6, .ipi6_ifindex = (unsigned)ifindex };
	struct cmsghdr *cm;

	memset(&c, 0, sizeof(c));
	cm = CMSG_FIRSTHDR(&mh);
	/* The source must be link-local (RFC 3810 5): a global group would get a global one. */
	cm->cmsg_level = IPPROTO_IPV6;
	cm->cmsg_type = IPV6_PKTINFO;
	cm->cmsg_len = CMSG_LEN(sizeof(pi));
	memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
	if (group.family == AF_INET6 && !IN6_IS_ADDR_UNSPECIFIED(&group.v6))
		to.sin6_addr = group.v6;
	else
		to.sin6_addr = all_nodes;
	return sendmsg(fd, &mh, 0) < 0 ? -errno : 0;
}

int qsock_send(int fd, int ifindex, struct mcr_addr self, struct mcr_addr group,
	       const uint8_t *msg, size_t len)
{
	struct sockaddr_in to = { .sin_family = AF_INET };

	if (self.family == AF_INET6)
		return send6(fd, ifindex, self, group, msg, len);
	to.sin_addr.s_addr = group.family == AF_INET && group.v4.s_addr ? group.v4.s_addr :
									   htonl(0xe0000001);
	return sendto(fd, msg, len, 0, (struct sockaddr *)&to, sizeof(to)) < 0 ? -errno : 0;
}
