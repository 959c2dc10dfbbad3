/*
 * The control requests: one handler per message type (the dispatch table
 * the control transport uses) and the events monitors hear.  Handlers see
 * the daemon only through the plan's accessors, the pool's worker info
 * and the reload callback.
 */
#ifndef MCRD_REQUESTS_H
#define MCRD_REQUESTS_H

#include "control.h"
#include "errlist.h"
#include "links.h"
#include "plan.h"
#include "pool.h"
#include "querier.h"
#include "reload.h"
#include "tracer.h"

/* Re-reads the rule file; fills el with its problems; 0 or -errno. */
typedef int (*requests_reload_fn)(void *arg, struct mcr_errlist *el, struct reload_result *res);

struct requests {
	struct plan *plan;
	struct pool *pool;
	requests_reload_fn reload;
	void *reload_arg;
	struct control *ctl;  /* where events go; NULL: nowhere yet */
	struct links links;   /* what monitors were last told of the interfaces */
	struct tracer *tracer; /* rule traces */
	struct querier *querier; /* IGMP on listeners outputs' links */
};

/* The handlers, for control_open() with a struct requests as its arg. */
extern const struct ctl_handler requests_table[];

/* Tells monitors about a rule (MCR_EV_RULE_*). */
void requests_event_rule(struct requests *rq, unsigned event, const struct plan_rule *rr);
/* Tells monitors that a group of a listened link got its first member or lost its last. */
void requests_event_member(struct requests *rq, const struct querier_member *e);
/* Tells monitors that a reload happened (status, messages). */
void requests_event_reload(struct requests *rq, int status, const struct mcr_errlist *el);
/*
 * Interfaces may have changed: monitors get MCR_EV_LINK for each interface
 * rules use whose ifindex, state or addresses differ from what they were
 * last told.  With no control socket yet, it only records the baseline.
 */
void requests_links_changed(struct requests *rq);
void requests_free(struct requests *rq);
/* reqgroup.c: MCR_CMD_GROUP_GET, each listened link's members and querier state. */
void requests_group_get(void *arg, struct ctl_client *c, const struct nlmsghdr *nlh);

#endif
