/* Rule model: validation, identity, formatting and the rule set. */
#include "rule.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

static const char *const egress_names[MCR_EGRESS__MAX] = {
	[MCR_EGRESS_AUTO] = "auto", [MCR_EGRESS_PACKET] = "packet", [MCR_EGRESS_SOCKET] = "socket",
};

const char *mcr_egress_name(unsigned e)
{
	return e < MCR_EGRESS__MAX ? egress_names[e] : NULL;
}

int mcr_egress_parse(const char *name, uint8_t *e)
{
	for (unsigned i = 0; i < MCR_EGRESS__MAX; i++)
		if (!strcmp(name, egress_names[i])) {
			*e = (uint8_t)i;
			return 0;
		}
	return -EINVAL;
}

void mcr_rule_default_name(const struct mcr_rule *r, char *buf, size_t len)
{
	char g[MCR_ADDRSTRLEN];

	/* Brackets around an IPv6 group keep its colons apart from the port's. */
	if (mcr_addr_is6(r->in.group))
		snprintf(buf, len, "%s:[%s]:%u", r->in.dev, mcr_addr_str(r->in.group, g), r->in.port);
	else
		snprintf(buf, len, "%s:%s:%u", r->in.dev, mcr_addr_str(r->in.group, g), r->in.port);
}

bool mcr_rule_named_after(const struct mcr_rule *r, const struct mcr_rule *other)
{
	char def[MCR_NAME_MAX];

	mcr_rule_default_name(r, def, sizeof(def));
	return !strcmp(r->name, other->name) && !strcmp(r->name, def);
}

bool mcr_rule_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n >= MCR_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isgraph((unsigned char)name[i]) || name[i] == '"' || name[i] == '\\')
			return false;
	return true;
}

/* The input (index) that output o would send back into, or -1. */
static int output_is_input(const struct mcr_rule *r, const struct mcr_output *o)
{
	for (unsigned i = 0; i < mcr_rule_ninputs(r); i++) {
		const struct mcr_input *in = mcr_rule_input(r, i);

		if (!strcmp(o->dev, in->dev) && mcr_addr_equal(o->group, in->group) &&
		    o->port == in->port)
			return (int)i;
	}
	return -1;
}

/* Outputs may be multicast groups (of a scope that leaves the host) or unicast hosts. */
static bool output_addr_usable(struct mcr_addr a)
{
	if (mcr_addr_is_multicast(a))
		return !mcr_addr_scope_problem(a);
	return mcr_addr_is_host(a);
}

/* Layer-2 egress sends to multicast groups only (their MAC comes from the group). */
static void output_check_egress(const struct mcr_rule *r, const struct mcr_output *o,
				unsigned i, int line, struct mcr_errlist *el)
{
	char a[MCR_ADDRSTRLEN];

	if (o->egress >= MCR_EGRESS__MAX)
		mcr_errlist_add(el, line, "rule \"%s\": output %u: unknown egress %u", r->name,
				i + 1, o->egress);
	else if (o->egress == MCR_EGRESS_PACKET && !mcr_addr_is_multicast(o->group))
		mcr_errlist_add(el, line, "rule \"%s\": output %u: egress \"packet\" needs a "
				"multicast group, not %s", r->name, i + 1,
				mcr_addr_str(o->group, a));
	if (o->keep_source && (o->egress == MCR_EGRESS_SOCKET || !mcr_addr_is_multicast(o->group)))
		mcr_errlist_add(el, line, "rule \"%s\": output %u: source \"keep\" needs "
				"layer-2 egress (a multicast group, egress not \"socket\")",
				r->name, i + 1);
}

/* Same destination: dev, group and port.  The TTL does not make a copy different. */
bool mcr_output_same(const struct mcr_output *a, const struct mcr_output *b)
{
	return !strcmp(a->dev, b->dev) && mcr_addr_equal(a->group, b->group) && a->port == b->port;
}

/* qsort_r order of output indexes: by destination, then by index. */
static int cmp_dest(const void *pa, const void *pb, void *arg)
{
	const struct mcr_output *out = arg;
	unsigned ia = *(const unsigned *)pa, ib = *(const unsigned *)pb;
	const struct mcr_output *a = &out[ia], *b = &out[ib];
	int c = strcmp(a->dev, b->dev);

	if (!c)
		c = mcr_addr_cmp(a->group, b->group);
	if (!c && a->port != b->port)
		c = a->port < b->port ? -1 : 1;
	if (!c)
		c = ia < ib ? -1 : ia > ib;
	return c;
}

/* Sorting, not comparing every pair: 4096 outputs cost 50k comparisons, not 8M. */
int mcr_rule_same_outputs(const struct mcr_rule *r, const bool *ok, unsigned *first)
{
	unsigned *idx = malloc((r->nout ? r->nout : 1) * sizeof(*idx)), n = 0;

	if (!idx)
		return -ENOMEM;
	for (unsigned i = 0; i < r->nout; i++) {
		first[i] = i;
		if (!ok || ok[i])
			idx[n++] = i;
	}
	qsort_r(idx, n, sizeof(*idx), cmp_dest, r->out);
	for (unsigned k = 1; k < n; k++)
		if (mcr_output_same(&r->out[idx[k]], &r->out[idx[k - 1]]))
			first[idx[k]] = first[idx[k - 1]];
	free(idx);
	return 0;
}

static void report_same(const struct mcr_rule *r, unsigned i, unsigned j, struct mcr_errlist *el)
{
	const struct mcr_output *o = &r->out[i];
	char a[MCR_ADDRSTRLEN];

	mcr_errlist_add(el, o->line ? o->line : r->line,
			"rule \"%s\": output %u duplicates output %u (dev %s group %s port %u)",
			r->name, i + 1, j + 1, o->dev, mcr_addr_str(o->group, a), o->port);
}

/* An IPv6 group's scope: one that leaves the host.  which: "" or "input N: ". */
static void check_scope(const struct mcr_rule *r, const char *which, struct mcr_addr g,
			int line, struct mcr_errlist *el)
{
	const char *why = mcr_addr_scope_problem(g);
	char a[MCR_ADDRSTRLEN];

	if (why)
		mcr_errlist_add(el, line, "rule \"%s\": %s%s %s %s", r->name, which,
				*which ? "group" : "input group", mcr_addr_str(g, a), why);
}

/* Input i: a multicast group (of the first input's family), and a unicast source if any. */
static void check_one_input(const struct mcr_rule *r, unsigned i, struct mcr_errlist *el)
{
	const struct mcr_input *in = mcr_rule_input(r, i);
	char a[MCR_ADDRSTRLEN], which[16] = "";

	/* The first input's messages are those of a rule with one input. */
	if (i)
		snprintf(which, sizeof(which), "input %u: ", i + 1);
	if (!mcr_addr_is_multicast(in->group))
		mcr_errlist_add(el, r->line, "rule \"%s\": %s%s %s is not a multicast address",
				r->name, which, i ? "group" : "input group", mcr_addr_str(in->group, a));
	else
		check_scope(r, which, in->group, r->line, el);
	if (i && in->group.family != r->in.group.family)
		mcr_errlist_add(el, r->line, "rule \"%s\": %s%s group, but input 1 is %s: a rule's "
				"inputs are of one family", r->name, which,
				mcr_addr_family_name(in->group), mcr_addr_family_name(r->in.group));
	if (mcr_addr_set(in->source) && in->source.family != in->group.family)
		mcr_errlist_add(el, r->line, "rule \"%s\": %ssource %s is %s, the group %s",
				r->name, which, mcr_addr_str(in->source, a),
				mcr_addr_family_name(in->source), mcr_addr_family_name(in->group));
	else if (mcr_addr_set(in->source) && !mcr_addr_is_host(in->source))
		mcr_errlist_add(el, r->line, "rule \"%s\": %ssource %s is not a unicast host address",
				r->name, which, mcr_addr_str(in->source, a));
}

int mcr_rule_check_input(const struct mcr_rule *r, struct mcr_errlist *el)
{
	size_t before = el->n;

	for (unsigned i = 0; i < mcr_rule_ninputs(r) && i < MCR_MAX_INPUTS; i++)
		check_one_input(r, i, el);
	mcr_rule_check_more(r, el);
	return el->n == before ? 0 : -EINVAL;
}

/* Output i on its own. */
static void check_output(const struct mcr_rule *r, unsigned i, bool in_ok, struct mcr_errlist *el)
{
	const struct mcr_output *o = &r->out[i];
	int line = o->line ? o->line : r->line, k;
	char a[MCR_ADDRSTRLEN];

	if (in_ok && (k = output_is_input(r, o)) == 0)
		mcr_errlist_add(el, line, "rule \"%s\": output %u is identical to the input",
				r->name, i + 1);
	else if (in_ok && k > 0)
		mcr_errlist_add(el, line, "rule \"%s\": output %u is identical to input %d",
				r->name, i + 1, k + 1);
	/* An output of the other family relays the payload from the output's own address. */
	if (in_ok && o->keep_source && o->group.family != r->in.group.family)
		mcr_errlist_add(el, line, "rule \"%s\": output %u: source \"keep\" cannot cross "
				"from %s to %s", r->name, i + 1, mcr_addr_family_name(r->in.group),
				mcr_addr_family_name(o->group));
	if (!output_addr_usable(o->group))
		mcr_errlist_add(el, line, "rule \"%s\": output %u: %s is not a usable destination",
				r->name, i + 1, mcr_addr_str(o->group, a));
	if (o->ttl_fixed && o->ttl == 0)
		mcr_errlist_add(el, line, "rule \"%s\": output %u: fixed_ttl must be 1..255",
				r->name, i + 1);
	output_check_egress(r, o, i, line, el);
}

int mcr_rule_check_outputs(const struct mcr_rule *r, bool in_ok, const bool *ok,
			   struct mcr_errlist *el)
{
	size_t before = el->n;
	unsigned *first;

	if (r->nout == 0)
		mcr_errlist_add(el, r->line, "rule \"%s\": no output", r->name);
	if (r->nout > MCR_MAX_OUTPUTS) {
		mcr_errlist_add(el, r->line, "rule \"%s\": %u outputs, more than the %d allowed",
				r->name, r->nout, MCR_MAX_OUTPUTS);
		return -EINVAL;
	}
	for (unsigned i = 0; i < r->nout; i++)
		if (!ok || ok[i])
			check_output(r, i, in_ok, el);
	if (r->nout < 2)
		return el->n == before ? 0 : -EINVAL;
	if (!(first = calloc(r->nout, sizeof(*first))) || mcr_rule_same_outputs(r, ok, first)) {
		mcr_errlist_add(el, r->line, "rule \"%s\": out of memory", r->name);
	} else {
		for (unsigned i = 0; i < r->nout; i++)
			if (first[i] != i)
				report_same(r, i, first[i], el);
	}
	free(first);
	return el->n == before ? 0 : -EINVAL;
}

int mcr_rule_check(const struct mcr_rule *r, struct mcr_errlist *el)
{
	int err = mcr_rule_check_input(r, el);

	return mcr_rule_check_outputs(r, true, NULL, el) ? -EINVAL : err;
}

bool mcr_input_equal(const struct mcr_input *a, const struct mcr_input *b)
{
	return !strcmp(a->dev, b->dev) && mcr_addr_equal(a->group, b->group) &&
	       a->port == b->port && mcr_addr_equal(a->source, b->source) && a->join == b->join;
}

static bool output_equal(const struct mcr_output *a, const struct mcr_output *b)
{
	return !strcmp(a->dev, b->dev) && mcr_addr_equal(a->group, b->group) &&
	       a->port == b->port && a->ttl == b->ttl && a->ttl_fixed == b->ttl_fixed &&
	       a->egress == b->egress &&
	       a->keep_source == b->keep_source && a->listeners == b->listeners;
}

bool mcr_rule_equal(const struct mcr_rule *a, const struct mcr_rule *b)
{
	if (strcmp(a->name, b->name) || a->nout != b->nout || a->nmore != b->nmore ||
	    !mcr_redund_equal(&a->red, &b->red))
		return false;
	for (unsigned i = 0; i < mcr_rule_ninputs(a); i++)
		if (!mcr_input_equal(mcr_rule_input(a, i), mcr_rule_input(b, i)))
			return false;
	for (unsigned i = 0; i < a->nout; i++)
		if (!output_equal(&a->out[i], &b->out[i]))
			return false;
	return true;
}

int mcr_rule_copy(struct mcr_rule *dst, const struct mcr_rule *src)
{
	*dst = *src;
	dst->out = NULL;
	if (src->nout) {
		dst->out = calloc(src->nout, sizeof(*dst->out));
		if (!dst->out)
			return -ENOMEM;
		memcpy(dst->out, src->out, src->nout * sizeof(*dst->out));
	}
	return 0;
}

void mcr_rule_free(struct mcr_rule *r)
{
	free(r->out);
	r->out = NULL;
	r->nout = 0;
}

/* snprintf that keeps appending safely once the buffer is full. */
static void append(char *buf, size_t len, size_t *pos, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void append(char *buf, size_t len, size_t *pos, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*pos >= len)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *pos, len - *pos, fmt, ap);
	va_end(ap);
	*pos += n > 0 ? (size_t)n : 0;
}

int mcr_rule_format(const struct mcr_rule *r, char *buf, size_t len)
{
	char g[MCR_ADDRPORTSTRLEN];
	size_t pos = 0;

	append(buf, len, &pos, "%s", r->name);
	for (unsigned i = 0; i < mcr_rule_ninputs(r); i++) {
		const struct mcr_input *in = mcr_rule_input(r, i);

		append(buf, len, &pos, " in %s %s", in->dev, mcr_addr_port_str(in->group, in->port, g));
		if (mcr_addr_set(in->source))
			append(buf, len, &pos, " source %s", mcr_addr_str(in->source, g));
		if (in->join == MCR_JOIN_DEMAND)
			append(buf, len, &pos, " join demand");
	}
	if (r->red.mode == MCR_REDUNDANCY_MERGE)
		append(buf, len, &pos, " merge window %u ms", r->red.window_ms);
	else if (r->red.mode == MCR_REDUNDANCY_FAILOVER && r->red.revert_ms)
		append(buf, len, &pos, " failover after %u ms, revert after %u ms",
		       r->red.failover_ms, r->red.revert_ms);
	else if (r->red.mode == MCR_REDUNDANCY_FAILOVER)
		append(buf, len, &pos, " failover after %u ms, no revert", r->red.failover_ms);
	append(buf, len, &pos, " ->");
	for (unsigned i = 0; i < r->nout; i++) {
		const struct mcr_output *o = &r->out[i];

		append(buf, len, &pos, "%s %s %s", i ? "," : "", o->dev,
		       mcr_addr_port_str(o->group, o->port, g));
		if (o->ttl)
			append(buf, len, &pos, " %s %u", o->ttl_fixed ? "fixed-ttl" : "ttl", o->ttl);
		if (o->egress != MCR_EGRESS_AUTO)
			append(buf, len, &pos, " egress %s", mcr_egress_name(o->egress));
		if (o->keep_source)
			append(buf, len, &pos, " source keep");
		if (o->listeners)
			append(buf, len, &pos, " listeners");
	}
	return pos < len ? 0 : -ENOSPC;
}

void mcr_ruleset_init(struct mcr_ruleset *s)
{
	memset(s, 0, sizeof(*s));
}

void mcr_ruleset_free(struct mcr_ruleset *s)
{
	for (size_t i = 0; i < s->n; i++)
		mcr_rule_free(&s->v[i]);
	free(s->v);
	mcr_ruleset_init(s);
}

struct mcr_rule *mcr_ruleset_find(const struct mcr_ruleset *s, const char *name)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i].name, name))
			return &s->v[i];
	return NULL;
}

struct mcr_rule *mcr_ruleset_find_input(const struct mcr_ruleset *s,
					const struct mcr_input *in)
{
	for (size_t i = 0; i < s->n; i++)
		if (mcr_rule_has_input(&s->v[i], in))
			return &s->v[i];
	return NULL;
}

int mcr_ruleset_add(struct mcr_ruleset *s, struct mcr_rule *r, struct mcr_errlist *el)
{
	const struct mcr_rule *dup = NULL, *name_dup;
	int err = 0;

	if ((name_dup = mcr_ruleset_find(s, r->name))) {
		mcr_errlist_add(el, r->line, "rule \"%s\": duplicate name (first used at line %d)",
				r->name, name_dup->line);
		err = -EEXIST;
	}
	for (size_t i = 0; i < s->n && !dup; i++)
		if (mcr_rule_shared_input(r, &s->v[i]))
			dup = &s->v[i];
	/* Both problems, unless the name is the default one of the same input. */
	if (dup && !mcr_rule_named_after(r, dup)) {
		mcr_errlist_add(el, r->line, "rule \"%s\": same input as rule \"%s\"", r->name,
				dup->name);
		err = -EEXIST;
	}
	if (err)
		return err;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct mcr_rule *v = realloc(s->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = *r;
	r->out = NULL;
	r->nout = 0;
	return 0;
}

void mcr_ruleset_remove(struct mcr_ruleset *s, size_t i)
{
	mcr_rule_free(&s->v[i]);
	memmove(&s->v[i], &s->v[i + 1], (s->n - i - 1) * sizeof(s->v[0]));
	s->n--;
}
