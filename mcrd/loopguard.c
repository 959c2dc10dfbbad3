/* Loop guard: a window of recently relayed payload hashes. */
#include "loopguard.h"

#include <stdlib.h>
#include <string.h>

#define K1 0x9e3779b97f4a7c15ULL
#define K2 0xc2b2ae3d27d4eb4fULL

static uint64_t rotl(uint64_t x, int r)
{
	return x << r | x >> (64 - r);
}

/* A final avalanche (from MurmurHash3's fmix64). */
static uint64_t fmix(uint64_t h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	return h ^ (h >> 33);
}

uint64_t loopguard_hash(const uint8_t *p, size_t len)
{
	uint64_t h = K1 ^ len, w;

	for (; len >= 8; p += 8, len -= 8) {
		memcpy(&w, p, 8);
		h = rotl(h ^ (w * K2), 31) * K1;
	}
	if (len) {
		w = 0;
		memcpy(&w, p, len);
		h = rotl(h ^ (w * K2), 31) * K1;
	}
	return fmix(h);
}

struct loopguard *loopguard_new(unsigned window_ms)
{
	struct loopguard *g = calloc(1, sizeof(*g));

	if (g)
		g->window_ns = (int64_t)window_ms * 1000000;
	return g;
}

void loopguard_free(struct loopguard *g)
{
	free(g);
}

/*
 * A hit does not refresh the entry: a loop dies at its first return, and a
 * sender that repeats a payload faster than the window still gets one
 * copy through per window.  A miss takes the set's oldest way.
 */
bool loopguard_seen(struct loopguard *g, const uint8_t *p, size_t len, int64_t now)
{
	uint64_t h = loopguard_hash(p, len);
	unsigned s = (unsigned)(h % LOOPGUARD_SETS), old = 0;

	for (unsigned w = 0; w < LOOPGUARD_WAYS; w++) {
		if (g->set[s].key[w] == h && g->set[s].seen[w]) {
			if (now - g->set[s].seen[w] < g->window_ns)
				return true;
			old = w;
			break;
		}
		if (g->set[s].seen[w] < g->set[s].seen[old])
			old = w;
	}
	g->set[s].key[old] = h;
	g->set[s].seen[old] = now ? now : 1;
	return false;
}
