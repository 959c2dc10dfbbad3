/* The rule printer: text and JSON, for rule show and monitor events. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "mcrctl.h"
#include "print.h"

/* "11.2 Mbit/s". */
static const char *rate_str(uint64_t bps, char *buf, size_t len)
{
	static const char *const unit[] = { "bit/s", "kbit/s", "Mbit/s", "Gbit/s", "Tbit/s" };
	double v = (double)bps;
	unsigned u = 0;

	while (v >= 1000 && u < 4) {
		v /= 1000;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%" PRIu64 " %s", bps, unit[0]);
	else
		snprintf(buf, len, "%.1f %s", v, unit[u]);
	return buf;
}

/*
 * "drops: none" or every reason with its count, those of redundancy
 * (not_rtp and after) only when they counted; JSON: {reason: count} for
 * every reason.
 */
void mcrctl_print_drops(const uint64_t *drops)
{
	bool any = false;

	for (unsigned d = 1; d < MCR_DROP__MAX; d++)
		any = any || drops[d];
	mcrctl_print_text("    drops:");
	if (!any)
		mcrctl_print_text(" none");
	mcrctl_open_object("drops");
	for (unsigned d = 1; d < MCR_DROP__MAX; d++) {
		const char *name = mcr_drop_name((enum mcr_drop)d);

		mcrctl_print_u64(MCRCTL_JSON, name, "%" PRIu64, drops[d]);
		if (any && (d < MCR_DROP_NOT_RTP || drops[d]))
			mcrctl_print_text(" %s %" PRIu64, name, drops[d]);
	}
	mcrctl_close_object();
	mcrctl_print_nl();
}

/* "ttl N" (a cap), "fixed-ttl N", or nothing: the datagram's TTL - 1 as it is. */
static void print_ttl(const struct mcr_output *o)
{
	if (o->ttl && !o->ttl_fixed)
		mcrctl_print_uint(MCRCTL_ANY, "ttl", " ttl %u", o->ttl);
	else
		mcrctl_print_null(MCRCTL_JSON, "ttl", NULL);
	if (o->ttl && o->ttl_fixed)
		mcrctl_print_uint(MCRCTL_ANY, "fixed_ttl", " fixed-ttl %u", o->ttl);
	else
		mcrctl_print_null(MCRCTL_JSON, "fixed_ttl", NULL);
}

/* An input's fields in JSON, and with text " in DEV G:P [source S]" (", DEV" after the first). */
static void print_input_fields(const struct mcr_input *in, bool first, bool text)
{
	enum mcrctl_pt t = text ? MCRCTL_ANY : MCRCTL_JSON;
	char a[MCR_ADDRPORTSTRLEN];

	mcrctl_print_string(t, "dev", first ? " in %s" : ", %s", in->dev);
	mcrctl_print_string(MCRCTL_JSON, "group", "%s", mcr_addr_str(in->group, a));
	mcrctl_print_uint(MCRCTL_JSON, "port", "%u", in->port);
	if (text)
		mcrctl_print_text(" %s", mcr_addr_port_str(in->group, in->port, a));
	if (mcr_addr_set(in->source))
		mcrctl_print_string(t, "source", " source %s", mcr_addr_str(in->source, a));
	else
		mcrctl_print_null(MCRCTL_JSON, "source", NULL);
	if (in->join) /* absent: always */
		mcrctl_print_string(t, "join", " join %s", mcr_join_name(in->join));
}

/* JSON only: whether an input or output can deliver or send, and why it waits. */
static void print_state(uint8_t state, const char *reason)
{
	mcrctl_print_string(MCRCTL_JSON, "state", "%s", mcr_state_name(state));
	if (reason[0])
		mcrctl_print_string(MCRCTL_JSON, "reason", "%s", reason);
	else
		mcrctl_print_null(MCRCTL_JSON, "reason", NULL);
}

/*
 * " in a G:P, b G:P redundancy merge merge-window-ms 10" and, in JSON,
 * "inputs" with each one's state and counters, and "redundancy".
 */
static void print_inputs(const struct mcr_rule *r, const struct mcr_rule_info *info)
{
	const struct mcr_redund *d = &r->red;
	bool stats = info && info->has_stats;

	mcrctl_open_array("inputs");
	for (unsigned i = 0; i < mcr_rule_ninputs(r) && i < MCR_MAX_INPUTS; i++) {
		const struct mcr_in_info *ii = info ? &info->in[i] : NULL;

		mcrctl_open_object(NULL);
		print_input_fields(mcr_rule_input(r, i), !i, true);
		if (ii)
			print_state(ii->state, ii->reason);
		if (stats) {
			mcrctl_print_u64(MCRCTL_JSON, "packets", "%" PRIu64, ii->packets);
			mcrctl_print_u64(MCRCTL_JSON, "duplicates", "%" PRIu64, ii->duplicates);
			mcrctl_print_u64(MCRCTL_JSON, "filled", "%" PRIu64, ii->filled);
			mcrctl_print_u64(MCRCTL_JSON, "late", "%" PRIu64, ii->late);
			mcrctl_print_u64(MCRCTL_JSON, "pps", "%" PRIu64, ii->pps);
		}
		mcrctl_close_object();
	}
	mcrctl_close_array();
	mcrctl_open_object("redundancy");
	mcrctl_print_string(MCRCTL_ANY, "mode", " redundancy %s", mcr_redundancy_name(d->mode));
	if (d->mode == MCR_REDUNDANCY_MERGE)
		mcrctl_print_uint(MCRCTL_ANY, "merge_window_ms", " merge-window-ms %u", d->window_ms);
	if (d->mode == MCR_REDUNDANCY_FAILOVER) {
		mcrctl_print_uint(MCRCTL_ANY, "failover_ms", " failover-ms %u", d->failover_ms);
		mcrctl_print_uint(MCRCTL_ANY, "revert_ms", " revert-ms %u", d->revert_ms);
		if (info) /* JSON: an index into inputs; text: its place, from 1 */
			mcrctl_print_uint(MCRCTL_JSON, "active_input", "%u", info->active_in);
	}
	if (stats) {
		mcrctl_print_u64(MCRCTL_JSON, "switches", "%" PRIu64, info->switches);
		mcrctl_print_u64(MCRCTL_JSON, "resyncs", "%" PRIu64, info->resyncs);
	}
	mcrctl_close_object();
	if (info && d->mode == MCR_REDUNDANCY_FAILOVER)
		mcrctl_print_text(" relaying input %u", info->active_in + 1);
}

/* "    <- a G:P packets N duplicates N filled N late N rate N pps" per input. */
static void print_input_stats(const struct mcr_rule *r, const struct mcr_rule_info *info)
{
	char a[MCR_ADDRPORTSTRLEN];

	if (r->red.mode == MCR_REDUNDANCY_FAILOVER)
		mcrctl_print_text("    switches %" PRIu64 "\n", info->switches);
	else
		mcrctl_print_text("    resyncs %" PRIu64 "\n", info->resyncs);
	for (unsigned i = 0; i < mcr_rule_ninputs(r) && i < MCR_MAX_INPUTS; i++) {
		const struct mcr_input *in = mcr_rule_input(r, i);
		const struct mcr_in_info *ii = &info->in[i];

		mcrctl_print_text("    <- %s %s packets %" PRIu64 " duplicates %" PRIu64
				  " filled %" PRIu64 " late %" PRIu64 " rate %" PRIu64 " pps",
				  in->dev, mcr_addr_port_str(in->group, in->port, a), ii->packets,
				  ii->duplicates, ii->filled, ii->late, ii->pps);
		if (ii->state == MCR_STATE_PENDING)
			mcrctl_print_text(ii->reason[0] ? " state pending (%s)" : " state pending%s",
					  ii->reason);
		mcrctl_print_nl();
	}
}

void mcrctl_print_rule(const char *key, const struct mcr_rule *r,
		       const struct mcr_rule_info *info)
{
	char name[MCR_NAME_MAX], a[MCR_ADDRSTRLEN], rate[32];
	bool stats = info && info->has_stats;
	bool pending = info && info->state == MCR_STATE_PENDING;

	if (r->name[0])
		snprintf(name, sizeof(name), "%s", r->name);
	else
		mcr_rule_default_name(r, name, sizeof(name));

	mcrctl_open_object(key);
	mcrctl_print_string(MCRCTL_ANY, "name", "%s", name);

	/* "in" is the first input; a rule with several lists them all in "inputs". */
	mcrctl_open_object("in");
	print_input_fields(&r->in, true, !r->nmore);
	mcrctl_close_object();
	if (r->nmore)
		print_inputs(r, info);

	mcrctl_print_text(" ->");
	mcrctl_open_array("out");
	for (unsigned i = 0; i < r->nout; i++) {
		const struct mcr_output *o = &r->out[i];

		mcrctl_open_object(NULL);
		mcrctl_print_string(MCRCTL_ANY, "dev", i ? ", %s" : " %s", o->dev);
		mcrctl_print_string(MCRCTL_JSON, "group", "%s", mcr_addr_str(o->group, a));
		mcrctl_print_uint(MCRCTL_JSON, "port", "%u", o->port);
		mcrctl_print_text(" %s", mcr_addr_port_str(o->group, o->port, a));
		print_ttl(o);
		mcrctl_print_string(o->egress ? MCRCTL_ANY : MCRCTL_JSON, "egress", " egress %s",
				    mcr_egress_name(o->egress));
		if (o->keep_source)
			mcrctl_print_string(MCRCTL_ANY, "source", " source %s", "keep");
		else
			mcrctl_print_null(MCRCTL_JSON, "source", NULL);
		if (o->listeners) { /* absent: false */
			mcrctl_print_uint(MCRCTL_JSON, "listeners", "%u", 1);
			mcrctl_print_text(" listeners");
		}
		if (info && info->out && info->out[i].path)
			mcrctl_print_string(MCRCTL_ANY, "path", " via %s",
					    mcr_egress_name(info->out[i].path));
		else if (info && info->out)
			mcrctl_print_null(MCRCTL_JSON, "path", NULL);
		if (info && info->out) /* text: on the -s line of the output (below) */
			print_state(info->out[i].state, info->out[i].reason);
		if (stats && info->out) {
			mcrctl_print_u64(MCRCTL_JSON, "packets", "%" PRIu64, info->out[i].packets);
			mcrctl_print_u64(MCRCTL_JSON, "bytes", "%" PRIu64, info->out[i].bytes);
			mcrctl_print_u64(MCRCTL_JSON, "errors", "%" PRIu64, info->out[i].errors);
			mcrctl_print_u64(MCRCTL_JSON, "gso", "%" PRIu64, info->out[i].gso);
		}
		mcrctl_close_object();
	}
	mcrctl_close_array();

	mcrctl_print_string(MCRCTL_ANY, "state", " state %s",
			    mcr_state_name(info ? info->state : MCR_STATE_ACTIVE));
	if (pending && info->reason[0])
		mcrctl_print_string(MCRCTL_ANY, "reason", " (%s)", info->reason);
	else
		mcrctl_print_null(MCRCTL_JSON, "reason", NULL);
	mcrctl_print_string(r->origin == MCR_ORIGIN_RUNTIME ? MCRCTL_ANY : MCRCTL_JSON, "origin",
			    " origin %s", mcr_origin_name(r->origin));
	if (info && info->worker != UINT32_MAX)
		mcrctl_print_uint(MCRCTL_ANY, "worker", " worker %u", info->worker);
	if (info && info->note[0])
		mcrctl_print_string(MCRCTL_ANY, "note", " note (%s)", info->note);
	else if (info)
		mcrctl_print_null(MCRCTL_JSON, "note", NULL);
	mcrctl_print_nl();

	if (stats) {
		mcrctl_print_u64(MCRCTL_ANY, "packets", "    packets %" PRIu64, info->packets);
		mcrctl_print_u64(MCRCTL_ANY, "bytes", " bytes %" PRIu64, info->bytes);
		mcrctl_print_u64(MCRCTL_ANY, "pps", " rate %" PRIu64 " pps", info->pps);
		mcrctl_print_u64(MCRCTL_JSON, "bps", "%" PRIu64, info->bps);
		mcrctl_print_text(" %s", rate_str(info->bps, rate, sizeof(rate)));
		mcrctl_print_nl();
		mcrctl_print_drops(info->drops);
		if (r->nmore)
			print_input_stats(r, info);
		for (unsigned i = 0; info->out && i < r->nout; i++) {
			const struct mcr_output *o = &r->out[i];
			const struct mcr_out_info *oi = &info->out[i];

			mcrctl_print_text("    -> %s %s packets %" PRIu64 " bytes %" PRIu64
					  " errors %" PRIu64, o->dev,
					  mcr_addr_port_str(o->group, o->port, a), oi->packets, oi->bytes, oi->errors);
			if (oi->gso)
				mcrctl_print_text(" gso %" PRIu64, oi->gso);
			if (oi->state == MCR_STATE_PENDING)
				mcrctl_print_text(oi->reason[0] ? " state pending (%s)" : " state pending%s",
						  oi->reason);
			mcrctl_print_nl();
		}
	}
	mcrctl_close_object();
}

