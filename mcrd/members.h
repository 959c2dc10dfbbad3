/*
 * The listeners on one output link (issue 18): a multicast router's
 * membership state per group and source (RFC 3376 6, IGMPv3 with v1/v2
 * hosts in compatibility mode 7.3.2) and the querier election (6.6.2).
 *
 * Pure logic on (message, time): no clock and no I/O.  It asks for the
 * queries it wants sent and reports groups whose forwarding changed
 * through callbacks; the caller (querier.c) owns the sockets and the
 * timer.  A link has a family so that MLD (RFC 3810, the same machine)
 * can share it; only AF_INET is implemented.
 *
 * Simplifications, all on the safe side: a group-and-source-specific
 * query Q(G,A) is sent as a group-specific query (hosts answer it with
 * their whole state for G, which covers A), with A's timers lowered as
 * Q(G,A) lowers them; the S flag is never set; a non-querier keeps its
 * own robustness and intervals rather than the querier's QRV and QQI.
 */
#ifndef MCRD_MEMBERS_H
#define MCRD_MEMBERS_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "igmp.h"

#define MBR_MAX_GROUPS  1024 /* per link: a flood of reports cannot grow it further */
#define MBR_MAX_SOURCES 64   /* per group */

/* RFC 3376 8: the configurable values (the rest are derived from them). */
struct mbr_timers {
	unsigned query_interval_ms;    /* 125000 */
	unsigned query_response_ms;    /* 10000 */
	unsigned robustness;           /* 2 */
	unsigned lmq_interval_ms;      /* 1000: last member query interval */
	unsigned lmq_count;            /* = robustness */
};

void mbr_timers_default(struct mbr_timers *t);

struct mbr_ops {
	/* Send a query: general (group 0.0.0.0) or group-specific. */
	void (*query)(void *arg, struct in_addr group, unsigned max_resp_ds);
	/* Whom group g is forwarded to may have changed (members came, went, or changed sources). */
	void (*changed)(void *arg, struct in_addr g);
};

struct mbr_src {
	struct in_addr a;
	int64_t expires;      /* ns; 0: excluded (EXCLUDE mode's Y set) */
};

struct mbr_group {
	struct in_addr g;
	bool exclude;         /* filter mode */
	int64_t expires;      /* group timer (EXCLUDE mode); 0 in INCLUDE */
	int64_t v1_until, v2_until; /* older version host present timers */
	struct in_addr last_reporter;
	unsigned nsrc;
	struct mbr_src src[MBR_MAX_SOURCES];
	unsigned lmq_left;    /* group-specific queries still to send */
	int64_t lmq_next;
};

struct mbr_stats {
	uint64_t reports, leaves, queries_in, queries_out, table_full;
	uint64_t joins, expiries; /* groups that got their first member, and lost their last */
};

struct mbr;

/* 0, -ENOMEM or -EAFNOSUPPORT (family other than AF_INET). */
int mbr_new(struct mbr **out, int family, const struct mbr_timers *t, const struct mbr_ops *ops,
	    void *arg, int64_t now);
void mbr_free(struct mbr *m);
/*
 * Our address on the link (0.0.0.0: none, we cannot query).  With an
 * address and no other querier we are querier: the startup queries start.
 */
void mbr_set_self(struct mbr *m, struct in_addr self, int64_t now);
/* A message igmp_parse accepted, seen on the link at now. */
void mbr_input(struct mbr *m, const struct igmp_msg *msg, int64_t now);
/* Timers due at now: expiries, queries to send. */
void mbr_tick(struct mbr *m, int64_t now);
/* The earliest time mbr_tick has something to do (INT64_MAX: nothing). */
int64_t mbr_deadline(const struct mbr *m);
/*
 * Whether traffic from source s to group g is wanted on the link (RFC 3376
 * 6.3); s 0.0.0.0: from some source, whichever (the group has a member).
 */
bool mbr_wants(const struct mbr *m, struct in_addr g, struct in_addr s);

/* For show: the querier (ourselves when *self), its expiry when another; the groups. */
struct in_addr mbr_querier(const struct mbr *m, bool *self, int64_t *other_until);
unsigned mbr_ngroups(const struct mbr *m);
const struct mbr_group *mbr_group_at(const struct mbr *m, unsigned i);
const struct mbr_stats *mbr_stats(const struct mbr *m);
/* The compatibility mode of a group (1..3) at now. */
unsigned mbr_group_version(const struct mbr_group *gr, int64_t now);
const struct mbr_timers *mbr_get_timers(const struct mbr *m);

#endif
