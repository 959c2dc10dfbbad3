/* Opening the UDP sockets of mcrgen (sender) and mcrsink (receiver), IPv4 or IPv6. */
#ifndef MCR_TOOL_SOCKETS_H
#define MCR_TOOL_SOCKETS_H

#include "stream.h"

#include "addr.h"

#include <netinet/in.h>
#include <sys/socket.h>

#define MCR_TOOL_SNDBUF (4 << 20)
#define MCR_TOOL_RCVBUF (32 << 20)

/* A socket address of either family. */
union mcr_tool_sa {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
};

/* a:port (host order) as a socket address, IPv6 scoped to ifindex; returns its length. */
socklen_t mcr_tool_sa_make(struct mcr_addr a, uint16_t port, int ifindex, union mcr_tool_sa *out);
/* The address and port (host order) of sa; AF_UNSPEC when it is neither family. */
void mcr_tool_sa_get(const union mcr_tool_sa *sa, struct mcr_addr *a, uint16_t *port);

/*
 * A socket of family (AF_INET or AF_INET6) that sends out of dev only
 * (its index into *ifindex), with TTL or hop limit ttl for unicast and
 * multicast, TOS byte or traffic class tos, no multicast loopback, and
 * source address src unless it is AF_UNSPEC.  Returns the fd, or -errno
 * after printing what failed.
 */
int mcr_tool_sender_open(const char *dev, int family, int ttl, int tos, struct mcr_addr src,
			 int *ifindex);

/*
 * A nonblocking socket receiving only stream s: bound to GROUP:PORT on DEV
 * and joined there (source-specific when s has a source; MLD for IPv6);
 * for a unicast GROUP bound to the wildcard address and PORT on DEV.
 * Returns the fd, or -errno after printing which stream failed and why.
 */
int mcr_tool_receiver_open(const struct mcr_tool_stream *s);

#endif
