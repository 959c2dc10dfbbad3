/*
 * The control socket's client slots, shared fairly by peer credentials.
 * Group members may connect at will, so a new client always gets a slot:
 *
 *  - an unprivileged uid (not root, not mcrd's own) holds at most
 *    SLOTS_SHARE of them; its next client takes the place of its own least
 *    valuable one, so it can never crowd out anyone else;
 *  - when every slot is taken, a new client takes the place of the least
 *    valuable client of the uid holding the most slots (ties: the
 *    newcomer's own uid, then an unprivileged one).
 *
 * Least valuable: an idle client (nothing buffered either way) before a
 * busy one (a partial request, or a reply it does not read), before a
 * monitor; among equals, the one quiet for longest.  Pure policy: the
 * transport (control.c) fills the view and closes the client named.
 */
#ifndef MCRD_SLOTS_H
#define MCRD_SLOTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SLOTS_MAX   64
#define SLOTS_SHARE (SLOTS_MAX / 4)

enum slot_rank { SLOT_IDLE, SLOT_BUSY, SLOT_MONITOR };

/* What the policy knows of the client in one slot. */
struct slot_view {
	bool used;
	bool privileged;      /* root or mcrd's own uid: no share limit */
	uid_t uid;
	enum slot_rank rank;
	uint64_t active_ms;   /* last byte read from or written to it */
};

enum slot_why {
	SLOT_FREE,            /* an empty slot */
	SLOT_OVER_SHARE,      /* the newcomer's uid holds its share: one of its own makes room */
	SLOT_FULL,            /* every slot is taken: the biggest holder makes room */
};

/*
 * The slot (of n, at most SLOTS_MAX) for a new client of uid: an empty
 * one, or one whose client must be closed first (why says which; *victim
 * is then that client's uid).  -1 only when n is 0.
 */
int slots_pick(const struct slot_view *v, size_t n, uid_t uid, bool privileged,
	       enum slot_why *why, uid_t *victim);

#endif
