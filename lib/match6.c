/* Open-addressed hash of IPv6 (group, port, source) with linear probing. */
#include "match6.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static uint64_t mix(uint64_t h)
{
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	return h ^ (h >> 31);
}

static size_t hash(const struct in6_addr *g, uint16_t port, const struct in6_addr *s)
{
	uint64_t w[4];

	memcpy(w, g->s6_addr, 16);
	memcpy(w + 2, s->s6_addr, 16);
	return (size_t)mix(mix(w[0] ^ mix(w[1] ^ port)) ^ mix(w[2] ^ w[3]));
}

int mcr_match6_init(struct mcr_match6 *m, size_t n)
{
	size_t cap = 8;

	while (cap < 2 * n)
		cap <<= 1;
	m->slots = calloc(cap, sizeof(*m->slots));
	if (!m->slots)
		return -ENOMEM;
	m->mask = cap - 1;
	m->count = 0;
	return 0;
}

void mcr_match6_free(struct mcr_match6 *m)
{
	free(m->slots);
	m->slots = NULL;
	m->mask = 0;
	m->count = 0;
}

static struct mcr_match6_entry *find(const struct mcr_match6 *m, const struct in6_addr *g,
				     uint16_t port, const struct in6_addr *s)
{
	size_t i = hash(g, port, s) & m->mask;

	for (size_t n = 0; n <= m->mask; n++, i = (i + 1) & m->mask) {
		struct mcr_match6_entry *e = &m->slots[i];

		if (!e->port || (e->port == port && !memcmp(&e->group, g, 16) &&
				 !memcmp(&e->source, s, 16)))
			return e;
	}
	return NULL;
}

int mcr_match6_insert(struct mcr_match6 *m, const struct in6_addr *group, uint16_t port,
		      const struct in6_addr *source, void *val)
{
	struct mcr_match6_entry *e;

	if (!port)
		return -EINVAL;
	if (!m->slots || m->count + 1 > (m->mask + 1) / 2)
		return -ENOSPC;
	e = find(m, group, port, source);
	if (e->port)
		return -EEXIST;
	e->group = *group;
	e->port = port;
	e->source = *source;
	e->val = val;
	m->count++;
	return 0;
}

void *mcr_match6_lookup(const struct mcr_match6 *m, const struct in6_addr *group, uint16_t port,
			const struct in6_addr *source)
{
	const struct mcr_match6_entry *e;

	if (!m->count)
		return NULL;
	e = find(m, group, port, source);
	if (e && e->port)
		return e->val;
	if (IN6_IS_ADDR_UNSPECIFIED(source))
		return NULL;
	e = find(m, group, port, &in6addr_any);
	return e && e->port ? e->val : NULL;
}
