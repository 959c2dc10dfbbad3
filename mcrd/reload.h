/*
 * Applying a re-read rule file as a difference: unchanged rules are not
 * touched (sockets, memberships, counters stay), changed rules are
 * replaced, removed ones stop, new ones start; runtime rules are kept.
 * A reload is all or nothing: everything it needs is validated and
 * prepared before the first running rule changes.
 */
#ifndef MCRD_RELOAD_H
#define MCRD_RELOAD_H

#include "config.h"
#include "errlist.h"
#include "plan.h"

struct reload_result {
	unsigned added, removed, changed, unchanged;
};

/*
 * Loads path; on any problem (every one in el, prefixed FILE:LINE) changes
 * nothing and returns -EINVAL.  Otherwise applies it as reload_rules().
 */
int reload_apply(struct plan *p, const char *path, struct mcr_errlist *el,
		 struct reload_result *res);
/*
 * Makes the file rules of p those of rs.  On a failure (the rule and the
 * reason in el) nothing changed: -EINVAL for a conflict with a runtime
 * rule, -ENOMEM or -ENOSPC when a rule could not be prepared.
 */
int reload_rules(struct plan *p, const struct mcr_ruleset *rs, struct mcr_errlist *el,
		 struct reload_result *res);
/* Adds every rule of a freshly loaded file at start-up. 0 or -errno. */
int reload_initial(struct plan *p, const struct mcr_ruleset *rules);

#endif
