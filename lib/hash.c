/* Jump consistent hash over a mixed (group, port) key. */
#include "hash.h"

#include <arpa/inet.h>
#include <string.h>

unsigned mcr_jump_hash(uint64_t key, unsigned buckets)
{
	int64_t b = -1, j = 0;

	while (j < (int64_t)buckets) {
		b = j;
		key = key * 2862933555777941757ULL + 1;
		j = (int64_t)((double)(b + 1) * ((double)(1LL << 31) / (double)((key >> 33) + 1)));
	}
	return (unsigned)b;
}

/* splitmix64: groups and ports differ in a few low bits; spread them. */
static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* 32 bits of a group: an IPv4 one as it is, an IPv6 one mixed down. */
static uint32_t group_bits(struct mcr_addr g)
{
	uint64_t hi, lo;

	if (g.family != AF_INET6)
		return ntohl(g.v4.s_addr);
	memcpy(&hi, g.v6.s6_addr, 8);
	memcpy(&lo, g.v6.s6_addr + 8, 8);
	return (uint32_t)mix(mix(hi) ^ lo);
}

unsigned mcr_worker_of(struct mcr_addr group, uint16_t port, unsigned workers)
{
	if (workers <= 1)
		return 0;
	return mcr_jump_hash(mix((uint64_t)group_bits(group) << 16 | port), workers);
}
