/*
 * The listeners on one output link (issue 18): a multicast router's
 * membership state per group and source (RFC 3376 6, IGMPv3 with v1/v2
 * hosts in compatibility mode 7.3.2) and the querier election (6.6.2).
 *
 * Pure logic on (message, time): no clock and no I/O.  It asks for the
 * queries it wants sent and reports groups whose forwarding changed
 * through callbacks; the caller (querier.c) owns the sockets and the
 * timer.  A link has a family: AF_INET speaks IGMP, AF_INET6 MLD (RFC
 * 3810 is RFC 3376's machine with IPv6 addresses; an MLDv1 host (RFC
 * 2710) is what an IGMPv2 host is to IGMPv3: 8.3.2 is 7.3.2 without the
 * v1 row).  Addresses are struct mcr_addr of the link's family.
 *
 * While another router is querier, its robustness and query interval
 * are ours (RFC 3376 4.1.6, 4.1.7; RFC 3810 5.1.8, 5.1.9: from the QRV and
 * QQIC of its v3 or MLDv2 queries, a zero one meaning the configured
 * value; IGMPv1/v2 and MLDv1 queries carry neither and change nothing),
 * so the group membership interval, the other querier present interval
 * and the last member query count follow the querier's; when we are
 * querier again, or no querier is left, the configured values return.
 * The query response and last member query intervals stay ours.
 *
 * Simplifications, all on the safe side: a group-and-source-specific
 * query Q(G,A) is sent as a group-specific query (hosts answer it with
 * their whole state for G, which covers A), with A's timers lowered as
 * Q(G,A) lowers them; the S flag is never set.
 */
#ifndef MCRD_MEMBERS_H
#define MCRD_MEMBERS_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "addr.h"
#include "igmp.h"
#include "mld.h"

#define MBR_MAX_GROUPS  1024 /* per link: a flood of reports cannot grow it further */
#define MBR_MAX_SOURCES 64   /* per group */

/* RFC 3376 8 (RFC 3810 9: the same defaults): the configurable values (the rest are derived). */
struct mbr_timers {
	unsigned query_interval_ms;    /* 125000 */
	unsigned query_response_ms;    /* 10000 */
	unsigned robustness;           /* 2 */
	unsigned lmq_interval_ms;      /* 1000: last member query interval */
	unsigned lmq_count;            /* = robustness */
};

void mbr_timers_default(struct mbr_timers *t);

struct mbr_ops {
	/* Send a query: general (group 0.0.0.0 or ::) or group-specific; max response in ms. */
	void (*query)(void *arg, struct mcr_addr group, unsigned max_resp_ms);
	/* Whom group g is forwarded to may have changed (members came, went, or changed sources). */
	void (*changed)(void *arg, struct mcr_addr g);
	/* Group g got its first member (joined), or lost its last; NULL: not told. */
	void (*member)(void *arg, struct mcr_addr g, bool joined);
};

struct mbr_src {
	struct mcr_addr a;
	int64_t expires;      /* ns; 0: excluded (EXCLUDE mode's Y set) */
};

struct mbr_group {
	struct mcr_addr g;
	uint8_t family;       /* the link's: AF_INET (IGMP) or AF_INET6 (MLD) */
	bool exclude;         /* filter mode */
	int64_t expires;      /* group timer (EXCLUDE mode); 0 in INCLUDE */
	/* Older version host present timers: IGMPv1, IGMPv2 (MLD: MLDv1 in v2_until). */
	int64_t v1_until, v2_until;
	struct mcr_addr last_reporter;
	unsigned nsrc;
	struct mbr_src src[MBR_MAX_SOURCES];
	unsigned lmq_left;    /* group-specific queries still to send */
	int64_t lmq_next;
};

struct mbr_stats {
	uint64_t reports, leaves, queries_in, queries_out, table_full;
	uint64_t joins, expiries; /* groups that got their first member, and lost their last */
	uint64_t elections;       /* the link's querier changed: another router won, or we took over */
};

struct mbr;

/* 0, -ENOMEM or -EAFNOSUPPORT (family neither AF_INET nor AF_INET6). */
int mbr_new(struct mbr **out, int family, const struct mbr_timers *t, const struct mbr_ops *ops,
	    void *arg, int64_t now);
void mbr_free(struct mbr *m);
/*
 * Our address on the link (IPv6: link-local; unset, 0.0.0.0 or ::: none,
 * we cannot query).  With an address and no other querier we are
 * querier: the startup queries start.
 */
void mbr_set_self(struct mbr *m, struct mcr_addr self, int64_t now);
/* A message igmp_parse accepted, seen on the (AF_INET) link at now. */
void mbr_input(struct mbr *m, const struct igmp_msg *msg, int64_t now);
/* A message mld_parse accepted, seen on the (AF_INET6) link at now. */
void mbr_input_mld(struct mbr *m, const struct mld_msg *msg, int64_t now);
/* Timers due at now: expiries, queries to send. */
void mbr_tick(struct mbr *m, int64_t now);
/* The earliest time mbr_tick has something to do (INT64_MAX: nothing). */
int64_t mbr_deadline(const struct mbr *m);
/*
 * Whether traffic from source s to group g is wanted on the link (RFC 3376
 * 6.3); s unset (or 0.0.0.0, ::): from some source, whichever (the group
 * has a member).  A group of another family is never wanted.
 */
bool mbr_wants(const struct mbr *m, struct mcr_addr g, struct mcr_addr s);

/* For show: the querier (ourselves when *self), its expiry when another; the groups. */
struct mcr_addr mbr_querier(const struct mbr *m, bool *self, int64_t *other_until);
unsigned mbr_ngroups(const struct mbr *m);
const struct mbr_group *mbr_group_at(const struct mbr *m, unsigned i);
const struct mbr_stats *mbr_stats(const struct mbr *m);
/* The compatibility mode of a group at now: IGMP 1..3, MLD 1..2. */
unsigned mbr_group_version(const struct mbr_group *gr, int64_t now);
int mbr_family(const struct mbr *m);
/* The timers in use: the configured ones, or with the other querier's robustness and interval. */
const struct mbr_timers *mbr_get_timers(const struct mbr *m);

#endif
