/*
 * The loop guard of a rule with a fixed-TTL output: such frames never
 * expire, so a forwarding loop through other relays would circulate for
 * ever.  The guard remembers the payloads the rule relayed in the last
 * window (a hash each, in a 4-way set-associative table that evicts the
 * oldest entry of a set) and drops a datagram whose payload comes round
 * again within it (counted as loop).  A direct-mapped table would let two
 * payloads of one slot evict each other on every lap, and loop for ever.
 * The source address is not part of the key: other relays rewrite it.
 * A legitimate sender repeating an identical payload within the window
 * loses the repeat; one repeating it after the window does not.
 */
#ifndef MCRD_LOOPGUARD_H
#define MCRD_LOOPGUARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LOOPGUARD_SETS 256
#define LOOPGUARD_WAYS 4

struct loopguard {
	int64_t window_ns;
	struct {
		uint64_t key[LOOPGUARD_WAYS];
		int64_t seen[LOOPGUARD_WAYS]; /* when key was relayed, ns; 0: empty */
	} set[LOOPGUARD_SETS];
};

/* NULL on ENOMEM. */
struct loopguard *loopguard_new(unsigned window_ms);
void loopguard_free(struct loopguard *g);
/* The payload's hash (64 bits, length included). */
uint64_t loopguard_hash(const uint8_t *p, size_t len);
/*
 * True: payload p relayed within the window before now (ns) came round
 * again, drop it.  False: relay it, and it is remembered from now on.
 */
bool loopguard_seen(struct loopguard *g, const uint8_t *p, size_t len, int64_t now);

#endif
