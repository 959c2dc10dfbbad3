/* Jump consistent hash over a mixed (group, port) key. */
#include "hash.h"

#include <arpa/inet.h>

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

unsigned mcr_worker_of(struct in_addr group, uint16_t port, unsigned workers)
{
	if (workers <= 1)
		return 0;
	return mcr_jump_hash(mix((uint64_t)ntohl(group.s_addr) << 16 | port), workers);
}
