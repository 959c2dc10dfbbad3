/* Control socket server: framing, validation, dispatch, replies, events. */
#include "control.h"

#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <libmnl/libmnl.h>
#include <net/if.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "ctl.h"
#include "iface.h"
#include "log.h"
#include "pool.h"

#define MAX_CLIENTS  64
#define OUT_MAX      (64u << 20) /* a client that lets this much pile up is dropped */
#define MSG_SMALL    (64u << 10)
#define PARTIAL_MS   5000        /* a started message must be complete by then */
#define SILENT_MS    10000       /* a client must say something by then */
#define LINKS_MAX    4096

struct client {
	int fd, win, wout;    /* fd, POLLIN watch, POLLOUT watch (-1 if none) */
	uint8_t *in;
	size_t inlen, incap;
	uint8_t *out;
	size_t outoff, outlen, outcap;
	bool monitor;
	bool dead;            /* to be closed once its own callback returns */
	bool spoke;           /* has sent at least one byte */
	uint64_t since_ms;    /* connected at */
	uint64_t partial_ms;  /* first byte of the pending partial message, 0 if none */
	struct control *ctl;
};

struct control {
	int lfd, lwatch;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct evloop *ev;
	struct plan *plan;
	struct pool *pool;
	control_reload_fn reload;
	void *arg;
	struct client *cl[MAX_CLIENTS];
	struct client *current; /* the client whose request is being handled */
	struct mcr_link_info *seen; /* what monitors were last told, per interface rules use */
	size_t nseen;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void client_close(struct client *c)
{
	struct control *ctl = c->ctl;

	evloop_unwatch(ctl->ev, c->win);
	if (c->wout >= 0)
		evloop_unwatch(ctl->ev, c->wout);
	close(c->fd);
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (ctl->cl[i] == c)
			ctl->cl[i] = NULL;
	free(c->in);
	free(c->out);
	free(c);
}

/* Closes now, or marks for closing if its request is being handled. */
static void client_drop(struct client *c)
{
	if (c->ctl->current == c)
		c->dead = true;
	else
		client_close(c);
}

/* Room for n more bytes at the end of the output; NULL when over the cap. */
static uint8_t *out_reserve(struct client *c, size_t n)
{
	if (c->outoff && c->outoff == c->outlen)
		c->outoff = c->outlen = 0;
	if (c->outlen + n > c->outcap) {
		size_t cap = c->outcap ? c->outcap : MSG_SMALL;
		uint8_t *p;

		while (cap < c->outlen + n)
			cap *= 2;
		if (cap > OUT_MAX || !(p = realloc(c->out, cap)))
			return NULL;
		c->out = p;
		c->outcap = cap;
	}
	memset(c->out + c->outlen, 0, n);
	return c->out + c->outlen;
}

static void on_writable(void *arg, int fd);

/* Writes what the socket takes now; waits for POLLOUT for the rest. */
static void client_flush(struct client *c)
{
	while (c->outoff < c->outlen) {
		ssize_t n = write(c->fd, c->out + c->outoff, c->outlen - c->outoff);

		if (n > 0) {
			c->outoff += (size_t)n;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (c->wout < 0)
				c->wout = evloop_watch(c->ctl->ev, c->fd, POLLOUT, on_writable, c);
			return;
		}
		client_drop(c); /* peer gone */
		return;
	}
	c->outoff = c->outlen = 0;
	if (c->wout >= 0) {
		evloop_unwatch(c->ctl->ev, c->wout);
		c->wout = -1;
	}
}

static void on_writable(void *arg, int fd)
{
	(void)fd;
	client_flush(arg);
}

/* Starts a message of at most size bytes in the output; NULL drops the client. */
static struct nlmsghdr *msg_begin(struct client *c, size_t size, uint16_t type, uint32_t seq)
{
	uint8_t *p = out_reserve(c, size);

	if (!p)
		return NULL;
	return mcr_ctl_msg_start(p, size, type, seq, 0);
}

static void msg_commit(struct client *c, const struct nlmsghdr *nlh)
{
	c->outlen += nlh->nlmsg_len;
}

static int send_done_list(struct client *c, uint32_t seq, int status, const char *const *msgs,
			  size_t n)
{
	size_t size = 256;
	struct nlmsghdr *nlh;

	for (size_t i = 0; i < n; i++)
		size += strlen(msgs[i]) + 16;
	nlh = msg_begin(c, size, MCR_MSG_DONE, seq);
	if (!nlh || mcr_ctl_put_done(nlh, size, status, msgs, n))
		return -EMSGSIZE;
	msg_commit(c, nlh);
	return 0;
}

static int send_done(struct client *c, uint32_t seq, int status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int send_done(struct client *c, uint32_t seq, int status, const char *fmt, ...)
{
	char msg[512];
	const char *m = msg;
	va_list ap;

	if (!fmt)
		return send_done_list(c, seq, status, NULL, 0);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return send_done_list(c, seq, status, &m, 1);
}

static int send_errlist(struct client *c, uint32_t seq, int status, const struct mcr_errlist *el)
{
	const char **msgs = calloc(el->n ? el->n : 1, sizeof(*msgs));
	char (*lines)[320] = calloc(el->n ? el->n : 1, sizeof(*lines));
	int err = -ENOMEM;

	if (msgs && lines) {
		for (size_t i = 0; i < el->n; i++) {
			mcr_errlist_format(el, i, lines[i], sizeof(lines[i]));
			msgs[i] = lines[i];
		}
		err = send_done_list(c, seq, status, msgs, el->n);
	}
	free(msgs);
	free(lines);
	return err;
}

/* Appends a message of type with MCR_A_RULE (and MCR_A_EVENT when event). */
static int put_rule_msg(struct client *c, uint16_t type, uint32_t seq, const struct plan_rule *rr,
			bool stats, uint32_t event)
{
	size_t size = mcr_ctl_rule_size(&rr->cfg) + 64;
	struct mcr_rule_info info;
	struct nlmsghdr *nlh;
	int err;

	err = plan_rule_info(rr, stats, &info);
	if (err)
		return err;
	nlh = msg_begin(c, size, type, seq);
	if (!nlh)
		err = -EMSGSIZE;
	else if (event)
		mnl_attr_put_u32(nlh, MCR_A_EVENT, event);
	if (!err)
		err = mcr_ctl_put_rule(nlh, size, &rr->cfg, &info);
	if (!err)
		msg_commit(c, nlh);
	free(info.out);
	return err;
}

static void broadcast_rule(struct control *ctl, uint32_t event, const struct plan_rule *rr)
{
	for (int i = 0; i < MAX_CLIENTS; i++) {
		struct client *c = ctl->cl[i];

		if (!c || !c->monitor)
			continue;
		if (put_rule_msg(c, MCR_MSG_EVENT, 0, rr, false, event))
			client_drop(c); /* cannot keep up */
		else
			client_flush(c);
	}
}

void control_event_rule(struct control *ctl, unsigned event, const struct plan_rule *rr)
{
	if (ctl)
		broadcast_rule(ctl, event, rr);
}

void control_event_reload(struct control *ctl, int status, const struct mcr_errlist *el)
{
	for (int i = 0; ctl && i < MAX_CLIENTS; i++) {
		struct client *c = ctl->cl[i];
		struct nlmsghdr *nlh;
		size_t size = 512;

		if (!c || !c->monitor)
			continue;
		for (size_t k = 0; k < el->n; k++)
			size += sizeof(el->v[k].msg) + 64;
		nlh = msg_begin(c, size, MCR_MSG_EVENT, 0);
		if (!nlh) {
			client_drop(c);
			continue;
		}
		mnl_attr_put_u32(nlh, MCR_A_EVENT, MCR_EV_RELOAD);
		mnl_attr_put_u32(nlh, MCR_A_STATUS, (uint32_t)status);
		for (size_t k = 0; k < el->n; k++) {
			char line[320];

			mcr_errlist_format(el, k, line, sizeof(line));
			mnl_attr_put_strz(nlh, MCR_A_MSG, line);
		}
		msg_commit(c, nlh);
		client_flush(c);
	}
}

/* Runtime rules get the default name and origin; then the usual checks. */
static void do_rule_add(struct client *c, const struct nlmsghdr *nlh)
{
	const struct nlattr *a = mcr_ctl_attr(nlh, MCR_A_RULE);
	struct mcr_errlist el;
	struct mcr_rule r;
	char err[256];
	int rc;

	if (!a) {
		send_done(c, nlh->nlmsg_seq, -EINVAL, "rule add: no rule in the request");
		return;
	}
	if (mcr_ctl_get_rule(a, &r, NULL, err, sizeof(err))) {
		send_done(c, nlh->nlmsg_seq, -EINVAL, "rule add: %s", err);
		return;
	}
	if (!r.name[0])
		mcr_rule_default_name(&r, r.name, sizeof(r.name));
	r.origin = MCR_ORIGIN_RUNTIME;
	r.line = 0;
	mcr_errlist_init(&el, NULL);
	rc = mcr_rule_check(&r, &el);
	if (!rc)
		rc = plan_add(c->ctl->plan, &r, &el);
	if (rc) {
		if (!el.n)
			mcr_errlist_add(&el, 0, "rule \"%s\": %s", r.name, strerror(-rc));
		send_errlist(c, nlh->nlmsg_seq, rc, &el);
	} else {
		log_info("rule \"%s\" added at runtime", r.name);
		send_done(c, nlh->nlmsg_seq, 0, NULL);
		broadcast_rule(c->ctl, MCR_EV_RULE_ADDED, plan_find(c->ctl->plan, r.name));
	}
	mcr_errlist_free(&el);
	mcr_rule_free(&r);
}

/* Deletes by name, or by input when the request names no rule. */
static void do_rule_del(struct client *c, const struct nlmsghdr *nlh)
{
	const struct nlattr *a = mcr_ctl_attr(nlh, MCR_A_RULE);
	const struct plan_rule *rr = NULL;
	struct mcr_rule r;
	char err[256];

	if (!a || mcr_ctl_get_rule(a, &r, NULL, err, sizeof(err))) {
		send_done(c, nlh->nlmsg_seq, -EINVAL, "rule del: %s",
			  a ? err : "no rule in the request");
		return;
	}
	if (r.name[0])
		rr = plan_find(c->ctl->plan, r.name);
	else if (r.in.dev[0])
		rr = plan_find_input(c->ctl->plan, &r.in);
	if (!rr) {
		char g[MCR_ADDRSTRLEN];

		if (r.name[0])
			send_done(c, nlh->nlmsg_seq, -ENOENT, "rule \"%s\" not found", r.name);
		else
			send_done(c, nlh->nlmsg_seq, -ENOENT, "no rule with input %s %s:%u", r.in.dev,
				  mcr_ipv4_str(r.in.group, g), r.in.port);
		mcr_rule_free(&r);
		return;
	}
	broadcast_rule(c->ctl, MCR_EV_RULE_REMOVED, rr);
	log_info("rule \"%s\" removed at runtime", rr->cfg.name);
	plan_del(c->ctl->plan, rr->cfg.name);
	send_done(c, nlh->nlmsg_seq, 0, NULL);
	mcr_rule_free(&r);
}

static bool rule_matches(const struct plan_rule *rr, const struct nlmsghdr *nlh)
{
	const struct nlattr *a;

	if ((a = mcr_ctl_attr(nlh, MCR_A_FILTER_NAME)) && strcmp(rr->cfg.name, mnl_attr_get_str(a)))
		return false;
	if ((a = mcr_ctl_attr(nlh, MCR_A_FILTER_DEV))) {
		bool hit = !strcmp(rr->cfg.in.dev, mnl_attr_get_str(a));

		for (unsigned i = 0; i < rr->cfg.nout && !hit; i++)
			hit = !strcmp(rr->cfg.out[i].dev, mnl_attr_get_str(a));
		if (!hit)
			return false;
	}
	if ((a = mcr_ctl_attr(nlh, MCR_A_FILTER_GROUP))) {
		uint32_t g = mnl_attr_get_u32(a);
		bool hit = rr->cfg.in.group.s_addr == g;

		for (unsigned i = 0; i < rr->cfg.nout && !hit; i++)
			hit = rr->cfg.out[i].group.s_addr == g;
		if (!hit)
			return false;
	}
	return true;
}

/* Filters are strings / a u32; reject a malformed one rather than guess. */
static int check_filters(const struct nlmsghdr *nlh, char *err, size_t len)
{
	const struct nlattr *a;

	if ((a = mcr_ctl_attr(nlh, MCR_A_FILTER_NAME)) && mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
		return snprintf(err, len, "bad name filter"), -EINVAL;
	if ((a = mcr_ctl_attr(nlh, MCR_A_FILTER_DEV)) && mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
		return snprintf(err, len, "bad dev filter"), -EINVAL;
	if ((a = mcr_ctl_attr(nlh, MCR_A_FILTER_GROUP)) && mnl_attr_validate(a, MNL_TYPE_U32) < 0)
		return snprintf(err, len, "bad group filter"), -EINVAL;
	return 0;
}

static void do_rule_get(struct client *c, const struct nlmsghdr *nlh)
{
	const struct mcr_ctlhdr *h = mnl_nlmsg_get_payload(nlh);
	const struct plan *p = c->ctl->plan;
	char err[64];

	if (check_filters(nlh, err, sizeof(err))) {
		send_done(c, nlh->nlmsg_seq, -EINVAL, "rule show: %s", err);
		return;
	}
	for (size_t i = 0; i < plan_nrules(p); i++) {
		if (!rule_matches(plan_rule(p, i), nlh))
			continue;
		if (put_rule_msg(c, MCR_MSG_RULE, nlh->nlmsg_seq, plan_rule(p, i),
				 h->flags & MCR_F_STATS, 0)) {
			client_drop(c);
			return;
		}
	}
	send_done(c, nlh->nlmsg_seq, 0, NULL);
}

static void do_rule_flush(struct client *c, const struct nlmsghdr *nlh)
{
	struct plan *p = c->ctl->plan;
	unsigned n = 0;

	while (plan_nrules(p)) {
		broadcast_rule(c->ctl, MCR_EV_RULE_REMOVED, plan_rule(p, 0));
		plan_del(p, plan_rule(p, 0)->cfg.name);
		n++;
	}
	log_info("flushed %u rules", n);
	send_done(c, nlh->nlmsg_seq, 0, NULL);
}

/* Every interface a rule names, once. */
static size_t link_names(const struct plan *p, char (*names)[IFNAMSIZ], size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < plan_nrules(p); i++) {
		const struct mcr_rule *cfg = &plan_rule(p, i)->cfg;

		for (int k = -1; k < (int)cfg->nout; k++) {
			const char *dev = k < 0 ? cfg->in.dev : cfg->out[k].dev;
			size_t j;

			for (j = 0; j < n && strcmp(names[j], dev); j++)
				;
			if (j == n && n < max)
				snprintf(names[n++], IFNAMSIZ, "%s", dev);
		}
	}
	return n;
}

/* An interface's state from the netlink-fed table, and what rules do with it. */
static void link_fill(const struct plan *p, const char *dev, bool stats, struct mcr_link_info *l)
{
	struct iface_info ii;

	memset(l, 0, sizeof(*l));
	snprintf(l->name, sizeof(l->name), "%s", dev);
	if (iface_lookup(dev, &ii)) {
		snprintf(l->state, sizeof(l->state), "absent");
	} else {
		l->ifindex = (uint32_t)ii.ifindex;
		snprintf(l->state, sizeof(l->state), "%s", (ii.flags & IFF_UP) ? "up" : "down");
		for (unsigned i = 0; i < ii.naddr && l->naddr < 8; i++)
			l->addr[l->naddr++] = ii.addr[i];
	}
	for (size_t i = 0; i < plan_nrules(p); i++) {
		const struct mcr_rule *cfg = &plan_rule(p, i)->cfg;
		bool uses = !strcmp(cfg->in.dev, dev);

		for (unsigned k = 0; k < cfg->nout && !uses; k++)
			uses = !strcmp(cfg->out[k].dev, dev);
		l->rules += uses;
	}
	l->has_stats = stats;
	if (stats) {
		struct link_stats ls;

		plan_link_stats(p, dev, &ls);
		l->frames = ls.frames;
		memcpy(l->drops, ls.drops, sizeof(l->drops));
	}
}

static void do_link_get(struct client *c, const struct nlmsghdr *nlh)
{
	const struct mcr_ctlhdr *h = mnl_nlmsg_get_payload(nlh);
	static char names[4096][IFNAMSIZ];
	size_t n = link_names(c->ctl->plan, names, 4096);

	for (size_t i = 0; i < n; i++) {
		struct mcr_link_info l;
		struct nlmsghdr *m = msg_begin(c, 1024, MCR_MSG_LINK, nlh->nlmsg_seq);

		link_fill(c->ctl->plan, names[i], h->flags & MCR_F_STATS, &l);
		if (!m || mcr_ctl_put_link(m, 1024, &l)) {
			client_drop(c);
			return;
		}
		msg_commit(c, m);
	}
	send_done(c, nlh->nlmsg_seq, 0, NULL);
}

static bool link_same(const struct mcr_link_info *s, const struct mcr_link_info *l)
{
	return s->ifindex == l->ifindex && !strcmp(s->state, l->state) && s->naddr == l->naddr &&
	       !memcmp(s->addr, l->addr, l->naddr * sizeof(l->addr[0]));
}

static const struct mcr_link_info *seen_find(const struct control *ctl, const char *name)
{
	for (size_t i = 0; i < ctl->nseen; i++)
		if (!strcmp(ctl->seen[i].name, name))
			return &ctl->seen[i];
	return NULL;
}

static void broadcast_link(struct control *ctl, const struct mcr_link_info *l)
{
	for (int i = 0; i < MAX_CLIENTS; i++) {
		struct client *c = ctl->cl[i];
		struct nlmsghdr *nlh;

		if (!c || !c->monitor)
			continue;
		nlh = msg_begin(c, 1024, MCR_MSG_EVENT, 0);
		if (nlh)
			mnl_attr_put_u32(nlh, MCR_A_EVENT, MCR_EV_LINK);
		if (!nlh || mcr_ctl_put_link(nlh, 1024, l)) {
			client_drop(c); /* cannot keep up */
			continue;
		}
		msg_commit(c, nlh);
		client_flush(c);
	}
}

/*
 * Records the state of every interface rules use; with announce, tells
 * monitors of each that differs from what they were last told (or is new
 * among the rules' interfaces).  0 or -ENOMEM.
 */
static int links_update(struct control *ctl, bool announce)
{
	static char names[LINKS_MAX][IFNAMSIZ];
	size_t n = link_names(ctl->plan, names, LINKS_MAX);
	struct mcr_link_info *next = calloc(n ? n : 1, sizeof(*next));

	if (!next)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct mcr_link_info *old = seen_find(ctl, names[i]);
		struct mcr_link_info l;

		link_fill(ctl->plan, names[i], false, &l);
		if (announce && (!old || !link_same(old, &l)))
			broadcast_link(ctl, &l);
		next[i] = l;
	}
	free(ctl->seen);
	ctl->seen = next;
	ctl->nseen = n;
	return 0;
}

void control_links_changed(struct control *ctl)
{
	if (ctl && links_update(ctl, true))
		log_warn("control: out of memory, link events skipped");
}

/* Per worker: its process, and the sum of the counters of what it owns. */
static int put_worker(struct client *c, uint32_t seq, unsigned w)
{
	struct pool_worker_info pi;
	struct plan_worker_stats ws;
	struct nlmsghdr *m = msg_begin(c, 512, MCR_MSG_WORKER, seq);
	struct nlattr *nest;

	if (!m)
		return -EMSGSIZE;
	pool_info(c->ctl->pool, w, &pi);
	plan_worker_stats(c->ctl->plan, w, &ws);
	nest = mnl_attr_nest_start(m, MCR_A_WORKER);
	mnl_attr_put_u32(m, MCR_WORKER_INDEX, w);
	mnl_attr_put_u32(m, MCR_WORKER_PID, (uint32_t)pi.pid);
	mnl_attr_put_u32(m, MCR_WORKER_CPU, pi.cpu < 0 ? UINT32_MAX : (uint32_t)pi.cpu);
	mnl_attr_put_u32(m, MCR_WORKER_UID, (uint32_t)pi.uid);
	mnl_attr_put_u32(m, MCR_WORKER_RULES, ws.rules);
	mnl_attr_put_u64(m, MCR_WORKER_PACKETS_IN, ws.packets_in);
	mnl_attr_put_u64(m, MCR_WORKER_PACKETS_OUT, ws.packets_out);
	mnl_attr_put_u64(m, MCR_WORKER_DROPS, ws.drops);
	mnl_attr_nest_end(m, nest);
	msg_commit(c, m);
	return 0;
}

static void do_worker_get(struct client *c, const struct nlmsghdr *nlh)
{
	for (unsigned w = 0; w < pool_size(c->ctl->pool); w++)
		if (put_worker(c, nlh->nlmsg_seq, w)) {
			client_drop(c);
			return;
		}
	send_done(c, nlh->nlmsg_seq, 0, NULL);
}

static void do_reload(struct client *c, const struct nlmsghdr *nlh)
{
	struct reload_result res;
	struct mcr_errlist el;
	int rc;

	mcr_errlist_init(&el, NULL);
	rc = c->ctl->reload(c->ctl->arg, &el, &res);
	if (rc) {
		send_errlist(c, nlh->nlmsg_seq, rc, &el);
	} else {
		send_done(c, nlh->nlmsg_seq, 0,
			  "reloaded: %u added, %u removed, %u changed, %u unchanged", res.added,
			  res.removed, res.changed, res.unchanged);
	}
	mcr_errlist_free(&el);
}

static void dispatch(struct client *c, const struct nlmsghdr *nlh)
{
	switch (nlh->nlmsg_type) {
	case MCR_CMD_RULE_ADD:
		do_rule_add(c, nlh);
		break;
	case MCR_CMD_RULE_DEL:
		do_rule_del(c, nlh);
		break;
	case MCR_CMD_RULE_GET:
		do_rule_get(c, nlh);
		break;
	case MCR_CMD_RULE_FLUSH:
		do_rule_flush(c, nlh);
		break;
	case MCR_CMD_LINK_GET:
		do_link_get(c, nlh);
		break;
	case MCR_CMD_WORKER_GET:
		do_worker_get(c, nlh);
		break;
	case MCR_CMD_RELOAD:
		do_reload(c, nlh);
		break;
	case MCR_CMD_MONITOR:
		c->monitor = true;
		break;
	default:
		send_done(c, nlh->nlmsg_seq, -EOPNOTSUPP, "unknown request type %u", nlh->nlmsg_type);
	}
}

/*
 * Handles every complete message in the input buffer.  Returns false when
 * the client was closed (framing lost: its stream cannot be resynchronised).
 */
static bool process_input(struct client *c)
{
	size_t off = 0;

	while (c->inlen - off >= NLMSG_HDRLEN) {
		const struct nlmsghdr *nlh = (const void *)(c->in + off);
		char err[256];

		if (nlh->nlmsg_len < NLMSG_HDRLEN + MCR_CTLHDR_LEN || nlh->nlmsg_len > MCR_CTL_MSG_MAX) {
			log_info("control: dropping a client that sent a message of length %u",
				 nlh->nlmsg_len);
			send_done(c, nlh->nlmsg_seq, -EBADMSG, "bad message length %u", nlh->nlmsg_len);
			c->dead = true; /* flushed, then closed, by on_readable */
			return false;
		}
		if (c->inlen - off < nlh->nlmsg_len)
			break;
		if (mcr_ctl_msg_check(nlh, nlh->nlmsg_len, err, sizeof(err)))
			send_done(c, nlh->nlmsg_seq, -EBADMSG, "bad message: %s", err);
		else
			dispatch(c, nlh);
		if (c->dead)
			return false;
		off += NLMSG_ALIGN(nlh->nlmsg_len) <= c->inlen - off ? NLMSG_ALIGN(nlh->nlmsg_len)
								     : nlh->nlmsg_len;
	}
	memmove(c->in, c->in + off, c->inlen - off);
	c->inlen -= off;
	if (!c->inlen)
		c->partial_ms = 0;
	else if (off || !c->partial_ms)
		c->partial_ms = now_ms(); /* a new message started */
	return true;
}

/* Why the buffered partial message is incomplete, for the error reply. */
static void partial_fail(struct client *c)
{
	const struct nlmsghdr *nlh = (const void *)c->in;

	if (c->inlen >= NLMSG_HDRLEN)
		send_done(c, nlh->nlmsg_seq, -EBADMSG, "truncated message: %zu of %u bytes",
			  c->inlen, nlh->nlmsg_len);
	else
		send_done(c, 0, -EBADMSG, "truncated message: %zu bytes, shorter than a header",
			  c->inlen);
}

/* Closes c after a best-effort write of its last reply (if it fits). */
static void client_finish(struct client *c)
{
	if (c->outlen > c->outoff && write(c->fd, c->out + c->outoff, c->outlen - c->outoff) < 0)
		log_debug("control: last reply lost: %s", strerror(errno));
	client_close(c);
}

static void on_readable(void *arg, int fd)
{
	struct client *c = arg;
	struct control *ctl = c->ctl;

	ctl->current = c;
	while (!c->dead) {
		ssize_t n;

		if (c->incap - c->inlen < 4096) {
			size_t cap = c->incap ? c->incap * 2 : MSG_SMALL;
			uint8_t *p;

			if (cap > MCR_CTL_MSG_MAX + MSG_SMALL || !(p = realloc(c->in, cap))) {
				c->dead = true;
				break;
			}
			c->in = p;
			c->incap = cap;
		}
		n = read(fd, c->in + c->inlen, c->incap - c->inlen);
		if (n == 0 && c->inlen)
			partial_fail(c); /* the peer half-closed mid-message */
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			c->dead = true;
			break;
		}
		if (n < 0)
			break;
		c->inlen += (size_t)n;
		c->spoke = true;
		process_input(c);
	}
	ctl->current = NULL;
	if (c->dead) {
		client_finish(c);
		return;
	}
	client_flush(c);
}

static void on_accept(void *arg, int lfd)
{
	struct control *ctl = arg;
	int fd, slot;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		struct client *c;

		for (slot = 0; slot < MAX_CLIENTS && ctl->cl[slot]; slot++)
			;
		if (slot == MAX_CLIENTS || !(c = calloc(1, sizeof(*c)))) {
			log_warn("control: too many clients, refusing one");
			close(fd);
			continue;
		}
		*c = (struct client){ .fd = fd, .wout = -1, .ctl = ctl, .since_ms = now_ms() };
		c->win = evloop_watch(ctl->ev, fd, POLLIN, on_readable, c);
		if (c->win < 0) {
			close(fd);
			free(c);
			continue;
		}
		ctl->cl[slot] = c;
	}
}

/* Why c should be dropped now (NULL: keep it): a slot is not for sitting on. */
static const char *client_stale(const struct client *c, uint64_t now)
{
	if (c->monitor)
		return NULL;
	if (c->partial_ms && now - c->partial_ms >= PARTIAL_MS)
		return "partial message";
	if (!c->spoke && now - c->since_ms >= SILENT_MS)
		return "silence";
	return NULL;
}

void control_tick(struct control *ctl)
{
	uint64_t now = now_ms();

	for (int i = 0; ctl && i < MAX_CLIENTS; i++) {
		struct client *c = ctl->cl[i];
		const char *why = c ? client_stale(c, now) : NULL;

		if (!why)
			continue;
		log_info("control: dropping a client after %s", why);
		if (c->inlen)
			partial_fail(c);
		client_finish(c);
	}
}

/* Connect to path: a live daemon answers, a stale socket refuses. */
static int path_in_use(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), r;

	if (fd < 0)
		return -errno;
	r = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	close(fd);
	if (!r)
		return 1;
	return errno == ECONNREFUSED || errno == ENOENT ? 0 : -errno;
}

static int listen_on(const char *path, int *out)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	r = path_in_use(&sa);
	if (r > 0)
		return -EADDRINUSE;
	if (r < 0)
		return r; /* cannot tell (e.g. EACCES): binding would misreport "in use" */
	unlink(path); /* stale, or none: its daemon is gone */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(path, 0660) < 0 ||
	    listen(fd, 16) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	*out = fd;
	return 0;
}

/* The socket's directory (e.g. /run/mcrd) is made if missing. */
static void make_parent(const char *path)
{
	char dir[108];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		mkdir(dir, 0755);
	}
}

/* Members of the group may then use mcrctl without root. */
static int set_group(const char *path, const char *group)
{
	struct group *g = getgrnam(group);

	if (!g) {
		log_err("control socket: group \"%s\" not found", group);
		return -ENOENT;
	}
	if (chown(path, (uid_t)-1, g->gr_gid) < 0) {
		int err = -errno;

		log_err("control socket %s: cannot give it to group %s: %s", path, group,
			strerror(-err));
		return err;
	}
	return 0;
}

int control_open(struct control **out, const char *path, const char *group, struct evloop *ev,
		 struct plan *plan, struct pool *pool, control_reload_fn reload, void *arg)
{
	struct control *ctl = calloc(1, sizeof(*ctl));
	int err;

	if (!ctl)
		return -ENOMEM;
	*ctl = (struct control){ .lfd = -1, .ev = ev, .plan = plan, .pool = pool, .reload = reload,
				 .arg = arg };
	snprintf(ctl->path, sizeof(ctl->path), "%s", path);
	make_parent(path);
	err = listen_on(path, &ctl->lfd);
	if (err) {
		if (err == -EADDRINUSE)
			log_err("control socket %s is in use by a running mcrd", path);
		else
			log_err("control socket %s: %s", path, strerror(-err));
		free(ctl);
		return err;
	}
	if (group && (err = set_group(path, group))) {
		control_close(ctl);
		return err;
	}
	links_update(ctl, false); /* monitors hear of changes from here on */
	ctl->lwatch = evloop_watch(ev, ctl->lfd, POLLIN, on_accept, ctl);
	if (ctl->lwatch < 0) {
		control_close(ctl);
		return -ENOSPC;
	}
	*out = ctl;
	return 0;
}

void control_close(struct control *ctl)
{
	if (!ctl)
		return;
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (ctl->cl[i])
			client_close(ctl->cl[i]);
	if (ctl->lfd >= 0) {
		close(ctl->lfd);
		unlink(ctl->path);
	}
	free(ctl->seen);
	free(ctl);
}
