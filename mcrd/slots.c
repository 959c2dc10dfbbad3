/* Fair shares of the control socket's client slots (see slots.h). */
#include "slots.h"

static size_t count_uid(const struct slot_view *v, size_t n, uid_t uid)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += v[i].used && v[i].uid == uid;
	return k;
}

/* uid's least valuable client: lowest rank, then quiet for longest; -1 if none. */
static int least_valuable(const struct slot_view *v, size_t n, uid_t uid)
{
	int best = -1;

	for (size_t i = 0; i < n; i++) {
		if (!v[i].used || v[i].uid != uid)
			continue;
		if (best < 0 || v[i].rank < v[best].rank ||
		    (v[i].rank == v[best].rank && v[i].active_ms < v[best].active_ms))
			best = (int)i;
	}
	return best;
}

/* Whether a (holding ka slots) gives way before b (holding kb): see slots.h. */
static bool gives_way(const struct slot_view *a, size_t ka, const struct slot_view *b, size_t kb,
		      uid_t newcomer)
{
	if (ka != kb)
		return ka > kb;
	if ((a->uid == newcomer) != (b->uid == newcomer))
		return a->uid == newcomer;
	return !a->privileged && b->privileged;
}

/* The uid holding the most slots, ties broken as gives_way() says. */
static uid_t biggest_holder(const struct slot_view *v, size_t n, uid_t newcomer)
{
	int best = -1;
	size_t kbest = 0;

	for (size_t i = 0; i < n; i++) {
		size_t k;

		if (!v[i].used)
			continue;
		k = count_uid(v, n, v[i].uid);
		if (best < 0 || gives_way(&v[i], k, &v[best], kbest, newcomer)) {
			best = (int)i;
			kbest = k;
		}
	}
	return v[best].uid;
}

int slots_pick(const struct slot_view *v, size_t n, uid_t uid, bool privileged,
	       enum slot_why *why, uid_t *victim)
{
	*victim = uid;
	if (!privileged && count_uid(v, n, uid) >= SLOTS_SHARE) {
		*why = SLOT_OVER_SHARE;
		return least_valuable(v, n, uid);
	}
	for (size_t i = 0; i < n; i++)
		if (!v[i].used) {
			*why = SLOT_FREE;
			return (int)i;
		}
	if (!n)
		return -1;
	*why = SLOT_FULL;
	*victim = biggest_holder(v, n, uid);
	return least_valuable(v, n, *victim);
}
