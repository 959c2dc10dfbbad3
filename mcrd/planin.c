/*
 * A rule's inputs in the plan.  Each input of a rule attaches on its own:
 * the socket of its interface for every worker serving the rule filters it
 * in, and its group is joined.  The rule is in its workers' tables while
 * at least one input is attached, and active while at least one can
 * deliver; a rule with several inputs keeps relaying from the others when
 * one interface is missing or down.
 */
#include "plan.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "counters.h"
#include "iface.h"
#include "log.h"

#define OPS(p, op, ...) ((p)->c.ops->op((p)->c.ops_arg, __VA_ARGS__))
#define SYS(p, op, ...) ((p)->c.sys->op((p)->c.sys_arg, __VA_ARGS__))

/* Inputs are per (name, index): a re-created interface gets new sockets. */
static struct plan_input *input_find(const struct plan *p, const char *dev, int ifindex,
				     size_t *slot)
{
	for (size_t i = 0; i < p->ninputs; i++)
		if (p->inputs[i] && p->inputs[i]->ifindex == ifindex &&
		    !strcmp(p->inputs[i]->dev, dev)) {
			*slot = i;
			return p->inputs[i];
		}
	return NULL;
}

/*
 * Receive ring slots are sized once, at start (rx.mtu): say so, once per
 * change, when an input's MTU outgrows them.
 */
void plan_input_mtu(const struct plan *p, struct plan_input *in, unsigned mtu)
{
	if (!mtu || mtu == in->mtu)
		return;
	in->mtu = mtu;
	if (mtu > p->c.rx.mtu)
		log_warn("input interface %s: MTU %u is above the receive buffer size (%u bytes); "
			 "frames longer than %u bytes will be counted as truncated; "
			 "restart mcrd to resize", in->dev, mtu, p->c.rx.mtu, p->c.rx.mtu);
}

static struct plan_input *input_new(const struct plan *p, const char *dev,
				    const struct iface_info *ii)
{
	struct plan_input *in = calloc(1, sizeof(*in));

	if (!in)
		return NULL;
	snprintf(in->dev, sizeof(in->dev), "%s", dev);
	in->ifindex = ii->ifindex;
	plan_input_mtu(p, in, ii->mtu);
	for (unsigned w = 0; w < MCR_MAX_WORKERS; w++)
		in->wfd[w] = -1;
	for (unsigned w = 0; w < p->c.nworkers; w++)
		if ((in->wst_slot[w] = counters_alloc_link()) == UINT32_MAX) {
			while (w--)
				counters_free_link(in->wst_slot[w]);
			free(in);
			return NULL;
		}
	return in;
}

static struct plan_input *input_get(struct plan *p, const char *dev, const struct iface_info *ii,
				    size_t *slot)
{
	struct plan_input *in = input_find(p, dev, ii->ifindex, slot);
	size_t i;

	if (in)
		return in;
	for (i = 0; i < p->ninputs && p->inputs[i]; i++)
		;
	if (i == PLAN_MAX_INPUTS || !(in = input_new(p, dev, ii)))
		return NULL;
	p->inputs[i] = in;
	if (i == p->ninputs)
		p->ninputs++;
	*slot = i;
	return in;
}

/* An input no rule uses any more. */
void plan_input_release(struct plan *p, size_t slot)
{
	struct plan_input *in = p->inputs[slot];

	for (unsigned w = 0; w < p->c.nworkers; w++) {
		if (in->wfd[w] >= 0)
			SYS(p, ingress_close, in->wfd[w]);
		counters_free_link(in->wst_slot[w]);
	}
	free(in);
	p->inputs[slot] = NULL;
	while (p->ninputs && !p->inputs[p->ninputs - 1])
		p->ninputs--;
}

/* The filter keys of worker w's attached rule inputs on input slot; NULL on ENOMEM. */
static struct filter_key *input_keys(const struct plan *p, const struct plan_input *in,
				     size_t slot, unsigned w, size_t *n)
{
	struct filter_key *keys = calloc(in->wrules[w] ? in->wrules[w] : 1, sizeof(*keys));

	*n = 0;
	for (size_t i = 0; keys && i < p->nrules; i++) {
		const struct plan_rule *rr = p->rules[i];

		if (!plan_rule_serves(rr, w, p->c.nworkers))
			continue;
		for (unsigned k = 0; k < mcr_rule_ninputs(&rr->cfg); k++) {
			const struct mcr_input *c = mcr_rule_input(&rr->cfg, k);

			if (rr->in[k].attached && rr->in[k].slot == (int)slot && *n < in->wrules[w])
				keys[(*n)++] = (struct filter_key){ c->group, c->port };
		}
	}
	return keys;
}

/*
 * The socket of worker w on an input, filtered to w's rules there; opened
 * with the first such rule, handed to w, closed with the last.
 */
int plan_input_refresh(struct plan *p, struct plan_input *in, size_t slot, unsigned w)
{
	struct filter_key *keys;
	size_t n;
	int err = 0;

	if (!in->wrules[w]) {
		if (in->wfd[w] >= 0) {
			OPS(p, input_del, w, slot);
			SYS(p, ingress_close, in->wfd[w]);
			in->wfd[w] = -1;
		}
		return 0;
	}
	if (!(keys = input_keys(p, in, slot, w, &n)))
		return -ENOMEM;
	if (in->wfd[w] < 0) {
		int fd = SYS(p, ingress_open, in->ifindex, keys, n, &in->wexact[w], p->c.rx);

		if (fd < 0)
			err = fd;
		else {
			in->wfd[w] = fd;
			OPS(p, input_add, w, slot, in);
		}
	} else {
		err = SYS(p, ingress_filter, in->wfd[w], keys, n, &in->wexact[w]);
	}
	free(keys);
	if (!err && !in->wexact[w])
		log_notice("dev %s: worker %u's %zu rules exceed the exact kernel filter; "
			   "filtering multicast in userspace", in->dev, w, n);
	return err;
}

/* Worker k of rr's serving ones. */
static unsigned serving(const struct plan *p, const struct plan_rule *rr, unsigned k)
{
	return (rr->worker + k) % p->c.nworkers;
}

/* Input i's count on its plan_input, for every serving worker, and their sockets. */
static int input_count(struct plan *p, struct plan_rule *rr, unsigned i, int delta)
{
	struct plan_input *in = p->inputs[rr->in[i].slot];
	int err = 0;

	in->nrules += (unsigned)delta;
	for (unsigned k = 0; k < rr->nworkers; k++)
		in->wrules[serving(p, rr, k)] += (unsigned)delta;
	for (unsigned k = 0; k < rr->nworkers && (!err || delta < 0); k++)
		err = plan_input_refresh(p, in, (size_t)rr->in[i].slot, serving(p, rr, k));
	return err;
}

static void input_join(struct plan *p, struct plan_rule *rr, unsigned i)
{
	const struct mcr_input *c = mcr_rule_input(&rr->cfg, i);
	char g[MCR_ADDRSTRLEN];
	int err = SYS(p, join, rr->in[i].ifindex, c->group, c->source);

	if (err) {
		log_warn("rule \"%s\": cannot join %s on %s: %s; relaying what arrives anyway",
			 rr->cfg.name, mcr_addr_str(c->group, g), c->dev, strerror(-err));
		return;
	}
	rr->in[i].joined = true;
}

/* rr's workers learn which inputs it has now: the rule added, or its inputs changed. */
static void tell_workers(struct plan *p, struct plan_rule *rr)
{
	bool any = false, was = rr->attached;

	for (unsigned i = 0; i < mcr_rule_ninputs(&rr->cfg); i++)
		any |= rr->in[i].attached;
	rr->attached = any;
	for (unsigned k = 0; k < rr->nworkers; k++) {
		if (any && was)
			OPS(p, rule_inputs, rr, serving(p, rr, k));
		else if (any)
			OPS(p, rule_add, rr, serving(p, rr, k));
		else if (was) /* before its input goes, if it does */
			OPS(p, rule_del, rr, serving(p, rr, k));
	}
}

/* Input i onto rr's workers: their sockets' filters, the group joined. */
static int input_attach(struct plan *p, struct plan_rule *rr, unsigned i,
			const struct iface_info *ii)
{
	struct plan_input *in;
	size_t slot;
	int err;

	if (!(in = input_get(p, mcr_rule_input(&rr->cfg, i)->dev, ii, &slot)))
		return -ENOMEM;
	rr->in[i].ifindex = ii->ifindex;
	rr->in[i].slot = (int)slot;
	rr->in[i].attached = true;
	if ((err = input_count(p, rr, i, 1))) {
		log_err("dev %s: cannot open the ingress socket: %s", in->dev, strerror(-err));
		rr->in[i].attached = false;
		input_count(p, rr, i, -1);
		if (!in->nrules)
			plan_input_release(p, slot);
		rr->in[i].slot = -1;
		return err;
	}
	tell_workers(p, rr);
	input_join(p, rr, i);
	return 0;
}

static void input_detach(struct plan *p, struct plan_rule *rr, unsigned i)
{
	const struct mcr_input *c = mcr_rule_input(&rr->cfg, i);
	struct plan_rin *ri = &rr->in[i];

	if (!ri->attached)
		return;
	ri->attached = false;
	tell_workers(p, rr);
	input_count(p, rr, i, -1);
	if (!p->inputs[ri->slot]->nrules)
		plan_input_release(p, (size_t)ri->slot);
	if (ri->joined) /* harmless if the interface is gone: the kernel already left */
		SYS(p, leave, ri->ifindex, c->group, c->source);
	ri->joined = false;
	ri->slot = -1;
}

void plan_rule_detach(struct plan *p, struct plan_rule *rr)
{
	for (unsigned i = 0; i < mcr_rule_ninputs(&rr->cfg); i++)
		input_detach(p, rr, i);
}

/* Why input i cannot deliver now (attaching it if it can), or NULL. */
static const char *input_state(struct plan *p, struct plan_rule *rr, unsigned i)
{
	struct plan_rin *ri = &rr->in[i];
	struct iface_info ii;

	if (iface_lookup(mcr_rule_input(&rr->cfg, i)->dev, &ii)) {
		input_detach(p, rr, i);
		return "input interface not found";
	}
	if (ri->attached && ri->ifindex != ii.ifindex)
		input_detach(p, rr, i); /* re-created: new socket, new membership */
	if (mcr_rule_input(&rr->cfg, i)->join == MCR_JOIN_DEMAND && !plan_rule_wanted(p, rr)) {
		input_detach(p, rr, i);
		return "no output wants the stream (join demand)";
	}
	if (!ri->attached && input_attach(p, rr, i, &ii))
		return "ingress socket failed";
	if (!(ii.flags & IFF_UP))
		return "input interface down";
	if (!iface_has_carrier(&ii))
		return "input interface has no carrier";
	return NULL;
}

/* One of several inputs changed: said in the log, as the rule's own changes are. */
static void log_input(const struct plan_rule *rr, unsigned i)
{
	const char *dev = mcr_rule_input(&rr->cfg, i)->dev;

	if (rr->in[i].pending)
		log_warn("rule \"%s\": input %u: %s (%s)", rr->cfg.name, i + 1, rr->in[i].pending,
			 dev);
	else
		log_notice("rule \"%s\": input %u (%s) can deliver", rr->cfg.name, i + 1, dev);
}

bool plan_rule_inputs(struct plan *p, struct plan_rule *rr)
{
	unsigned n = mcr_rule_ninputs(&rr->cfg);
	bool changed = false, any = false;

	for (unsigned i = 0; i < n; i++) {
		const char *was = rr->in[i].pending;

		rr->in[i].pending = input_state(p, rr, i);
		any |= !rr->in[i].pending;
		if (n > 1 && rr->in[i].pending != was) {
			changed = true;
			log_input(rr, i);
		}
	}
	rr->pending = any ? NULL : rr->in[0].pending;
	return changed;
}
