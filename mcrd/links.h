/*
 * The interfaces rules use, as the control protocol shows them: state and
 * IPv4 addresses from the netlink-fed interface table (iface.h), how many
 * rules use each, their input counters.  It also remembers what monitors
 * were last told, so that a netlink burst that changes nothing visible
 * announces nothing.
 */
#ifndef MCRD_LINKS_H
#define MCRD_LINKS_H

#include <stdbool.h>
#include <stddef.h>

#include "ctl.h"
#include "plan.h"

#define LINKS_MAX 4096

struct links {
	struct mcr_link_info *seen; /* per interface rules use, as last announced */
	size_t nseen;
};

/* Every interface a rule names (input or output), once; at most max. */
size_t links_names(const struct plan *p, char (*names)[IFNAMSIZ], size_t max);
/* The state of dev; with stats, its input counters summed over workers. */
void links_fill(const struct plan *p, const char *dev, bool stats, struct mcr_link_info *l);
/*
 * Records the state of every interface rules use, and calls announce for
 * each that differs from what was last recorded (or is new among them).
 * announce may be NULL (the baseline).  0 or -ENOMEM (nothing recorded).
 */
int links_update(struct links *lk, const struct plan *p,
		 void (*announce)(void *arg, const struct mcr_link_info *l), void *arg);
void links_free(struct links *lk);

#endif
