/*
 * One rule of the rule file: its keys, input(s), outputs and redundancy,
 * every problem reported with the line it is on (config.c loads the file).
 */
#include "confrule.h"

#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "esc.h"

static const char *const rule_keys[] = { "name",	 "in",		"out",	     "redundancy",
					  "merge_window_ms", "failover_ms", "revert_ms", NULL };
static const char *const in_keys[] = { "dev", "group", "port", "source", "join", NULL };
static const char *const out_keys[] = { "dev",    "group",  "port",   "ttl",
					 "fixed_ttl", "egress", "source", "listeners", NULL };

struct ctx {
	struct mcr_errlist *el;
	const char *rule; /* name used in messages */
};

static int line_of(const config_setting_t *s)
{
	return (int)config_setting_source_line(s);
}

static bool key_known(const char *name, const char *const *keys)
{
	for (; *keys; keys++)
		if (!strcmp(name, *keys))
			return true;
	return false;
}

/* Every member of a group must be one of keys. */
static void check_keys(struct ctx *x, const config_setting_t *grp, const char *const *keys,
		       const char *where)
{
	for (int i = 0; i < config_setting_length(grp); i++) {
		const config_setting_t *m = config_setting_get_elem(grp, i);
		const char *name = config_setting_name(m);
		char e[MCR_ESC_NAME];

		if (name && !key_known(name, keys))
			mcr_errlist_add(x->el, line_of(m), "%s%s%sunknown key \"%s\" in %s",
					x->rule ? "rule \"" : "", x->rule ? x->rule : "",
					x->rule ? "\": " : "", mcr_esc(name, e, sizeof(e)), where);
	}
}

static void bad(struct ctx *x, const config_setting_t *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void bad(struct ctx *x, const config_setting_t *s, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	mcr_errlist_add(x->el, line_of(s), "rule \"%s\": %s", x->rule, msg);
}

/* Reads a string member; 1 if present, 0 if absent, -EINVAL if bad. */
static int get_str(struct ctx *x, const config_setting_t *grp, const char *key,
		   const char *path, const char **out)
{
	const config_setting_t *s = config_setting_get_member(grp, key);

	if (!s)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		bad(x, s, "%s must be a string", path);
		return -EINVAL;
	}
	*out = config_setting_get_string(s);
	return 1;
}

static int get_int(struct ctx *x, const config_setting_t *grp, const char *key,
		   const char *path, long long lo, long long hi, long long *out)
{
	const config_setting_t *s = config_setting_get_member(grp, key);
	char msg[96];

	if (!s)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_INT && config_setting_type(s) != CONFIG_TYPE_INT64) {
		bad(x, s, "%s must be an integer", path);
		return -EINVAL;
	}
	*out = config_setting_get_int64(s);
	if (*out < lo || *out > hi) {
		/* The 64-bit limits stand for any literal beyond them (confint.h). */
		if (*out == INT64_MAX || *out == INT64_MIN)
			snprintf(msg, sizeof(msg), "%s out of range %lld..%lld", path, lo, hi);
		else
			snprintf(msg, sizeof(msg), "%s %lld out of range %lld..%lld", path, *out, lo, hi);
		bad(x, s, "%s", msg);
		return -EINVAL;
	}
	return 1;
}

static int get_dev(struct ctx *x, const config_setting_t *grp, const char *path, char *dev)
{
	const char *v;
	int r = get_str(x, grp, "dev", path, &v);

	if (r == 0) {
		bad(x, grp, "%s is missing", path);
		return -EINVAL;
	}
	if (r < 0)
		return r;
	if (!mcr_ifname_valid(v)) {
		char e[MCR_ESC_NAME];

		mcr_errlist_add(x->el, line_of(config_setting_get_member(grp, "dev")),
				"rule \"%s\": \"%s\" is not a valid interface name", x->rule,
				mcr_esc(v, e, sizeof(e)));
		return -EINVAL;
	}
	snprintf(dev, IFNAMSIZ, "%s", v);
	return 0;
}

static int get_addr(struct ctx *x, const config_setting_t *grp, const char *key,
		    const char *path, struct mcr_addr *a)
{
	const char *v;
	int r = get_str(x, grp, key, path, &v);

	if (r <= 0)
		return r;
	if (mcr_addr_parse(v, a)) {
		char e[MCR_ESC_NAME];

		mcr_errlist_add(x->el, line_of(config_setting_get_member(grp, key)),
				"rule \"%s\": %s \"%s\" is not a valid IP address", x->rule, path,
				mcr_esc(v, e, sizeof(e)));
		return -EINVAL;
	}
	return 1;
}

/* join = "always" | "demand" (issue 18). */
static int parse_join(struct ctx *x, const config_setting_t *in, struct mcr_input *o)
{
	const char *v;
	int r = get_str(x, in, "join", "in.join", &v);

	if (r > 0 && mcr_join_parse(v, &o->join)) {
		bad(x, config_setting_get_member(in, "join"), "in.join must be \"always\" or \"demand\"");
		return -EINVAL;
	}
	return r < 0 ? r : 0;
}

/* listeners = true: sent only while the link has a member of the group (issue 18). */
static int parse_listeners(struct ctx *x, const config_setting_t *s, struct mcr_output *o)
{
	const config_setting_t *l = config_setting_get_member(s, "listeners");

	if (!l)
		return 0;
	if (config_setting_type(l) != CONFIG_TYPE_BOOL) {
		bad(x, l, "out.listeners must be true or false");
		return -EINVAL;
	}
	o->listeners = config_setting_get_bool(l);
	return 0;
}

/* An IPv4 source for an IPv6 group, or the reverse: at the source's line. */
static int bad_family(struct ctx *x, const config_setting_t *in, const struct mcr_input *o)
{
	char a[MCR_ADDRSTRLEN];

	mcr_errlist_add(x->el, line_of(config_setting_get_member(in, "source")),
			"rule \"%s\": in.source %s is %s, the group %s", x->rule,
			mcr_addr_str(o->source, a), mcr_addr_family_name(o->source),
			mcr_addr_family_name(o->group));
	return -EINVAL;
}

static int parse_input(struct ctx *x, const config_setting_t *in, struct mcr_input *o)
{
	long long port;
	int err = 0, r;

	if (!config_setting_is_group(in)) {
		bad(x, in, "%s must be a group { ... }", "in");
		return -EINVAL;
	}
	check_keys(x, in, in_keys, "in");
	if (get_dev(x, in, "in.dev", o->dev))
		err = -EINVAL;
	r = get_addr(x, in, "group", "in.group", &o->group);
	if (r == 0)
		bad(x, in, "%s is missing", "in.group");
	if (r <= 0) {
		err = -EINVAL;
	} else if (!mcr_addr_is_multicast(o->group)) {
		char a[MCR_ADDRSTRLEN];

		mcr_errlist_add(x->el, line_of(config_setting_get_member(in, "group")),
				"rule \"%s\": input group %s is not a multicast address", x->rule,
				mcr_addr_str(o->group, a));
		err = -EINVAL;
	} else if (mcr_addr_scope_problem(o->group)) {
		char a[MCR_ADDRSTRLEN];

		mcr_errlist_add(x->el, line_of(config_setting_get_member(in, "group")),
				"rule \"%s\": input group %s %s", x->rule, mcr_addr_str(o->group, a),
				mcr_addr_scope_problem(o->group));
		err = -EINVAL;
	}
	r = get_int(x, in, "port", "in.port", 1, 65535, &port);
	if (r == 0)
		bad(x, in, "%s is missing", "in.port");
	if (r <= 0)
		err = -EINVAL;
	else
		o->port = (uint16_t)port;
	r = get_addr(x, in, "source", "in.source", &o->source);
	o->source = mcr_addr_any_unset(o->source);
	if (r < 0)
		err = -EINVAL;
	else if (mcr_addr_set(o->source) && mcr_addr_set(o->group) &&
		 o->source.family != o->group.family)
		err = bad_family(x, in, o);
	if (parse_join(x, in, o))
		err = -EINVAL;
	return err;
}

/* in = { ... }, or a list of 1..MCR_MAX_INPUTS of them: r->in, then r->more[]. */
static int parse_inputs(struct ctx *x, const config_setting_t *in, struct mcr_rule *r)
{
	int n = config_setting_is_list(in) ? config_setting_length(in) : 0, err = 0;

	if (!config_setting_is_list(in))
		return parse_input(x, in, &r->in);
	if (n < 1 || n > MCR_MAX_INPUTS) {
		bad(x, in, "in must be a list of 1..%d inputs, not %d", MCR_MAX_INPUTS, n);
		return -EINVAL;
	}
	for (int i = 0; i < n; i++)
		if (parse_input(x, config_setting_get_elem(in, i), mcr_rule_input_mut(r, (unsigned)i)))
			err = -EINVAL;
	r->nmore = (unsigned)n - 1;
	return err;
}

/* A setting in ms of one redundancy mode: 1 set, 0 absent, -EINVAL. */
static int get_mode_ms(struct ctx *x, const config_setting_t *s, const char *key, long long lo,
		       long long hi, uint8_t mode, const struct mcr_redund *d, uint32_t *out)
{
	long long v;
	int r = get_int(x, s, key, key, lo, hi, &v);

	if (r > 0 && d->mode != mode) {
		bad(x, config_setting_get_member(s, key), "%s needs redundancy = \"%s\"", key,
		    mcr_redundancy_name(mode));
		return -EINVAL;
	}
	if (r > 0)
		*out = (uint32_t)v;
	return r;
}

/*
 * redundancy = "merge" | "failover" | "none", and the settings of that
 * mode.  -EINVAL, with *mode_ok false when the mode itself is unknown.
 */
static int parse_redundancy(struct ctx *x, const config_setting_t *s, struct mcr_redund *d,
			    bool *mode_ok)
{
	const char *v;
	uint8_t mode = MCR_REDUNDANCY_NONE;
	int r = get_str(x, s, "redundancy", "redundancy", &v), err = 0;

	if (r > 0 && mcr_redundancy_parse(v, &mode)) {
		bad(x, config_setting_get_member(s, "redundancy"),
		    "redundancy must be \"merge\", \"failover\" or \"none\"");
		*mode_ok = false;
		return -EINVAL;
	}
	if (r < 0) {
		*mode_ok = false;
		return -EINVAL;
	}
	mcr_redund_init(d, mode);
	if (get_mode_ms(x, s, "merge_window_ms", 1, MCR_MERGE_WINDOW_MAX, MCR_REDUNDANCY_MERGE, d,
			&d->window_ms) < 0)
		err = -EINVAL;
	if (get_mode_ms(x, s, "failover_ms", 1, MCR_FAILOVER_MAX, MCR_REDUNDANCY_FAILOVER, d,
			&d->failover_ms) < 0)
		err = -EINVAL;
	if (get_mode_ms(x, s, "revert_ms", 0, MCR_REVERT_MAX, MCR_REDUNDANCY_FAILOVER, d,
			&d->revert_ms) < 0)
		err = -EINVAL;
	return err;
}

/* ttl = N (a cap on the datagram's TTL - 1) or fixed_ttl = N, not both. */
static int parse_output_ttl(struct ctx *x, const config_setting_t *s, struct mcr_output *o)
{
	long long v;
	int r, f;

	r = get_int(x, s, "ttl", "out.ttl", 1, 255, &v);
	if (r > 0)
		o->ttl = (uint8_t)v;
	f = get_int(x, s, "fixed_ttl", "out.fixed_ttl", 1, 255, &v);
	if (f > 0) {
		o->ttl = (uint8_t)v;
		o->ttl_fixed = true;
	}
	if (r > 0 && f > 0) {
		bad(x, config_setting_get_member(s, "fixed_ttl"),
		    "out.ttl and out.fixed_ttl exclude each other");
		return -EINVAL;
	}
	return r < 0 || f < 0 ? -EINVAL : 0;
}

/* egress = "auto" | "packet" | "socket"; source = "keep" (packet egress only). */
static int parse_output_egress(struct ctx *x, const config_setting_t *s, struct mcr_output *o)
{
	const char *v;
	int err = 0, r;

	r = get_str(x, s, "egress", "out.egress", &v);
	if (r < 0 || (r > 0 && mcr_egress_parse(v, &o->egress))) {
		if (r > 0)
			bad(x, config_setting_get_member(s, "egress"),
			    "out.egress must be \"auto\", \"packet\" or \"socket\"");
		err = -EINVAL;
	}
	r = get_str(x, s, "source", "out.source", &v);
	if (r > 0 && !strcmp(v, "keep")) {
		o->keep_source = true;
	} else if (r) {
		if (r > 0)
			bad(x, config_setting_get_member(s, "source"),
			    "out.source must be \"keep\" (or absent: the output's own address)");
		err = -EINVAL;
	}
	return err;
}

static int parse_output(struct ctx *x, const config_setting_t *s, const struct mcr_input *in,
			struct mcr_output *o)
{
	long long v;
	int err = 0, r;

	o->line = line_of(s);
	if (!config_setting_is_group(s)) {
		bad(x, s, "%s must be a group { ... }", "each output");
		return -EINVAL;
	}
	check_keys(x, s, out_keys, "out");
	if (get_dev(x, s, "out.dev", o->dev))
		err = -EINVAL;
	o->group = in->group;
	if (get_addr(x, s, "group", "out.group", &o->group) < 0)
		err = -EINVAL;
	o->port = in->port;
	r = get_int(x, s, "port", "out.port", 1, 65535, &v);
	if (r < 0)
		err = -EINVAL;
	else if (r > 0)
		o->port = (uint16_t)v;
	if (parse_output_ttl(x, s, o))
		err = -EINVAL;
	if (parse_output_egress(x, s, o))
		err = -EINVAL;
	if (parse_listeners(x, s, o))
		err = -EINVAL;
	return err;
}

/*
 * The outputs into r; *ok (allocated, one flag per output) tells which
 * are known: parsed without a problem, and not taking their group or port
 * from a bad input.  *ok stays NULL when the list itself is bad.
 */
static int parse_outputs(struct ctx *x, const config_setting_t *outs, struct mcr_rule *r,
			 bool in_ok, bool **ok)
{
	bool list = config_setting_is_list(outs);
	int n = list ? config_setting_length(outs) : 1, err = 0;

	/* A single group is accepted as a list of one. */
	if (!list && !config_setting_is_group(outs)) {
		bad(x, outs, "%s must be a list ( { ... }, ... )", "out");
		return -EINVAL;
	}
	if (n > MCR_MAX_OUTPUTS) {
		mcr_errlist_add(x->el, line_of(outs), "rule \"%s\": %d outputs, more than the %d allowed",
				x->rule, n, MCR_MAX_OUTPUTS);
		return -EINVAL;
	}
	r->out = calloc(n ? (size_t)n : 1, sizeof(*r->out));
	*ok = calloc(n ? (size_t)n : 1, sizeof(**ok));
	if (!r->out || !*ok) {
		free(*ok);
		*ok = NULL;
		mcr_errlist_add(x->el, line_of(outs), "rule \"%s\": out of memory", x->rule);
		return -ENOMEM;
	}
	r->nout = (unsigned)n;
	for (int i = 0; i < n; i++) {
		const config_setting_t *o = list ? config_setting_get_elem(outs, i) : outs;

		if (parse_output(x, o, &r->in, &r->out[i]))
			err = -EINVAL;
		else
			(*ok)[i] = in_ok || (config_setting_get_member(o, "group") &&
					     config_setting_get_member(o, "port"));
	}
	return err;
}

/*
 * The checks of the rule on its own, on the parts that parsed: problems in
 * the input do not hide those of the outputs.
 */
static int check_rule(struct ctx *x, struct mcr_rule *r, bool in_ok, const bool *out_ok)
{
	bool unnamed = !r->name[0];
	int err = 0;

	if (unnamed)
		snprintf(r->name, sizeof(r->name), "%s", x->rule);
	if (in_ok && mcr_rule_check_input(r, x->el))
		err = -EINVAL;
	if (out_ok && mcr_rule_check_outputs(r, in_ok, out_ok, x->el))
		err = -EINVAL;
	if (unnamed)
		r->name[0] = 0;
	return err;
}

static int parse_rule(struct ctx *x, const config_setting_t *s, struct mcr_rule *r, int idx,
		      bool *in_ok)
{
	const config_setting_t *in, *outs;
	const char *name = NULL;
	bool *out_ok = NULL, red_ok = true;
	char label[32];
	int err = 0;

	memset(r, 0, sizeof(*r));
	r->line = line_of(s);
	r->origin = MCR_ORIGIN_CONFIG;
	snprintf(label, sizeof(label), "#%d", idx + 1);
	x->rule = label;
	if (!config_setting_is_group(s)) {
		mcr_errlist_add(x->el, r->line, "rule #%d: must be a group { ... }", idx + 1);
		return -EINVAL;
	}
	if (get_str(x, s, "name", "name", &name) < 0)
		err = -EINVAL;
	if (name && !mcr_rule_name_valid(name)) {
		char e[MCR_ESC_NAME];

		mcr_errlist_add(x->el, line_of(config_setting_get_member(s, "name")),
				"rule #%d: name \"%s\" must be 1..%d printable characters, no spaces",
				idx + 1, mcr_esc(name, e, sizeof(e)), MCR_NAME_MAX - 1);
		err = -EINVAL;
		name = NULL;
	}
	if (name) {
		snprintf(r->name, sizeof(r->name), "%s", name);
		x->rule = r->name;
	}
	check_keys(x, s, rule_keys, "rule");
	in = config_setting_get_member(s, "in");
	if (!in) {
		bad(x, s, "%s is missing", "in");
		err = -EINVAL;
	} else if (parse_inputs(x, in, r)) {
		err = -EINVAL;
	} else {
		*in_ok = true;
	}
	/* The inputs are not checked against an unknown mode. */
	if (parse_redundancy(x, s, &r->red, &red_ok))
		err = -EINVAL;
	if (!name && !err) {
		mcr_rule_default_name(r, r->name, sizeof(r->name));
		x->rule = r->name;
	}
	outs = config_setting_get_member(s, "out");
	if (!outs) {
		bad(x, s, "%s is missing", "out");
		err = -EINVAL;
	} else if (parse_outputs(x, outs, r, *in_ok, &out_ok)) {
		err = -EINVAL;
	}
	if (check_rule(x, r, *in_ok && red_ok, out_ok))
		err = -EINVAL;
	free(out_ok);
	return err;
}

int mcr_conf_rules(struct mcr_errlist *el, const config_setting_t *rules, struct mcr_config *c)
{
	struct ctx x = { .el = el };
	int err = 0;

	if (!config_setting_is_list(rules)) {
		mcr_errlist_add(el, line_of(rules), "rules must be a list ( { ... }, ... )");
		return -EINVAL;
	}
	for (int i = 0; i < config_setting_length(rules); i++) {
		struct mcr_rule r;
		bool in_ok = false;
		int e = parse_rule(&x, config_setting_get_elem(rules, i), &r, i, &in_ok);

		/*
		 * A rule with other errors still takes part in the duplicate
		 * checks (the set is discarded anyway when anything is wrong),
		 * unless its name or input is unknown.
		 */
		if ((!e || (in_ok && r.name[0])) && mcr_ruleset_add(&c->rules, &r, el) && !e)
			e = -EINVAL;
		mcr_rule_free(&r);
		if (e)
			err = -EINVAL;
	}
	return err;
}

void mcr_conf_check_keys(struct mcr_errlist *el, const config_setting_t *grp,
			 const char *const *keys, const char *where)
{
	struct ctx x = { .el = el };

	check_keys(&x, grp, keys, where);
}
