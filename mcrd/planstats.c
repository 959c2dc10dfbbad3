/*
 * The plan's counters as the control protocol and the log show them.
 * Workers write the counters in shared memory (counters.c); this reads
 * them through the plan's public accessors only.
 */
#include "plan.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "counters.h"
#include "log.h"

/*
 * The rule's drop counters: its owner's per-packet ones, and no_tx_slot
 * summed over its outputs (each counted by the worker that sends it).
 */
static void rule_drops(const struct plan_rule *rr, uint64_t *d)
{
	memcpy(d, rr->st->drops, sizeof(rr->st->drops));
	for (unsigned k = 0; k < rr->cfg.nout; k++)
		d[MCR_DROP_NO_TX_SLOT] += rr->out[k].st->dropped;
}

/* Each input of a rule with several: its state and counters. */
static void inputs_info(const struct plan_rule *rr, struct mcr_rule_info *info)
{
	const struct redund_stats *s = rr->rst;

	for (unsigned i = 0; s && i < mcr_rule_ninputs(&rr->cfg); i++) {
		struct mcr_in_info *ii = &info->in[i];

		ii->state = rr->in[i].pending ? MCR_STATE_PENDING : MCR_STATE_ACTIVE;
		if (rr->in[i].pending)
			snprintf(ii->reason, sizeof(ii->reason), "%s", rr->in[i].pending);
		ii->packets = s->in[i].packets;
		ii->duplicates = s->in[i].duplicates;
		ii->filled = s->in[i].filled;
		ii->late = s->in[i].late;
		ii->pps = rr->in_pps[i];
	}
	if (s) {
		info->active_in = s->active;
		info->switches = s->switches;
		info->resyncs = s->resyncs;
	}
}

int plan_rule_info(const struct plan_rule *rr, bool stats, struct mcr_rule_info *info)
{
	memset(info, 0, sizeof(*info));
	info->state = rr->pending ? MCR_STATE_PENDING : MCR_STATE_ACTIVE;
	if (rr->pending)
		snprintf(info->reason, sizeof(info->reason), "%s", rr->pending);
	if (rr->input_shared)
		snprintf(info->note, sizeof(info->note),
			 "another mcrd in this network namespace relays this input");
	info->worker = rr->worker;
	info->has_stats = stats;
	info->packets = rr->st->packets;
	info->bytes = rr->st->bytes;
	info->pps = rr->pps;
	info->bps = rr->bps;
	rule_drops(rr, info->drops);
	inputs_info(rr, info);
	info->out = calloc(rr->cfg.nout ? rr->cfg.nout : 1, sizeof(*info->out));
	if (!info->out)
		return -ENOMEM;
	for (unsigned i = 0; i < rr->cfg.nout; i++) {
		const struct plan_output *o = &rr->out[i];
		struct mcr_out_info *oi = &info->out[i];

		oi->state = o->fd >= 0 ? MCR_STATE_ACTIVE : MCR_STATE_PENDING;
		if (o->fd >= 0)
			oi->path = o->txfd >= 0 ? MCR_EGRESS_PACKET : MCR_EGRESS_SOCKET;
		if (o->why)
			snprintf(oi->reason, sizeof(oi->reason), "%s", o->why);
		oi->packets = o->st->packets;
		oi->bytes = o->st->bytes;
		oi->errors = o->st->errors;
		oi->gso = o->st->gso;
	}
	return 0;
}

static void link_add(const struct plan *p, const struct plan_input *in, struct link_stats *out)
{
	for (unsigned w = 0; w < plan_nworkers(p); w++) {
		const struct link_stats *s = counters_link(in->wst_slot[w]);

		out->frames += s->frames;
		for (int d = 0; d < MCR_DROP__MAX; d++)
			out->drops[d] += s->drops[d];
	}
}

void plan_link_stats(const struct plan *p, const char *dev, struct link_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < plan_input_slots(p); i++) {
		const struct plan_input *in = plan_input(p, i);

		if (in && !strcmp(in->dev, dev))
			link_add(p, in, out);
	}
}

void plan_worker_stats(const struct plan *p, unsigned w, struct plan_worker_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < plan_input_slots(p); i++) {
		const struct plan_input *in = plan_input(p, i);
		const struct link_stats *ls;

		if (!in || in->wfd[w] < 0)
			continue;
		ls = counters_link(in->wst_slot[w]);
		out->packets_in += ls->frames;
		for (int d = 1; d < MCR_DROP__MAX; d++)
			out->drops += ls->drops[d];
	}
	for (size_t i = 0; i < plan_nrules(p); i++) {
		const struct plan_rule *rr = plan_rule(p, i);

		if (!plan_rule_serves(rr, w, plan_nworkers(p)))
			continue;
		out->rules += rr->attached;
		for (unsigned k = 0; k < rr->cfg.nout; k++)
			if (rr->out[k].worker == w) {
				out->packets_out += rr->out[k].st->packets;
				out->drops += rr->out[k].st->dropped;
			}
		for (int d = 1; rr->worker == w && d < MCR_DROP__MAX; d++)
			out->drops += rr->st->drops[d];
	}
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

static void log_rule(const struct plan_rule *rr)
{
	char drops[512], g[MCR_ADDRPORTSTRLEN];
	uint64_t d[MCR_DROP__MAX];

	rule_drops(rr, d);
	format_drops(d, drops, sizeof(drops));
	log_notice("stats: rule %s %s packets %llu bytes %llu drops:%s", rr->cfg.name,
		   rr->pending ? "pending" : "active", (unsigned long long)rr->st->packets,
		   (unsigned long long)rr->st->bytes, drops[0] ? drops : " none");
	for (unsigned k = 0; rr->rst && k < mcr_rule_ninputs(&rr->cfg); k++) {
		const struct redund_in_stats *s = &rr->rst->in[k];
		const struct mcr_input *in = mcr_rule_input(&rr->cfg, k);

		log_notice("stats: rule %s in %s %s packets %llu duplicates %llu filled %llu "
			   "late %llu%s", rr->cfg.name, in->dev,
			   mcr_addr_port_str(in->group, in->port, g),
			   (unsigned long long)s->packets, (unsigned long long)s->duplicates,
			   (unsigned long long)s->filled, (unsigned long long)s->late,
			   rr->cfg.red.mode == MCR_REDUNDANCY_FAILOVER && rr->rst->active == k ?
			   " relayed" : "");
	}
	for (unsigned k = 0; k < rr->cfg.nout; k++) {
		const struct plan_output *o = &rr->out[k];

		log_notice("stats: rule %s out %s %s packets %llu bytes %llu errors %llu%s%s",
			   rr->cfg.name, o->cfg->dev, mcr_addr_port_str(o->cfg->group, o->cfg->port, g),
			   (unsigned long long)o->st->packets, (unsigned long long)o->st->bytes,
			   (unsigned long long)o->st->errors, o->st->errors ? " last error: " : "",
			   o->st->errors ? strerror(o->st->last_error) : "");
	}
}

void plan_log_stats(const struct plan *p)
{
	char drops[512];

	for (size_t i = 0; i < plan_input_slots(p); i++) {
		const struct plan_input *in = plan_input(p, i);
		struct link_stats ls = { 0 };

		if (!in)
			continue;
		link_add(p, in, &ls);
		format_drops(ls.drops, drops, sizeof(drops));
		log_notice("stats: link %s frames %llu drops:%s", in->dev,
			   (unsigned long long)ls.frames, drops[0] ? drops : " none");
	}
	for (size_t i = 0; i < plan_nrules(p); i++)
		log_rule(plan_rule(p, i));
}
