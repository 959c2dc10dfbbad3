/* Prometheus text exposition of the counters (expo.h). */
#include "expo.h"

#include <errno.h>
#include <sys/socket.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "config.h"
#include "counters.h"
#include "ctl.h"
#include "igmp.h"
#include "mld.h"

void expo_init(struct expo *e, size_t max)
{
	*e = (struct expo){ .max = max };
}

void expo_free(struct expo *e)
{
	free(e->buf);
	*e = (struct expo){ 0 };
}

static bool grow(struct expo *e, size_t n)
{
	size_t cap = e->cap ? e->cap : 64 << 10;
	char *p;

	if (e->err)
		return false;
	if (e->len + n + 1 <= e->cap)
		return true;
	while (cap < e->len + n + 1)
		cap *= 2;
	if (cap > e->max)
		cap = e->max;
	if (e->len + n + 1 > cap) {
		e->err = -EFBIG;
		return false;
	}
	if (!(p = realloc(e->buf, cap))) {
		e->err = -ENOMEM;
		return false;
	}
	e->buf = p;
	e->cap = cap;
	return true;
}

static void put(struct expo *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct expo *e, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !grow(e, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(e->buf + e->len, e->cap - e->len, fmt, ap);
	va_end(ap);
	e->len += (size_t)n;
}

void expo_label_value(struct expo *e, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\')
			put(e, "\\\\");
		else if (*v == '"')
			put(e, "\\\"");
		else if (*v == '\n')
			put(e, "\\n");
		else
			put(e, "%c", *v);
	}
}

/* The "# HELP" and "# TYPE" lines that open a family. */
static void family(struct expo *e, const char *name, const char *type, const char *help)
{
	put(e, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{k0="v0",...} with n label pairs (kv: key, value, key, value...). */
static void series(struct expo *e, const char *name, unsigned n, const char *const *kv)
{
	put(e, "%s", name);
	for (unsigned i = 0; i < n; i++) {
		put(e, "%s%s=\"", i ? "," : "{", kv[2 * i]);
		expo_label_value(e, kv[2 * i + 1]);
		put(e, "\"");
	}
	put(e, "%s", n ? "} " : " ");
}

static void sample(struct expo *e, const char *name, unsigned n, const char *const *kv, uint64_t v)
{
	series(e, name, n, kv);
	put(e, "%" PRIu64 "\n", v);
}

bool expo_rule_reason(enum mcr_drop d)
{
	return d == MCR_DROP_NO_TX_SLOT || d == MCR_DROP_BAD_UDP_CHECKSUM ||
	       d == MCR_DROP_TTL_EXPIRED || d == MCR_DROP_LOOP || d == MCR_DROP_NOT_RTP ||
	       d == MCR_DROP_DUPLICATE || d == MCR_DROP_LATE;
}

static void daemon_info(struct expo *e, const struct metcat_status *st, const char *version)
{
	const char *kv[2] = { "version", version };

	family(e, "mcrd_build_info", "gauge", "The running mcrd's version (always 1).");
	sample(e, "mcrd_build_info", 1, kv, 1);
	family(e, "mcrd_start_time_seconds", "gauge", "When mcrd started, in seconds since the epoch.");
	sample(e, "mcrd_start_time_seconds", 0, NULL, (uint64_t)st->start_time);
	family(e, "mcrd_reloads_total", "counter", "Reloads of the rule file, by result.");
	kv[0] = "result";
	kv[1] = "applied";
	sample(e, "mcrd_reloads_total", 1, kv, st->reloads_ok);
	kv[1] = "refused";
	sample(e, "mcrd_reloads_total", 1, kv, st->reloads_refused);
	family(e, "mcrd_last_reload_successful", "gauge",
	       "Whether the last reload was applied (1) or refused (0); 1 before any.");
	sample(e, "mcrd_last_reload_successful", 0, NULL, !st->last_refused);
	family(e, "mcrd_last_reload_success_timestamp_seconds", "gauge",
	       "When the rule file was last applied (at start or by a reload), in seconds since the epoch.");
	sample(e, "mcrd_last_reload_success_timestamp_seconds", 0, NULL, (uint64_t)st->reload_time);
}

static void rule_info(struct expo *e, const struct metcat *c)
{
	char g[MCR_ADDRSTRLEN], s[MCR_ADDRSTRLEN], port[8], w[12];

	family(e, "mcrd_rule_info", "gauge",
	       "A rule's input, origin and worker (always 1); source is empty for any source.");
	for (uint32_t i = 0; i < c->hdr->nrules; i++) {
		const struct metcat_rule *r = &c->rule[i];
		const char *kv[] = { "rule", r->name, "dev", r->dev, "group", mcr_addr_str(r->group, g),
				     "port", port, "source",
				     mcr_addr_set(r->source) ? mcr_addr_str(r->source, s) : "",
				     "origin", mcr_origin_name(r->origin), "worker", w };

		snprintf(port, sizeof(port), "%u", r->port);
		snprintf(w, sizeof(w), "%u", r->worker);
		sample(e, "mcrd_rule_info", 7, kv, 1);
	}
}

/* One family with a sample per rule: what of the rule's counters v picks. */
static void per_rule(struct expo *e, const struct metcat *c, const char *name, const char *type,
		     const char *help, uint64_t (*v)(const struct metcat_rule *r))
{
	family(e, name, type, help);
	for (uint32_t i = 0; i < c->hdr->nrules; i++) {
		const char *kv[] = { "rule", c->rule[i].name };

		sample(e, name, 1, kv, v(&c->rule[i]));
	}
}

static uint64_t r_active(const struct metcat_rule *r) { return !!(r->flags & METCAT_R_ACTIVE); }
static uint64_t r_packets(const struct metcat_rule *r) { return counters_rule(r->slot)->packets; }
static uint64_t r_bytes(const struct metcat_rule *r) { return counters_rule(r->slot)->bytes; }

static void rule_drops(struct expo *e, const struct metcat *c)
{
	family(e, "mcrd_rule_drops_total", "counter",
	       "Packets of a rule, or copies for one of its outputs, dropped, by reason.");
	for (uint32_t i = 0; i < c->hdr->nrules; i++) {
		const struct metcat_rule *r = &c->rule[i];
		const struct rule_stats *st = counters_rule(r->slot);
		uint64_t no_slot = 0;

		/* no_tx_slot: each output's, counted by the worker that sends it (planstats.c). */
		for (uint32_t k = 0; k < r->nout; k++)
			no_slot += counters_out(c->out[r->first_out + k].slot)->dropped;
		for (int d = 1; d < MCR_DROP__MAX; d++) {
			const char *kv[] = { "rule", r->name, "reason", mcr_drop_name(d) };

			if (expo_rule_reason(d))
				sample(e, "mcrd_rule_drops_total", 2, kv,
				       st->drops[d] + (d == MCR_DROP_NO_TX_SLOT ? no_slot : 0));
		}
	}
}

enum out_val { O_UP, O_L2, O_PACKETS, O_BYTES, O_ERRORS, O_GSO };

static uint64_t out_value(const struct metcat_out *o, enum out_val v)
{
	const struct out_stats *st = counters_out(o->slot);

	switch (v) {
	case O_UP: return o->up;
	case O_L2: return o->layer2;
	case O_PACKETS: return st->packets;
	case O_BYTES: return st->bytes;
	case O_GSO: return st->gso;
	default: return st->errors;
	}
}

static void per_output(struct expo *e, const struct metcat *c, const char *name, const char *type,
		       const char *help, enum out_val v)
{
	char g[MCR_ADDRSTRLEN], port[8];

	family(e, name, type, help);
	for (uint32_t i = 0; i < c->hdr->nrules; i++) {
		const struct metcat_rule *r = &c->rule[i];

		for (uint32_t k = 0; k < r->nout; k++) {
			const struct metcat_out *o = &c->out[r->first_out + k];
			const char *kv[] = { "rule", r->name, "dev", o->dev, "group",
					     mcr_addr_str(o->group, g), "port", port };

			snprintf(port, sizeof(port), "%u", o->port);
			sample(e, name, 4, kv, out_value(o, v));
		}
	}
}

/* ---- rules with several inputs (redundancy: redund.c, struct redund_stats) ---- */

enum in_val { I_ACTIVE, I_RELAYED, I_PACKETS, I_DUPLICATES, I_FILLED, I_LATE };

static uint64_t in_value(const struct metcat_rule *r, const struct metcat_in *in, uint32_t k,
			 enum in_val v)
{
	const struct redund_stats *rs = counters_redund(r->rslot);
	const struct redund_in_stats *st = &rs->in[k]; /* k < nin <= MCR_MAX_INPUTS (metcat_check) */

	switch (v) {
	case I_ACTIVE: return in->active;
	case I_RELAYED: return rs->active == k;
	case I_PACKETS: return st->packets;
	case I_DUPLICATES: return st->duplicates;
	case I_FILLED: return st->filled;
	default: return st->late;
	}
}

/* One family with a sample per input of each rule with several (I_RELAYED: failover rules). */
static void per_input(struct expo *e, const struct metcat *c, const char *name, const char *type,
		      const char *help, enum in_val v)
{
	char g[MCR_ADDRSTRLEN], s[MCR_ADDRSTRLEN], port[8];

	family(e, name, type, help);
	for (uint32_t i = 0; i < c->hdr->nrules; i++) {
		const struct metcat_rule *r = &c->rule[i];

		if (v == I_RELAYED && r->mode != MCR_REDUNDANCY_FAILOVER)
			continue;
		for (uint32_t k = 0; k < r->nin; k++) {
			const struct metcat_in *in = &c->in[r->first_in + k];
			const char *kv[] = { "rule", r->name, "dev", in->dev, "group",
					     mcr_addr_str(in->group, g), "port", port, "source",
					     mcr_addr_set(in->source) ? mcr_addr_str(in->source, s) : "" };

			snprintf(port, sizeof(port), "%u", in->port);
			sample(e, name, 5, kv, in_value(r, in, k, v));
		}
	}
}

/* One family with a sample per rule with several inputs: switches (1) or resyncs (0). */
static void per_redund(struct expo *e, const struct metcat *c, const char *name,
		       const char *help, bool switches)
{
	family(e, name, "counter", help);
	for (uint32_t i = 0; i < c->hdr->nrules; i++) {
		const struct metcat_rule *r = &c->rule[i];
		const struct redund_stats *rs;
		const char *kv[] = { "rule", r->name };

		if (!r->nin)
			continue;
		rs = counters_redund(r->rslot);
		sample(e, name, 1, kv, switches ? rs->switches : rs->resyncs);
	}
}

static void redundancy(struct expo *e, const struct metcat *c)
{
	per_input(e, c, "mcrd_rule_input_active", "gauge",
		  "Whether an input of a rule with several can deliver (1) or is pending (0).",
		  I_ACTIVE);
	per_input(e, c, "mcrd_rule_input_relayed", "gauge",
		  "Failover: whether the rule relays this input (1) or holds it on standby (0).",
		  I_RELAYED);
	per_input(e, c, "mcrd_rule_input_packets_total", "counter",
		  "Datagrams of a rule with several inputs that arrived on this one.", I_PACKETS);
	per_input(e, c, "mcrd_rule_input_duplicates_total", "counter",
		  "Datagrams of an input not relayed: merge, another input's copy was; "
		  "failover, the input was on standby.", I_DUPLICATES);
	per_input(e, c, "mcrd_rule_input_filled_total", "counter",
		  "Merge: sequence numbers an input missed that another input supplied.", I_FILLED);
	per_input(e, c, "mcrd_rule_input_late_total", "counter",
		  "Merge: datagrams of an input not relayed, later than the merge window.", I_LATE);
	per_redund(e, c, "mcrd_rule_input_switches_total",
		   "Failover: changes of the input a rule relays.", true);
	per_redund(e, c, "mcrd_rule_resyncs_total",
		   "Merge: times a rule followed its stream anew (a new SSRC, or a jump).", false);
}

static int by_dev(const void *a, const void *b, void *arg)
{
	const struct metcat_link *l = arg;
	uint32_t ia = *(const uint32_t *)a, ib = *(const uint32_t *)b;
	int d = strcmp(l[ia].dev, l[ib].dev);

	return d ? d : ia < ib ? -1 : ia > ib;
}

/* Per input interface: the sums over its links (every worker, every ifindex). */
static void inputs(struct expo *e, const struct metcat *c)
{
	uint32_t n = c->hdr->nlinks, *idx = malloc((n ? n : 1) * sizeof(*idx));
	struct link_stats *sum = calloc(n ? n : 1, sizeof(*sum));
	uint32_t ndev = 0, *first = malloc((n ? n : 1) * sizeof(*first));

	if (!idx || !sum || !first) {
		e->err = -ENOMEM;
		goto out;
	}
	for (uint32_t i = 0; i < n; i++)
		idx[i] = i;
	qsort_r(idx, n, sizeof(*idx), by_dev, (void *)c->link);
	for (uint32_t i = 0; i < n; i++) {
		const struct link_stats *s = counters_link(c->link[idx[i]].slot);

		if (!i || strcmp(c->link[idx[i]].dev, c->link[idx[i - 1]].dev))
			first[ndev++] = idx[i];
		sum[ndev - 1].frames += s->frames;
		for (int d = 0; d < MCR_DROP__MAX; d++)
			sum[ndev - 1].drops[d] += s->drops[d];
	}
	family(e, "mcrd_input_frames_total", "counter",
	       "Frames an input interface's kernel filter let through to mcrd.");
	for (uint32_t k = 0; k < ndev; k++) {
		const char *kv[] = { "dev", c->link[first[k]].dev };

		sample(e, "mcrd_input_frames_total", 1, kv, sum[k].frames);
	}
	family(e, "mcrd_input_drops_total", "counter",
	       "Frames dropped on an input interface, by reason.");
	for (uint32_t k = 0; k < ndev; k++)
		for (int d = 1; d < MCR_DROP__MAX; d++) {
			const char *kv[] = { "dev", c->link[first[k]].dev, "reason", mcr_drop_name(d) };

			if (!expo_rule_reason(d))
				sample(e, "mcrd_input_drops_total", 2, kv, sum[k].drops[d]);
		}
out:
	free(idx);
	free(sum);
	free(first);
}

struct wsum {
	uint64_t rules, in, out, drops;
};

/* What each worker owns, summed as mcrctl worker show does (plan_worker_stats). */
static void worker_sums(const struct metcat *c, struct wsum *w)
{
	for (uint32_t i = 0; i < c->hdr->nlinks; i++) {
		const struct metcat_link *l = &c->link[i];
		const struct link_stats *s = counters_link(l->slot);

		if (!l->open)
			continue;
		w[l->worker].in += s->frames;
		for (int d = 1; d < MCR_DROP__MAX; d++)
			w[l->worker].drops += s->drops[d];
	}
	for (uint32_t i = 0; i < c->hdr->nrules; i++) {
		const struct metcat_rule *r = &c->rule[i];
		const struct rule_stats *s = counters_rule(r->slot);

		if (r->worker >= c->hdr->nworkers)
			continue;
		/* A spread rule on each worker serving it; its outputs on their senders. */
		for (uint32_t k = 0; k < r->nworkers; k++)
			w[(r->worker + k) % c->hdr->nworkers].rules += !!(r->flags & METCAT_R_ATTACHED);
		for (uint32_t k = 0; k < r->nout; k++) {
			const struct metcat_out *o = &c->out[r->first_out + k];
			const struct out_stats *os = counters_out(o->slot);

			w[o->worker].out += os->packets;
			w[o->worker].drops += os->dropped;
		}
		for (int d = 1; d < MCR_DROP__MAX; d++)
			w[r->worker].drops += s->drops[d];
	}
}

static void per_worker(struct expo *e, const struct metcat *c, const struct wsum *w,
		       const char *name, const char *type, const char *help, int what)
{
	family(e, name, type, help);
	for (uint32_t i = 0; i < c->hdr->nworkers; i++) {
		uint64_t v[] = { c->worker[i].pid > 0, c->worker[i].restarts, w[i].rules, w[i].in,
				 w[i].out, w[i].drops };
		char idx[12];
		const char *kv[] = { "worker", idx };

		snprintf(idx, sizeof(idx), "%u", i);
		sample(e, name, 1, kv, v[what]);
	}
}

static void workers(struct expo *e, const struct metcat *c)
{
	struct wsum w[MCR_MAX_WORKERS] = { { 0 } };

	worker_sums(c, w);
	per_worker(e, c, w, "mcrd_worker_up", "gauge", "Whether a worker process runs (0: being restarted).", 0);
	per_worker(e, c, w, "mcrd_worker_restarts_total", "counter", "Times a worker was restarted.", 1);
	per_worker(e, c, w, "mcrd_worker_rules", "gauge", "Rules a worker relays.", 2);
	per_worker(e, c, w, "mcrd_worker_packets_in_total", "counter",
		   "Frames a worker received on its inputs.", 3);
	per_worker(e, c, w, "mcrd_worker_packets_out_total", "counter",
		   "Packets a worker sent, over all outputs of its rules.", 4);
	per_worker(e, c, w, "mcrd_worker_drops_total", "counter",
		   "Drops of every reason on a worker's inputs and rules.", 5);
}

enum ql_val { Q_RECEIVED, Q_REPORTS, Q_LEAVES, Q_QUERIES_IN, Q_QUERIES_OUT, Q_TX_ERRORS,
	      Q_TABLE_FULL, Q_JOINS, Q_EXPIRIES, Q_ELECTIONS, Q_QUERIER, Q_GROUPS };

static uint64_t ql_value(const struct qlink_stats *st, enum ql_val v)
{
	const uint64_t x[] = { st->received, st->reports, st->leaves, st->queries_in,
			       st->queries_out, st->tx_errors, st->table_full, st->joins,
			       st->expiries, st->elections, st->querier, st->groups };

	return x[v];
}

static const char *ql_proto(const struct metcat_qlink *q)
{
	return q->family == AF_INET6 ? "mld" : "igmp";
}

/* One family with a sample per IGMP or MLD link. */
static void per_qlink(struct expo *e, const struct metcat *c, const char *name, const char *type,
		      const char *help, enum ql_val v)
{
	family(e, name, type, help);
	for (uint32_t i = 0; i < c->hdr->nqlinks; i++) {
		const struct metcat_qlink *q = &c->qlink[i];
		const char *kv[] = { "dev", q->dev, "protocol", ql_proto(q) };

		sample(e, name, 2, kv, ql_value(counters_qlink(q->slot), v));
	}
}

static void qlink_rejects(struct expo *e, const struct metcat *c)
{
	family(e, "mcrd_membership_rejected_total", "counter",
	       "IGMP or MLD messages an output link's querier ignored, by reason.");
	for (uint32_t i = 0; i < c->hdr->nqlinks; i++) {
		const struct metcat_qlink *q = &c->qlink[i];
		const struct qlink_stats *st = counters_qlink(q->slot);

		for (unsigned r = 1; r < IGMP_R__MAX; r++) {
			const char *kv[] = { "dev", q->dev, "protocol", ql_proto(q), "reason",
					     q->family == AF_INET6 ? mld_reject_name(r) :
								     igmp_reject_name(r) };

			sample(e, "mcrd_membership_rejected_total", 3, kv, st->rejects[r]);
		}
	}
}

/* The IGMP (IPv4) and MLD (IPv6) links of listeners outputs. */
static void qlinks(struct expo *e, const struct metcat *c)
{
	per_qlink(e, c, "mcrd_membership_received_total", "counter",
		  "IGMP or MLD messages an output link's querier accepted.", Q_RECEIVED);
	qlink_rejects(e, c);
	per_qlink(e, c, "mcrd_membership_reports_total", "counter",
		  "Membership reports accepted on an output link (IGMP v1-v3, MLD v1-v2).", Q_REPORTS);
	per_qlink(e, c, "mcrd_membership_leaves_total", "counter",
		  "IGMPv2 leaves and MLDv1 dones accepted on an output link.", Q_LEAVES);
	per_qlink(e, c, "mcrd_membership_queries_received_total", "counter",
		  "Queries from other routers accepted on an output link.", Q_QUERIES_IN);
	per_qlink(e, c, "mcrd_membership_queries_sent_total", "counter",
		  "Queries mcrd sent on an output link as its querier.", Q_QUERIES_OUT);
	per_qlink(e, c, "mcrd_membership_send_errors_total", "counter",
		  "Queries that could not be sent.", Q_TX_ERRORS);
	per_qlink(e, c, "mcrd_membership_table_full_total", "counter",
		  "Groups or sources not learned: the link's table was full.", Q_TABLE_FULL);
	per_qlink(e, c, "mcrd_membership_group_joins_total", "counter",
		  "Groups that got their first member on an output link.", Q_JOINS);
	per_qlink(e, c, "mcrd_membership_group_expiries_total", "counter",
		  "Groups that lost their last member on an output link.", Q_EXPIRIES);
	per_qlink(e, c, "mcrd_membership_querier_changes_total", "counter",
		  "Elections that changed an output link's querier (another router won, or mcrd took over).",
		  Q_ELECTIONS);
	per_qlink(e, c, "mcrd_membership_querier", "gauge",
		  "Whether mcrd is the output link's querier (1) or another router, or none, is (0).",
		  Q_QUERIER);
	per_qlink(e, c, "mcrd_membership_groups", "gauge", "Groups with members on an output link.",
		  Q_GROUPS);
}

int expo_render(struct expo *e, const struct metcat *c, const char *version)
{
	daemon_info(e, &c->hdr->st, version);
	rule_info(e, c);
	per_rule(e, c, "mcrd_rule_active", "gauge",
		 "Whether a rule relays (1) or is pending (0), waiting for its input.", r_active);
	per_rule(e, c, "mcrd_rule_packets_total", "counter", "Packets a rule accepted for relaying.",
		 r_packets);
	per_rule(e, c, "mcrd_rule_bytes_total", "counter",
		 "UDP payload bytes of the packets a rule accepted.", r_bytes);
	rule_drops(e, c);
	per_output(e, c, "mcrd_output_up", "gauge",
		   "Whether an output sends (1) or waits for its interface (0).", O_UP);
	per_output(e, c, "mcrd_output_layer2", "gauge",
		   "Whether an output sends through a transmit ring (1) or a UDP socket (0).", O_L2);
	per_output(e, c, "mcrd_output_packets_total", "counter", "Packets an output sent.", O_PACKETS);
	per_output(e, c, "mcrd_output_bytes_total", "counter",
		   "UDP payload bytes an output sent.", O_BYTES);
	per_output(e, c, "mcrd_output_errors_total", "counter", "Sends of an output that failed.",
		   O_ERRORS);
	per_output(e, c, "mcrd_output_gso_packets_total", "counter",
		   "Of the packets an output sent, those sent in GSO runs.", O_GSO);
	redundancy(e, c);
	inputs(e, c);
	workers(e, c);
	qlinks(e, c);
	return e->err;
}
