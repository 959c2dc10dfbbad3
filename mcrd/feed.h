/*
 * Feeding the workers: the plan's ops (plan.h) as parent -> worker wire
 * messages (wire.h) carried by the pool.  Wired to the plan in main.c.
 */
#ifndef MCRD_FEED_H
#define MCRD_FEED_H

#include "plan.h"
#include "pool.h"

struct feed {
	struct pool *pool;
	unsigned nworkers;
	unsigned loop_ms;     /* the loop guard's window for fixed-TTL rules (0: off) */
};

extern const struct plan_ops feed_ops;

#endif
