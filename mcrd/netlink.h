/*
 * rtnetlink: the dump that fills the interface table and the event socket
 * (RTMGRP_LINK, RTMGRP_IPV4_IFADDR, RTMGRP_IPV6_IFADDR) that keeps it current.
 */
#ifndef MCRD_NETLINK_H
#define MCRD_NETLINK_H

#include <stdbool.h>
#include <stddef.h>

struct netlink;

/* Opens the event socket, then dumps links and addresses. 0 or -errno. */
int netlink_open(struct netlink **nl);
void netlink_close(struct netlink *nl);
int netlink_fd(const struct netlink *nl);
/*
 * Reads every pending event into the table.  Returns 1 when something may
 * have changed, 0 when nothing did; after an overrun (ENOBUFS) it re-dumps
 * the whole table and returns 1, so a lost event never leaves it stale.
 */
int netlink_read(struct netlink *nl);
/* Full re-dump into a fresh table. 0 or -errno. */
int netlink_resync(void);
/*
 * Applies a buffer of netlink messages (RTM_NEWLINK/DELLINK/NEWADDR/DELADDR)
 * to the table; anything malformed is skipped.  Exposed for tests and fuzzing.
 * Returns 1 if any message applied, 0 if none, -EINVAL if framing broke.
 */
int netlink_apply(const void *buf, size_t len);

#endif
