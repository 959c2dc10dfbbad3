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

void plan_tx_opened(void *arg, unsigned w, int fd, int gso_fd, const struct txring_geom *g)
{
	struct plan *p = arg;

	OPS(p, tx_add, w, fd, gso_fd, g);
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
	if (!p->c.rx.mtu)
		p->c.rx.mtu = 1500;
	if (!p->c.rx.mib)
		p->c.rx.mib = MCR_RX_RING_DEFAULT;
	*out = p;
	return 0;
}

void plan_on_change(struct plan *p, void (*fn)(void *, const struct plan_rule *), void *arg)
{
	p->on_change = fn;
	p->change_arg = arg;
}

void plan_on_switch(struct plan *p, void (*fn)(void *, const struct plan_rule *), void *arg)
{
	p->on_switch = fn;
	p->switch_arg = arg;
}

/* Attach, detach or re-attach the rule to match its input interface now. */
static void rule_reconcile(struct plan *p, struct plan_rule *rr, bool notify)
{
	const char *was = rr->pending;
	bool inputs;

	/* Outputs first: a rule attaching now sends its outputs' current state. */
	for (unsigned i = 0; i < rr->cfg.nout; i++)
		plan_output_refresh(&p->c, rr, i);
	plan_rule_flags(&p->c, rr);
	inputs = plan_rule_inputs(p, rr);
	if (rr->pending == was && !inputs)
		return;
	if (rr->pending && rr->pending != was)
		log_warn("rule \"%s\": %s (%s); the rule waits", rr->cfg.name, rr->pending,
			 rr->cfg.in.dev);
	else if (rr->pending != was)
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
			plan_input_mtu(p, in, ii.mtu);
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
 * Claims each of the rule's inputs in the network namespace.  Another mcrd
 * holding a claim relays the same input: the packets go out twice, which
 * may be meant (a second relay path), so this warns and does not refuse.
 */
static void input_claim(struct plan *p, struct plan_rule *rr, unsigned k)
{
	const struct mcr_input *in = mcr_rule_input(&rr->cfg, k);
	char g[MCR_ADDRSTRLEN], s[MCR_ADDRSTRLEN] = "";
	int fd = SYS(p, input_claim, in);
	bool shared = fd == -EADDRINUSE;

	rr->in[k].claim_fd = fd >= 0 ? fd : -1;
	if (mcr_addr_set(in->source))
		mcr_addr_str(in->source, s);
	if (shared && !rr->in[k].shared)
		log_warn("rule \"%s\": another mcrd in this network namespace relays its input "
			 "(%s %s:%u%s%s) too: both send its packets", rr->cfg.name, in->dev,
			 mcr_addr_str(in->group, g), in->port, *s ? " source " : "", s);
	else if (!shared && rr->in[k].shared && !rr->cfg.nmore)
		log_notice("rule \"%s\": no other mcrd relays its input now", rr->cfg.name);
	else if (!shared && rr->in[k].shared)
		log_notice("rule \"%s\": no other mcrd relays its input %u (%s) now", rr->cfg.name,
			   k + 1, in->dev);
	else if (fd < 0 && !shared)
		log_debug("rule \"%s\": cannot claim its input (%s): %s", rr->cfg.name, in->dev,
			  strerror(-fd));
	rr->in[k].shared = shared;
}

/* The inputs not claimed yet (the other mcrd may have gone). */
static void rule_claim(struct plan *p, struct plan_rule *rr)
{
	rr->input_shared = false;
	for (unsigned k = 0; k < mcr_rule_ninputs(&rr->cfg); k++) {
		if (rr->in[k].claim_fd < 0)
			input_claim(p, rr, k);
		rr->input_shared = rr->input_shared || rr->in[k].shared;
	}
}

/* What a rule holds beyond its memory: its input locks, its transmit rings. */
static void rule_release(struct plan *p, struct plan_rule *rr)
{
	for (unsigned k = 0; k < MCR_MAX_INPUTS; k++) {
		if (rr->in[k].claim_fd >= 0)
			SYS(p, input_unclaim, rr->in[k].claim_fd);
		rr->in[k].claim_fd = -1;
	}
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
	if (rr->rst)
		counters_free_redund(rr->rst_slot);
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
	if (rr->cfg.nmore) {
		if ((rr->rst_slot = counters_alloc_redund()) == UINT32_MAX)
			return -ENOSPC;
		rr->rst = counters_redund(rr->rst_slot);
	}
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
	for (unsigned i = 0; i < MCR_MAX_INPUTS; i++) {
		rr->in[i].slot = -1;
		rr->in[i].claim_fd = -1;
	}
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
	const struct plan_rule *dup = NULL;
	int err = 0;

	if (plan_find(p, cfg->name)) {
		mcr_errlist_add(el, cfg->line, "rule \"%s\": duplicate name", cfg->name);
		err = -EEXIST;
	}
	for (size_t i = 0; i < p->nrules && !dup; i++)
		if (mcr_rule_shared_input(cfg, &p->rules[i]->cfg))
			dup = p->rules[i];
	if (dup && !mcr_rule_named_after(cfg, &dup->cfg)) {
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
		if (mcr_rule_has_input(&p->rules[i]->cfg, in))
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
	plan_rule_detach(p, rr);
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
		if (plan_input_refresh(p, in, i, w))
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

		for (unsigned k = 0; k < mcr_rule_ninputs(&rr->cfg); k++)
			if (rr->in[k].joined)
				SYS(p, leave, rr->in[k].ifindex, mcr_rule_input(&rr->cfg, k)->group,
				    mcr_rule_input(&rr->cfg, k)->source);
		rule_release(p, rr);
		plan_discard(rr);
	}
	for (size_t i = 0; i < p->ninputs; i++)
		if (p->inputs[i])
			plan_input_release(p, i);
	free(p->rules);
	free(p);
}

/* A rule with several inputs: their rates, and a failover's switches, said at the tick. */
static void tick_inputs(struct plan *p, struct plan_rule *rr)
{
	const struct redund_stats *s = rr->rst;
	unsigned a;

	if (!s)
		return;
	for (unsigned i = 0; i < mcr_rule_ninputs(&rr->cfg); i++) {
		rr->in_pps[i] = s->in[i].packets - rr->in_last[i];
		rr->in_last[i] = s->in[i].packets;
	}
	if (s->switches == rr->last_switches)
		return;
	rr->last_switches = s->switches;
	a = s->active < mcr_rule_ninputs(&rr->cfg) ? s->active : 0;
	log_notice("rule \"%s\": relaying input %u (%s)", rr->cfg.name, a + 1,
		   mcr_rule_input(&rr->cfg, a)->dev);
	if (p->on_switch)
		p->on_switch(p->switch_arg, rr);
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
		tick_inputs(p, rr);
		rule_claim(p, rr); /* the other mcrd may have gone */
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
