/*
 * The parent's plan.  A rule is attached to the worker its (group, port)
 * hashes to: that worker gets its own AF_PACKET socket on the input,
 * filtered to its own rules only, so the kernel hands each packet to its
 * owner and to no one else.  Memberships and egress sockets are shared and
 * reference-counted (by the sys table), so untouched rules keep theirs.
 */
#include "plan.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "counters.h"
#include "hash.h"
#include "iface.h"
#include "log.h"

struct plan {
	struct plan_config c;
	struct plan_rule **rules;
	size_t nrules, caprules;
	struct plan_input *inputs[PLAN_MAX_INPUTS];
	size_t ninputs;       /* slots in use */
	void (*on_change)(void *arg, const struct plan_rule *rr);
	void *change_arg;
};

#define OPS(p, op, ...) ((p)->c.ops->op((p)->c.ops_arg, __VA_ARGS__))
#define SYS(p, op, ...) ((p)->c.sys->op((p)->c.sys_arg, __VA_ARGS__))

void plan_egress_opened(void *arg, int fd, bool gso)
{
	struct plan *p = arg;

	OPS(p, egress_add, -1, fd, gso);
}

void plan_egress_closing(void *arg, int fd, bool gso)
{
	struct plan *p = arg;

	(void)gso;
	OPS(p, egress_del, fd);
}

void plan_tx_opened(void *arg, unsigned w, int fd, const struct txring_geom *g)
{
	struct plan *p = arg;

	OPS(p, tx_add, w, fd, g);
}

void plan_tx_closing(void *arg, unsigned w, int fd)
{
	struct plan *p = arg;

	OPS(p, tx_del, w, fd);
}

int plan_new(struct plan **out, const struct plan_config *c)
{
	struct plan *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	p->c = *c;
	if (!p->c.nworkers)
		p->c.nworkers = 1;
	if (p->c.nworkers > MCR_MAX_WORKERS)
		p->c.nworkers = MCR_MAX_WORKERS;
	if (!p->c.max_mtu)
		p->c.max_mtu = 1500;
	*out = p;
	return 0;
}

void plan_on_change(struct plan *p, void (*fn)(void *, const struct plan_rule *), void *arg)
{
	p->on_change = fn;
	p->change_arg = arg;
}

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
 * Receive ring slots are sized once, at start (max_mtu): say so, once per
 * change, when an input's MTU outgrows them.
 */
static void input_set_mtu(const struct plan *p, struct plan_input *in, unsigned mtu)
{
	if (!mtu || mtu == in->mtu)
		return;
	in->mtu = mtu;
	if (mtu > p->c.max_mtu)
		log_warn("input interface %s: MTU %u is above the receive buffer size (%u bytes); "
			 "frames longer than %u bytes will be counted as truncated; "
			 "restart mcrd to resize", in->dev, mtu, p->c.max_mtu, p->c.max_mtu);
}

static struct plan_input *input_new(const struct plan *p, const char *dev,
				    const struct iface_info *ii)
{
	struct plan_input *in = calloc(1, sizeof(*in));

	if (!in)
		return NULL;
	snprintf(in->dev, sizeof(in->dev), "%s", dev);
	in->ifindex = ii->ifindex;
	input_set_mtu(p, in, ii->mtu);
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
static void input_release(struct plan *p, size_t slot)
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

/* The filter keys of worker w's attached rules on input slot; NULL on ENOMEM. */
static struct filter_key *input_keys(const struct plan *p, const struct plan_input *in,
				     size_t slot, unsigned w, size_t *n)
{
	struct filter_key *keys = calloc(in->wrules[w] ? in->wrules[w] : 1, sizeof(*keys));

	*n = 0;
	for (size_t i = 0; keys && i < p->nrules; i++) {
		const struct plan_rule *rr = p->rules[i];

		if (rr->attached && rr->in_slot == (int)slot &&
		    plan_rule_serves(rr, w, p->c.nworkers) && *n < in->wrules[w])
			keys[(*n)++] = (struct filter_key){ rr->cfg.in.group, rr->cfg.in.port };
	}
	return keys;
}

/*
 * The socket of worker w on an input, filtered to w's rules there; opened
 * with the first such rule, handed to w, closed with the last.
 */
static int input_refresh(struct plan *p, struct plan_input *in, size_t slot, unsigned w)
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
		int fd = SYS(p, ingress_open, in->ifindex, keys, n, &in->wexact[w], p->c.max_mtu);

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

static void rule_join(struct plan *p, struct plan_rule *rr)
{
	char g[MCR_ADDRSTRLEN];
	int err = SYS(p, join, rr->in_ifindex, rr->cfg.in.group, rr->cfg.in.source);

	if (err) {
		log_warn("rule \"%s\": cannot join %s on %s: %s; relaying what arrives anyway",
			 rr->cfg.name, mcr_ipv4_str(rr->cfg.in.group, g), rr->cfg.in.dev,
			 strerror(-err));
		return;
	}
	rr->joined = true;
}

/* Onto its worker: the input socket's filter, the worker's table, the group joined. */
static int rule_attach(struct plan *p, struct plan_rule *rr, const struct iface_info *ii)
{
	size_t slot;
	struct plan_input *in = input_get(p, rr->cfg.in.dev, ii, &slot);
	int err = 0;

	if (!in)
		return -ENOMEM;
	rr->in_ifindex = ii->ifindex;
	rr->in_slot = (int)slot;
	rr->attached = true;
	in->nrules++;
	for (unsigned k = 0; k < rr->nworkers; k++)
		in->wrules[(rr->worker + k) % p->c.nworkers]++;
	for (unsigned k = 0; k < rr->nworkers && !err; k++)
		err = input_refresh(p, in, slot, (rr->worker + k) % p->c.nworkers);
	if (err) {
		log_err("dev %s: cannot open the ingress socket: %s", in->dev, strerror(-err));
		rr->attached = false;
		for (unsigned k = 0; k < rr->nworkers; k++) {
			in->wrules[(rr->worker + k) % p->c.nworkers]--;
			input_refresh(p, in, slot, (rr->worker + k) % p->c.nworkers);
		}
		if (--in->nrules == 0)
			input_release(p, slot);
		return err;
	}
	for (unsigned k = 0; k < rr->nworkers; k++)
		OPS(p, rule_add, rr, (rr->worker + k) % p->c.nworkers);
	rule_join(p, rr);
	return 0;
}

static void rule_detach(struct plan *p, struct plan_rule *rr)
{
	struct plan_input *in;

	if (!rr->attached)
		return;
	for (unsigned k = 0; k < rr->nworkers; k++) /* before its input goes, if it does */
		OPS(p, rule_del, rr, (rr->worker + k) % p->c.nworkers);
	rr->attached = false;
	in = p->inputs[rr->in_slot];
	for (unsigned k = 0; k < rr->nworkers; k++) {
		in->wrules[(rr->worker + k) % p->c.nworkers]--;
		input_refresh(p, in, (size_t)rr->in_slot, (rr->worker + k) % p->c.nworkers);
	}
	if (--in->nrules == 0)
		input_release(p, (size_t)rr->in_slot);
	if (rr->joined) /* harmless if the interface is gone: the kernel already left */
		SYS(p, leave, rr->in_ifindex, rr->cfg.in.group, rr->cfg.in.source);
	rr->joined = false;
	rr->in_slot = -1;
}

/* Why the rule cannot relay now (attaching it if it can), or NULL. */
static const char *rule_state(struct plan *p, struct plan_rule *rr)
{
	struct iface_info ii;

	if (iface_lookup(rr->cfg.in.dev, &ii)) {
		rule_detach(p, rr);
		return "input interface not found";
	}
	if (rr->attached && rr->in_ifindex != ii.ifindex)
		rule_detach(p, rr); /* re-created: new socket, new membership */
	if (!rr->attached && rule_attach(p, rr, &ii))
		return "ingress socket failed";
	if (!(ii.flags & IFF_UP))
		return "input interface down";
	if (!iface_has_carrier(&ii))
		return "input interface has no carrier";
	return NULL;
}

/* Attach, detach or re-attach the rule to match its input interface now. */
static void rule_reconcile(struct plan *p, struct plan_rule *rr, bool notify)
{
	const char *was = rr->pending;

	/* Outputs first: a rule attaching now sends its outputs' current state. */
	for (unsigned i = 0; i < rr->cfg.nout; i++)
		plan_output_refresh(&p->c, rr, i);
	plan_rule_flags(&p->c, rr);
	rr->pending = rule_state(p, rr);
	if (rr->pending == was)
		return;
	if (rr->pending)
		log_warn("rule \"%s\": %s (%s); the rule waits", rr->cfg.name, rr->pending,
			 rr->cfg.in.dev);
	else
		log_notice("rule \"%s\" is active", rr->cfg.name);
	if (notify && p->on_change)
		p->on_change(p->change_arg, rr);
}

void plan_reconcile(struct plan *p)
{
	for (size_t i = 0; i < p->nrules; i++)
		rule_reconcile(p, p->rules[i], true);
	for (size_t i = 0; i < p->ninputs; i++) {
		struct plan_input *in = p->inputs[i];
		struct iface_info ii;

		if (in && !iface_lookup(in->dev, &ii) && ii.ifindex == in->ifindex)
			input_set_mtu(p, in, ii.mtu);
	}
	/* Sockets of interfaces that no longer exist. */
	for (size_t i = 0; i < p->nrules; i++)
		for (unsigned k = 0; k < p->rules[i]->cfg.nout; k++) {
			const struct plan_output *o = &p->rules[i]->out[k];

			if (o->fd < 0 && o->ifindex && !iface_name(o->ifindex) && iface_table_active())
				SYS(p, egress_forget, o->ifindex);
		}
}

/*
 * Claims the rule's input in the network namespace.  Another mcrd holding
 * the claim relays the same input: the packets go out twice, which may be
 * meant (a second relay path), so this warns and does not refuse.
 */
static void rule_claim(struct plan *p, struct plan_rule *rr)
{
	char g[MCR_ADDRSTRLEN], s[MCR_ADDRSTRLEN] = "";
	int fd = SYS(p, input_claim, &rr->cfg.in);
	bool shared = fd == -EADDRINUSE;

	rr->claim_fd = fd >= 0 ? fd : -1;
	if (rr->cfg.in.source.s_addr)
		snprintf(s, sizeof(s), "%s", mcr_ipv4_str(rr->cfg.in.source, g));
	if (shared && !rr->input_shared)
		log_warn("rule \"%s\": another mcrd in this network namespace relays its input "
			 "(%s %s:%u%s%s) too: both send its packets", rr->cfg.name, rr->cfg.in.dev,
			 mcr_ipv4_str(rr->cfg.in.group, g), rr->cfg.in.port, *s ? " source " : "", s);
	else if (!shared && rr->input_shared)
		log_notice("rule \"%s\": no other mcrd relays its input now", rr->cfg.name);
	else if (fd < 0 && !shared)
		log_debug("rule \"%s\": cannot claim its input: %s", rr->cfg.name, strerror(-fd));
	rr->input_shared = shared;
}

/* What a rule holds beyond its memory: its input lock, its transmit rings. */
static void rule_release(struct plan *p, struct plan_rule *rr)
{
	if (rr->claim_fd >= 0)
		SYS(p, input_unclaim, rr->claim_fd);
	rr->claim_fd = -1;
	for (unsigned k = 0; k < rr->cfg.nout; k++)
		plan_output_release(&p->c, &rr->out[k]);
}

void plan_discard(struct plan_rule *rr)
{
	if (!rr)
		return;
	for (unsigned i = 0; rr->out && i < rr->cfg.nout; i++)
		if (rr->out[i].st)
			counters_free_out(rr->out[i].st_slot);
	if (rr->st)
		counters_free_rule(rr->st_slot);
	free(rr->out);
	mcr_rule_free(&rr->cfg);
	free(rr);
}

/* Counter slots for a new rule and its outputs. */
static int rule_counters(struct plan_rule *rr)
{
	if ((rr->st_slot = counters_alloc_rule()) == UINT32_MAX)
		return -ENOSPC;
	rr->st = counters_rule(rr->st_slot);
	for (unsigned i = 0; i < rr->cfg.nout; i++) {
		if ((rr->out[i].st_slot = counters_alloc_out()) == UINT32_MAX)
			return -ENOSPC;
		rr->out[i].st = counters_out(rr->out[i].st_slot);
	}
	return 0;
}

/*
 * A rule with spread_outputs outputs or more is served by every worker (as
 * many as it has outputs): output i goes to the i-th of them, round robin,
 * so each worker sends an equal share and one hot rule uses every core.
 */
static void rule_spread(const struct plan *p, struct plan_rule *rr)
{
	unsigned n = p->c.nworkers;

	rr->nworkers = 1;
	if (p->c.spread_outputs && rr->cfg.nout >= p->c.spread_outputs && n > 1)
		rr->nworkers = rr->cfg.nout < n ? rr->cfg.nout : n;
	for (unsigned i = 0; i < rr->cfg.nout; i++)
		rr->out[i].worker = (rr->worker + i % rr->nworkers) % n;
}

int plan_prepare(struct plan *p, const struct mcr_rule *cfg, struct plan_rule **out,
		 struct mcr_errlist *el)
{
	struct plan_rule *rr = calloc(1, sizeof(*rr));
	int err = -ENOMEM;

	if (!rr || mcr_rule_copy(&rr->cfg, cfg) ||
	    !(rr->out = calloc(cfg->nout ? cfg->nout : 1, sizeof(*rr->out))))
		goto fail;
	for (unsigned i = 0; i < rr->cfg.nout; i++) {
		rr->out[i].cfg = &rr->cfg.out[i];
		rr->out[i].fd = -1;
		rr->out[i].txfd = -1;
	}
	if ((err = rule_counters(rr)))
		goto fail;
	rr->in_slot = -1;
	rr->claim_fd = -1;
	rr->worker = mcr_worker_of(cfg->in.group, cfg->in.port, p->c.nworkers);
	rule_spread(p, rr);
	rr->pending = "new";
	*out = rr;
	return 0;
fail:
	mcr_errlist_add(el, cfg->line, "rule \"%s\": %s", cfg->name,
			err == -ENOSPC ? "no counter slots left" : "out of memory");
	plan_discard(rr);
	return err;
}

int plan_reserve(struct plan *p, size_t n)
{
	struct plan_rule **v;
	size_t cap = p->caprules ? p->caprules : 64;

	while (cap < p->nrules + n)
		cap *= 2;
	if (cap == p->caprules)
		return 0;
	if (!(v = realloc(p->rules, cap * sizeof(*v))))
		return -ENOMEM;
	p->rules = v;
	p->caprules = cap;
	return 0;
}

/* Its first state is reported with the rule itself, not as a change. */
void plan_insert(struct plan *p, struct plan_rule *rr)
{
	p->rules[p->nrules++] = rr;
	rule_claim(p, rr);
	rule_reconcile(p, rr, false);
}

int plan_check_new(const struct plan *p, const struct mcr_rule *cfg, struct mcr_errlist *el)
{
	const struct plan_rule *dup;
	int err = 0;

	if (plan_find(p, cfg->name)) {
		mcr_errlist_add(el, cfg->line, "rule \"%s\": duplicate name", cfg->name);
		err = -EEXIST;
	}
	if ((dup = plan_find_input(p, &cfg->in)) && !mcr_rule_named_after(cfg, &dup->cfg)) {
		mcr_errlist_add(el, cfg->line, "rule \"%s\": same input as rule \"%s\"", cfg->name,
				dup->cfg.name);
		err = -EEXIST;
	}
	return err;
}

int plan_add(struct plan *p, const struct mcr_rule *cfg, struct mcr_errlist *el)
{
	struct plan_rule *rr;
	int err;

	if ((err = plan_check_new(p, cfg, el)))
		return err;
	if (plan_reserve(p, 1)) {
		mcr_errlist_add(el, cfg->line, "rule \"%s\": out of memory", cfg->name);
		return -ENOMEM;
	}
	if ((err = plan_prepare(p, cfg, &rr, el)))
		return err;
	plan_insert(p, rr);
	return 0;
}

static size_t rule_index(const struct plan *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->nrules && strcmp(p->rules[i]->cfg.name, name); i++)
		;
	return i;
}

const struct plan_rule *plan_find(const struct plan *p, const char *name)
{
	size_t i = rule_index(p, name);

	return i < p->nrules ? p->rules[i] : NULL;
}

const struct plan_rule *plan_find_input(const struct plan *p, const struct mcr_input *in)
{
	for (size_t i = 0; i < p->nrules; i++)
		if (mcr_input_equal(&p->rules[i]->cfg.in, in))
			return p->rules[i];
	return NULL;
}

int plan_del(struct plan *p, const char *name)
{
	size_t i = rule_index(p, name);
	struct plan_rule *rr;

	if (i == p->nrules)
		return -ENOENT;
	rr = p->rules[i];
	memmove(&p->rules[i], &p->rules[i + 1], (p->nrules - i - 1) * sizeof(rr));
	p->nrules--;
	rule_detach(p, rr);
	rule_release(p, rr);
	plan_discard(rr); /* the parent sends nothing itself: nothing in flight */
	return 0;
}

struct replay {
	struct plan *p;
	unsigned w;
};

static void replay_egress(void *arg, int fd, bool gso)
{
	const struct replay *rp = arg;

	OPS(rp->p, egress_add, (int)rp->w, fd, gso);
}

/* Only to worker w: the others already hold all of it. */
void plan_replay(struct plan *p, unsigned w)
{
	struct replay rp = { p, w };

	SYS(p, egress_foreach, replay_egress, &rp);
	/* Fresh transmit rings too: the dead worker left the old ones mid-lap. */
	SYS(p, tx_renew, w);
	/*
	 * A fresh ingress socket, not the dead worker's: its receive ring was
	 * left mid-lap, and a new worker reading it from slot 0 would find
	 * nothing until the kernel wrapped round, then stale frames.
	 */
	for (size_t i = 0; i < p->ninputs; i++) {
		struct plan_input *in = p->inputs[i];

		if (!in || in->wfd[w] < 0)
			continue;
		SYS(p, ingress_close, in->wfd[w]);
		in->wfd[w] = -1;
		if (input_refresh(p, in, i, w))
			log_err("dev %s: cannot reopen worker %u's socket", in->dev, w);
	}
	for (size_t i = 0; i < p->nrules; i++)
		if (p->rules[i]->attached && plan_rule_serves(p->rules[i], w, p->c.nworkers))
			OPS(p, rule_add, p->rules[i], w);
}

void plan_free(struct plan *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->nrules; i++) {
		struct plan_rule *rr = p->rules[i];

		if (rr->joined)
			SYS(p, leave, rr->in_ifindex, rr->cfg.in.group, rr->cfg.in.source);
		rule_release(p, rr);
		plan_discard(rr);
	}
	for (size_t i = 0; i < p->ninputs; i++)
		if (p->inputs[i])
			input_release(p, i);
	free(p->rules);
	free(p);
}

void plan_tick(struct plan *p)
{
	for (size_t i = 0; i < p->ninputs; i++) {
		struct plan_input *in = p->inputs[i];

		for (unsigned w = 0; in && w < p->c.nworkers; w++)
			if (in->wfd[w] >= 0)
				counters_link(in->wst_slot[w])->drops[MCR_DROP_SOCKET_QUEUE] +=
					SYS(p, ingress_drops, in->wfd[w]);
	}
	for (size_t i = 0; i < p->nrules; i++) {
		struct plan_rule *rr = p->rules[i];

		rr->pps = rr->st->packets - rr->last_packets;
		rr->bps = (rr->st->bytes - rr->last_bytes) * 8;
		rr->last_packets = rr->st->packets;
		rr->last_bytes = rr->st->bytes;
		if (rr->claim_fd < 0) /* the other mcrd may have gone */
			rule_claim(p, rr);
	}
}

size_t plan_nrules(const struct plan *p)
{
	return p->nrules;
}

const struct plan_rule *plan_rule(const struct plan *p, size_t i)
{
	return i < p->nrules ? p->rules[i] : NULL;
}

size_t plan_active_rules(const struct plan *p)
{
	size_t n = 0;

	for (size_t i = 0; i < p->nrules; i++)
		n += !p->rules[i]->pending;
	return n;
}

size_t plan_ninputs(const struct plan *p)
{
	size_t n = 0;

	for (size_t i = 0; i < p->ninputs; i++)
		n += p->inputs[i] != NULL;
	return n;
}

unsigned plan_nworkers(const struct plan *p)
{
	return p->c.nworkers;
}

const struct plan_input *plan_input(const struct plan *p, size_t i)
{
	return i < p->ninputs ? p->inputs[i] : NULL;
}

size_t plan_input_slots(const struct plan *p)
{
	return p->ninputs;
}
