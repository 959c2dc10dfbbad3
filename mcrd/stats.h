/*
 * Counters kept by the data path.  Plain u64s written by exactly one
 * thread; readers elsewhere accept a torn-free but not atomic snapshot.
 */
#ifndef MCRD_STATS_H
#define MCRD_STATS_H

#include <stdint.h>

#include "packet.h"

struct rule_stats {
	uint64_t packets, bytes;           /* matched and accepted for relay */
	uint64_t drops[MCR_DROP__MAX];     /* drops attributable to the rule */
};

struct out_stats {
	uint64_t packets, bytes, errors;
	uint64_t dropped;                  /* copies dropped for want of a send or ring slot */
	int last_error;                    /* errno of the last failed send */
};

struct link_stats {
	uint64_t frames;                   /* frames the kernel filter let through */
	uint64_t drops[MCR_DROP__MAX];     /* parse failures and kernel queue drops */
};

#endif
