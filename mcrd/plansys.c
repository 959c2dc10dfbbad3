/* The plan's sys table over the real socket modules. */
#include "plansys.h"

#include <stdlib.h>
#include <unistd.h>

#include "claim.h"
#include "egress.h"
#include "ingress.h"
#include "membership.h"
#include "txsocks.h"

struct plansys {
	struct egress *egress;
	struct txsocks *tx;
	struct membership *memb;
	plan_egress_fn opened, closing;
	void *arg;
};

static void on_open(void *arg, int fd, bool gso)
{
	struct plansys *s = arg;

	if (s->opened)
		s->opened(s->arg, fd, gso);
}

static void on_close(void *arg, int fd, bool gso)
{
	struct plansys *s = arg;

	if (s->closing)
		s->closing(s->arg, fd, gso);
}

static void on_tx_open(void *arg, unsigned w, int fd, int gso_fd, const struct txring_geom *g)
{
	struct plansys *s = arg;

	if (s->arg)
		plan_tx_opened(s->arg, w, fd, gso_fd, g);
}

static void on_tx_close(void *arg, unsigned w, int fd)
{
	struct plansys *s = arg;

	if (s->arg)
		plan_tx_closing(s->arg, w, fd);
}

struct plansys *plansys_new(void)
{
	struct plansys *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->egress = egress_new(on_open, on_close, s);
	s->tx = txsocks_new();
	s->memb = membership_new();
	if (!s->egress || !s->tx || !s->memb) {
		plansys_free(s);
		return NULL;
	}
	txsocks_notify(s->tx, on_tx_open, on_tx_close, s);
	return s;
}

void plansys_notify(struct plansys *s, plan_egress_fn opened, plan_egress_fn closing, void *arg)
{
	s->opened = opened;
	s->closing = closing;
	s->arg = arg;
}

void plansys_free(struct plansys *s)
{
	if (!s)
		return;
	s->opened = s->closing = NULL;
	s->arg = NULL;
	membership_free(s->memb); /* leaves every group */
	egress_free(s->egress);
	txsocks_free(s->tx);
	free(s);
}

static int sys_ingress_open(void *s, int ifindex, const struct filter_key *k, size_t n,
			    int *exact, struct rxring_size sz)
{
	(void)s;
	return ingress_open(ifindex, k, n, exact, sz);
}

static int sys_ingress_filter(void *s, int fd, const struct filter_key *k, size_t n, int *exact)
{
	(void)s;
	return ingress_set_filter(fd, k, n, exact);
}

static unsigned sys_ingress_drops(void *s, int fd)
{
	(void)s;
	return ingress_kernel_drops(fd);
}

static void sys_ingress_close(void *s, int fd)
{
	(void)s;
	close(fd);
}

static int sys_egress_get(void *s, const char *dev, int ifindex, enum egress_gso gso,
			  int family)
{
	return egress_get(((struct plansys *)s)->egress, dev, ifindex, gso, family);
}

static void sys_egress_forget(void *s, int ifindex)
{
	egress_forget_ifindex(((struct plansys *)s)->egress, ifindex);
}

static void sys_egress_foreach(void *s, plan_egress_fn fn, void *arg)
{
	egress_foreach(((struct plansys *)s)->egress, fn, arg);
}

static uint16_t sys_egress_port(void *s, int fd)
{
	(void)s;
	return egress_port(fd);
}

static int sys_tx_get(void *s, int ifindex, unsigned w, unsigned mtu)
{
	return txsocks_get(((struct plansys *)s)->tx, ifindex, w, mtu);
}

static void sys_tx_put(void *s, int fd)
{
	txsocks_put(((struct plansys *)s)->tx, fd);
}

static void sys_tx_renew(void *s, unsigned w)
{
	txsocks_renew(((struct plansys *)s)->tx, w);
}

static int sys_join(void *s, int ifindex, struct mcr_addr group, struct mcr_addr source)
{
	return membership_join(((struct plansys *)s)->memb, ifindex, group, source);
}

static int sys_leave(void *s, int ifindex, struct mcr_addr group, struct mcr_addr source)
{
	return membership_leave(((struct plansys *)s)->memb, ifindex, group, source);
}

static int sys_input_claim(void *s, const struct mcr_input *in)
{
	(void)s;
	return claim_input(in);
}

static void sys_input_unclaim(void *s, int fd)
{
	(void)s;
	close(fd);
}

const struct plan_sys plansys_ops = {
	.ingress_open = sys_ingress_open,
	.ingress_filter = sys_ingress_filter,
	.ingress_drops = sys_ingress_drops,
	.ingress_close = sys_ingress_close,
	.egress_get = sys_egress_get,
	.egress_forget = sys_egress_forget,
	.egress_foreach = sys_egress_foreach,
	.egress_port = sys_egress_port,
	.tx_get = sys_tx_get,
	.tx_put = sys_tx_put,
	.tx_renew = sys_tx_renew,
	.join = sys_join,
	.leave = sys_leave,
	.input_claim = sys_input_claim,
	.input_unclaim = sys_input_unclaim,
};
