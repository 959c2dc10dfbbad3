/*
 * The runtime plan.  The parent attaches a rule to the worker its (group,
 * port) hashes to: that worker gets its own AF_PACKET socket on the input,
 * filtered to its own rules only, so the kernel hands each packet to its
 * owner and to no one else.  Memberships and egress sockets are shared and
 * reference-counted, so untouched rules keep theirs.
 */
#include "relay.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "counters.h"
#include "hash.h"
#include "iface.h"
#include "ingress.h"
#include "log.h"
#include "pool.h"
#include "rxring.h"

static void egress_opened(void *arg, int fd, bool gso)
{
	struct relay *r = arg;

	if (r->pool)
		pool_egress_add(r->pool, fd, gso);
}

static void egress_closing(void *arg, int fd, bool gso)
{
	struct relay *r = arg;

	(void)gso;
	if (r->pool)
		pool_egress_del(r->pool, fd);
}

int relay_init(struct relay *r, unsigned nworkers, struct pool *pool)
{
	memset(r, 0, sizeof(*r));
	r->parent = true;
	r->nworkers = nworkers ? nworkers : 1;
	r->pool = pool;
	r->max_mtu = 1500;
	r->egress = egress_new(egress_opened, egress_closing, r);
	r->memb = membership_new();
	if (!r->egress || !r->memb) {
		relay_free(r);
		return -ENOMEM;
	}
	return 0;
}

void relay_init_worker(struct relay *r)
{
	memset(r, 0, sizeof(*r));
}

/* Inputs are per (name, index): a re-created interface gets new sockets. */
static struct rt_input *input_find(const struct relay *r, const char *dev, int ifindex,
				   size_t *slot)
{
	for (size_t i = 0; i < r->ninputs; i++)
		if (r->inputs[i] && r->inputs[i]->ifindex == ifindex &&
		    !strcmp(r->inputs[i]->dev, dev)) {
			*slot = i;
			return r->inputs[i];
		}
	return NULL;
}

/*
 * Receive ring slots are sized once, at start (max_mtu): say so, once per
 * change, when an input's MTU outgrows them.
 */
static void input_set_mtu(const struct relay *r, struct rt_input *in, unsigned mtu)
{
	if (!mtu || mtu == in->mtu)
		return;
	in->mtu = mtu;
	if (r->parent && mtu > r->max_mtu)
		log_warn("input interface %s: MTU %u is above the receive buffer size (%u bytes); "
			 "frames longer than %u bytes will be counted as truncated; "
			 "restart mcrd to resize", in->dev, mtu, r->max_mtu, r->max_mtu);
}

static struct rt_input *input_get(struct relay *r, const char *dev, const struct iface_info *ii,
				  size_t *slot)
{
	struct rt_input *in = input_find(r, dev, ii->ifindex, slot);
	size_t i;

	if (in)
		return in;
	for (i = 0; i < r->ninputs && r->inputs[i]; i++)
		;
	if (i == RELAY_MAX_INPUTS || !(in = calloc(1, sizeof(*in))))
		return NULL;
	snprintf(in->dev, sizeof(in->dev), "%s", dev);
	in->ifindex = ii->ifindex;
	input_set_mtu(r, in, ii->mtu);
	in->fd = -1;
	for (unsigned w = 0; w < RELAY_MAX_WORKERS; w++)
		in->wfd[w] = -1;
	for (unsigned w = 0; w < r->nworkers; w++)
		if ((in->wst_slot[w] = counters_alloc_link()) == UINT32_MAX) {
			while (w--)
				counters_free_link(in->wst_slot[w]);
			free(in);
			return NULL;
		}
	r->inputs[i] = in;
	if (i == r->ninputs)
		r->ninputs++;
	*slot = i;
	return in;
}

/* Parent: an input no rule uses any more. */
static void input_release(struct relay *r, size_t slot)
{
	struct rt_input *in = r->inputs[slot];

	for (unsigned w = 0; w < r->nworkers; w++) {
		if (in->wfd[w] >= 0)
			close(in->wfd[w]);
		counters_free_link(in->wst_slot[w]);
	}
	free(in);
	r->inputs[slot] = NULL;
	while (r->ninputs && !r->inputs[r->ninputs - 1])
		r->ninputs--;
}

/* Worker: the data path has cancelled the receive; close and forget. */
void relay_input_closed(struct relay *r, size_t idx)
{
	struct rt_input *in = r->inputs[idx];

	rxring_free(in->ring);
	if (in->fd >= 0)
		close(in->fd);
	mcr_match_free(&in->match);
	free(in);
	r->inputs[idx] = NULL;
	while (r->ninputs && !r->inputs[r->ninputs - 1])
		r->ninputs--;
}

/*
 * Parent: the socket of worker w on an input, filtered to w's rules there;
 * opened with the first such rule, handed to w, closed with the last.
 */
static int input_refresh(struct relay *r, struct rt_input *in, size_t slot, unsigned w)
{
	struct filter_key *keys;
	size_t n = 0;
	int err = 0;

	if (!in->wrules[w]) {
		if (in->wfd[w] >= 0) {
			pool_input_del(r->pool, w, slot);
			close(in->wfd[w]);
			in->wfd[w] = -1;
		}
		return 0;
	}
	keys = calloc(in->wrules[w], sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	for (size_t i = 0; i < r->nrules; i++) {
		const struct rt_rule *rr = r->rules[i];

		if (rr->attached && rr->in_slot == (int)slot && rr->worker == w && n < in->wrules[w])
			keys[n++] = (struct filter_key){ rr->cfg.in.group, rr->cfg.in.port };
	}
	if (in->wfd[w] < 0) {
		int fd = ingress_open(in->ifindex, keys, n, &in->wexact[w], r->max_mtu);

		if (fd < 0)
			err = fd;
		else {
			in->wfd[w] = fd;
			pool_input_add(r->pool, w, slot, in);
		}
	} else {
		err = ingress_set_filter(in->wfd[w], keys, n, &in->wexact[w]);
	}
	free(keys);
	if (!err && !in->wexact[w])
		log_notice("dev %s: worker %u's %zu rules exceed the exact kernel filter; "
			   "filtering multicast in userspace", in->dev, w, n);
	return err;
}

int relay_rebuild_match(struct relay *r, size_t slot)
{
	struct rt_input *in = r->inputs[slot];
	struct mcr_match m;
	size_t n = 0;

	for (size_t i = 0; i < r->nrules; i++)
		n += r->rules[i]->in_slot == (int)slot;
	if (mcr_match_init(&m, n))
		return -ENOMEM;
	for (size_t i = 0; i < r->nrules; i++) {
		struct rt_rule *rr = r->rules[i];

		if (rr->in_slot == (int)slot)
			mcr_match_insert(&m, rr->cfg.in.group, rr->cfg.in.port, rr->cfg.in.source, rr);
	}
	mcr_match_free(&in->match);
	in->match = m; /* the data path reads it on the next completion */
	return 0;
}

static void output_set(struct rt_rule *rr, struct rt_output *o, int fd, int ifindex,
		       const char *why)
{
	(void)rr;
	o->fd = fd;
	o->ifindex = fd >= 0 ? ifindex : o->ifindex;
	o->why = why;
}

/* An output sends when its interface exists, is up with carrier and has an address. */
static void output_refresh(struct relay *r, struct rt_rule *rr, unsigned i)
{
	struct rt_output *o = &rr->out[i];
	const char *was = o->why;
	int wasfd = o->fd, fd = -1;
	struct iface_info ii = { 0 };

	o->dst = (struct sockaddr_in){ .sin_family = AF_INET, .sin_addr = o->cfg->group,
				       .sin_port = htons(o->cfg->port) };
	if (iface_lookup(o->cfg->dev, &ii))
		output_set(rr, o, -1, 0, "interface not found");
	else if (!(ii.flags & IFF_UP))
		output_set(rr, o, -1, 0, "interface down");
	else if (!iface_has_carrier(&ii))
		output_set(rr, o, -1, 0, "no carrier");
	else if (ii.naddr_known && !ii.naddr)
		output_set(rr, o, -1, 0, "no IPv4 address");
	else if ((fd = egress_get(r->egress, o->cfg->dev, ii.ifindex, o->cfg->ttl,
				  relay_gso(r, &ii))) < 0)
		output_set(rr, o, -1, 0, "socket failed");
	else
		output_set(rr, o, fd, ii.ifindex, NULL);
	if (o->fd != wasfd && rr->attached)
		pool_output_set(r->pool, rr, i);
	if (o->why && o->why != was)
		log_warn("rule \"%s\": output dev %s: %s; this output waits", rr->cfg.name,
			 o->cfg->dev, o->why);
	else if (!o->why && was)
		log_notice("rule \"%s\": output dev %s is sending", rr->cfg.name, o->cfg->dev);
}

/*
 * GSO runs leave a physical interface as separate datagrams (the NIC or
 * the kernel segments them before the wire); a virtual one (veth, bridge,
 * loopback) hands a run on whole, which captures there (tcpdump, another
 * mcrd's AF_PACKET input) see as one oversized frame.  Hence "auto".
 */
bool relay_gso(const struct relay *r, const struct iface_info *ii)
{
	return r->gso == MCR_GSO_ON || (r->gso == MCR_GSO_AUTO && !ii->virt);
}

static void rule_join(struct relay *r, struct rt_rule *rr)
{
	char g[MCR_ADDRSTRLEN];
	int err = membership_join(r->memb, rr->in_ifindex, rr->cfg.in.group, rr->cfg.in.source);

	if (err) {
		log_warn("rule \"%s\": cannot join %s on %s: %s; relaying what arrives anyway",
			 rr->cfg.name, mcr_ipv4_str(rr->cfg.in.group, g), rr->cfg.in.dev,
			 strerror(-err));
		return;
	}
	rr->joined = true;
}

/* Onto its worker: the input socket's filter, the worker's table, the group joined. */
static int rule_attach(struct relay *r, struct rt_rule *rr, const struct iface_info *ii)
{
	size_t slot;
	struct rt_input *in = input_get(r, rr->cfg.in.dev, ii, &slot);
	int err;

	if (!in)
		return -ENOMEM;
	rr->in_ifindex = ii->ifindex;
	rr->in_slot = (int)slot;
	rr->attached = true;
	in->nrules++;
	in->wrules[rr->worker]++;
	err = input_refresh(r, in, slot, rr->worker);
	if (err) {
		log_err("dev %s: cannot open the ingress socket: %s", in->dev, strerror(-err));
		rr->attached = false;
		in->wrules[rr->worker]--;
		if (--in->nrules == 0)
			input_release(r, slot);
		return err;
	}
	pool_rule_add(r->pool, rr);
	rule_join(r, rr);
	return 0;
}

static void rule_detach(struct relay *r, struct rt_rule *rr)
{
	struct rt_input *in;

	if (!rr->attached)
		return;
	pool_rule_del(r->pool, rr); /* before its input goes, if it does */
	rr->attached = false;
	in = r->inputs[rr->in_slot];
	in->wrules[rr->worker]--;
	input_refresh(r, in, (size_t)rr->in_slot, rr->worker);
	if (--in->nrules == 0)
		input_release(r, (size_t)rr->in_slot);
	if (rr->joined) /* harmless if the interface is gone: the kernel already left */
		membership_leave(r->memb, rr->in_ifindex, rr->cfg.in.group, rr->cfg.in.source);
	rr->joined = false;
	rr->in_slot = -1;
}

/* Attach, detach or re-attach the rule to match its input interface now. */
static void rule_reconcile(struct relay *r, struct rt_rule *rr)
{
	const char *was = rr->pending;
	struct iface_info ii;
	int err = iface_lookup(rr->cfg.in.dev, &ii);

	/* Outputs first: a rule attaching now sends its outputs' current state. */
	for (unsigned i = 0; i < rr->cfg.nout; i++)
		output_refresh(r, rr, i);
	if (err) {
		rule_detach(r, rr);
		rr->pending = "input interface not found";
	} else {
		if (rr->attached && rr->in_ifindex != ii.ifindex)
			rule_detach(r, rr); /* re-created: new socket, new membership */
		if (!rr->attached && rule_attach(r, rr, &ii))
			rr->pending = "ingress socket failed";
		else if (!(ii.flags & IFF_UP))
			rr->pending = "input interface down";
		else if (!iface_has_carrier(&ii))
			rr->pending = "input interface has no carrier";
		else
			rr->pending = NULL;
	}
	if (rr->pending == was)
		return;
	if (rr->pending)
		log_warn("rule \"%s\": %s (%s); the rule waits", rr->cfg.name, rr->pending,
			 rr->cfg.in.dev);
	else
		log_notice("rule \"%s\" is active", rr->cfg.name);
	if (r->on_change)
		r->on_change(r->change_arg, rr);
}

void relay_reconcile(struct relay *r)
{
	for (size_t i = 0; i < r->nrules; i++)
		rule_reconcile(r, r->rules[i]);
	for (size_t i = 0; i < r->ninputs; i++) {
		struct rt_input *in = r->inputs[i];
		struct iface_info ii;

		if (in && !iface_lookup(in->dev, &ii) && ii.ifindex == in->ifindex)
			input_set_mtu(r, in, ii.mtu);
	}
	/* Sockets of interfaces that no longer exist. */
	for (size_t i = 0; i < r->nrules; i++)
		for (unsigned k = 0; k < r->rules[i]->cfg.nout; k++) {
			struct rt_output *o = &r->rules[i]->out[k];

			if (o->fd < 0 && o->ifindex && !iface_name(o->ifindex) && iface_table_active())
				egress_forget_ifindex(r->egress, o->ifindex);
		}
}

static int rules_grow(struct relay *r)
{
	struct rt_rule **v;
	size_t cap;

	if (r->nrules < r->caprules)
		return 0;
	cap = r->caprules ? r->caprules * 2 : 64;
	v = realloc(r->rules, cap * sizeof(*v));
	if (!v)
		return -ENOMEM;
	r->rules = v;
	r->caprules = cap;
	return 0;
}

void relay_rule_free(struct relay *r, struct rt_rule *rr)
{
	if (r->parent && rr->out) {
		for (unsigned i = 0; i < rr->cfg.nout; i++)
			if (rr->out[i].st)
				counters_free_out(rr->out[i].st_slot);
		if (rr->st)
			counters_free_rule(rr->st_slot);
	}
	free(rr->out);
	mcr_rule_free(&rr->cfg);
	free(rr);
}

/* Counter slots for a new rule and its outputs (parent). */
static int rule_counters(struct rt_rule *rr)
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

int relay_add(struct relay *r, const struct mcr_rule *cfg, struct mcr_errlist *el)
{
	struct rt_rule *rr, *dup;
	relay_change_fn notify;
	int err;

	if ((dup = relay_find(r, cfg->name))) {
		mcr_errlist_add(el, cfg->line, "rule \"%s\": duplicate name", cfg->name);
		return -EEXIST;
	}
	if ((dup = relay_find_input(r, &cfg->in))) {
		mcr_errlist_add(el, cfg->line, "rule \"%s\": same input as rule \"%s\"", cfg->name,
				dup->cfg.name);
		return -EEXIST;
	}
	if (rules_grow(r) || !(rr = calloc(1, sizeof(*rr))))
		return -ENOMEM;
	if (mcr_rule_copy(&rr->cfg, cfg) ||
	    !(rr->out = calloc(cfg->nout ? cfg->nout : 1, sizeof(*rr->out)))) {
		relay_rule_free(r, rr);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < rr->cfg.nout; i++) {
		rr->out[i].cfg = &rr->cfg.out[i];
		rr->out[i].fd = -1;
	}
	if ((err = rule_counters(rr))) {
		mcr_errlist_add(el, cfg->line, "rule \"%s\": no counter slots left", cfg->name);
		relay_rule_free(r, rr);
		return err;
	}
	rr->in_slot = -1;
	rr->worker = mcr_worker_of(cfg->in.group, cfg->in.port, r->nworkers);
	r->rules[r->nrules++] = rr;
	rr->pending = "new";
	/* Its first state is reported with the rule itself, not as a change. */
	notify = r->on_change;
	r->on_change = NULL;
	rule_reconcile(r, rr);
	r->on_change = notify;
	return 0;
}

struct rt_rule *relay_find(const struct relay *r, const char *name)
{
	for (size_t i = 0; i < r->nrules; i++)
		if (!strcmp(r->rules[i]->cfg.name, name))
			return r->rules[i];
	return NULL;
}

struct rt_rule *relay_find_input(const struct relay *r, const struct mcr_input *in)
{
	for (size_t i = 0; i < r->nrules; i++)
		if (mcr_input_equal(&r->rules[i]->cfg.in, in))
			return r->rules[i];
	return NULL;
}

int relay_del(struct relay *r, const char *name)
{
	struct rt_rule *rr;
	size_t i;

	for (i = 0; i < r->nrules && strcmp(r->rules[i]->cfg.name, name); i++)
		;
	if (i == r->nrules)
		return -ENOENT;
	rr = r->rules[i];
	memmove(&r->rules[i], &r->rules[i + 1], (r->nrules - i - 1) * sizeof(rr));
	r->nrules--;
	rule_detach(r, rr);
	relay_rule_free(r, rr); /* the parent sends nothing itself: nothing in flight */
	return 0;
}

void relay_send_done(struct relay *r, struct rt_rule *rr)
{
	struct rt_rule **p;

	if (--rr->inflight || !rr->dead)
		return;
	for (p = &r->dead; *p && *p != rr; p = &(*p)->next_dead)
		;
	if (*p)
		*p = rr->next_dead;
	relay_rule_free(r, rr);
}

struct replay {
	struct pool *pool;
	unsigned w;
};

static void replay_egress(void *arg, int fd, bool gso)
{
	const struct replay *rp = arg;

	pool_egress_add_to(rp->pool, rp->w, fd, gso);
}

/* Only to worker w: the others already hold all of it. */
void relay_replay(struct relay *r, unsigned w)
{
	struct replay rp = { r->pool, w };

	egress_foreach(r->egress, replay_egress, &rp);
	/*
	 * A fresh ingress socket, not the dead worker's: its receive ring was
	 * left mid-lap, and a new worker reading it from slot 0 would find
	 * nothing until the kernel wrapped round, then stale frames.
	 */
	for (size_t i = 0; i < r->ninputs; i++) {
		struct rt_input *in = r->inputs[i];

		if (!in || in->wfd[w] < 0)
			continue;
		close(in->wfd[w]);
		in->wfd[w] = -1;
		if (input_refresh(r, in, i, w))
			log_err("dev %s: cannot reopen worker %u's socket", in->dev, w);
	}
	for (size_t i = 0; i < r->nrules; i++)
		if (r->rules[i]->attached && r->rules[i]->worker == w)
			pool_rule_add(r->pool, r->rules[i]);
}

void relay_free(struct relay *r)
{
	r->pool = NULL; /* the workers are gone or going: tell them nothing */
	for (size_t i = 0; i < r->ninputs; i++) {
		if (!r->inputs[i])
			continue;
		if (r->parent)
			input_release(r, i);
		else
			relay_input_closed(r, i);
	}
	for (size_t i = 0; i < r->nrules; i++)
		relay_rule_free(r, r->rules[i]);
	while (r->dead) {
		struct rt_rule *next = r->dead->next_dead;

		relay_rule_free(r, r->dead);
		r->dead = next;
	}
	membership_free(r->memb); /* leaves every group */
	egress_free(r->egress);
	free(r->rules);
	memset(r, 0, sizeof(*r));
}

void relay_link_stats(const struct relay *r, const struct rt_input *in, struct link_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned w = 0; w < r->nworkers; w++) {
		const struct link_stats *s = counters_link(in->wst_slot[w]);

		out->frames += s->frames;
		for (int d = 0; d < MCR_DROP__MAX; d++)
			out->drops[d] += s->drops[d];
	}
}

void relay_tick(struct relay *r)
{
	for (size_t i = 0; i < r->ninputs; i++) {
		struct rt_input *in = r->inputs[i];

		for (unsigned w = 0; in && w < r->nworkers; w++)
			if (in->wfd[w] >= 0)
				counters_link(in->wst_slot[w])->drops[MCR_DROP_SOCKET_QUEUE] +=
					ingress_kernel_drops(in->wfd[w]);
	}
	for (size_t i = 0; i < r->nrules; i++) {
		struct rt_rule *rr = r->rules[i];

		rr->pps = rr->st->packets - rr->last_packets;
		rr->bps = (rr->st->bytes - rr->last_bytes) * 8;
		rr->last_packets = rr->st->packets;
		rr->last_bytes = rr->st->bytes;
	}
}

size_t relay_active_rules(const struct relay *r)
{
	size_t n = 0;

	for (size_t i = 0; i < r->nrules; i++)
		n += !r->rules[i]->pending;
	return n;
}

/* " reason=N" for each non-zero drop counter. */
static void format_drops(const uint64_t *d, char *buf, size_t len)
{
	size_t pos = 0;

	buf[0] = 0;
	for (int i = 1; i < MCR_DROP__MAX && pos < len; i++)
		if (d[i])
			pos += (size_t)snprintf(buf + pos, len - pos, " %s=%llu",
						mcr_drop_name((enum mcr_drop)i),
						(unsigned long long)d[i]);
}

void relay_log_stats(const struct relay *r)
{
	char drops[512], g[MCR_ADDRSTRLEN];

	for (size_t i = 0; i < r->ninputs; i++) {
		struct link_stats ls;

		if (!r->inputs[i])
			continue;
		relay_link_stats(r, r->inputs[i], &ls);
		format_drops(ls.drops, drops, sizeof(drops));
		log_notice("stats: link %s frames %llu drops:%s", r->inputs[i]->dev,
			   (unsigned long long)ls.frames, drops[0] ? drops : " none");
	}
	for (size_t i = 0; i < r->nrules; i++) {
		const struct rt_rule *rr = r->rules[i];

		format_drops(rr->st->drops, drops, sizeof(drops));
		log_notice("stats: rule %s %s packets %llu bytes %llu drops:%s", rr->cfg.name,
			   rr->pending ? "pending" : "active", (unsigned long long)rr->st->packets,
			   (unsigned long long)rr->st->bytes, drops[0] ? drops : " none");
		for (unsigned k = 0; k < rr->cfg.nout; k++) {
			const struct rt_output *o = &rr->out[k];

			log_notice("stats: rule %s out %s %s:%u packets %llu bytes %llu errors %llu%s%s",
				   rr->cfg.name, o->cfg->dev, mcr_ipv4_str(o->cfg->group, g),
				   o->cfg->port, (unsigned long long)o->st->packets,
				   (unsigned long long)o->st->bytes, (unsigned long long)o->st->errors,
				   o->st->errors ? " last error: " : "",
				   o->st->errors ? strerror(o->st->last_error) : "");
		}
	}
}
