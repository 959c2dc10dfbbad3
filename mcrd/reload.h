/*
 * Applying a re-read rule file as a difference: unchanged rules are not
 * touched (sockets, memberships, counters stay), changed rules are
 * replaced, removed ones stop, new ones start; runtime rules are kept.
 */
#ifndef MCRD_RELOAD_H
#define MCRD_RELOAD_H

#include "errlist.h"
#include "relay.h"

struct reload_result {
	unsigned added, removed, changed, unchanged;
};

/*
 * Loads path; on any problem (every one in el, prefixed FILE:LINE) changes
 * nothing and returns -EINVAL.  Otherwise applies it and returns 0.
 */
int reload_apply(struct relay *r, const char *path, struct mcr_errlist *el,
		 struct reload_result *res);
/* Adds every rule of a freshly loaded file at start-up. 0 or -errno. */
int reload_initial(struct relay *r, const struct mcr_ruleset *rules);

#endif
