/* The control requests: one handler per message type, and the events monitors hear. */
#include "requests.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "ctl.h"
#include "log.h"
#include "rulefilter.h"

/* Appends a message of type with MCR_A_RULE (and MCR_A_EVENT when event). */
static int put_rule_msg(struct ctl_client *c, uint16_t type, uint32_t seq, const struct plan_rule *rr,
			bool stats, uint32_t event)
{
	size_t size = mcr_ctl_rule_size(&rr->cfg) + 64;
	struct mcr_rule_info info;
	struct nlmsghdr *nlh;
	int err;

	err = plan_rule_info(rr, stats, &info);
	if (err)
		return err;
	nlh = ctl_msg_begin(c, size, type, seq);
	if (!nlh)
		err = -EMSGSIZE;
	else if (event)
		mnl_attr_put_u32(nlh, MCR_A_EVENT, event);
	if (!err)
		err = mcr_ctl_put_rule(nlh, size, &rr->cfg, &info);
	if (!err)
		ctl_msg_commit(c, nlh);
	free(info.out);
	return err;
}

struct rule_event {
	uint32_t event;
	const struct plan_rule *rr;
};

static int put_rule_event(struct ctl_client *c, void *arg)
{
	const struct rule_event *e = arg;

	return put_rule_msg(c, MCR_MSG_EVENT, 0, e->rr, false, e->event);
}

void requests_event_rule(struct requests *rq, unsigned event, const struct plan_rule *rr)
{
	struct rule_event e = { event, rr };

	ctl_broadcast(rq->ctl, put_rule_event, &e);
}

struct reload_event {
	int status;
	const struct mcr_errlist *el;
};

static int put_reload_event(struct ctl_client *c, void *arg)
{
	const struct reload_event *e = arg;
	size_t size = 512;
	struct nlmsghdr *nlh;

	for (size_t k = 0; k < e->el->n; k++)
		size += sizeof(e->el->v[k].msg) + 64;
	if (!(nlh = ctl_msg_begin(c, size, MCR_MSG_EVENT, 0)))
		return -EMSGSIZE;
	mnl_attr_put_u32(nlh, MCR_A_EVENT, MCR_EV_RELOAD);
	mnl_attr_put_u32(nlh, MCR_A_STATUS, (uint32_t)e->status);
	for (size_t k = 0; k < e->el->n; k++) {
		char line[320];

		mcr_errlist_format(e->el, k, line, sizeof(line));
		mnl_attr_put_strz(nlh, MCR_A_MSG, line);
	}
	ctl_msg_commit(c, nlh);
	return 0;
}

void requests_event_reload(struct requests *rq, int status, const struct mcr_errlist *el)
{
	struct reload_event e = { status, el };

	ctl_broadcast(rq->ctl, put_reload_event, &e);
}

static int put_link_event(struct ctl_client *c, void *arg)
{
	struct nlmsghdr *nlh = ctl_msg_begin(c, 1024, MCR_MSG_EVENT, 0);

	if (!nlh)
		return -EMSGSIZE;
	mnl_attr_put_u32(nlh, MCR_A_EVENT, MCR_EV_LINK);
	if (mcr_ctl_put_link(nlh, 1024, arg))
		return -EMSGSIZE;
	ctl_msg_commit(c, nlh);
	return 0;
}

static void announce_link(void *arg, const struct mcr_link_info *l)
{
	struct requests *rq = arg;

	ctl_broadcast(rq->ctl, put_link_event, (void *)l);
}

void requests_links_changed(struct requests *rq)
{
	if (links_update(&rq->links, rq->plan, rq->ctl ? announce_link : NULL, rq))
		log_warn("control: out of memory, link events skipped");
}

void requests_free(struct requests *rq)
{
	links_free(&rq->links);
}

/* Runtime rules get the default name and origin; then the usual checks. */
static void do_rule_add(void *arg, struct ctl_client *c, const struct nlmsghdr *nlh)
{
	struct requests *rq = arg;
	const struct nlattr *a = mcr_ctl_attr(nlh, MCR_A_RULE);
	struct mcr_errlist el;
	struct mcr_rule r;
	char err[256];
	int rc;

	if (!a) {
		ctl_done(c, nlh->nlmsg_seq, -EINVAL, "rule add: no rule in the request");
		return;
	}
	if (mcr_ctl_get_rule(nlh, &r, NULL, err, sizeof(err))) {
		ctl_done(c, nlh->nlmsg_seq, -EINVAL, "rule add: %s", err);
		return;
	}
	if (!r.name[0])
		mcr_rule_default_name(&r, r.name, sizeof(r.name));
	r.origin = MCR_ORIGIN_RUNTIME;
	r.line = 0;
	mcr_errlist_init(&el, NULL);
	rc = mcr_rule_check(&r, &el);
	if (rc)
		plan_check_new(rq->plan, &r, &el); /* every problem, not only the first kind */
	else
		rc = plan_add(rq->plan, &r, &el);
	if (rc) {
		if (!el.n)
			mcr_errlist_add(&el, 0, "rule \"%s\": %s", r.name, strerror(-rc));
		ctl_done_errlist(c, nlh->nlmsg_seq, rc, &el);
	} else {
		log_info("rule \"%s\" added at runtime", r.name);
		ctl_done(c, nlh->nlmsg_seq, 0, NULL);
		requests_event_rule(rq, MCR_EV_RULE_ADDED, plan_find(rq->plan, r.name));
	}
	mcr_errlist_free(&el);
	mcr_rule_free(&r);
}

/* Deletes by name, or by input when the request names no rule. */
static void do_rule_del(void *arg, struct ctl_client *c, const struct nlmsghdr *nlh)
{
	struct requests *rq = arg;
	const struct nlattr *a = mcr_ctl_attr(nlh, MCR_A_RULE);
	const struct plan_rule *rr = NULL;
	struct mcr_rule r;
	char err[256];

	if (!a || mcr_ctl_get_rule(nlh, &r, NULL, err, sizeof(err))) {
		ctl_done(c, nlh->nlmsg_seq, -EINVAL, "rule del: %s",
			  a ? err : "no rule in the request");
		return;
	}
	if (r.name[0])
		rr = plan_find(rq->plan, r.name);
	else if (r.in.dev[0])
		rr = plan_find_input(rq->plan, &r.in);
	if (!rr) {
		char g[MCR_ADDRSTRLEN];

		if (r.name[0])
			ctl_done(c, nlh->nlmsg_seq, -ENOENT, "rule \"%s\" not found", r.name);
		else
			ctl_done(c, nlh->nlmsg_seq, -ENOENT, "no rule with input %s %s:%u", r.in.dev,
				  mcr_addr_str(r.in.group, g), r.in.port);
		mcr_rule_free(&r);
		return;
	}
	requests_event_rule(rq, MCR_EV_RULE_REMOVED, rr);
	log_info("rule \"%s\" removed at runtime", rr->cfg.name);
	plan_del(rq->plan, rr->cfg.name);
	ctl_done(c, nlh->nlmsg_seq, 0, NULL);
	mcr_rule_free(&r);
}

static void do_rule_get(void *arg, struct ctl_client *c, const struct nlmsghdr *nlh)
{
	struct requests *rq = arg;
	const struct mcr_ctlhdr *h = mnl_nlmsg_get_payload(nlh);
	const struct plan *p = rq->plan;
	struct mcr_rule_filter f;
	char err[128];

	if (mcr_ctl_get_filter(nlh, &f, err, sizeof(err))) {
		ctl_done(c, nlh->nlmsg_seq, -EINVAL, "rule show: %s", err);
		return;
	}
	for (size_t i = 0; i < plan_nrules(p); i++) {
		if (!mcr_rule_filter_match(&f, &plan_rule(p, i)->cfg))
			continue;
		if (put_rule_msg(c, MCR_MSG_RULE, nlh->nlmsg_seq, plan_rule(p, i),
				 h->flags & MCR_F_STATS, 0)) {
			ctl_client_drop(c);
			return;
		}
	}
	ctl_done(c, nlh->nlmsg_seq, 0, NULL);
}

static void do_rule_flush(void *arg, struct ctl_client *c, const struct nlmsghdr *nlh)
{
	struct requests *rq = arg;
	struct plan *p = rq->plan;
	unsigned n = 0;

	while (plan_nrules(p)) {
		requests_event_rule(rq, MCR_EV_RULE_REMOVED, plan_rule(p, 0));
		plan_del(p, plan_rule(p, 0)->cfg.name);
		n++;
	}
	log_info("flushed %u rules", n);
	ctl_done(c, nlh->nlmsg_seq, 0, NULL);
}

static void do_link_get(void *arg, struct ctl_client *c, const struct nlmsghdr *nlh)
{
	struct requests *rq = arg;
	const struct mcr_ctlhdr *h = mnl_nlmsg_get_payload(nlh);
	static char names[LINKS_MAX][IFNAMSIZ];
	size_t n = links_names(rq->plan, names, LINKS_MAX);

	for (size_t i = 0; i < n; i++) {
		struct mcr_link_info l;
		struct nlmsghdr *m = ctl_msg_begin(c, 1024, MCR_MSG_LINK, nlh->nlmsg_seq);

		links_fill(rq->plan, names[i], h->flags & MCR_F_STATS, &l);
		if (!m || mcr_ctl_put_link(m, 1024, &l)) {
			ctl_client_drop(c);
			return;
		}
		ctl_msg_commit(c, m);
	}
	ctl_done(c, nlh->nlmsg_seq, 0, NULL);
}

/* Per worker: its process, and the sum of the counters of what it owns. */
static int put_worker(struct requests *rq, struct ctl_client *c, uint32_t seq, unsigned w)
{
	struct pool_worker_info pi;
	struct plan_worker_stats ws;
	struct mcr_worker_info wi;
	struct nlmsghdr *m = ctl_msg_begin(c, 512, MCR_MSG_WORKER, seq);

	if (!m)
		return -EMSGSIZE;
	pool_info(rq->pool, w, &pi);
	plan_worker_stats(rq->plan, w, &ws);
	wi = (struct mcr_worker_info){
		.index = w,
		.pid = (uint32_t)pi.pid,
		.cpu = pi.cpu < 0 ? UINT32_MAX : (uint32_t)pi.cpu,
		.uid = (uint32_t)pi.uid,
		.rules = ws.rules,
		.packets_in = ws.packets_in,
		.packets_out = ws.packets_out,
		.drops = ws.drops,
	};
	if (mcr_ctl_put_worker(m, 512, &wi))
		return -EMSGSIZE;
	ctl_msg_commit(c, m);
	return 0;
}

static void do_worker_get(void *arg, struct ctl_client *c, const struct nlmsghdr *nlh)
{
	struct requests *rq = arg;
	for (unsigned w = 0; w < pool_size(rq->pool); w++)
		if (put_worker(rq, c, nlh->nlmsg_seq, w)) {
			ctl_client_drop(c);
			return;
		}
	ctl_done(c, nlh->nlmsg_seq, 0, NULL);
}

static void do_reload(void *arg, struct ctl_client *c, const struct nlmsghdr *nlh)
{
	struct requests *rq = arg;
	struct reload_result res;
	struct mcr_errlist el;
	int rc;

	mcr_errlist_init(&el, NULL);
	rc = rq->reload(rq->reload_arg, &el, &res);
	if (rc) {
		ctl_done_errlist(c, nlh->nlmsg_seq, rc, &el);
	} else {
		ctl_done(c, nlh->nlmsg_seq, 0,
			  "reloaded: %u added, %u removed, %u changed, %u unchanged", res.added,
			  res.removed, res.changed, res.unchanged);
	}
	mcr_errlist_free(&el);
}

static void do_monitor(void *arg, struct ctl_client *c, const struct nlmsghdr *nlh)
{
	(void)arg, (void)nlh;
	ctl_client_monitor(c);
}

/* ---- rule traces (tracer.h) ---- */

static void do_trace_start(void *arg, struct ctl_client *c, const struct nlmsghdr *nlh)
{
	struct requests *rq = arg;
	struct mcr_trace_info req, rep = { 0 };
	struct nlmsghdr *m;
	char err[160];
	int rc;

	if (mcr_ctl_get_trace(nlh, &req, err, sizeof(err)) ||
	    (!req.name[0] && snprintf(err, sizeof(err), "trace: no rule name") > 0)) {
		ctl_done(c, nlh->nlmsg_seq, -EINVAL, "%s", err);
		return;
	}
	if ((rc = tracer_start(rq->tracer, &req, &rep.id, err, sizeof(err)))) {
		ctl_done(c, nlh->nlmsg_seq, rc, "%s", err);
		return;
	}
	snprintf(rep.name, sizeof(rep.name), "%s", req.name);
	if (!(m = ctl_msg_begin(c, 512, MCR_MSG_TRACE, nlh->nlmsg_seq)) ||
	    mcr_ctl_put_trace(m, 512, &rep)) {
		tracer_stop(rq->tracer, rep.id);
		ctl_client_drop(c);
		return;
	}
	ctl_msg_commit(c, m);
	ctl_done(c, nlh->nlmsg_seq, 0, NULL);
}

static void do_trace_read(void *arg, struct ctl_client *c, const struct nlmsghdr *nlh)
{
	struct requests *rq = arg;
	size_t size = TRACER_READ_MAX + 4096;
	struct mcr_trace_info req, info;
	struct nlmsghdr *m;
	char err[160];

	if (mcr_ctl_get_trace(nlh, &req, err, sizeof(err))) {
		ctl_done(c, nlh->nlmsg_seq, -EINVAL, "%s", err);
		return;
	}
	if (!(m = ctl_msg_begin(c, size, MCR_MSG_TRACE, nlh->nlmsg_seq))) {
		ctl_client_drop(c);
		return;
	}
	if (tracer_read(rq->tracer, req.id, m, size - 512, &info)) {
		ctl_done(c, nlh->nlmsg_seq, -ENOENT, "trace %u: no such trace (ended, or not read "
			 "for %d s)", req.id, TRACER_IDLE_S);
		return;
	}
	mcr_ctl_put_trace(m, size, &info);
	ctl_msg_commit(c, m);
	ctl_done(c, nlh->nlmsg_seq, 0, NULL);
}

static void do_trace_stop(void *arg, struct ctl_client *c, const struct nlmsghdr *nlh)
{
	struct requests *rq = arg;
	struct mcr_trace_info req;
	char err[160];

	if (mcr_ctl_get_trace(nlh, &req, err, sizeof(err)))
		ctl_done(c, nlh->nlmsg_seq, -EINVAL, "%s", err);
	else if (tracer_stop(rq->tracer, req.id))
		ctl_done(c, nlh->nlmsg_seq, -ENOENT, "trace %u: no such trace", req.id);
	else
		ctl_done(c, nlh->nlmsg_seq, 0, NULL);
}

const struct ctl_handler requests_table[] = {
	{ MCR_CMD_RULE_ADD, do_rule_add },
	{ MCR_CMD_RULE_DEL, do_rule_del },
	{ MCR_CMD_RULE_GET, do_rule_get },
	{ MCR_CMD_RULE_FLUSH, do_rule_flush },
	{ MCR_CMD_LINK_GET, do_link_get },
	{ MCR_CMD_WORKER_GET, do_worker_get },
	{ MCR_CMD_RELOAD, do_reload },
	{ MCR_CMD_MONITOR, do_monitor },
	{ MCR_CMD_TRACE_START, do_trace_start },
	{ MCR_CMD_TRACE_READ, do_trace_read },
	{ MCR_CMD_TRACE_STOP, do_trace_stop },
	{ MCR_CMD_GROUP_GET, requests_group_get },
	{ 0, NULL },
};
