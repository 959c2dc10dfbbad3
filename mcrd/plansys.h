/*
 * The plan's real sockets: AF_PACKET ingress (ingress.c), shared UDP
 * egress sockets (egress.c), transmit rings (txsocks.c) and IGMP
 * memberships (membership.c), behind
 * the plan's sys table (plan.h).
 */
#ifndef MCRD_PLANSYS_H
#define MCRD_PLANSYS_H

#include "plan.h"

struct plansys;

extern const struct plan_sys plansys_ops;

/* NULL on ENOMEM. */
struct plansys *plansys_new(void);
/*
 * Egress sockets opened or about to close are reported to opened / closing,
 * transmit ring sockets to the plan arg (plan_tx_opened, plan_tx_closing).
 */
void plansys_notify(struct plansys *s, plan_egress_fn opened, plan_egress_fn closing, void *arg);
/* Leaves every group and closes every egress socket, reporting nothing. */
void plansys_free(struct plansys *s);

#endif
