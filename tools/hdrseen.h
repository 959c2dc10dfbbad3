/*
 * What the IP headers of a stream's datagrams showed the receiver: the
 * range of TTLs and TOS bytes (IP_RECVTTL, IP_RECVTOS; for IPv6 the hop
 * limits and traffic classes, IPV6_RECVHOPLIMIT, IPV6_RECVTCLASS) and the
 * last sender's address and port.  A relay's TTL and DSCP handling is
 * checked against these.
 */
#ifndef MCR_TOOL_HDRSEEN_H
#define MCR_TOOL_HDRSEEN_H

#include "addr.h"

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

struct mcr_tool_hdrs {
	bool any;
	uint8_t ttl_min, ttl_max, tos_min, tos_max; /* IPv6: hop limit, traffic class */
	struct mcr_addr from;
	uint16_t from_port;   /* host order */
};

/* Asks the kernel for each datagram's TTL and TOS (v6: hop limit and class); 0 or -errno. */
int mcr_tool_hdrs_enable(int fd, bool v6);
/* Takes in one received datagram: its control messages and sender. */
void mcr_tool_hdrs_add(struct mcr_tool_hdrs *h, const struct msghdr *mh);

#endif
