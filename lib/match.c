/* Open-addressed hash of (group, port, source) with linear probing. */
#include "match.h"

#include <errno.h>
#include <stdlib.h>

static size_t hash(uint32_t group, uint16_t port, uint32_t source)
{
	uint64_t h = ((uint64_t)group << 32 | (uint64_t)port << 16) ^ source;

	/* splitmix64 finaliser: groups differ in low bits, ports in few bits. */
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return (size_t)h;
}

int mcr_match_init(struct mcr_match *m, size_t n)
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

void mcr_match_free(struct mcr_match *m)
{
	free(m->slots);
	m->slots = NULL;
	m->mask = 0;
	m->count = 0;
}

static struct mcr_match_entry *find(const struct mcr_match *m, uint32_t g, uint16_t port,
				    uint32_t s)
{
	size_t i = hash(g, port, s) & m->mask;

	for (size_t n = 0; n <= m->mask; n++, i = (i + 1) & m->mask) {
		struct mcr_match_entry *e = &m->slots[i];

		if (!e->port || (e->group == g && e->port == port && e->source == s))
			return e;
	}
	return NULL;
}

int mcr_match_insert(struct mcr_match *m, struct in_addr group, uint16_t port,
		     struct in_addr source, void *val)
{
	struct mcr_match_entry *e;

	if (!port)
		return -EINVAL;
	if (!m->slots || m->count + 1 > (m->mask + 1) / 2)
		return -ENOSPC;
	e = find(m, group.s_addr, port, source.s_addr);
	if (e->port)
		return -EEXIST;
	e->group = group.s_addr;
	e->port = port;
	e->source = source.s_addr;
	e->val = val;
	m->count++;
	return 0;
}

void *mcr_match_lookup(const struct mcr_match *m, struct in_addr group, uint16_t port,
		       struct in_addr source)
{
	const struct mcr_match_entry *e;

	if (!m->count)
		return NULL;
	e = find(m, group.s_addr, port, source.s_addr);
	if (e && e->port)
		return e->val;
	if (!source.s_addr)
		return NULL;
	e = find(m, group.s_addr, port, 0);
	return e && e->port ? e->val : NULL;
}
