/* The rule model (rule.c), address parsers (addr.c) and problem lists (errlist.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "errlist.h"
#include "rule.h"

static struct mcr_addr A(const char *s)
{
	struct mcr_addr a;

	assert_int_equal(mcr_addr_parse(s, &a), 0);
	return a;
}

static void set_output(struct mcr_output *o, const char *dev, const char *group, uint16_t port,
		       uint8_t ttl, int line)
{
	memset(o, 0, sizeof(*o));
	snprintf(o->dev, sizeof(o->dev), "%s", dev);
	o->group = A(group);
	o->port = port;
	o->ttl = ttl;
	o->line = line;
}

/* The example rule: cam1, eth0 239.1.1.1:5001 from 10.0.0.5 to eth1 and eth2. */
static void make_cam1(struct mcr_rule *r)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "cam1");
	snprintf(r->in.dev, sizeof(r->in.dev), "eth0");
	r->in.group = A("239.1.1.1");
	r->in.port = 5001;
	r->in.source = A("10.0.0.5");
	r->line = 2;
	r->nout = 2;
	r->out = calloc(2, sizeof(*r->out));
	assert_non_null(r->out);
	set_output(&r->out[0], "eth1", "239.2.2.2", 6000, 4, 4);
	set_output(&r->out[1], "eth2", "239.1.1.1", 5001, 1, 5);
}

/* Does el hold a problem at line whose message contains phrase? */
static bool has_err(const struct mcr_errlist *el, int line, const char *phrase)
{
	for (size_t i = 0; i < el->n; i++)
		if (el->v[i].line == line && strstr(el->v[i].msg, phrase))
			return true;
	return false;
}

static void dump(const struct mcr_errlist *el)
{
	for (size_t i = 0; i < el->n; i++)
		print_message("  line %d: %s\n", el->v[i].line, el->v[i].msg);
}

#define assert_err(el, line, phrase)                                                   \
	do {                                                                           \
		if (!has_err((el), (line), (phrase))) {                                \
			dump(el);                                                      \
			fail_msg("no problem at line %d with \"%s\"", (line), (phrase)); \
		}                                                                      \
	} while (0)

/* ---- mcr_rule_check ---- */

static void test_check_valid(void **state)
{
	struct mcr_errlist el;
	struct mcr_rule r;

	(void)state;
	mcr_errlist_init(&el, NULL);
	make_cam1(&r);
	assert_int_equal(mcr_rule_check(&r, &el), 0);
	/* Any-source, and a unicast output, are fine too. */
	r.in.source = (struct mcr_addr){ 0 };
	r.out[1].group = A("192.0.2.7");
	assert_int_equal(mcr_rule_check(&r, &el), 0);
	/* Same group and port on another device is not the input. */
	set_output(&r.out[1], "eth1", "239.1.1.1", 5001, 1, 5);
	assert_int_equal(mcr_rule_check(&r, &el), 0);
	assert_int_equal(el.n, 0);
	mcr_rule_free(&r);
	mcr_errlist_free(&el);
}

static void test_check_errors(void **state)
{
	struct mcr_errlist el;
	struct mcr_rule r;

	(void)state;
	mcr_errlist_init(&el, NULL);

	make_cam1(&r);
	r.in.group = A("10.1.1.1");
	assert_int_equal(mcr_rule_check(&r, &el), -EINVAL);
	assert_err(&el, 2, "input group 10.1.1.1 is not a multicast address");
	mcr_rule_free(&r);

	const char *bad_sources[] = { "239.9.9.9", "127.0.0.1", "255.255.255.255" };

	for (size_t i = 0; i < 3; i++) {
		make_cam1(&r);
		r.in.source = A(bad_sources[i]);
		assert_int_equal(mcr_rule_check(&r, &el), -EINVAL);
		assert_err(&el, 2, "is not a unicast host address");
		assert_err(&el, 2, bad_sources[i]);
		mcr_rule_free(&r);
	}

	make_cam1(&r);
	r.nout = 0;
	assert_int_equal(mcr_rule_check(&r, &el), -EINVAL);
	assert_err(&el, 2, "rule \"cam1\": no output");
	mcr_rule_free(&r);

	/* An output equal to the input, reported at the output's line. */
	make_cam1(&r);
	set_output(&r.out[1], "eth0", "239.1.1.1", 5001, 9, 5);
	el.n = 0;
	assert_int_equal(mcr_rule_check(&r, &el), -EINVAL);
	assert_int_equal(el.n, 1);
	assert_err(&el, 5, "output 2 is identical to the input");
	mcr_rule_free(&r);

	const char *bad_out[] = { "0.0.0.0", "255.255.255.255", "127.1.2.3" };

	for (size_t i = 0; i < 3; i++) {
		make_cam1(&r);
		r.out[0].group = A(bad_out[i]);
		assert_int_equal(mcr_rule_check(&r, &el), -EINVAL);
		assert_err(&el, 4, "output 1:");
		assert_err(&el, 4, "is not a usable destination");
		mcr_rule_free(&r);
	}

	make_cam1(&r);
	r.out[1].ttl = 0;
	r.out[1].ttl_fixed = true;
	r.out[1].line = 0; /* no line of its own: the rule's */
	assert_int_equal(mcr_rule_check(&r, &el), -EINVAL);
	assert_err(&el, 2, "output 2: fixed_ttl must be 1..255");
	mcr_rule_free(&r);

	/* Every problem of one rule is reported. */
	make_cam1(&r);
	r.in.group = A("10.1.1.1");
	r.out[0].ttl = 0;
	r.out[0].ttl_fixed = true;
	r.out[1].group = A("0.0.0.0");
	el.n = 0;
	assert_int_equal(mcr_rule_check(&r, &el), -EINVAL);
	assert_int_equal(el.n, 3);
	mcr_rule_free(&r);
	mcr_errlist_free(&el);
}

static void test_check_too_many_outputs(void **state)
{
	struct mcr_errlist el;
	struct mcr_rule r;
	struct mcr_output *o;

	(void)state;
	mcr_errlist_init(&el, NULL);
	make_cam1(&r);
	o = realloc(r.out, (MCR_MAX_OUTPUTS + 1) * sizeof(*o));
	assert_non_null(o);
	r.out = o;
	for (unsigned i = 0; i <= MCR_MAX_OUTPUTS; i++)
		set_output(&o[i], "eth1", "239.2.2.2", (uint16_t)(1 + i), 1, 0);
	r.nout = MCR_MAX_OUTPUTS;
	assert_int_equal(mcr_rule_check(&r, &el), 0);
	r.nout = MCR_MAX_OUTPUTS + 1;
	assert_int_equal(mcr_rule_check(&r, &el), -EINVAL);
	assert_int_equal(el.n, 1);
	assert_err(&el, 2, "4097 outputs, more than the 4096 allowed");
	mcr_rule_free(&r);
	mcr_errlist_free(&el);
}

/* ---- outputs that repeat one another ---- */

static void test_same_outputs(void **state)
{
	struct mcr_errlist el;
	struct mcr_rule r;
	unsigned first[4];
	bool ok[4] = { true, true, false, true };

	(void)state;
	mcr_errlist_init(&el, NULL);
	make_cam1(&r);
	/* The TTL does not make an output another: same dev, group and port is a repeat. */
	set_output(&r.out[1], "eth1", "239.2.2.2", 6000, 9, 5);
	assert_int_equal(mcr_rule_check(&r, &el), -EINVAL);
	assert_int_equal(el.n, 1);
	assert_err(&el, 5, "rule \"cam1\": output 2 duplicates output 1 (dev eth1 group 239.2.2.2 port 6000)");
	/* Any of the three differing: no repeat. */
	el.n = 0;
	set_output(&r.out[1], "eth2", "239.2.2.2", 6000, 4, 5);
	assert_int_equal(mcr_rule_check(&r, &el), 0);
	set_output(&r.out[1], "eth1", "239.2.2.3", 6000, 4, 5);
	assert_int_equal(mcr_rule_check(&r, &el), 0);
	set_output(&r.out[1], "eth1", "239.2.2.2", 6001, 4, 5);
	assert_int_equal(mcr_rule_check(&r, &el), 0);
	assert_int_equal(el.n, 0);
	mcr_rule_free(&r);

	/* Four outputs, 0 = 2 = 3: each repeat points at the first; ok hides one. */
	make_cam1(&r);
	r.out = realloc(r.out, 4 * sizeof(*r.out));
	assert_non_null(r.out);
	r.nout = 4;
	set_output(&r.out[0], "eth1", "239.2.2.2", 6000, 1, 4);
	set_output(&r.out[1], "eth2", "239.2.2.2", 6000, 1, 5);
	set_output(&r.out[2], "eth1", "239.2.2.2", 6000, 2, 6);
	set_output(&r.out[3], "eth1", "239.2.2.2", 6000, 3, 7);
	assert_int_equal(mcr_rule_same_outputs(&r, NULL, first), 0);
	assert_int_equal(first[0], 0);
	assert_int_equal(first[1], 1);
	assert_int_equal(first[2], 0);
	assert_int_equal(first[3], 0);
	assert_int_equal(mcr_rule_same_outputs(&r, ok, first), 0);
	assert_int_equal(first[2], 2);
	assert_int_equal(first[3], 0);
	assert_int_equal(mcr_rule_check(&r, &el), -EINVAL);
	assert_int_equal(el.n, 2);
	assert_err(&el, 6, "output 3 duplicates output 1");
	assert_err(&el, 7, "output 4 duplicates output 1");
	/* The halves: output checks skip what ok marks unknown, and the input. */
	el.n = 0;
	r.in.group = A("10.1.1.1");
	assert_int_equal(mcr_rule_check_outputs(&r, false, ok, &el), -EINVAL);
	assert_int_equal(el.n, 1);
	assert_err(&el, 7, "output 4 duplicates output 1");
	assert_int_equal(mcr_rule_check_input(&r, &el), -EINVAL);
	assert_err(&el, 2, "input group 10.1.1.1 is not a multicast address");
	mcr_rule_free(&r);
	mcr_errlist_free(&el);
}

/* 4096 outputs, all on one destination: found by sorting, each named. */
static void test_same_outputs_many(void **state)
{
	struct mcr_errlist el;
	struct mcr_rule r;

	(void)state;
	mcr_errlist_init(&el, NULL);
	make_cam1(&r);
	r.out = realloc(r.out, MCR_MAX_OUTPUTS * sizeof(*r.out));
	assert_non_null(r.out);
	r.nout = MCR_MAX_OUTPUTS;
	for (unsigned i = 0; i < MCR_MAX_OUTPUTS; i++)
		set_output(&r.out[i], "eth1", "239.2.2.2", (uint16_t)(i % 2048 + 1), 1, (int)i + 10);
	assert_int_equal(mcr_rule_check(&r, &el), -EINVAL);
	assert_int_equal(el.n, 2048);
	assert_err(&el, 2048 + 10, "output 2049 duplicates output 1 ");
	assert_err(&el, 4095 + 10, "output 4096 duplicates output 2048 ");
	mcr_rule_free(&r);
	mcr_errlist_free(&el);
}

/* ---- format, equal, copy, names ---- */

static void test_format(void **state)
{
	const char *want = "cam1 in eth0 239.1.1.1:5001 source 10.0.0.5 -> "
			   "eth1 239.2.2.2:6000 ttl 4, eth2 239.1.1.1:5001 ttl 1";
	struct mcr_rule r;
	char buf[256];

	(void)state;
	make_cam1(&r);
	assert_int_equal(mcr_rule_format(&r, buf, sizeof(buf)), 0);
	assert_string_equal(buf, want);
	/* Exactly enough room, and one byte short. */
	assert_int_equal(mcr_rule_format(&r, buf, strlen(want) + 1), 0);
	assert_string_equal(buf, want);
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(mcr_rule_format(&r, buf, strlen(want)), -ENOSPC);
	assert_int_equal(strlen(buf), strlen(want) - 1);
	assert_memory_equal(buf, want, strlen(want) - 1);
	/* Cut in the first part: later parts do not write past the end. */
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(mcr_rule_format(&r, buf, 10), -ENOSPC);
	assert_string_equal(buf, "cam1 in e");
	assert_int_equal(buf[10], 'x');
	assert_int_equal(mcr_rule_format(&r, buf, 0), -ENOSPC);

	r.in.source = (struct mcr_addr){ 0 };
	r.nout = 1;
	assert_int_equal(mcr_rule_format(&r, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "cam1 in eth0 239.1.1.1:5001 -> eth1 239.2.2.2:6000 ttl 4");
	r.nout = 2;
	mcr_rule_free(&r);
}

static void test_default_name(void **state)
{
	struct mcr_rule r;
	char buf[MCR_NAME_MAX];

	(void)state;
	make_cam1(&r);
	mcr_rule_default_name(&r, buf, sizeof(buf));
	assert_string_equal(buf, "eth0:239.1.1.1:5001");
	assert_true(mcr_rule_name_valid(buf));
	/* The longest possible default name still fits and is valid. */
	snprintf(r.in.dev, sizeof(r.in.dev), "abcdefghijklmno");
	r.in.group = A("239.255.255.255");
	r.in.port = 65535;
	mcr_rule_default_name(&r, buf, sizeof(buf));
	assert_string_equal(buf, "abcdefghijklmno:239.255.255.255:65535");
	assert_true(mcr_rule_name_valid(buf));
	mcr_rule_free(&r);
}

static void test_equal(void **state)
{
	struct mcr_rule a, b;

	(void)state;
	make_cam1(&a);
	make_cam1(&b);
	assert_true(mcr_rule_equal(&a, &b));
	/* Where a rule came from is not part of what it is. */
	b.line = 99;
	b.origin = MCR_ORIGIN_RUNTIME;
	b.out[0].line = 77;
	assert_true(mcr_rule_equal(&a, &b));
	assert_true(mcr_input_equal(&a.in, &b.in));

#define DIFFERS(change)                                  \
	do {                                             \
		mcr_rule_free(&b);                       \
		make_cam1(&b);                           \
		change;                                  \
		assert_false(mcr_rule_equal(&a, &b));    \
		assert_false(mcr_rule_equal(&b, &a));    \
	} while (0)

	DIFFERS(b.name[0] = 'C');
	DIFFERS(b.in.dev[3] = '9');
	DIFFERS(b.in.group = A("239.1.1.2"));
	DIFFERS(b.in.port = 5002);
	DIFFERS(b.in.source = A("10.0.0.6"));
	DIFFERS(b.in.source = (struct mcr_addr){ 0 });
	DIFFERS(b.nout = 1);
	DIFFERS(b.out[1].dev[3] = '3');
	DIFFERS(b.out[1].group = A("239.1.1.2"));
	DIFFERS(b.out[0].port = 6001);
	DIFFERS(b.out[0].ttl = 5);
	/* Output order matters. */
	DIFFERS(struct mcr_output t = b.out[0]; b.out[0] = b.out[1]; b.out[1] = t);
#undef DIFFERS

	mcr_rule_free(&b);
	make_cam1(&b);
	b.in.port = 5002;
	assert_false(mcr_input_equal(&a.in, &b.in));
	mcr_rule_free(&a);
	mcr_rule_free(&b);
}

static void test_copy(void **state)
{
	struct mcr_rule a, b;

	(void)state;
	make_cam1(&a);
	a.origin = MCR_ORIGIN_RUNTIME;
	assert_int_equal(mcr_rule_copy(&b, &a), 0);
	assert_true(mcr_rule_equal(&a, &b));
	assert_int_equal(b.line, a.line);
	assert_int_equal(b.origin, MCR_ORIGIN_RUNTIME);
	assert_ptr_not_equal(b.out, a.out);
	/* Deep: changing the copy leaves the original alone. */
	b.out[0].ttl = 99;
	assert_int_equal(a.out[0].ttl, 4);
	mcr_rule_free(&b);
	assert_null(b.out);
	assert_int_equal(b.nout, 0);
	/* No outputs: nothing allocated. */
	a.nout = 0;
	assert_int_equal(mcr_rule_copy(&b, &a), 0);
	assert_null(b.out);
	assert_int_equal(b.nout, 0);
	mcr_rule_free(&b);
	mcr_rule_free(&a);
}

static void test_name_valid(void **state)
{
	char name[MCR_NAME_MAX + 1];

	(void)state;
	assert_true(mcr_rule_name_valid("cam1"));
	assert_true(mcr_rule_name_valid("a"));
	assert_true(mcr_rule_name_valid("eth0:239.1.1.1:5001"));
	assert_true(mcr_rule_name_valid("x-y_z.1/2#!"));
	memset(name, 'n', MCR_NAME_MAX - 1);
	name[MCR_NAME_MAX - 1] = '\0';
	assert_true(mcr_rule_name_valid(name)); /* 63 */
	name[MCR_NAME_MAX - 1] = 'n';
	name[MCR_NAME_MAX] = '\0';
	assert_false(mcr_rule_name_valid(name)); /* 64 */
	assert_false(mcr_rule_name_valid(""));
	assert_false(mcr_rule_name_valid("a b"));
	assert_false(mcr_rule_name_valid(" a"));
	assert_false(mcr_rule_name_valid("a\t"));
	assert_false(mcr_rule_name_valid("a\nb"));
	assert_false(mcr_rule_name_valid("a\"b"));
	assert_false(mcr_rule_name_valid("a\\b"));
	assert_false(mcr_rule_name_valid("a\x7f"));
	assert_false(mcr_rule_name_valid("caf\xc3\xa9"));
}

/* The checks a runtime rule (mcrctl rule add) gets for IPv6, each message whole. */
static void test_check_ipv6(void **state)
{
	struct mcr_errlist el;
	struct mcr_rule r;
	char buf[512];

	(void)state;
	make_cam1(&r);
	r.in.group = A("ff3e::8000:1");
	r.in.source = A("2001:db8::5");
	r.out[0].group = A("ff05::2");
	r.out[1].group = A("239.1.1.1"); /* 6 -> 4 */
	mcr_errlist_init(&el, NULL);
	assert_int_equal(mcr_rule_check(&r, &el), 0);
	assert_int_equal(mcr_rule_format(&r, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "cam1 in eth0 [ff3e::8000:1]:5001 source 2001:db8::5 -> "
				 "eth1 [ff05::2]:6000 ttl 4, eth2 239.1.1.1:5001 ttl 1");
	r.in.group = A("ff01::1");
	r.in.source = A("10.0.0.5");
	r.out[1].keep_source = true;
	r.out[1].egress = MCR_EGRESS_PACKET;
	assert_int_equal(mcr_rule_check(&r, &el), -EINVAL);
	assert_err(&el, 2, "rule \"cam1\": input group ff01::1 is interface-local: it never "
			   "leaves the host");
	assert_err(&el, 2, "rule \"cam1\": source 10.0.0.5 is IPv4, the group IPv6");
	assert_err(&el, 5, "rule \"cam1\": output 2: source \"keep\" cannot cross from IPv6 to "
			   "IPv4");
	assert_int_equal(el.n, 3);
	mcr_errlist_free(&el);
	/* Inputs of one family; a second input's scope names the input. */
	mcr_errlist_init(&el, NULL);
	r.in.group = A("ff05::1");
	r.in.source = (struct mcr_addr){ 0 };
	r.out[1].keep_source = false;
	r.nmore = 2;
	snprintf(r.more[0].dev, IFNAMSIZ, "eth3");
	r.more[0].group = A("239.1.1.9");
	r.more[0].port = 5001;
	snprintf(r.more[1].dev, IFNAMSIZ, "eth4");
	r.more[1].group = A("ff0f::1");
	r.more[1].port = 5001;
	mcr_redund_init(&r.red, MCR_REDUNDANCY_MERGE);
	assert_int_equal(mcr_rule_check(&r, &el), -EINVAL);
	assert_err(&el, 2, "rule \"cam1\": input 2: IPv4 group, but input 1 is IPv6: a rule's "
			   "inputs are of one family");
	assert_err(&el, 2, "rule \"cam1\": input 3: group ff0f::1 has a reserved scope");
	mcr_errlist_free(&el);
	mcr_rule_free(&r);
}

/* ---- the rule set ---- */

static void make_rule(struct mcr_rule *r, const char *name, const char *group, const char *source,
		      int line)
{
	make_cam1(r);
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->in.group = A(group);
	r->in.source = source ? A(source) : (struct mcr_addr){ 0 };
	r->line = line;
}

static void test_ruleset(void **state)
{
	struct mcr_ruleset s;
	struct mcr_errlist el;
	struct mcr_rule r;
	char label[16];

	(void)state;
	mcr_ruleset_init(&s);
	mcr_errlist_init(&el, NULL);
	assert_null(mcr_ruleset_find(&s, "a"));

	make_rule(&r, "a", "239.1.1.1", NULL, 1);
	assert_int_equal(mcr_ruleset_add(&s, &r, &el), 0);
	assert_null(r.out); /* ownership moved to the set */
	assert_int_equal(r.nout, 0);
	mcr_rule_free(&r);
	make_rule(&r, "b", "239.1.1.1", "10.0.0.5", 2); /* same (G, P), a source */
	assert_int_equal(mcr_ruleset_add(&s, &r, &el), 0);
	make_rule(&r, "c", "239.1.1.1", "10.0.0.6", 3); /* another source */
	assert_int_equal(mcr_ruleset_add(&s, &r, &el), 0);
	make_rule(&r, "d", "239.1.1.2", NULL, 4);
	assert_int_equal(mcr_ruleset_add(&s, &r, &el), 0);
	assert_int_equal(s.n, 4);
	assert_int_equal(el.n, 0);

	assert_ptr_equal(mcr_ruleset_find(&s, "c"), &s.v[2]);
	assert_null(mcr_ruleset_find(&s, "C"));
	assert_null(mcr_ruleset_find(&s, "cam1"));
	assert_int_equal(s.v[1].out[0].ttl, 4); /* outputs moved intact */
	assert_ptr_equal(mcr_ruleset_find_input(&s, &s.v[1].in), &s.v[1]);

	/* Duplicate name: refused, at the new rule's line, naming the first. */
	make_rule(&r, "b", "239.7.7.7", NULL, 10);
	assert_int_equal(mcr_ruleset_add(&s, &r, &el), -EEXIST);
	assert_non_null(r.out); /* still the caller's */
	assert_err(&el, 10, "rule \"b\": duplicate name (first used at line 2)");
	mcr_rule_free(&r);
	/* Duplicate input (all of dev, group, port and source). */
	make_rule(&r, "e", "239.1.1.1", "10.0.0.6", 11);
	assert_int_equal(mcr_ruleset_add(&s, &r, &el), -EEXIST);
	assert_err(&el, 11, "rule \"e\": same input as rule \"c\"");
	mcr_rule_free(&r);
	assert_int_equal(s.n, 4);
	assert_int_equal(el.n, 2);
	/* Both at once: both reported. */
	make_rule(&r, "b", "239.1.1.1", "10.0.0.6", 14);
	assert_int_equal(mcr_ruleset_add(&s, &r, &el), -EEXIST);
	assert_err(&el, 14, "rule \"b\": duplicate name (first used at line 2)");
	assert_err(&el, 14, "rule \"b\": same input as rule \"c\"");
	assert_int_equal(el.n, 4);
	mcr_rule_free(&r);
	/* An unnamed repeat (named after its input): one problem, not two. */
	make_rule(&r, "", "239.1.1.2", NULL, 15);
	mcr_rule_default_name(&r, s.v[3].name, sizeof(s.v[3].name));
	mcr_rule_default_name(&r, r.name, sizeof(r.name));
	assert_int_equal(mcr_ruleset_add(&s, &r, &el), -EEXIST);
	assert_int_equal(el.n, 5);
	assert_err(&el, 15, "duplicate name (first used at line 4)");
	mcr_rule_free(&r);
	snprintf(s.v[3].name, sizeof(s.v[3].name), "d");
	el.n = 2;
	/* Differing in any one of them is not a duplicate. */
	make_rule(&r, "f", "239.1.1.1", "10.0.0.6", 12);
	r.in.port = 5002;
	assert_int_equal(mcr_ruleset_add(&s, &r, &el), 0);
	make_rule(&r, "g", "239.1.1.1", "10.0.0.6", 13);
	snprintf(r.in.dev, sizeof(r.in.dev), "eth9");
	assert_int_equal(mcr_ruleset_add(&s, &r, &el), 0);
	assert_int_equal(s.n, 6);

	/* Remove from the middle keeps the order; from the end; the first. */
	mcr_ruleset_remove(&s, 1);
	assert_int_equal(s.n, 5);
	assert_string_equal(s.v[0].name, "a");
	assert_string_equal(s.v[1].name, "c");
	assert_string_equal(s.v[2].name, "d");
	assert_string_equal(s.v[4].name, "g");
	assert_null(mcr_ruleset_find(&s, "b"));
	assert_null(mcr_ruleset_find_input(&s, &(struct mcr_input){ "eth0", A("239.1.1.1"), 5001,
								     A("10.0.0.5"), 0 }));
	mcr_ruleset_remove(&s, 4);
	mcr_ruleset_remove(&s, 0);
	assert_int_equal(s.n, 3);
	assert_string_equal(s.v[0].name, "c");
	assert_string_equal(s.v[2].name, "f");
	/* The removed name and input can be added again. */
	make_rule(&r, "b", "239.1.1.1", "10.0.0.5", 20);
	assert_int_equal(mcr_ruleset_add(&s, &r, &el), 0);

	/* Growth past the initial capacity. */
	for (int i = 0; i < 100; i++) {
		snprintf(label, sizeof(label), "r%d", i);
		make_rule(&r, label, "239.5.0.1", NULL, 100 + i);
		r.in.port = (uint16_t)(100 + i);
		assert_int_equal(mcr_ruleset_add(&s, &r, &el), 0);
	}
	assert_int_equal(s.n, 104);
	assert_int_equal(mcr_ruleset_find(&s, "r57")->in.port, 157);
	mcr_ruleset_free(&s);
	assert_int_equal(s.n, 0);
	assert_null(s.v);
	mcr_errlist_free(&el);
}

/* ---- addr.c ---- */

static void test_parse_ipv4(void **state)
{
	const char *bad[] = { "1.2.3", "1.2.3.4.5", "256.1.1.1", " 1.2.3.4", "1.2.3.4 ", "",
			      "1..2.3", "01.2.3.4", "0x1.2.3.4", "a.b.c.d", "1.2.3.-4",
			      "1.2.3.4\n", "::1", "1.2.3.4/8" };
	struct in_addr a;

	(void)state;
	assert_int_equal(mcr_parse_ipv4("239.1.2.3", &a), 0);
	assert_int_equal(ntohl(a.s_addr), 0xef010203u);
	assert_int_equal(mcr_parse_ipv4("0.0.0.0", &a), 0);
	assert_int_equal(a.s_addr, 0);
	assert_int_equal(mcr_parse_ipv4("255.255.255.255", &a), 0);
	assert_int_equal(a.s_addr, 0xffffffffu);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		a.s_addr = 0x12345678;
		if (mcr_parse_ipv4(bad[i], &a) != -EINVAL)
			fail_msg("\"%s\" accepted", bad[i]);
	}
	assert_int_equal(mcr_parse_ipv4(NULL, &a), -EINVAL);
}

static void test_parse_port(void **state)
{
	static const struct {
		const char *s;
		int err;
	} bad[] = {
		{ "0", -ERANGE },   { "65536", -ERANGE }, { "99999", -ERANGE },
		{ "-1", -EINVAL },  { "1x", -EINVAL },    { "", -EINVAL },
		{ "+5", -EINVAL },  { " 5", -EINVAL },    { "5 ", -EINVAL },
		{ "0x10", -EINVAL }, { "99999999999", -ERANGE }, { "1.0", -EINVAL },
		{ "4294972297", -ERANGE }, { "99999999999999999999999", -ERANGE },
	};
	uint16_t p;

	(void)state;
	assert_int_equal(mcr_parse_port("1", &p), 0);
	assert_int_equal(p, 1);
	assert_int_equal(mcr_parse_port("5001", &p), 0);
	assert_int_equal(p, 5001);
	assert_int_equal(mcr_parse_port("65535", &p), 0);
	assert_int_equal(p, 65535);
	assert_int_equal(mcr_parse_port("007", &p), 0);
	assert_int_equal(p, 7);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		p = 4242;
		if (mcr_parse_port(bad[i].s, &p) != bad[i].err)
			fail_msg("\"%s\": %d, not %d", bad[i].s, mcr_parse_port(bad[i].s, &p),
				 bad[i].err);
		assert_int_equal(p, 4242); /* untouched on error */
	}
	assert_int_equal(mcr_parse_port(NULL, &p), -EINVAL);
}

static void test_parse_uint(void **state)
{
	unsigned long v;

	(void)state;
	assert_int_equal(mcr_parse_uint("256", 1, 256, &v), 0);
	assert_int_equal(v, 256);
	assert_int_equal(mcr_parse_uint("0", 0, 0, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(mcr_parse_uint("257", 1, 256, &v), -ERANGE);
	assert_int_equal(mcr_parse_uint("0", 1, 256, &v), -ERANGE);
	assert_int_equal(mcr_parse_uint("4294967295", 0, 4294967295ul, &v), 0);
	assert_int_equal(v, 4294967295ul);
	if (sizeof(unsigned long) > 4)
		assert_int_equal(mcr_parse_uint("4294967296", 0, 4294967295ul, &v), -ERANGE);
	assert_int_equal(mcr_parse_uint("-0", 0, 10, &v), -EINVAL);
	assert_int_equal(mcr_parse_uint("5x", 0, 10, &v), -EINVAL);
	/* Any number of digits is a number: too many is out of range, never wrapped. */
	assert_int_equal(mcr_parse_uint("99999999999", 1, 65535, &v), -ERANGE);
	assert_int_equal(mcr_parse_uint("18446744073709551617", 0, ~0ul, &v), -ERANGE);
	assert_int_equal(mcr_parse_uint("000000000007", 0, 10, &v), 0);
	assert_int_equal(v, 7);
}

static void test_ifname_valid(void **state)
{
	(void)state;
	assert_true(mcr_ifname_valid("eth0"));
	assert_true(mcr_ifname_valid("a"));
	assert_true(mcr_ifname_valid("br-lan.100"));
	assert_true(mcr_ifname_valid("abcdefghijklmno")); /* 15 */
	assert_false(mcr_ifname_valid("abcdefghijklmnop")); /* 16 */
	assert_false(mcr_ifname_valid(""));
	assert_false(mcr_ifname_valid(NULL));
	assert_false(mcr_ifname_valid("."));
	assert_false(mcr_ifname_valid(".."));
	assert_true(mcr_ifname_valid("..."));
	/* fuzz_ctl crash-addf969a: a rule on "eth\xc8" got the default name
	 * "eth\xc8:239.1.1.1:5001", which is not a valid rule name, and its
	 * reply did not decode.  Interface names are printable ASCII. */
	assert_false(mcr_ifname_valid("eth\xc8"));
	assert_false(mcr_ifname_valid("eth\"0"));
	assert_false(mcr_ifname_valid("eth\\0"));
	assert_false(mcr_ifname_valid("eth\x7f"));
	{
		struct mcr_rule r = { 0 };
		char name[64];

		snprintf(r.in.dev, sizeof(r.in.dev), "%s", "br-lan.100");
		inet_pton(AF_INET, "239.1.1.1", &r.in.group);
		r.in.port = 5001;
		mcr_rule_default_name(&r, name, sizeof(name));
		assert_true(mcr_rule_name_valid(name)); /* a valid dev gives a valid name */
	}
	assert_false(mcr_ifname_valid("a/b"));
	assert_false(mcr_ifname_valid("eth0:1"));
	assert_false(mcr_ifname_valid("a b"));
	assert_false(mcr_ifname_valid("eth0\n"));
	assert_false(mcr_ifname_valid("\teth0"));
}

static void test_multicast_and_str(void **state)
{
	char buf[MCR_ADDRSTRLEN];

	(void)state;
	assert_true(mcr_ipv4_is_multicast(A("224.0.0.0").v4));
	assert_true(mcr_ipv4_is_multicast(A("239.255.255.255").v4));
	assert_false(mcr_ipv4_is_multicast(A("223.255.255.255").v4));
	assert_false(mcr_ipv4_is_multicast(A("240.0.0.0").v4));
	assert_false(mcr_ipv4_is_multicast(A("10.0.0.1").v4));
	assert_ptr_equal(mcr_ipv4_str(A("255.255.255.255").v4, buf), buf);
	assert_string_equal(buf, "255.255.255.255");
	assert_string_equal(mcr_ipv4_str(A("10.0.0.5").v4, buf), "10.0.0.5");
}

/* ---- errlist.c ---- */

static void test_errlist(void **state)
{
	struct mcr_errlist el;
	char buf[512], small[8];

	(void)state;
	mcr_errlist_init(&el, "/etc/mcrd/mcrd.conf");
	mcr_errlist_add(&el, 12, "rule \"%s\": bad %d", "cam1", 7);
	mcr_errlist_add(&el, 0, "No such file or directory");
	assert_int_equal(el.n, 2);
	assert_int_equal(el.v[0].line, 12);
	assert_string_equal(el.v[0].msg, "rule \"cam1\": bad 7");
	mcr_errlist_format(&el, 0, buf, sizeof(buf));
	assert_string_equal(buf, "/etc/mcrd/mcrd.conf:12: rule \"cam1\": bad 7");
	mcr_errlist_format(&el, 1, buf, sizeof(buf));
	assert_string_equal(buf, "/etc/mcrd/mcrd.conf: No such file or directory");
	mcr_errlist_format(&el, 0, small, sizeof(small));
	assert_string_equal(small, "/etc/mc");
	mcr_errlist_free(&el);
	assert_int_equal(el.n, 0);
	assert_null(el.v);

	/* Without a file name: the message alone, line or not. */
	mcr_errlist_init(&el, NULL);
	for (int i = 0; i < 100; i++)
		mcr_errlist_add(&el, i + 1, "problem %d", i);
	assert_int_equal(el.n, 100);
	mcr_errlist_format(&el, 99, buf, sizeof(buf));
	assert_string_equal(buf, "problem 99");
	assert_int_equal(el.v[41].line, 42);
	assert_string_equal(el.v[41].msg, "problem 41");
	mcr_errlist_free(&el);

	/* A long message is cut to fit, NUL-terminated. */
	memset(buf, 'm', 400);
	buf[400] = '\0';
	mcr_errlist_init(&el, "f");
	mcr_errlist_add(&el, 3, "%s", buf);
	assert_int_equal(strlen(el.v[0].msg), sizeof(el.v[0].msg) - 1);
	mcr_errlist_free(&el);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_valid),
		cmocka_unit_test(test_check_errors),
		cmocka_unit_test(test_check_too_many_outputs),
		cmocka_unit_test(test_same_outputs),
		cmocka_unit_test(test_same_outputs_many),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_default_name),
		cmocka_unit_test(test_equal),
		cmocka_unit_test(test_copy),
		cmocka_unit_test(test_name_valid),
		cmocka_unit_test(test_check_ipv6),
		cmocka_unit_test(test_ruleset),
		cmocka_unit_test(test_parse_ipv4),
		cmocka_unit_test(test_parse_port),
		cmocka_unit_test(test_parse_uint),
		cmocka_unit_test(test_ifname_valid),
		cmocka_unit_test(test_multicast_and_str),
		cmocka_unit_test(test_errlist),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
