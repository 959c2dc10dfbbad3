/*
 * The Prometheus exposition (mcrd/expo.c) of a catalog (mcrd/metcat.c) and
 * live counters, read back by a strict parser of the text format 0.0.4:
 * HELP and TYPE before a family's samples, one family together, valid
 * metric and label names, label values unescaped, every series once,
 * counters named _total.  Also: the catalog check refuses what does not
 * hold together, and every drop reason is counted on rules or on inputs.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "config.h"
#include "igmp.h"
#include "mld.h"
#include "../../mcrd/counters.h"
#include "../../mcrd/expo.h"
#include "../../mcrd/metcat.h"

/* ---- a strict parser of the text format ---- */

#define MAXS 512

struct sample {
	char name[64];
	char labels[512];     /* k=v pairs, unescaped, joined by \x01 */
	double value;
};

struct family {
	char name[64], type[256];
	bool help;
};

struct parsed {
	struct sample s[MAXS];
	unsigned n;
	struct family f[64];
	unsigned nf;
};

static bool name_ok(const char *s, size_t n)
{
	if (!n || !(isalpha((unsigned char)s[0]) || s[0] == '_' || s[0] == ':'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == ':'))
			return false;
	return true;
}

static struct family *family_of(struct parsed *p, const char *name)
{
	for (unsigned i = 0; i < p->nf; i++)
		if (!strcmp(p->f[i].name, name))
			return &p->f[i];
	return NULL;
}

/* "# HELP name text" or "# TYPE name type": a family opens (once). */
static void comment(struct parsed *p, const char *line, unsigned *cur)
{
	char kind[8], name[64], rest[256];
	struct family *f;

	assert_int_equal(sscanf(line, "# %7s %63s %255[^\n]", kind, name, rest), 3);
	assert_true(name_ok(name, strlen(name)));
	f = family_of(p, name);
	if (!f) {
		assert_true(p->nf < 64);
		f = &p->f[p->nf++];
		snprintf(f->name, sizeof(f->name), "%s", name);
	} else {
		assert_int_equal(f - p->f, *cur); /* its HELP and TYPE are together */
	}
	*cur = (unsigned)(f - p->f);
	if (!strcmp(kind, "HELP")) {
		assert_false(f->help);
		f->help = true;
	} else {
		assert_string_equal(kind, "TYPE");
		assert_string_equal(f->type, "");
		assert_true(!strcmp(rest, "counter") || !strcmp(rest, "gauge"));
		snprintf(f->type, sizeof(f->type), "%s", rest);
	}
}

/* The label set {k="v",...} at s; returns past the closing brace. */
static const char *labels(const char *s, char *out, size_t len)
{
	size_t o = 0;

	assert_int_equal(*s++, '{');
	while (*s != '}') {
		const char *k = s;

		while (isalnum((unsigned char)*s) || *s == '_')
			s++;
		assert_true(name_ok(k, (size_t)(s - k)) && s[0] == '=' && s[1] == '"');
		o += (size_t)snprintf(out + o, len - o, "%s%.*s=", o ? "\x01" : "", (int)(s - k), k);
		for (s += 2; *s != '"'; s++) {
			char c = *s;

			assert_true(c && c != '\n');
			if (c == '\\') {
				c = *++s;
				assert_true(c == '\\' || c == '"' || c == 'n');
				c = c == 'n' ? '\n' : c;
			}
			assert_true(o + 2 < len);
			out[o++] = c;
			out[o] = 0;
		}
		s++;
		if (*s == ',')
			s++;
		else
			assert_int_equal(*s, '}');
	}
	return s + 1;
}

static void sample_line(struct parsed *p, const char *line, unsigned cur)
{
	struct sample *x = &p->s[p->n++];
	const char *s = line, *name_end;
	char *end;

	assert_true(p->n <= MAXS);
	while (isalnum((unsigned char)*s) || *s == '_' || *s == ':')
		s++;
	name_end = s;
	assert_true(name_ok(line, (size_t)(name_end - line)));
	snprintf(x->name, sizeof(x->name), "%.*s", (int)(name_end - line), line);
	x->labels[0] = 0;
	if (*s == '{')
		s = labels(s, x->labels, sizeof(x->labels));
	assert_int_equal(*s++, ' ');
	x->value = strtod(s, &end);
	assert_true(end != s && *end == 0);
	/* Its family is the one open, typed; counters end in _total. */
	assert_true(p->nf && !strcmp(p->f[cur].name, x->name) && p->f[cur].type[0]);
	if (!strcmp(p->f[cur].type, "counter"))
		assert_non_null(strstr(x->name, "_total"));
	for (unsigned i = 0; i + 1 < p->n; i++)
		assert_false(!strcmp(p->s[i].name, x->name) && !strcmp(p->s[i].labels, x->labels));
}

static void parse(const char *text, size_t len, struct parsed *p)
{
	char *copy = strndup(text, len), *save = NULL;
	unsigned cur = 0;

	assert_non_null(copy);
	assert_true(len && text[len - 1] == '\n');
	memset(p, 0, sizeof(*p));
	for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#')
			comment(p, line, &cur);
		else
			sample_line(p, line, cur);
	}
	free(copy);
}

/* The value of name{labels} (labels as "k=v\x01k=v"), failing when absent. */
static double value(const struct parsed *p, const char *name, const char *lab)
{
	for (unsigned i = 0; i < p->n; i++)
		if (!strcmp(p->s[i].name, name) && !strcmp(p->s[i].labels, lab))
			return p->s[i].value;
	fail_msg("no sample %s{%s}", name, lab);
	return -1;
}

/* ---- a catalog made by hand ---- */

struct cat {
	struct metcat_hdr h;
	struct metcat_rule r[2];
	struct metcat_out o[3];
	struct metcat_link l[4];
	struct metcat_worker w[2];
	struct metcat_qlink q[2];
	struct metcat_in i[2];
};

/* The bytes the records take (the struct may be padded after them). */
#define CAT_LEN (offsetof(struct cat, i) + sizeof(((struct cat *)0)->i))

static struct mcr_addr A(const char *s)
{
	struct mcr_addr a;

	assert_int_equal(mcr_addr_parse(s, &a), 0);
	return a;
}

/*
 * Rule cam1 (worker 0, two outputs, spread over both workers: eth3 is
 * worker 1's to send) and a rule whose name and interfaces need escaping
 * (worker 1, one output); input eth0 seen by both workers, eth1 by worker
 * 1 only.  cam1 has a second input (failover, eth4 pending), the other one.
 */
static void make(struct cat *c)
{
	memset(c, 0, sizeof(*c));
	c->h = (struct metcat_hdr){ METCAT_MAGIC, METCAT_VERSION, 2, 3, 4, 2,
				    { 1700000000, 1700000100, 3, 1, true }, 2, 2 };
	c->r[0] = (struct metcat_rule){ "cam1", "eth0", A("239.1.1.1"), A("10.0.0.5"), 5001,
					METCAT_R_ACTIVE | METCAT_R_ATTACHED, MCR_ORIGIN_CONFIG, 0,
					counters_alloc_rule(), 0, 2, 2, counters_alloc_redund(), 0, 2,
					MCR_REDUNDANCY_FAILOVER };
	c->r[1] = (struct metcat_rule){ "we\"ird\\", "eth1", A("239.1.1.2"), { 0 }, 5002,
					METCAT_R_ATTACHED, MCR_ORIGIN_RUNTIME, 1,
					counters_alloc_rule(), 2, 1, 1, UINT32_MAX, 0, 0,
					MCR_REDUNDANCY_NONE };
	c->o[0] = (struct metcat_out){ "eth2", A("239.2.2.2"), 6000, 1, 1, counters_alloc_out(), 0 };
	c->o[1] = (struct metcat_out){ "eth3", A("239.1.1.1"), 5001, 1, 0, counters_alloc_out(), 1 };
	c->o[2] = (struct metcat_out){ "new\nline", A("239.3.3.3"), 7000, 0, 0, counters_alloc_out(),
				       1 };
	c->l[0] = (struct metcat_link){ "eth0", 0, counters_alloc_link(), 1 };
	c->l[1] = (struct metcat_link){ "eth1", 0, counters_alloc_link(), 0 };
	c->l[2] = (struct metcat_link){ "eth0", 1, counters_alloc_link(), 1 };
	c->l[3] = (struct metcat_link){ "eth1", 1, counters_alloc_link(), 1 };
	c->w[0] = (struct metcat_worker){ 100, 0 };
	c->w[1] = (struct metcat_worker){ 0, 4 };
	c->q[0] = (struct metcat_qlink){ "eth2", AF_INET, counters_alloc_qlink() };
	c->q[1] = (struct metcat_qlink){ "eth2", AF_INET6, counters_alloc_qlink() };
	c->i[0] = (struct metcat_in){ "eth0", A("239.1.1.1"), A("10.0.0.5"), 5001, 1 };
	c->i[1] = (struct metcat_in){ "eth4", A("239.5.5.5"), { 0 }, 5005, 0 };
}

/* As the workers (and the parent's tick) would count. */
static void count(const struct cat *c)
{
	counters_rule(c->r[0].slot)->packets = 5;
	counters_rule(c->r[0].slot)->bytes = 7000;
	counters_rule(c->r[0].slot)->drops[MCR_DROP_TTL_EXPIRED] = 2;
	counters_rule(c->r[1].slot)->drops[MCR_DROP_LOOP] = 9;
	counters_out(c->o[0].slot)->packets = 5;
	counters_out(c->o[0].slot)->gso = 3;
	counters_out(c->o[1].slot)->packets = 4;
	counters_out(c->o[1].slot)->errors = 1;
	counters_out(c->o[1].slot)->dropped = 8; /* no ring slot: worker 1's, the rule's no_tx_slot */
	counters_out(c->o[2].slot)->bytes = 12;
	counters_link(c->l[0].slot)->frames = 10;
	counters_link(c->l[2].slot)->frames = 1;
	counters_link(c->l[2].slot)->drops[MCR_DROP_SOCKET_QUEUE] = 3;
	counters_link(c->l[3].slot)->frames = 6;
	counters_link(c->l[3].slot)->drops[MCR_DROP_NOT_UDP] = 2;
	counters_qlink(c->q[0].slot)->received = 7;
	counters_qlink(c->q[0].slot)->reports = 6;
	counters_qlink(c->q[0].slot)->rejects[IGMP_R_CHECKSUM] = 11;
	counters_qlink(c->q[0].slot)->querier = 1;
	counters_qlink(c->q[1].slot)->rejects[MLD_R_HOP_LIMIT] = 4;
	counters_qlink(c->q[1].slot)->elections = 2;
	counters_qlink(c->q[1].slot)->groups = 3;
	counters_redund(c->r[0].rslot)->active = 1;
	counters_redund(c->r[0].rslot)->switches = 3;
	counters_redund(c->r[0].rslot)->resyncs = 4;
	counters_redund(c->r[0].rslot)->in[0] = (struct redund_in_stats){ 10, 2, 0, 0 };
	counters_redund(c->r[0].rslot)->in[1] = (struct redund_in_stats){ 20, 5, 6, 7 };
}

static void render(const struct cat *c, struct parsed *p)
{
	struct metcat m;
	struct expo e;

	assert_int_equal(metcat_check(c, CAT_LEN, &m), 0);
	expo_init(&e, EXPO_MAX);
	assert_int_equal(expo_render(&e, &m, "1.2.3"), 0);
	parse(e.buf, e.len, p);
	expo_free(&e);
}

static void test_render_parse(void **state)
{
	static struct parsed p;
	struct cat c;

	(void)state;
	make(&c);
	count(&c);
	render(&c, &p);
	assert_true(value(&p, "mcrd_build_info", "version=1.2.3") == 1);
	assert_true(value(&p, "mcrd_reloads_total", "result=applied") == 3);
	assert_true(value(&p, "mcrd_reloads_total", "result=refused") == 1);
	assert_true(value(&p, "mcrd_last_reload_successful", "") == 0);
	assert_true(value(&p, "mcrd_last_reload_success_timestamp_seconds", "") == 1700000100);
	assert_true(value(&p, "mcrd_rule_info", "rule=cam1\x01" "dev=eth0\x01" "group=239.1.1.1\x01"
			  "port=5001\x01" "source=10.0.0.5\x01" "origin=config\x01" "worker=0") == 1);
	assert_true(value(&p, "mcrd_rule_packets_total", "rule=cam1") == 5);
	assert_true(value(&p, "mcrd_rule_bytes_total", "rule=cam1") == 7000);
	assert_true(value(&p, "mcrd_rule_active", "rule=cam1") == 1);
	assert_true(value(&p, "mcrd_rule_drops_total", "rule=cam1\x01reason=ttl_expired") == 2);
	/* Escaped in the text, read back exactly. */
	assert_true(value(&p, "mcrd_rule_active", "rule=we\"ird\\") == 0);
	assert_true(value(&p, "mcrd_rule_drops_total", "rule=we\"ird\\\x01reason=loop") == 9);
	assert_true(value(&p, "mcrd_output_bytes_total", "rule=we\"ird\\\x01" "dev=new\nline\x01"
			  "group=239.3.3.3\x01port=7000") == 12);
	assert_true(value(&p, "mcrd_output_packets_total", "rule=cam1\x01" "dev=eth2\x01"
			  "group=239.2.2.2\x01port=6000") == 5);
	assert_true(value(&p, "mcrd_output_layer2", "rule=cam1\x01" "dev=eth2\x01"
			  "group=239.2.2.2\x01port=6000") == 1);
	assert_true(value(&p, "mcrd_output_gso_packets_total", "rule=cam1\x01" "dev=eth2\x01"
			  "group=239.2.2.2\x01port=6000") == 3);
	assert_true(value(&p, "mcrd_output_errors_total", "rule=cam1\x01" "dev=eth3\x01"
			  "group=239.1.1.1\x01port=5001") == 1);
	/* An input is the sum over its workers. */
	assert_true(value(&p, "mcrd_input_frames_total", "dev=eth0") == 11);
	assert_true(value(&p, "mcrd_input_drops_total", "dev=eth0\x01reason=socket_queue") == 3);
	assert_true(value(&p, "mcrd_input_drops_total", "dev=eth1\x01reason=not_udp") == 2);
	/* Workers: only the inputs they hold a socket on, and the rules they own. */
	assert_true(value(&p, "mcrd_worker_up", "worker=1") == 0);
	assert_true(value(&p, "mcrd_worker_restarts_total", "worker=1") == 4);
	assert_true(value(&p, "mcrd_worker_packets_in_total", "worker=0") == 10);
	assert_true(value(&p, "mcrd_worker_packets_in_total", "worker=1") == 7);
	/* A spread rule's outputs count on the worker sending them (plan_worker_stats). */
	assert_true(value(&p, "mcrd_worker_packets_out_total", "worker=0") == 5);
	assert_true(value(&p, "mcrd_worker_packets_out_total", "worker=1") == 4);
	assert_true(value(&p, "mcrd_worker_drops_total", "worker=0") == 2);
	assert_true(value(&p, "mcrd_worker_drops_total", "worker=1") == 3 + 2 + 9 + 8);
	assert_true(value(&p, "mcrd_worker_rules", "worker=0") == 1);
	assert_true(value(&p, "mcrd_worker_rules", "worker=1") == 2);
	/* The rule's no_tx_slot: its outputs' (as mcrctl rule show -s). */
	assert_true(value(&p, "mcrd_rule_drops_total", "rule=cam1\x01reason=no_tx_slot") == 8);
	/* IGMP and MLD links: each protocol's reason names. */
	assert_true(value(&p, "mcrd_membership_received_total", "dev=eth2\x01protocol=igmp") == 7);
	assert_true(value(&p, "mcrd_membership_reports_total", "dev=eth2\x01protocol=igmp") == 6);
	assert_true(value(&p, "mcrd_membership_rejected_total",
			  "dev=eth2\x01protocol=igmp\x01reason=checksum") == 11);
	assert_true(value(&p, "mcrd_membership_rejected_total",
			  "dev=eth2\x01protocol=mld\x01reason=hop_limit") == 4);
	assert_true(value(&p, "mcrd_membership_rejected_total",
			  "dev=eth2\x01protocol=igmp\x01reason=ttl") == 0);
	assert_true(value(&p, "mcrd_membership_querier", "dev=eth2\x01protocol=igmp") == 1);
	assert_true(value(&p, "mcrd_membership_querier", "dev=eth2\x01protocol=mld") == 0);
	assert_true(value(&p, "mcrd_membership_querier_changes_total", "dev=eth2\x01protocol=mld") == 2);
	assert_true(value(&p, "mcrd_membership_groups", "dev=eth2\x01protocol=mld") == 3);
	/* Every family has HELP and TYPE. */
	for (unsigned i = 0; i < p.nf; i++)
		assert_true(p.f[i].help && p.f[i].type[0]);
}

#define IN0 "rule=cam1\x01" "dev=eth0\x01" "group=239.1.1.1\x01" "port=5001\x01" "source=10.0.0.5"
#define IN1 "rule=cam1\x01" "dev=eth4\x01" "group=239.5.5.5\x01" "port=5005\x01" "source="

/* A rule with several inputs: each input's counters, the one relayed; none for a rule with one. */
static void test_redundancy(void **state)
{
	static struct parsed p;
	struct cat c;

	(void)state;
	make(&c);
	count(&c);
	render(&c, &p);
	assert_true(value(&p, "mcrd_rule_input_packets_total", IN0) == 10);
	assert_true(value(&p, "mcrd_rule_input_duplicates_total", IN0) == 2);
	assert_true(value(&p, "mcrd_rule_input_packets_total", IN1) == 20);
	assert_true(value(&p, "mcrd_rule_input_duplicates_total", IN1) == 5);
	assert_true(value(&p, "mcrd_rule_input_filled_total", IN1) == 6);
	assert_true(value(&p, "mcrd_rule_input_late_total", IN1) == 7);
	assert_true(value(&p, "mcrd_rule_input_active", IN0) == 1);
	assert_true(value(&p, "mcrd_rule_input_active", IN1) == 0);
	assert_true(value(&p, "mcrd_rule_input_relayed", IN0) == 0);
	assert_true(value(&p, "mcrd_rule_input_relayed", IN1) == 1);
	assert_true(value(&p, "mcrd_rule_input_switches_total", "rule=cam1") == 3);
	assert_true(value(&p, "mcrd_rule_resyncs_total", "rule=cam1") == 4);
	for (unsigned i = 0; i < p.n; i++) {
		/* 6 input families x 2 inputs, and switches and resyncs: all cam1's. */
		if (!strncmp(p.s[i].name, "mcrd_rule_input_", 16) ||
		    !strcmp(p.s[i].name, "mcrd_rule_resyncs_total"))
			assert_non_null(strstr(p.s[i].labels, "rule=cam1"));
	}
	/* Merge: every input's first copies are relayed, so no input is "the relayed" one. */
	c.r[0].mode = MCR_REDUNDANCY_MERGE;
	render(&c, &p);
	for (unsigned i = 0; i < p.n; i++)
		assert_string_not_equal(p.s[i].name, "mcrd_rule_input_relayed");
	assert_true(value(&p, "mcrd_rule_input_packets_total", IN1) == 20);
}

/* Every reason is counted in exactly one place, so each shows up in one family. */
static void test_reasons(void **state)
{
	static struct parsed p;
	struct cat c;

	(void)state;
	make(&c);
	render(&c, &p);
	for (int d = 1; d < MCR_DROP__MAX; d++) {
		unsigned rule = 0, input = 0;
		char want[64];

		snprintf(want, sizeof(want), "reason=%s", mcr_drop_name(d));
		for (unsigned i = 0; i < p.n; i++) {
			if (!strstr(p.s[i].labels, want))
				continue;
			rule += !strcmp(p.s[i].name, "mcrd_rule_drops_total");
			input += !strcmp(p.s[i].name, "mcrd_input_drops_total");
		}
		assert_int_equal(rule, expo_rule_reason(d) ? 2 : 0);
		assert_int_equal(input, expo_rule_reason(d) ? 0 : 2);
	}
}

/* A bounded buffer: an exposition that does not fit is refused, never cut. */
static void test_too_large(void **state)
{
	struct cat c;
	struct metcat m;
	struct expo e;

	(void)state;
	make(&c);
	assert_int_equal(metcat_check(&c, CAT_LEN, &m), 0);
	expo_init(&e, 1024);
	assert_int_equal(expo_render(&e, &m, "1"), -EFBIG);
	expo_free(&e);
}

static void test_catalog_check(void **state)
{
	struct metcat m;
	struct cat c;

	(void)state;
	make(&c);
	assert_int_equal(metcat_check(&c, CAT_LEN, &m), 0);
	assert_int_equal(metcat_check(&c, CAT_LEN - 1, &m), -EINVAL);
	assert_int_equal(metcat_check(&c, sizeof(c.h) - 1, &m), -EINVAL);
	c.h.magic++;
	assert_int_equal(metcat_check(&c, CAT_LEN, &m), -EINVAL);
	make(&c);
	c.r[1].nout = 2; /* past the outputs */
	assert_int_equal(metcat_check(&c, CAT_LEN, &m), -EINVAL);
	make(&c);
	c.r[0].first_out = UINT32_MAX; /* wraps */
	assert_int_equal(metcat_check(&c, CAT_LEN, &m), -EINVAL);
	make(&c);
	c.o[1].slot = CNT_OUTS;
	assert_int_equal(metcat_check(&c, CAT_LEN, &m), -EINVAL);
	make(&c);
	c.l[0].worker = 2;
	assert_int_equal(metcat_check(&c, CAT_LEN, &m), -EINVAL);
	make(&c);
	c.o[2].worker = 2; /* a sender past the workers */
	assert_int_equal(metcat_check(&c, CAT_LEN, &m), -EINVAL);
	make(&c);
	c.r[0].nworkers = 3;
	assert_int_equal(metcat_check(&c, CAT_LEN, &m), -EINVAL);
	make(&c);
	memset(c.r[0].name, 'x', sizeof(c.r[0].name)); /* unterminated */
	assert_int_equal(metcat_check(&c, CAT_LEN, &m), -EINVAL);
	make(&c);
	c.h.nworkers = MCR_MAX_WORKERS + 1;
	assert_int_equal(metcat_check(&c, CAT_LEN, &m), -EINVAL);
	make(&c);
	c.q[1].slot = CNT_QLINKS;
	assert_int_equal(metcat_check(&c, CAT_LEN, &m), -EINVAL);
	make(&c);
	c.q[0].family = AF_PACKET;
	assert_int_equal(metcat_check(&c, CAT_LEN, &m), -EINVAL);
	make(&c);
	c.h.nqlinks = 3; /* more than the bytes hold */
	assert_int_equal(metcat_check(&c, CAT_LEN, &m), -EINVAL);
	make(&c);
	c.r[0].rslot = CNT_REDUND;
	assert_int_equal(metcat_check(&c, CAT_LEN, &m), -EINVAL);
	make(&c);
	c.r[0].nin = 1; /* one input has no records */
	assert_int_equal(metcat_check(&c, CAT_LEN, &m), -EINVAL);
	make(&c);
	c.r[0].nin = MCR_MAX_INPUTS + 1;
	assert_int_equal(metcat_check(&c, CAT_LEN, &m), -EINVAL);
	make(&c);
	c.r[0].first_in = 1; /* past the inputs */
	assert_int_equal(metcat_check(&c, CAT_LEN, &m), -EINVAL);
	make(&c);
	c.r[0].first_in = UINT32_MAX; /* wraps */
	assert_int_equal(metcat_check(&c, CAT_LEN, &m), -EINVAL);
	make(&c);
	memset(c.i[1].dev, 'x', sizeof(c.i[1].dev));
	assert_int_equal(metcat_check(&c, CAT_LEN, &m), -EINVAL);
	make(&c);
	c.h.nins = 3;
	assert_int_equal(metcat_check(&c, CAT_LEN, &m), -EINVAL);
	make(&c);
	c.h.nins = CNT_REDUND * MCR_MAX_INPUTS + 1; /* sized past what any parent lists */
	assert_int_equal(metcat_check(&c, CAT_LEN, &m), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_render_parse),
		cmocka_unit_test(test_redundancy),
		cmocka_unit_test(test_reasons),
		cmocka_unit_test(test_too_large),
		cmocka_unit_test(test_catalog_check),
	};

	if (counters_init())
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
