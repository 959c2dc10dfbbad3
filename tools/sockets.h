/* Opening the UDP sockets of mcrgen (sender) and mcrsink (receiver). */
#ifndef MCR_TOOL_SOCKETS_H
#define MCR_TOOL_SOCKETS_H

#include "stream.h"

#include <netinet/in.h>

#define MCR_TOOL_SNDBUF (4 << 20)
#define MCR_TOOL_RCVBUF (32 << 20)

/*
 * A socket that sends out of dev only, with TTL ttl for unicast and
 * multicast, TOS byte tos, no multicast loopback, and source address src
 * unless it is INADDR_ANY.  Returns the fd, or -errno after printing what
 * failed.
 */
int mcr_tool_sender_open(const char *dev, int ttl, int tos, struct in_addr src);

/*
 * A nonblocking socket receiving only stream s: bound to GROUP:PORT on DEV
 * and joined there (source-specific when s has a source); for a unicast
 * GROUP bound to INADDR_ANY:PORT on DEV.  Returns the fd, or -errno after
 * printing which stream failed and why.
 */
int mcr_tool_receiver_open(const struct mcr_tool_stream *s);

#endif
