/* IGMP and MLD sockets, timer and listener state of the output links (querier.h). */
#include "querier.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "counters.h"
#include "iface.h"
#include "log.h"
#include "qsock.h"
#include "ratelog.h"

#define READ_BURST 64 /* messages per wake-up: the loop's other watches get their turn */

/* The reject reasons share their slots (mld.h). */
_Static_assert((int)MLD_R__MAX == (int)IGMP_R__MAX &&
	       (int)MLD_R_HOP_LIMIT == (int)IGMP_R_TTL &&
	       (int)MLD_R_GROUP == (int)IGMP_R_GROUP, "IGMP and MLD reject slots agree");

struct qlink {
	char dev[IFNAMSIZ];
	int ifindex;
	int family;            /* AF_INET: IGMP; AF_INET6: MLD */
	struct mcr_addr self;
	int rx, tx, watch;
	struct mbr *m;
	struct querier *q;
	uint32_t slot;         /* its counters, in shared memory: the metrics process reads them */
	struct qlink_stats *st;
	bool keep;             /* sync: still wanted */
};

struct querier {
	struct evloop *ev;
	struct mbr_timers t;
	int tfd, twatch;
	struct qlink *links[QUERIER_MAX_LINKS];
	unsigned nlinks;
	void (*changed)(void *arg);
	void (*member)(void *arg, const struct querier_member *e);
	void *arg;
	bool dirty;
	struct mcr_ratelog rl;
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* The timer at the earliest deadline of any link (disarmed when none). */
static void rearm(struct querier *q)
{
	struct itimerspec its = { 0 };
	int64_t d = INT64_MAX;

	for (unsigned i = 0; i < q->nlinks; i++) {
		int64_t x = mbr_deadline(q->links[i]->m);

		d = x < d ? x : d;
	}
	if (d != INT64_MAX) {
		d = d > 0 ? d : 1;
		its.it_value.tv_sec = d / 1000000000LL;
		its.it_value.tv_nsec = d % 1000000000LL;
	}
	timerfd_settime(q->tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

/* The listener state's counters and gauges into the link's shared slot. */
static void publish(struct qlink *l)
{
	const struct mbr_stats *ms = mbr_stats(l->m);
	struct qlink_stats *st = l->st;
	bool self;
	int64_t other;

	st->reports = ms->reports;
	st->leaves = ms->leaves;
	st->queries_in = ms->queries_in;
	st->queries_out = ms->queries_out;
	st->table_full = ms->table_full;
	st->joins = ms->joins;
	st->expiries = ms->expiries;
	st->elections = ms->elections;
	mbr_querier(l->m, &self, &other);
	st->querier = self;
	st->groups = mbr_ngroups(l->m);
}

static void settle(struct querier *q)
{
	for (unsigned i = 0; i < q->nlinks; i++)
		publish(q->links[i]);
	if (q->dirty) {
		q->dirty = false;
		q->changed(q->arg);
	}
	rearm(q);
}

static const char *proto(const struct qlink *l)
{
	return l->family == AF_INET6 ? "MLD" : "IGMP";
}

static void send_query(void *arg, struct mcr_addr g, unsigned max_resp_ms)
{
	struct qlink *l = arg;
	uint8_t buf[28];
	unsigned qrv = l->q->t.robustness, qqi = l->q->t.query_interval_ms / 1000;
	size_t n = l->family == AF_INET6 ?
		   mld_build_query(buf, &g.v6, max_resp_ms, false, (uint8_t)qrv, qqi) :
		   igmp_build_query(buf, g.v4, max_resp_ms / 100 ? max_resp_ms / 100 : 1, false,
				    (uint8_t)qrv, qqi);
	char more[64];
	int err = qsock_send(l->tx, l->ifindex, l->self, g, buf, n);

	if (!err)
		return;
	l->st->tx_errors++;
	if (mcr_ratelog_allow(&l->q->rl, more, sizeof(more)))
		log_warn("dev %s: cannot send an %s query: %s%s", l->dev, proto(l), strerror(-err),
			 more);
}

static void members_changed(void *arg, struct mcr_addr g)
{
	struct qlink *l = arg;
	char a[MCR_ADDRSTRLEN];

	log_info("dev %s: group %s: %s", l->dev, mcr_addr_str(g, a),
		 mbr_wants(l->m, g, (struct mcr_addr){ .family = AF_UNSPEC }) ? "members changed" :
									       "no member left");
	l->q->dirty = true;
}

static void member_event(void *arg, struct mcr_addr g, bool joined)
{
	struct qlink *l = arg;
	struct querier_member e = { l->dev, l->ifindex, l->family, g, joined };

	if (l->q->member)
		l->q->member(l->q->arg, &e);
}

static const struct mbr_ops link_ops = { send_query, members_changed, member_event };

/* One message of n bytes (of the link's protocol): counted, and fed to the listener state. */
static void take(struct qlink *l, const uint8_t *buf, size_t n)
{
	unsigned why;

	if (l->family == AF_INET6) {
		struct mld_msg mm;

		if (!(why = mld_parse(buf, n, &mm)))
			mbr_input_mld(l->m, &mm, now_ns());
	} else {
		struct igmp_msg im;

		if (!(why = igmp_parse(buf, n, &im)))
			mbr_input(l->m, &im, now_ns());
	}
	if (why)
		l->st->rejects[why]++;
	else
		l->st->received++;
}

static void on_rx(void *arg, int fd)
{
	struct qlink *l = arg;
	uint8_t buf[2048];

	for (unsigned i = 0; i < READ_BURST; i++) {
		struct sockaddr_ll from;
		socklen_t fl = sizeof(from);
		ssize_t n = recvfrom(fd, buf, sizeof(buf), MSG_TRUNC, (struct sockaddr *)&from, &fl);

		if (n < 0)
			break;
		if (from.sll_pkttype == PACKET_OUTGOING)
			continue; /* our own queries, our host's reports */
		take(l, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf));
	}
	settle(l->q);
}

static void on_timer(void *arg, int fd)
{
	struct querier *q = arg;
	uint64_t n;
	int64_t now = now_ns();

	if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return;
	for (unsigned i = 0; i < q->nlinks; i++)
		mbr_tick(q->links[i]->m, now);
	settle(q);
}

static void link_free(struct querier *q, struct qlink *l)
{
	if (l->watch >= 0)
		evloop_unwatch(q->ev, l->watch);
	if (l->rx >= 0)
		close(l->rx);
	if (l->tx >= 0)
		close(l->tx);
	mbr_free(l->m);
	if (l->st)
		counters_free_qlink(l->slot);
	free(l);
}

static struct qlink *link_open(struct querier *q, const char *dev, int ifindex, int family)
{
	struct qlink *l = calloc(1, sizeof(*l));
	int err;

	if (!l)
		return NULL;
	snprintf(l->dev, sizeof(l->dev), "%s", dev);
	l->ifindex = ifindex;
	l->family = family;
	l->q = q;
	l->tx = -1;
	l->watch = -1;
	l->rx = -1;
	/* None free cannot happen: at most QUERIER_MAX_LINKS of CNT_QLINKS are in use. */
	if ((l->slot = counters_alloc_qlink()) == UINT32_MAX) {
		free(l);
		return NULL;
	}
	l->st = counters_qlink(l->slot);
	l->rx = qsock_rx(ifindex, family);
	err = l->rx < 0 ? l->rx : (l->tx = qsock_tx(ifindex, family)) < 0 ? l->tx : 0;
	if (!err)
		err = mbr_new(&l->m, family, &q->t, &link_ops, l, now_ns());
	if (!err && (l->watch = evloop_watch(q->ev, l->rx, POLLIN, on_rx, l)) < 0)
		err = l->watch;
	if (err) {
		log_err("dev %s: cannot listen for %s: %s; its listeners outputs wait", dev,
			proto(l), strerror(-err));
		link_free(q, l);
		return NULL;
	}
	log_notice("dev %s: listening for %s members", dev, proto(l));
	return l;
}

int querier_new(struct querier **out, struct evloop *ev, const struct mbr_timers *t,
		void (*changed)(void *arg),
		void (*member)(void *arg, const struct querier_member *e), void *arg)
{
	struct querier *q = calloc(1, sizeof(*q));

	if (!q)
		return -ENOMEM;
	*q = (struct querier){ .ev = ev, .t = *t, .changed = changed, .member = member, .arg = arg,
			       .rl = MCR_RATELOG_INIT(10000) };
	q->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (q->tfd < 0 || (q->twatch = evloop_watch(ev, q->tfd, POLLIN, on_timer, q)) < 0) {
		if (q->tfd >= 0)
			close(q->tfd);
		free(q);
		return -ENOSPC;
	}
	*out = q;
	return 0;
}

void querier_free(struct querier *q)
{
	if (!q)
		return;
	for (unsigned i = 0; i < q->nlinks; i++)
		link_free(q, q->links[i]);
	evloop_unwatch(q->ev, q->twatch);
	close(q->tfd);
	free(q);
}

static struct qlink *find(const struct querier *q, int ifindex, int family)
{
	for (unsigned i = 0; i < q->nlinks; i++)
		if (q->links[i]->ifindex == ifindex && q->links[i]->family == family)
			return q->links[i];
	return NULL;
}

/* Our address on the link: its primary IPv4 one, or its (first) IPv6 link-local one. */
static struct mcr_addr self_addr(const struct iface_info *ii, int family)
{
	if (family == AF_INET)
		return ii->naddr ? mcr_addr4(ii->addr[0]) : (struct mcr_addr){ .family = AF_UNSPEC };
	for (unsigned i = 0; i < ii->naddr6; i++)
		if (IN6_IS_ADDR_LINKLOCAL(&ii->addr6[i]))
			return mcr_addr6(&ii->addr6[i]);
	return (struct mcr_addr){ .family = AF_UNSPEC };
}

/* The link of dev (up, as it is now) marked kept, opened if new; its address current. */
static void want_link(struct querier *q, const char *dev, int family)
{
	struct iface_info ii;
	struct qlink *l;

	if (iface_lookup(dev, &ii) || !(ii.flags & IFF_UP))
		return;
	l = find(q, ii.ifindex, family);
	if (!l) {
		if (q->nlinks == QUERIER_MAX_LINKS || !(l = link_open(q, dev, ii.ifindex, family)))
			return;
		q->links[q->nlinks++] = l;
	}
	l->keep = true;
	l->self = self_addr(&ii, family);
	mbr_set_self(l->m, l->self, now_ns());
}

void querier_sync(struct querier *q, const struct plan *p)
{
	for (unsigned i = 0; i < q->nlinks; i++)
		q->links[i]->keep = false;
	for (size_t i = 0; i < plan_nrules(p); i++) {
		const struct plan_rule *rr = plan_rule(p, i);

		for (unsigned k = 0; k < rr->cfg.nout; k++)
			if (rr->cfg.out[k].listeners)
				want_link(q, rr->cfg.out[k].dev, rr->cfg.out[k].group.family);
	}
	for (unsigned i = q->nlinks; i-- > 0;) {
		if (q->links[i]->keep)
			continue;
		log_notice("dev %s: no longer listening for %s members", q->links[i]->dev,
			   proto(q->links[i]));
		link_free(q, q->links[i]);
		q->links[i] = q->links[--q->nlinks];
		q->dirty = true;
	}
	settle(q);
}

bool querier_wants(void *arg, int ifindex, struct mcr_addr group, struct mcr_addr src)
{
	const struct qlink *l = find(arg, ifindex, group.family);

	return l && mbr_wants(l->m, group, src);
}

unsigned querier_nlinks(const struct querier *q)
{
	return q ? q->nlinks : 0;
}

void querier_slot(const struct querier *q, unsigned i, char *dev, uint32_t *family,
		  uint32_t *slot)
{
	const struct qlink *l = q->links[i];

	snprintf(dev, IFNAMSIZ, "%s", l->dev);
	*family = (uint32_t)l->family;
	*slot = l->slot;
}

static uint32_t ms_left(int64_t t, int64_t now)
{
	return t > now ? (uint32_t)((t - now) / 1000000) : 0;
}

static void group_info(const struct mbr_group *gr, int64_t now, struct mcr_group_info *g)
{
	*g = (struct mcr_group_info){ .group = gr->g, .reporter = gr->last_reporter,
				      .exclude = gr->exclude,
				      .version = (uint8_t)mbr_group_version(gr, now),
				      .expires_ms = gr->exclude ? ms_left(gr->expires, now) : 0 };
	for (unsigned k = 0; k < gr->nsrc && k < MCR_GROUP_SOURCES; k++) {
		g->src[g->nsrc] = gr->src[k].a;
		g->src_ms[g->nsrc++] = gr->src[k].expires ? ms_left(gr->src[k].expires, now) : 0;
	}
}

int querier_info(const struct querier *q, unsigned i, struct mcr_glink_info *l)
{
	struct qlink *ql = q->links[i];
	const struct qlink_stats *st = ql->st;
	const struct mbr_timers *t = mbr_get_timers(ql->m);
	int64_t now = now_ns(), other;
	bool self;

	publish(ql);
	memset(l, 0, sizeof(*l));
	snprintf(l->dev, sizeof(l->dev), "%s", ql->dev);
	l->ifindex = (uint32_t)ql->ifindex;
	l->family = (uint8_t)ql->family;
	l->self = ql->self;
	l->querier = mbr_querier(ql->m, &self, &other);
	l->querier_self = self;
	l->other_ms = other ? ms_left(other, now) : 0;
	l->robustness = (uint8_t)t->robustness; /* at most 7 (members.c) */
	l->query_interval_ms = t->query_interval_ms;
	l->counters[MCR_GC_RX] = st->received;
	l->counters[MCR_GC_REPORTS] = st->reports;
	l->counters[MCR_GC_LEAVES] = st->leaves;
	l->counters[MCR_GC_QUERIES_IN] = st->queries_in;
	l->counters[MCR_GC_QUERIES_OUT] = st->queries_out;
	l->counters[MCR_GC_TABLE_FULL] = st->table_full;
	l->counters[MCR_GC_TX_ERRORS] = st->tx_errors;
	l->counters[MCR_GC_JOINS] = st->joins;
	l->counters[MCR_GC_EXPIRIES] = st->expiries;
	l->counters[MCR_GC_ELECTIONS] = st->elections;
	memcpy(l->rejects, st->rejects, sizeof(st->rejects));
	l->ngroups = mbr_ngroups(ql->m);
	if (l->ngroups && !(l->groups = calloc(l->ngroups, sizeof(*l->groups))))
		return -ENOMEM;
	for (unsigned k = 0; k < l->ngroups; k++)
		group_info(mbr_group_at(ql->m, k), now, &l->groups[k]);
	return 0;
}
