/*
 * IGMP membership held by AF_INET "helper" sockets that are never bound or
 * read.  Pooled per interface so that no socket exceeds the kernel's
 * per-socket limit (net.ipv4.igmp_max_memberships).
 */
#ifndef MCRD_MEMBERSHIP_H
#define MCRD_MEMBERSHIP_H

#include <netinet/in.h>
#include <stddef.h>

#include "addr.h"

struct membership;

struct membership *membership_new(void);
/* Leaves every group and closes every helper socket. */
void membership_free(struct membership *m);
/*
 * Reference-counted join of (group[, source]) on ifindex: only the first
 * reference joins.  source AF_UNSPEC joins any-source; IPv6 groups by MLD.  0 or -errno.
 */
int membership_join(struct membership *m, int ifindex, struct mcr_addr group,
		    struct mcr_addr source);
/* Drops one reference; the last one leaves.  0 or -ENOENT. */
int membership_leave(struct membership *m, int ifindex, struct mcr_addr group,
		     struct mcr_addr source);
/* Number of helper sockets open (for tests and statistics). */
size_t membership_sockets(const struct membership *m);
/* Forget the memberships of an interface that disappeared (sockets closed). */
void membership_forget_ifindex(struct membership *m, int ifindex);

#endif
