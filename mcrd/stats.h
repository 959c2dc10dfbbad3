/*
 * Counters kept by the data path.  Plain u64s written by exactly one
 * thread; readers elsewhere accept a torn-free but not atomic snapshot.
 */
#ifndef MCRD_STATS_H
#define MCRD_STATS_H

#include <stdint.h>

#include "igmp.h"
#include "packet.h"
#include "rule.h"

struct rule_stats {
	uint64_t packets, bytes;           /* matched and accepted for relay */
	uint64_t drops[MCR_DROP__MAX];     /* drops attributable to the rule */
};

struct out_stats {
	uint64_t packets, bytes, errors;
	uint64_t gso;                      /* of packets, those sent in GSO runs */
	uint64_t dropped;                  /* copies dropped for want of a send or ring slot */
	int last_error;                    /* errno of the last failed send */
};

struct link_stats {
	uint64_t frames;                   /* frames the kernel filter let through */
	uint64_t drops[MCR_DROP__MAX];     /* parse failures and kernel queue drops */
};

/* One input of a rule with several (redund.c). */
struct redund_in_stats {
	uint64_t packets;    /* datagrams of the rule that arrived on it */
	uint64_t duplicates; /* not relayed: merge, its sequence number was; failover, on standby */
	uint64_t filled;     /* merge: sequence numbers it missed that another input supplied */
	uint64_t late;       /* merge: not relayed, later than the window */
};

/* A rule with several inputs, written by its owner only. */
struct redund_stats {
	uint32_t active;     /* failover: the input relayed */
	uint64_t switches;   /* failover: changes of the active input */
	uint64_t resyncs;    /* merge: the stream followed anew (new SSRC, or a jump) */
	struct redund_in_stats in[MCR_MAX_INPUTS];
};

/*
 * One output link's IGMP or MLD (querier.c), written by the parent only:
 * counters, and two gauges that it refreshes with them.
 */
struct qlink_stats {
	uint64_t received;             /* messages the parser accepted */
	uint64_t rejects[IGMP_R__MAX]; /* by reason (MLD's reasons share the slots) */
	uint64_t reports, leaves, queries_in, queries_out, table_full, tx_errors;
	uint64_t joins, expiries, elections; /* as struct mbr_stats */
	uint64_t querier;              /* gauge: 1 while we are the link's querier */
	uint64_t groups;               /* gauge: groups with members */
};

#endif
