/*
 * The IPv6 twin of match.h: (group, port, source) -> value for one input
 * interface, source :: meaning any source.  Open addressing, built off the
 * hot path, read without allocation or locks.
 */
#ifndef MCR_MATCH6_H
#define MCR_MATCH6_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

struct mcr_match6_entry {
	struct in6_addr group, source; /* source :: = any */
	uint16_t port;                 /* host order; 0 = empty slot */
	void *val;
};

struct mcr_match6 {
	struct mcr_match6_entry *slots;
	size_t mask;  /* capacity - 1, capacity a power of two */
	size_t count;
};

/* Room for at least n entries at load <= 1/2; 0 or -ENOMEM. */
int mcr_match6_init(struct mcr_match6 *m, size_t n);
void mcr_match6_free(struct mcr_match6 *m);
/* 0, -EEXIST for a duplicate key, -ENOSPC when full, -EINVAL for port 0. */
int mcr_match6_insert(struct mcr_match6 *m, const struct in6_addr *group, uint16_t port,
		      const struct in6_addr *source, void *val);
/* The exact source's entry wins over the any-source one, as in match.h. */
void *mcr_match6_lookup(const struct mcr_match6 *m, const struct in6_addr *group, uint16_t port,
			const struct in6_addr *source);

#endif
