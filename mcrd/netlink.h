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
 * have changed, 0 when nothing did.  After an overrun (ENOBUFS) it discards
 * the queued (older) events and re-dumps the whole table; if that dump
 * fails, the old table stays and netlink_retry() tries again.
 */
int netlink_read(struct netlink *nl);
/* After a failed resync, tries again: 1 if the table was replaced, else 0. */
int netlink_retry(struct netlink *nl);
/*
 * Full re-dump into a fresh table, swapped in only when complete; a dump
 * interrupted by changes is retried a few times.  0 or -errno.
 */
int netlink_resync(void);
/*
 * Applies a buffer of netlink messages (RTM_NEWLINK/DELLINK/NEWADDR/DELADDR)
 * to the table; anything malformed is skipped.  Exposed for tests and fuzzing.
 * Returns 1 if any message applied, 0 if none, -EINVAL if framing broke.
 */
int netlink_apply(const void *buf, size_t len);

#endif
