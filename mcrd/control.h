/*
 * The control socket: a Unix stream socket speaking the protocol of
 * lib/ctl.h.  Non-blocking throughout: a slow client costs only its own
 * bounded buffers and is dropped when they overflow; a silent one is dropped
 * by control_tick().
 */
#ifndef MCRD_CONTROL_H
#define MCRD_CONTROL_H

#include "errlist.h"
#include "evloop.h"
#include "plan.h"
#include "pool.h"
#include "reload.h"

struct control;

/* Re-reads the rule file; fills el with its problems; 0 or -errno. */
typedef int (*control_reload_fn)(void *arg, struct mcr_errlist *el, struct reload_result *res);

/*
 * Creates the socket at path (mode 0660, group `group` when not NULL).  A stale socket from a dead
 * daemon is replaced; one a live daemon answers on is refused (-EADDRINUSE).
 */
int control_open(struct control **c, const char *path, const char *group, struct evloop *ev,
		 struct plan *plan, struct pool *pool, control_reload_fn reload, void *arg);
/* Closes every client and removes the socket file. */
void control_close(struct control *c);
/* Tells monitoring clients about a rule (MCR_EV_RULE_*). */
void control_event_rule(struct control *c, unsigned event, const struct plan_rule *rr);
/* Tells monitoring clients that a reload happened (status, messages). */
void control_event_reload(struct control *c, int status, const struct mcr_errlist *el);

/*
 * Interfaces may have changed: monitors get MCR_EV_LINK for each interface
 * rules use whose ifindex, state or addresses differ from what they were
 * last told.
 */
void control_links_changed(struct control *c);
/*
 * Once a second: drops a non-monitor client that has held a partial message
 * for 5 s (with an error reply) or has sent nothing for 10 s since connecting.
 */
void control_tick(struct control *c);

#endif
