/*
 * IGMP and MLD on the output links of `listeners` outputs (issue 18), in
 * the parent's event loop: per link and family (IGMP for IPv4 groups, MLD
 * for IPv6 ones), an AF_PACKET socket that receives the link's messages
 * (all multicast, whatever the host joined) and a raw socket that sends
 * our queries, with Router Alert, TTL / hop limit 1 (qsock.c).  Messages
 * are parsed (lib/igmp.c, lib/mld.c: rejects counted per reason and
 * ignored) and feed the link's listener state (members.c); one timer
 * serves every link.
 * The parent only parses and updates that table: nothing per packet of
 * the relayed streams.
 */
#ifndef MCRD_QUERIER_H
#define MCRD_QUERIER_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "ctl.h"
#include "evloop.h"
#include "igmp.h"
#include "members.h"
#include "plan.h"

#define QUERIER_MAX_LINKS 64

struct querier;

/* A group of a link got its first member (joined) or lost its last. */
struct querier_member {
	const char *dev;
	int ifindex, family;
	struct mcr_addr group;
	bool joined;
};

/*
 * changed(arg): some link's members changed (once per pass, not per
 * message): the caller reconciles the plan.  member(arg, e): as it
 * happens (may be NULL).  0 or -errno.
 */
int querier_new(struct querier **q, struct evloop *ev, const struct mbr_timers *t,
		void (*changed)(void *arg),
		void (*member)(void *arg, const struct querier_member *e), void *arg);
void querier_free(struct querier *q);
/* The links the plan's listeners outputs are on, opened or closed to match. */
void querier_sync(struct querier *q, const struct plan *p);
/* plan_config.wants. */
bool querier_wants(void *q, int ifindex, struct mcr_addr group, struct mcr_addr src);
unsigned querier_nlinks(const struct querier *q);
/* Link i's name (IFNAMSIZ), family and counter slot (counters_qlink): the metrics catalog's. */
void querier_slot(const struct querier *q, unsigned i, char *dev, uint32_t *family,
		  uint32_t *slot);
/* Link i (i < querier_nlinks) as the protocol shows it; l->groups allocated.  0 or -ENOMEM. */
int querier_info(const struct querier *q, unsigned i, struct mcr_glink_info *l);

#endif
