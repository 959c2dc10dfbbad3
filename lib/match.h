/*
 * Rule lookup for one input interface: (group, port, source) -> value.
 * Open addressing, built off the hot path, read without allocation or locks.
 */
#ifndef MCR_MATCH_H
#define MCR_MATCH_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

struct mcr_match_entry {
	uint32_t group, source; /* network order; source 0 = any */
	uint16_t port;          /* host order; 0 = empty slot */
	void *val;
};

struct mcr_match {
	struct mcr_match_entry *slots;
	size_t mask;  /* capacity - 1, capacity a power of two */
	size_t count;
};

/* Room for at least n entries at load <= 1/2; 0 or -ENOMEM. */
int mcr_match_init(struct mcr_match *m, size_t n);
void mcr_match_free(struct mcr_match *m);
/* 0, -EEXIST for a duplicate key, -ENOSPC when full, -EINVAL for port 0. */
int mcr_match_insert(struct mcr_match *m, struct in_addr group, uint16_t port,
		     struct in_addr source, void *val);
/*
 * A rule for exactly this source wins over an any-source rule for the same
 * (group, port), as (S,G) state wins over (*,G) in multicast routing.
 */
void *mcr_match_lookup(const struct mcr_match *m, struct in_addr group, uint16_t port,
		       struct in_addr source);

#endif
