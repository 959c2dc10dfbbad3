/* Building the runtime plan from the rule set. */
#include "relay.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "iface.h"
#include "ingress.h"
#include "log.h"

static struct rt_input *input_get(struct relay *r, const char *dev,
				  const struct iface_info *ii)
{
	for (size_t i = 0; i < r->ninputs; i++)
		if (!strcmp(r->inputs[i].dev, dev))
			return &r->inputs[i];
	/* inputs has room for one per rule, so this never reallocates. */
	struct rt_input *in = &r->inputs[r->ninputs++];

	memset(in, 0, sizeof(*in));
	snprintf(in->dev, sizeof(in->dev), "%s", dev);
	in->ifindex = ii->ifindex;
	in->mtu = ii->mtu;
	in->fd = -1;
	if (ii->mtu > r->max_mtu)
		r->max_mtu = ii->mtu;
	return in;
}

static void output_open(struct relay *r, struct rt_rule *rr, struct rt_output *o)
{
	struct iface_info ii;
	int err;

	o->fd = -1;
	o->dst = (struct sockaddr_in){ .sin_family = AF_INET, .sin_addr = o->cfg->group,
				       .sin_port = htons(o->cfg->port) };
	err = iface_lookup(o->cfg->dev, &ii);
	if (!err)
		err = egress_get(r->egress, o->cfg->dev, ii.ifindex, o->cfg->ttl);
	if (err < 0) {
		o->why = err == -ENODEV ? "interface not found" : "socket failed";
		log_warn("rule \"%s\": output dev %s: %s: %s; this output waits", rr->cfg->name,
			 o->cfg->dev, o->why, strerror(-err));
		return;
	}
	o->fd = err;
	o->why = NULL;
}

static int rule_plan(struct relay *r, struct rt_rule *rr, const struct mcr_rule *cfg)
{
	struct iface_info ii;
	int err;

	rr->cfg = cfg;
	rr->nout = cfg->nout;
	rr->out = calloc(cfg->nout, sizeof(*rr->out));
	if (!rr->out)
		return -ENOMEM;
	for (unsigned i = 0; i < cfg->nout; i++) {
		rr->out[i].cfg = &cfg->out[i];
		output_open(r, rr, &rr->out[i]);
	}
	err = iface_lookup(cfg->in.dev, &ii);
	if (err) {
		rr->pending = err == -ENODEV ? "input interface not found" : "input interface error";
		log_warn("rule \"%s\": input dev %s: %s; the rule waits", cfg->name, cfg->in.dev,
			 strerror(-err));
		return 0;
	}
	rr->in_ifindex = ii.ifindex;
	input_get(r, cfg->in.dev, &ii);
	return 0;
}

static int input_open(struct relay *r, struct rt_input *in)
{
	struct filter_key *keys;
	size_t n = 0;
	int err;

	keys = calloc(r->nrules ? r->nrules : 1, sizeof(*keys));
	if (!keys || mcr_match_init(&in->match, r->nrules)) {
		free(keys);
		return -ENOMEM;
	}
	for (size_t i = 0; i < r->nrules; i++) {
		struct rt_rule *rr = &r->rules[i];

		if (rr->pending || strcmp(rr->cfg->in.dev, in->dev))
			continue;
		keys[n++] = (struct filter_key){ rr->cfg->in.group, rr->cfg->in.port };
		err = mcr_match_insert(&in->match, rr->cfg->in.group, rr->cfg->in.port,
				       rr->cfg->in.source, rr);
		if (err) {
			free(keys);
			return err;
		}
	}
	in->fd = ingress_open(in->ifindex, keys, n, &in->exact_filter);
	free(keys);
	if (in->fd < 0)
		return in->fd;
	if (!in->exact_filter)
		log_notice("dev %s: %zu rules exceed the exact kernel filter; filtering "
			   "multicast in userspace", in->dev, n);
	return 0;
}

static void rule_join(struct relay *r, struct rt_rule *rr)
{
	char g[MCR_ADDRSTRLEN];
	int err = membership_join(r->memb, rr->in_ifindex, rr->cfg->in.group, rr->cfg->in.source);

	if (err) {
		log_warn("rule \"%s\": cannot join %s on %s: %s; relaying what arrives anyway",
			 rr->cfg->name, mcr_ipv4_str(rr->cfg->in.group, g), rr->cfg->in.dev,
			 strerror(-err));
		return;
	}
	rr->joined = true;
}

int relay_build(struct relay *r, const struct mcr_ruleset *rules)
{
	int err;

	memset(r, 0, sizeof(*r));
	r->nrules = rules->n;
	r->rules = calloc(rules->n ? rules->n : 1, sizeof(*r->rules));
	r->inputs = calloc(rules->n ? rules->n : 1, sizeof(*r->inputs));
	r->egress = egress_new();
	r->memb = membership_new();
	if (!r->rules || !r->inputs || !r->egress || !r->memb)
		goto nomem;
	for (size_t i = 0; i < rules->n; i++)
		if (rule_plan(r, &r->rules[i], &rules->v[i]))
			goto nomem;
	for (size_t i = 0; i < r->ninputs; i++) {
		err = input_open(r, &r->inputs[i]);
		if (err) {
			log_err("dev %s: cannot open the ingress socket: %s", r->inputs[i].dev,
				strerror(-err));
			relay_free(r);
			return err;
		}
	}
	for (size_t i = 0; i < r->nrules; i++)
		if (!r->rules[i].pending)
			rule_join(r, &r->rules[i]);
	return 0;
nomem:
	relay_free(r);
	return -ENOMEM;
}

void relay_free(struct relay *r)
{
	for (size_t i = 0; i < r->ninputs; i++) {
		if (r->inputs[i].fd >= 0)
			close(r->inputs[i].fd);
		mcr_match_free(&r->inputs[i].match);
	}
	for (size_t i = 0; i < r->nrules; i++)
		free(r->rules[i].out);
	membership_free(r->memb); /* leaves every group */
	egress_free(r->egress);
	free(r->rules);
	free(r->inputs);
	memset(r, 0, sizeof(*r));
}

void relay_poll_kernel_drops(struct relay *r)
{
	for (size_t i = 0; i < r->ninputs; i++)
		if (r->inputs[i].fd >= 0)
			r->inputs[i].st.drops[MCR_DROP_SOCKET_QUEUE] +=
				ingress_kernel_drops(r->inputs[i].fd);
}

size_t relay_active_rules(const struct relay *r)
{
	size_t n = 0;

	for (size_t i = 0; i < r->nrules; i++)
		n += !r->rules[i].pending;
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
		const struct rt_input *in = &r->inputs[i];

		format_drops(in->st.drops, drops, sizeof(drops));
		log_notice("stats: link %s frames %llu drops:%s", in->dev,
			   (unsigned long long)in->st.frames, drops[0] ? drops : " none");
	}
	for (size_t i = 0; i < r->nrules; i++) {
		const struct rt_rule *rr = &r->rules[i];

		format_drops(rr->st.drops, drops, sizeof(drops));
		log_notice("stats: rule %s %s packets %llu bytes %llu drops:%s", rr->cfg->name,
			   rr->pending ? rr->pending : "active",
			   (unsigned long long)rr->st.packets, (unsigned long long)rr->st.bytes,
			   drops[0] ? drops : " none");
		for (unsigned k = 0; k < rr->nout; k++) {
			const struct rt_output *o = &rr->out[k];

			log_notice("stats: rule %s out %s %s:%u packets %llu bytes %llu errors %llu%s%s",
				   rr->cfg->name, o->cfg->dev, mcr_ipv4_str(o->cfg->group, g),
				   o->cfg->port, (unsigned long long)o->st.packets,
				   (unsigned long long)o->st.bytes, (unsigned long long)o->st.errors,
				   o->st.errors ? " last error: " : "",
				   o->st.errors ? strerror(o->st.last_error) : "");
		}
	}
}
