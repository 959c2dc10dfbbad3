/*
 * The sockets of a listened link (querier.c), per family: an AF_PACKET
 * socket that receives the link's IGMP (AF_INET) or MLD (AF_INET6), all
 * multicast whatever the host joined, and a raw socket that sends our
 * queries with Router Alert and a TTL / hop limit of 1.
 */
#ifndef MCRD_QSOCK_H
#define MCRD_QSOCK_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

/* The receiving socket, bound to ifindex, filtered in the kernel.  fd or -errno. */
int qsock_rx(int ifindex, int family);
/* The sending socket (nothing is read from it).  fd or -errno. */
int qsock_tx(int ifindex, int family);
/*
 * Sends the query msg[0..len) to group (unspecified: the all-hosts /
 * all-nodes group).  IPv6: from self (link-local), the kernel fills the
 * checksum.  0 or -errno.
 */
int qsock_send(int fd, int ifindex, struct mcr_addr self, struct mcr_addr group,
	       const uint8_t *msg, size_t len);

#endif
