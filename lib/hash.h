/*
 * Which worker owns a rule: a consistent hash of (input group, input port).
 *
 * Jump consistent hash (Lamping & Veach, 2014): no table, no seed, the same
 * answer in every process and across restarts, balanced in expectation, and
 * going from n to n+1 workers moves exactly the keys the new worker takes,
 * about 1/(n+1) of them.  A rendezvous hash would cost O(workers) per rule
 * and a ring needs virtual nodes to balance; jump hash needs neither.
 */
#ifndef MCR_HASH_H
#define MCR_HASH_H

#include <netinet/in.h>
#include <stdint.h>

#include "addr.h"

/* The worker (0..workers-1) owning (group, port); 0 when workers <= 1. */
unsigned mcr_worker_of(struct mcr_addr group, uint16_t port, unsigned workers);
/* The jump hash itself: bucket 0..buckets-1 of key. */
unsigned mcr_jump_hash(uint64_t key, unsigned buckets);

#endif
