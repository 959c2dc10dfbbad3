/*
 * Listeners on one link (members.h): RFC 3376 6.4 (reports), 6.5 and 6.6
 * (queries), 7.3.2 (older hosts); for MLD RFC 3810 7.4, 7.5, 7.6, 8.3.2.
 * Time in ns; a source's or the group's timer is the absolute time it
 * expires.  IGMP and MLD messages are first mapped to one form (struct
 * msg): an MLDv1 report is an IGMPv2 report, a done a leave.
 */
#include "members.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define MS 1000000LL

/*
 * The most a query can set (RFC 3376 4.1.6, 4.1.7; RFC 3810 5.1.8, 5.1.9):
 * QRV is 3 bits, and QQIC 0xff decodes to 31 << 10 = 31744 s.  Values a
 * caller passes beyond them are clamped to them, so whatever a hostile
 * querier sends, the longest interval computed from them (the group
 * membership interval, 7 * 31744 s plus a response time that is at most
 * UINT_MAX ms) stays far below int64 ns, even added to a monotonic clock.
 */
#define QRV_MAX   7u
#define QQI_MAX_S 31744u
_Static_assert((int64_t)QRV_MAX * QQI_MAX_S * 1000 * MS + (int64_t)UINT32_MAX * MS <
		       INT64_MAX / 4,
	       "an adopted group membership interval fits int64 ns with room for the clock");

struct mbr {
	int family;
	struct mbr_timers t;    /* in use: conf, or the other querier's robustness and interval */
	struct mbr_timers conf; /* configured: ours whenever we are querier */
	const struct mbr_ops *ops;
	void *arg;
	struct mcr_addr self;   /* unset: no address */
	struct mcr_addr other;  /* the other querier while other_until is running */
	int64_t other_until;    /* other querier present timer; 0: we are querier (with an address) */
	int64_t next_query;     /* our next general query; -1: none */
	unsigned startup_left;
	unsigned ngroups;
	struct mbr_group *groups[MBR_MAX_GROUPS];
	struct mbr_stats st;
};

void mbr_timers_default(struct mbr_timers *t)
{
	*t = (struct mbr_timers){ .query_interval_ms = 125000, .query_response_ms = 10000,
				  .robustness = 2, .lmq_interval_ms = 1000, .lmq_count = 2 };
}

/* Group membership interval (8.4) and last member query time (8.8), ns. */
static int64_t gmi(const struct mbr *m)
{
	return (int64_t)m->t.robustness * m->t.query_interval_ms * MS + m->t.query_response_ms * MS;
}

static int64_t lmqt(const struct mbr *m)
{
	return (int64_t)m->t.lmq_interval_ms * m->t.lmq_count * MS;
}

/* A message of either protocol, as the state machine sees it. */
enum msg_kind { K_QUERY, K_V1, K_V2, K_LEAVE, K_V3 }; /* K_V2: IGMPv2 or MLDv1 report */

struct msg {
	enum msg_kind kind;
	struct mcr_addr src, group; /* group unset: a general query, or a v3 report */
	bool suppress;
	bool qv3;                   /* an IGMPv3 or MLDv2 query: it carries qrv and qqi */
	uint8_t qrv;                /* the querier's robustness; 0: more than 7 */
	unsigned qqi;               /* its query interval in s (QQIC decoded); 0: unknown */
	uint16_t nsrc;
	const uint8_t *srcs;
	const struct igmp_msg *igmp; /* the v3 report's records: one of these */
	const struct mld_msg *mld;
};

/* One record, either protocol's: sources of alen bytes each. */
struct rec {
	uint8_t type;
	struct mcr_addr group;
	uint16_t nsrc;
	const uint8_t *srcs;
	uint8_t family;
};

static struct mcr_addr addr_at(uint8_t family, const uint8_t *p, unsigned i)
{
	struct mcr_addr a = { .family = family };

	if (family == AF_INET6)
		memcpy(&a.v6, p + 16 * (size_t)i, 16);
	else
		memcpy(&a.v4, p + 4 * (size_t)i, 4);
	return a;
}

/* Unset, 0.0.0.0 or ::: no address. */
static bool none(struct mcr_addr a)
{
	return !mcr_addr_set(mcr_addr_any_unset(a));
}

static bool same(struct mcr_addr a, struct mcr_addr b)
{
	return mcr_addr_equal(a, b);
}

int mbr_new(struct mbr **out, int family, const struct mbr_timers *t, const struct mbr_ops *ops,
	    void *arg, int64_t now)
{
	struct mbr *m;

	(void)now;
	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->family = family;
	m->t = m->conf = *t;
	m->ops = ops;
	m->arg = arg;
	m->next_query = -1;
	*out = m;
	return 0;
}

void mbr_free(struct mbr *m)
{
	if (!m)
		return;
	for (unsigned i = 0; i < m->ngroups; i++)
		free(m->groups[i]);
	free(m);
}

int mbr_family(const struct mbr *m)
{
	return m->family;
}

static bool querier(const struct mbr *m)
{
	return !none(m->self) && !m->other_until;
}

/* No other querier (we take over, or there is none): our configured values again. */
static void no_other(struct mbr *m)
{
	m->other_until = 0;
	m->t = m->conf;
}

static void start_querier(struct mbr *m, int64_t now)
{
	if (m->other_until) /* another was querier: we take over */
		m->st.elections++;
	no_other(m);
	m->startup_left = m->t.robustness;
	m->next_query = now;
}

void mbr_set_self(struct mbr *m, struct mcr_addr self, int64_t now)
{
	if (none(self))
		self = (struct mcr_addr){ .family = AF_UNSPEC };
	if (same(self, m->self))
		return;
	m->self = self;
	if (none(self))
		m->next_query = -1;
	else if (!m->other_until || mcr_addr_cmp(self, m->other) < 0)
		start_querier(m, now);
}

static struct mbr_group *find(const struct mbr *m, struct mcr_addr g, unsigned *at)
{
	for (unsigned i = 0; i < m->ngroups; i++) {
		if (same(m->groups[i]->g, g)) {
			if (at)
				*at = i;
			return m->groups[i];
		}
	}
	return NULL;
}

static struct mbr_group *get(struct mbr *m, struct mcr_addr g)
{
	struct mbr_group *gr = find(m, g, NULL);

	if (gr)
		return gr;
	if (m->ngroups == MBR_MAX_GROUPS || !(gr = calloc(1, sizeof(*gr)))) {
		m->st.table_full++;
		return NULL;
	}
	gr->g = g;
	gr->family = (uint8_t)m->family;
	m->groups[m->ngroups++] = gr;
	return gr;
}

static void drop_group(struct mbr *m, unsigned i)
{
	struct mcr_addr g = m->groups[i]->g;

	free(m->groups[i]);
	m->groups[i] = m->groups[--m->ngroups];
	m->st.expiries++;
	if (m->ops->member)
		m->ops->member(m->arg, g, false);
	m->ops->changed(m->arg, g);
}

static struct mbr_src *src_find(struct mbr_group *gr, struct mcr_addr a)
{
	for (unsigned i = 0; i < gr->nsrc; i++)
		if (same(gr->src[i].a, a))
			return &gr->src[i];
	return NULL;
}

static struct mbr_src *src_get(struct mbr *m, struct mbr_group *gr, struct mcr_addr a,
			       int64_t expires)
{
	struct mbr_src *s = src_find(gr, a);

	if (s)
		return s;
	if (gr->nsrc == MBR_MAX_SOURCES) {
		m->st.table_full++;
		return NULL;
	}
	s = &gr->src[gr->nsrc++];
	*s = (struct mbr_src){ a, expires };
	return s;
}

static void src_del(struct mbr_group *gr, struct mbr_src *s)
{
	*s = gr->src[--gr->nsrc];
}

static bool in_set(const struct rec *r, struct mcr_addr a)
{
	for (unsigned i = 0; i < r->nsrc; i++)
		if (same(addr_at(r->family, r->srcs, i), a))
			return true;
	return false;
}
/* Q(G) or Q(G,A): group-specific queries, lmq_count of them (querier only). */
static void ask(struct mbr *m, struct mbr_group *gr, int64_t now)
{
	if (!querier(m))
		return;
	gr->lmq_left = m->t.lmq_count;
	gr->lmq_next = now;
}

/*
 * Q(G,A) (querier only): the timers of the sources in A (or, with invert,
 * of those not in A) lowered to LMQT; the query follows.
 */
static void lower_sources(struct mbr *m, struct mbr_group *gr, const struct rec *r,
			  bool invert, int64_t now)
{
	int64_t lo = now + lmqt(m);

	if (!querier(m))
		return;
	for (unsigned i = 0; i < gr->nsrc; i++)
		if (in_set(r, gr->src[i].a) != invert && gr->src[i].expires > lo)
			gr->src[i].expires = lo;
	ask(m, gr, now);
}

/* Sources not in r: deleted (A-B, X-A, Y-A). */
static void keep_only(struct mbr_group *gr, const struct rec *r)
{
	for (unsigned i = gr->nsrc; i-- > 0;)
		if (!in_set(r, gr->src[i].a))
			src_del(gr, &gr->src[i]);
}

/* The sources of r not yet known at timer t; with force, known ones set to t too. */
static void add_sources(struct mbr *m, struct mbr_group *gr, const struct rec *r,
			int64_t t, bool force)
{
	for (unsigned i = 0; i < r->nsrc; i++) {
		struct mcr_addr a = addr_at(r->family, r->srcs, i);
		struct mbr_src *s = src_find(gr, a);

		if (!s)
			src_get(m, gr, a, t);
		else if (force)
			s->expires = t;
	}
}

static void to_exclude(struct mbr *m, struct mbr_group *gr, const struct rec *r,
		       int64_t now)
{
	int64_t g = now + gmi(m);

	keep_only(gr, r);
	if (!gr->exclude) /* INCLUDE(A) -> EXCLUDE(A*B, B-A) */
		add_sources(m, gr, r, 0, false);
	else /* EXCLUDE(X,Y) -> EXCLUDE(A-Y, Y*A), A-X-Y at GMI (IS_EX) or GT (TO_EX) */
		add_sources(m, gr, r, r->type == IGMP_MODE_IS_EXCLUDE ? g : gr->expires, false);
	gr->exclude = true;
	gr->expires = g;
	if (r->type == IGMP_CHANGE_TO_EXCLUDE)
		lower_sources(m, gr, r, false, now);
}

/* RFC 3376 6.4.1 and 6.4.2, one record (already mapped for older hosts). */
static void record(struct mbr *m, struct mbr_group *gr, const struct rec *r, int64_t now)
{
	int64_t g = now + gmi(m);

	switch (r->type) {
	case IGMP_MODE_IS_INCLUDE:
	case IGMP_ALLOW_NEW:
		add_sources(m, gr, r, g, true);
		break;
	case IGMP_CHANGE_TO_INCLUDE: /* (A)=GMI, Q(G,X-A) or Q(G,A-B), and Q(G) in EXCLUDE */
		add_sources(m, gr, r, g, true);
		if (gr->exclude && querier(m) && gr->expires > now + lmqt(m))
			gr->expires = now + lmqt(m);
		lower_sources(m, gr, r, true, now);
		break;
	case IGMP_MODE_IS_EXCLUDE:
	case IGMP_CHANGE_TO_EXCLUDE:
		to_exclude(m, gr, r, now);
		break;
	case IGMP_BLOCK_OLD: /* EXCLUDE: A-X-Y at GT; Q(G,A*B) or Q(G,A-Y) */
		if (gr->exclude)
			add_sources(m, gr, r, gr->expires, false);
		lower_sources(m, gr, r, false, now);
		break;
	}
}

/* The group's compatibility mode on IGMP's scale: 1 (IGMPv1), 2 (IGMPv2, MLDv1) or 3. */
static unsigned compat(const struct mbr_group *gr, int64_t now)
{
	return gr->v1_until > now ? 1 : gr->v2_until > now ? 2 : 3;
}

unsigned mbr_group_version(const struct mbr_group *gr, int64_t now)
{
	return compat(gr, now) - (gr->family == AF_INET6);
}

static uint64_t mix(uint64_t x)
{
	x *= 0x9e3779b97f4a7c15ull;
	return x ^ x >> 29;
}

/* What forwarding depends on, summed: changed when whom the group is sent to may have. */
static uint64_t signature(const struct mbr_group *gr)
{
	uint64_t s;

	if (!gr)
		return 0;
	s = 1 + (gr->exclude ? 2 : 0) + ((uint64_t)gr->nsrc << 2);
	for (unsigned i = 0; i < gr->nsrc; i++) {
		uint64_t w[2];

		memcpy(w, &gr->src[i].a.v6, sizeof(w)); /* IPv4: the union's tail is zero */
		s += mix(mix(w[0]) ^ w[1] << 1 ^ (gr->src[i].expires != 0));
	}
	return s;
}

/* A record for group r->group, mapped for the group's older hosts (7.3.2, 8.3.2). */
static void apply(struct mbr *m, struct rec r, int64_t now)
{
	struct mbr_group *gr = find(m, r.group, NULL);
	bool adds = r.type == IGMP_MODE_IS_EXCLUDE || r.type == IGMP_CHANGE_TO_EXCLUDE || r.nsrc;
	unsigned v = gr ? compat(gr, now) : 3;
	uint64_t before = signature(gr);

	if (v < 3 && (r.type == IGMP_BLOCK_OLD || (v == 1 && r.type == IGMP_CHANGE_TO_INCLUDE)))
		return;
	if (v < 3 && r.type == IGMP_CHANGE_TO_EXCLUDE)
		r.nsrc = 0;
	if (!gr && (!adds || !(gr = get(m, r.group))))
		return;
	record(m, gr, &r, now);
	if (!before && signature(gr) != before) {
		m->st.joins++;
		if (m->ops->member)
			m->ops->member(m->arg, r.group, true);
	}
	if (signature(gr) != before)
		m->ops->changed(m->arg, r.group);
}

/* The v3 (MLDv2) record at *off of msg; false at the end. */
static bool next_record(const struct msg *msg, size_t *off, struct rec *r)
{
	struct igmp_record ir;
	struct mld_record mr;

	if (msg->igmp) {
		if (!igmp_record_next(msg->igmp, off, &ir))
			return false;
		*r = (struct rec){ ir.type, mcr_addr4(ir.group), ir.nsrc, ir.srcs, AF_INET };
	} else {
		if (!mld_record_next(msg->mld, off, &mr))
			return false;
		*r = (struct rec){ mr.type, mcr_addr6(&mr.group), mr.nsrc, mr.srcs, AF_INET6 };
	}
	return true;
}

static void report(struct mbr *m, const struct msg *msg, int64_t now)
{
	struct rec r = { .type = IGMP_MODE_IS_EXCLUDE, .group = msg->group,
			 .family = (uint8_t)m->family };
	struct mbr_group *gr;
	size_t off = 0;

	m->st.reports++;
	if (msg->kind == K_V3) {
		while (next_record(msg, &off, &r))
			apply(m, r, now);
		return;
	}
	if (msg->kind == K_LEAVE) {
		m->st.leaves++;
		r.type = IGMP_CHANGE_TO_INCLUDE;
	}
	apply(m, r, now);
	gr = find(m, msg->group, NULL);
	if (gr && msg->kind == K_V1)
		gr->v1_until = now + gmi(m);
	if (gr && msg->kind == K_V2)
		gr->v2_until = now + gmi(m);
	if (gr && msg->kind != K_LEAVE)
		gr->last_reporter = msg->src;
}

static unsigned min_u(unsigned a, unsigned b)
{
	return a < b ? a : b;
}

/*
 * RFC 3376 4.1.6 and 4.1.7 (RFC 3810 5.1.8, 5.1.9): a router that is not
 * querier adopts the querier's robustness (QRV) and query interval (QQI)
 * from its v3 (MLDv2) queries, and with them what is derived from them:
 * the group membership and other querier present intervals, the last
 * member query count.  Otherwise a querier with a longer interval than
 * ours would see our memberships and its own presence expire between two
 * of its queries.  A zero QRV or QQI stands for our configured value (as
 * the RFCs say); older queries carry neither and change nothing.  Clamped
 * to what the fields can carry (QRV_MAX, QQI_MAX_S) against overflow.
 */
static void adopt(struct mbr *m, const struct msg *msg)
{
	unsigned qrv = min_u(msg->qrv, QRV_MAX), qqi = min_u(msg->qqi, QQI_MAX_S);

	if (!msg->qv3)
		return;
	m->t.robustness = qrv ? qrv : m->conf.robustness;
	m->t.lmq_count = qrv ? qrv : m->conf.lmq_count;
	m->t.query_interval_ms = qqi ? qqi * 1000 : m->conf.query_interval_ms;
}

/*
 * RFC 3376 6.6.1 and 6.6.2 (RFC 3810 7.6): the lowest address is querier,
 * whose robustness and interval we then use; and the timers a
 * group-specific query lowers.
 */
static void query(struct mbr *m, const struct msg *msg, int64_t now)
{
	struct mbr_group *gr;
	int64_t lo;

	m->st.queries_in++;
	if (none(m->self) || mcr_addr_cmp(msg->src, m->self) < 0) {
		if (!m->other_until || mcr_addr_cmp(msg->src, m->other) <= 0 ||
		    now >= m->other_until) {
			if (!m->other_until || !same(m->other, msg->src))
				m->st.elections++;
			m->other = msg->src;
			adopt(m, msg);
			m->other_until = now + gmi(m) - m->t.query_response_ms * MS / 2;
		}
		m->next_query = -1;
	}
	lo = now + lmqt(m);
	if (none(msg->group) || msg->suppress || !(gr = find(m, msg->group, NULL)))
		return;
	if (!msg->nsrc && gr->exclude && gr->expires > lo)
		gr->expires = lo;
	for (unsigned i = 0; i < msg->nsrc; i++) {
		struct mbr_src *s = src_find(gr, addr_at((uint8_t)m->family, msg->srcs, i));

		if (s && s->expires > lo)
			s->expires = lo;
	}
}

static void input(struct mbr *m, const struct msg *msg, int64_t now)
{
	if (msg->kind == K_QUERY)
		query(m, msg, now);
	else
		report(m, msg, now);
}

void mbr_input(struct mbr *m, const struct igmp_msg *im, int64_t now)
{
	struct msg msg = { .src = mcr_addr4(im->src), .suppress = im->suppress, .nsrc = im->nsrc,
			   .srcs = im->srcs, .igmp = im, .qrv = im->qrv, .qqi = im->qqi,
			   .qv3 = im->type == IGMP_QUERY && im->version == 3 };

	if (m->family != AF_INET)
		return;
	msg.kind = im->type == IGMP_QUERY ? K_QUERY : im->type == IGMP_V1_REPORT ? K_V1 :
		   im->type == IGMP_V2_REPORT ? K_V2 : im->type == IGMP_V2_LEAVE ? K_LEAVE : K_V3;
	if (im->group.s_addr)
		msg.group = mcr_addr4(im->group);
	input(m, &msg, now);
}

void mbr_input_mld(struct mbr *m, const struct mld_msg *mm, int64_t now)
{
	struct msg msg = { .src = mcr_addr6(&mm->src), .suppress = mm->suppress, .nsrc = mm->nsrc,
			   .srcs = mm->srcs, .mld = mm, .qrv = mm->qrv, .qqi = mm->qqi,
			   .qv3 = mm->type == MLD_QUERY && mm->version == 2 };

	if (m->family != AF_INET6)
		return;
	msg.kind = mm->type == MLD_QUERY ? K_QUERY : mm->type == MLD_V1_REPORT ? K_V2 :
		   mm->type == MLD_V1_DONE ? K_LEAVE : K_V3;
	if (!IN6_IS_ADDR_UNSPECIFIED(&mm->group))
		msg.group = mcr_addr6(&mm->group);
	input(m, &msg, now);
}

static void send_query(struct mbr *m, struct mcr_addr g, unsigned ms)
{
	m->st.queries_out++;
	m->ops->query(m->arg, g, ms);
}

/* Group unset in a general query: the family's unspecified address. */
static struct mcr_addr general(const struct mbr *m)
{
	return (struct mcr_addr){ .family = (uint8_t)m->family };
}

static void tick_querier(struct mbr *m, int64_t now)
{
	if (m->other_until && now >= m->other_until && !none(m->self))
		start_querier(m, now);
	else if (m->other_until && now >= m->other_until) {
		no_other(m); /* no querier left: we have no address */
		m->st.elections++;
	}
	if (!querier(m) || m->next_query < 0 || now < m->next_query)
		return;
	send_query(m, general(m), m->t.query_response_ms);
	if (m->startup_left)
		m->startup_left--;
	m->next_query = now + (int64_t)m->t.query_interval_ms * MS / (m->startup_left ? 4 : 1);
}

/* Source and group timers of group i (6.2.2, 6.5); false when it was dropped. */
static bool tick_group(struct mbr *m, unsigned i, int64_t now)
{
	struct mbr_group *gr = m->groups[i];
	uint64_t before = signature(gr);

	if (gr->lmq_left && now >= gr->lmq_next) {
		if (querier(m))
			send_query(m, gr->g, m->t.lmq_interval_ms);
		gr->lmq_left = querier(m) ? gr->lmq_left - 1 : 0;
		gr->lmq_next = now + (int64_t)m->t.lmq_interval_ms * MS;
	}
	for (unsigned k = gr->nsrc; k-- > 0;) {
		if (!gr->src[k].expires || now < gr->src[k].expires)
			continue;
		if (gr->exclude)
			gr->src[k].expires = 0; /* X -> Y */
		else
			src_del(gr, &gr->src[k]);
	}
	if (gr->exclude && now >= gr->expires) {
		for (unsigned k = gr->nsrc; k-- > 0;)
			if (!gr->src[k].expires)
				src_del(gr, &gr->src[k]);
		gr->exclude = false;
		gr->expires = 0;
	}
	if (!gr->exclude && !gr->nsrc) {
		drop_group(m, i);
		return false;
	}
	if (signature(gr) != before)
		m->ops->changed(m->arg, gr->g);
	return true;
}

void mbr_tick(struct mbr *m, int64_t now)
{
	tick_querier(m, now);
	for (unsigned i = m->ngroups; i-- > 0;)
		tick_group(m, i, now);
}

static int64_t min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

int64_t mbr_deadline(const struct mbr *m)
{
	int64_t d = INT64_MAX;

	if (m->other_until)
		d = m->other_until;
	if (querier(m) && m->next_query >= 0)
		d = min64(d, m->next_query);
	for (unsigned i = 0; i < m->ngroups; i++) {
		const struct mbr_group *gr = m->groups[i];

		if (gr->lmq_left)
			d = min64(d, gr->lmq_next);
		if (gr->exclude)
			d = min64(d, gr->expires);
		for (unsigned k = 0; k < gr->nsrc; k++)
			if (gr->src[k].expires)
				d = min64(d, gr->src[k].expires);
	}
	return d;
}

bool mbr_wants(const struct mbr *m, struct mcr_addr g, struct mcr_addr s)
{
	const struct mbr_group *gr = find(m, g, NULL);
	const struct mbr_src *x;

	if (!gr)
		return false;
	if (none(s))
		return gr->exclude || gr->nsrc;
	x = src_find((struct mbr_group *)gr, s);
	return gr->exclude ? !x || x->expires : x != NULL;
}

struct mcr_addr mbr_querier(const struct mbr *m, bool *self, int64_t *other_until)
{
	*self = querier(m);
	*other_until = m->other_until;
	return *self ? m->self : m->other_until ? m->other : (struct mcr_addr){ .family = AF_UNSPEC };
}

unsigned mbr_ngroups(const struct mbr *m)
{
	return m->ngroups;
}

const struct mbr_group *mbr_group_at(const struct mbr *m, unsigned i)
{
	return i < m->ngroups ? m->groups[i] : NULL;
}

const struct mbr_stats *mbr_stats(const struct mbr *m)
{
	return &m->st;
}

const struct mbr_timers *mbr_get_timers(const struct mbr *m)
{
	return &m->t;
}
