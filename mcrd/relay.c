/*
 * Runtime plan: adding and removing rules.  Each change rebuilds the
 * affected input's match table and kernel filter; memberships and egress
 * sockets are reference-counted, so untouched rules keep theirs.
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
#include "iface.h"
#include "ingress.h"
#include "log.h"

int relay_init(struct relay *r)
{
	memset(r, 0, sizeof(*r));
	r->egress = egress_new();
	r->memb = membership_new();
	if (!r->egress || !r->memb) {
		relay_free(r);
		return -ENOMEM;
	}
	return 0;
}

/* Inputs are per (name, index): a re-created interface gets a new socket. */
static struct rt_input *input_find(const struct relay *r, const char *dev, int ifindex)
{
	for (size_t i = 0; i < r->ninputs; i++)
		if (r->inputs[i] && r->inputs[i]->ifindex == ifindex && !strcmp(r->inputs[i]->dev, dev))
			return r->inputs[i];
	return NULL;
}

/* Rebuilds the match table and kernel filter of one input from its rules. */
static int input_refresh(struct relay *r, struct rt_input *in)
{
	struct filter_key *keys = calloc(in->nrules ? in->nrules : 1, sizeof(*keys));
	struct mcr_match m;
	size_t n = 0;
	int err;

	if (!keys || mcr_match_init(&m, in->nrules)) {
		free(keys);
		return -ENOMEM;
	}
	for (size_t i = 0; i < r->nrules; i++) {
		struct rt_rule *rr = r->rules[i];

		if (!rr->attached || rr->in_ifindex != in->ifindex || strcmp(rr->cfg.in.dev, in->dev))
			continue;
		keys[n++] = (struct filter_key){ rr->cfg.in.group, rr->cfg.in.port };
		mcr_match_insert(&m, rr->cfg.in.group, rr->cfg.in.port, rr->cfg.in.source, rr);
	}
	if (in->fd < 0)
		err = in->fd = ingress_open(in->ifindex, keys, n, &in->exact_filter);
	else
		err = ingress_set_filter(in->fd, keys, n, &in->exact_filter);
	free(keys);
	if (err < 0) {
		mcr_match_free(&m);
		return err;
	}
	mcr_match_free(&in->match);
	in->match = m; /* the data path reads it on the next completion */
	if (!in->exact_filter)
		log_notice("dev %s: %zu rules exceed the exact kernel filter; filtering "
			   "multicast in userspace", in->dev, n);
	return 0;
}

static struct rt_input *input_get(struct relay *r, const char *dev, const struct iface_info *ii)
{
	struct rt_input *in = input_find(r, dev, ii->ifindex);
	size_t i;

	if (in) {
		in->closing = false;
		return in;
	}
	for (i = 0; i < r->ninputs && r->inputs[i]; i++)
		;
	if (i == RELAY_MAX_INPUTS || !(in = calloc(1, sizeof(*in))))
		return NULL;
	snprintf(in->dev, sizeof(in->dev), "%s", dev);
	in->ifindex = ii->ifindex;
	in->mtu = ii->mtu;
	in->fd = -1;
	r->inputs[i] = in;
	if (i == r->ninputs)
		r->ninputs++;
	return in;
}

void relay_input_closed(struct relay *r, size_t idx)
{
	struct rt_input *in = r->inputs[idx];

	if (in->fd >= 0)
		close(in->fd);
	mcr_match_free(&in->match);
	free(in);
	r->inputs[idx] = NULL;
	while (r->ninputs && !r->inputs[r->ninputs - 1])
		r->ninputs--;
}

static void output_close(struct rt_output *o, const char *why)
{
	o->fd = -1;
	o->why = why;
}

/* An output sends when its interface exists, is up with carrier and has an address. */
static void output_refresh(struct relay *r, const struct rt_rule *rr, struct rt_output *o)
{
	const char *was = o->why;
	struct iface_info ii;
	int fd;

	o->dst = (struct sockaddr_in){ .sin_family = AF_INET, .sin_addr = o->cfg->group,
				       .sin_port = htons(o->cfg->port) };
	if (iface_lookup(o->cfg->dev, &ii))
		output_close(o, "interface not found");
	else if (!(ii.flags & IFF_UP))
		output_close(o, "interface down");
	else if (!iface_has_carrier(&ii))
		output_close(o, "no carrier");
	else if (ii.naddr_known && !ii.naddr)
		output_close(o, "no IPv4 address");
	else if ((fd = egress_get(r->egress, o->cfg->dev, ii.ifindex, o->cfg->ttl)) < 0)
		output_close(o, "socket failed");
	else {
		o->fd = fd;
		o->ifindex = ii.ifindex;
		o->why = NULL;
	}
	if (o->why && o->why != was)
		log_warn("rule \"%s\": output dev %s: %s; this output waits", rr->cfg.name,
			 o->cfg->dev, o->why);
	else if (!o->why && was)
		log_notice("rule \"%s\": output dev %s is sending", rr->cfg.name, o->cfg->dev);
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

/* Into the input's table and filter, with its group joined. */
static int rule_attach(struct relay *r, struct rt_rule *rr, const struct iface_info *ii)
{
	struct rt_input *in = input_get(r, rr->cfg.in.dev, ii);
	int err;

	if (!in)
		return -ENOMEM;
	rr->in_ifindex = ii->ifindex;
	rr->attached = true;
	in->nrules++;
	err = input_refresh(r, in);
	if (err) {
		log_err("dev %s: cannot open the ingress socket: %s", in->dev, strerror(-err));
		rr->attached = false;
		if (--in->nrules == 0)
			in->closing = true;
		return err;
	}
	if (ii->mtu > r->max_mtu)
		r->max_mtu = ii->mtu;
	rule_join(r, rr);
	return 0;
}

static void rule_detach(struct relay *r, struct rt_rule *rr)
{
	struct rt_input *in = input_find(r, rr->cfg.in.dev, rr->in_ifindex);

	if (!rr->attached)
		return;
	rr->attached = false;
	if (in) {
		if (--in->nrules == 0)
			in->closing = true; /* the data path cancels and closes it */
		input_refresh(r, in);
	}
	if (rr->joined) /* harmless if the interface is gone: the kernel already left */
		membership_leave(r->memb, rr->in_ifindex, rr->cfg.in.group, rr->cfg.in.source);
	rr->joined = false;
}

/* Attach, detach or re-attach the rule to match its input interface now. */
static void rule_reconcile(struct relay *r, struct rt_rule *rr)
{
	const char *was = rr->pending;
	struct iface_info ii;
	int err = iface_lookup(rr->cfg.in.dev, &ii);

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
	for (unsigned i = 0; i < rr->cfg.nout; i++)
		output_refresh(r, rr, &rr->out[i]);
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

static void rule_free(struct rt_rule *rr)
{
	free(rr->out);
	mcr_rule_free(&rr->cfg);
	free(rr);
}

int relay_add(struct relay *r, const struct mcr_rule *cfg, struct mcr_errlist *el)
{
	struct rt_rule *rr, *dup;

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
		rule_free(rr);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < rr->cfg.nout; i++) {
		rr->out[i].cfg = &rr->cfg.out[i];
		rr->out[i].fd = -1;
	}
	r->rules[r->nrules++] = rr;
	rr->pending = "new";
	/* Its first state is reported with the rule itself, not as a change. */
	relay_change_fn notify = r->on_change;
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
	rr->dead = true;
	if (!rr->inflight) {
		rule_free(rr);
	} else {
		rr->next_dead = r->dead;
		r->dead = rr;
	}
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
	rule_free(rr);
}

void relay_free(struct relay *r)
{
	for (size_t i = 0; i < r->ninputs; i++)
		if (r->inputs[i])
			relay_input_closed(r, i);
	for (size_t i = 0; i < r->nrules; i++)
		rule_free(r->rules[i]);
	while (r->dead) {
		struct rt_rule *next = r->dead->next_dead;

		rule_free(r->dead);
		r->dead = next;
	}
	membership_free(r->memb); /* leaves every group */
	egress_free(r->egress);
	free(r->rules);
	memset(r, 0, sizeof(*r));
}

void relay_tick(struct relay *r)
{
	for (size_t i = 0; i < r->ninputs; i++)
		if (r->inputs[i] && r->inputs[i]->fd >= 0)
			r->inputs[i]->st.drops[MCR_DROP_SOCKET_QUEUE] +=
				ingress_kernel_drops(r->inputs[i]->fd);
	for (size_t i = 0; i < r->nrules; i++) {
		struct rt_rule *rr = r->rules[i];

		rr->pps = rr->st.packets - rr->last_packets;
		rr->bps = (rr->st.bytes - rr->last_bytes) * 8;
		rr->last_packets = rr->st.packets;
		rr->last_bytes = rr->st.bytes;
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
		const struct rt_input *in = r->inputs[i];

		if (!in)
			continue;
		format_drops(in->st.drops, drops, sizeof(drops));
		log_notice("stats: link %s frames %llu drops:%s", in->dev,
			   (unsigned long long)in->st.frames, drops[0] ? drops : " none");
	}
	for (size_t i = 0; i < r->nrules; i++) {
		const struct rt_rule *rr = r->rules[i];

		format_drops(rr->st.drops, drops, sizeof(drops));
		log_notice("stats: rule %s %s packets %llu bytes %llu drops:%s", rr->cfg.name,
			   rr->pending ? "pending" : "active", (unsigned long long)rr->st.packets,
			   (unsigned long long)rr->st.bytes, drops[0] ? drops : " none");
		for (unsigned k = 0; k < rr->cfg.nout; k++) {
			const struct rt_output *o = &rr->out[k];

			log_notice("stats: rule %s out %s %s:%u packets %llu bytes %llu errors %llu%s%s",
				   rr->cfg.name, o->cfg->dev, mcr_ipv4_str(o->cfg->group, g),
				   o->cfg->port, (unsigned long long)o->st.packets,
				   (unsigned long long)o->st.bytes, (unsigned long long)o->st.errors,
				   o->st.errors ? " last error: " : "",
				   o->st.errors ? strerror(o->st.last_error) : "");
		}
	}
}
