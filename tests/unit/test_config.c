/*
 * mcr_config_load_string() / _file(): a valid file loads with its defaults;
 * every problem is reported with its line, and all of them, not just the first.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <sys/stat.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "confint.h"

static struct mcr_addr A(const char *s)
{
	struct mcr_addr a;

	assert_int_equal(mcr_addr_parse(s, &a), 0);
	return a;
}

static void dump(const struct mcr_errlist *el)
{
	for (size_t i = 0; i < el->n; i++)
		print_message("  line %d: %s\n", el->v[i].line, el->v[i].msg);
}

static bool has_err(const struct mcr_errlist *el, int line, const char *phrase)
{
	for (size_t i = 0; i < el->n; i++)
		if (el->v[i].line == line && strstr(el->v[i].msg, phrase))
			return true;
	return false;
}

#define assert_err(el, line, phrase)                                                     \
	do {                                                                             \
		if (!has_err((el), (line), (phrase))) {                                  \
			dump(el);                                                        \
			fail_msg("no problem at line %d with '%s'", (int)(line), (phrase)); \
		}                                                                        \
	} while (0)

/* Loads text that must be valid into c; the caller frees c. */
static void load_ok(const char *text, struct mcr_config *c)
{
	struct mcr_errlist el;
	int err;

	mcr_errlist_init(&el, NULL);
	err = mcr_config_load_string(text, c, &el);
	if (err || el.n) {
		dump(&el);
		fail_msg("load failed: %d\n%s", err, text);
	}
	mcr_errlist_free(&el);
}

/*
 * Loads text that must be refused: -EINVAL, nothing kept, and exactly nerr
 * problems of which one is at line with phrase.
 */
static void expect_errors(const char *text, size_t nerr, int line, const char *phrase)
{
	struct mcr_errlist el;
	struct mcr_config c;
	int err;

	mcr_errlist_init(&el, NULL);
	err = mcr_config_load_string(text, &c, &el);
	if (err != -EINVAL || el.n != nerr) {
		dump(&el);
		fail_msg("got %d with %zu problems, want -EINVAL with %zu:\n%s", err, el.n, nerr,
			 text);
	}
	assert_err(&el, line, phrase);
	assert_int_equal(c.rules.n, 0);
	assert_null(c.rules.v);
	mcr_config_free(&c);
	mcr_errlist_free(&el);
}

#define expect_error(text, line, phrase) expect_errors((text), 1, (line), (phrase))

/*
 * One rule, one key per line:
 *   1 rules = (
 *   2   { name = "r1";       (the name line: any text)
 *   3     in = { IN };
 *   4     out = OUT;
 *   5   }
 *   6 );
 */
#define IN_OK  "dev = \"eth0\"; group = \"239.1.1.1\"; port = 5001;"
#define OUT_OK "( { dev = \"eth1\"; } )"

static const char *rule3(const char *name_line, const char *in, const char *out)
{
	static char buf[4096];

	snprintf(buf, sizeof(buf),
		 "rules = (\n"
		 "  { %s\n"
		 "    in = { %s };\n"
		 "    out = %s;\n"
		 "  }\n"
		 ");\n",
		 name_line, in, out);
	return buf;
}

#define RULE_IN(in)   rule3("name = \"r1\";", (in), OUT_OK)
#define RULE_OUT(out) rule3("name = \"r1\";", IN_OK, (out))

static const char example[] =
	"workers = \"auto\";\n"                                                            /* 1 */
	"rules = (\n"                                                                      /* 2 */
	"  { name = \"cam1\";\n"                                                           /* 3 */
	"    in  = { dev = \"eth0\"; group = \"239.1.1.1\"; port = 5001; source = \"10.0.0.5\"; };\n"
	"    out = ( { dev = \"eth1\"; group = \"239.2.2.2\"; port = 6000; ttl = 4; },\n"  /* 5 */
	"            { dev = \"eth2\"; } );\n"                                             /* 6 */
	"  }\n"
	");\n";

/* ---- valid files ---- */

static void test_example(void **state)
{
	struct mcr_config c;
	const struct mcr_rule *r;

	(void)state;
	load_ok(example, &c);
	assert_int_equal(c.workers, 0);
	assert_string_equal(c.user, "mcrd");
	assert_int_equal(c.rules.n, 1);
	r = &c.rules.v[0];
	assert_string_equal(r->name, "cam1");
	assert_int_equal(r->line, 3);
	assert_int_equal(r->origin, MCR_ORIGIN_CONFIG);
	assert_string_equal(r->in.dev, "eth0");
	assert_int_equal(r->in.group.v4.s_addr, A("239.1.1.1").v4.s_addr);
	assert_int_equal(r->in.port, 5001);
	assert_true(mcr_addr_equal(r->in.source, A("10.0.0.5")));
	assert_int_equal(r->nout, 2);
	assert_string_equal(r->out[0].dev, "eth1");
	assert_int_equal(r->out[0].group.v4.s_addr, A("239.2.2.2").v4.s_addr);
	assert_int_equal(r->out[0].port, 6000);
	assert_int_equal(r->out[0].ttl, 4);
	assert_int_equal(r->out[0].line, 5);
	assert_false(r->out[0].ttl_fixed);
	/* Defaults: the input's group and port, no TTL cap, auto egress. */
	assert_string_equal(r->out[1].dev, "eth2");
	assert_int_equal(r->out[1].group.v4.s_addr, A("239.1.1.1").v4.s_addr);
	assert_int_equal(r->out[1].port, 5001);
	assert_int_equal(r->out[1].ttl, 0);
	assert_false(r->out[1].ttl_fixed);
	assert_int_equal(r->out[1].egress, MCR_EGRESS_AUTO);
	assert_false(r->out[1].keep_source);
	assert_int_equal(c.loop_guard_ms, 100);
	assert_int_equal(r->out[1].line, 6);
	mcr_config_free(&c);
	assert_int_equal(c.rules.n, 0);
}

static void test_valid_variants(void **state)
{
	struct mcr_config c;
	const struct mcr_rule *r;

	(void)state;
	load_ok("workers = 4;\n"
		"user = \"nobody\";\n"
		"rules = (\n"
		"  { in = { dev = \"eth0\"; group = \"239.1.1.1\"; port = 5001; };\n" /* unnamed */
		"    out = { dev = \"eth1\"; port = 0x10; ttl = 255; }; },\n"       /* a group */
		"  { name = \"ssm\"; in = { dev = \"eth0\"; group = \"232.1.1.1\"; port = 5001;\n"
		"    source = \"10.0.0.5\"; }; out = ( { dev = \"eth1\"; group = \"192.0.2.1\"; } ); },\n"
		"  { name = \"asm\"; in = { dev = \"eth0\"; group = \"232.1.1.1\"; port = 5001; };\n"
		"    out = ( { dev = \"eth1\"; } ); },\n" /* same group/port/dev: not the input */
		"  { name = \"big\"; in = { dev = \"eth0\"; group = \"232.1.1.1\"; port = 65535L; };\n"
		"    out = ( { dev = \"eth1\"; port = 1; ttl = 1; } ) }\n"
		");\n",
		&c);
	assert_int_equal(c.workers, 4);
	assert_string_equal(c.user, "nobody");
	assert_int_equal(c.rules.n, 4);
	r = &c.rules.v[0];
	assert_string_equal(r->name, "eth0:239.1.1.1:5001");
	assert_int_equal(r->line, 4);
	assert_false(mcr_addr_set(r->in.source));
	assert_int_equal(r->nout, 1);
	assert_int_equal(r->out[0].port, 16);
	assert_int_equal(r->out[0].ttl, 255);
	assert_int_equal(r->out[0].line, 5);
	assert_int_equal(r->out[0].group.v4.s_addr, A("239.1.1.1").v4.s_addr);
	r = mcr_ruleset_find(&c.rules, "ssm");
	assert_non_null(r);
	assert_true(mcr_addr_equal(r->in.source, A("10.0.0.5")));
	assert_int_equal(r->out[0].group.v4.s_addr, A("192.0.2.1").v4.s_addr);
	r = mcr_ruleset_find(&c.rules, "asm");
	assert_non_null(r);
	assert_false(mcr_addr_set(r->in.source));
	assert_int_equal(mcr_ruleset_find(&c.rules, "big")->in.port, 65535);
	mcr_config_free(&c);

	/* Empty file, and an empty rule list: valid, nothing to do. */
	load_ok("", &c);
	assert_int_equal(c.rules.n, 0);
	assert_int_equal(c.workers, 0);
	assert_string_equal(c.user, "mcrd");
	mcr_config_free(&c);
	load_ok("# nothing\nrules = ();\nworkers = 64;\nuser = \"abcdefghijklmnopqrstuvwxyz012345\";\n",
		&c);
	assert_int_equal(c.rules.n, 0);
	assert_int_equal(c.workers, MCR_MAX_WORKERS);
	assert_string_equal(c.user, "abcdefghijklmnopqrstuvwxyz012345");
	mcr_config_free(&c);
	load_ok("workers = 1;", &c);
	assert_int_equal(c.workers, 1);
	mcr_config_free(&c);
}

/* ---- syntax and addresses ---- */

static void test_syntax_error(void **state)
{
	(void)state;
	expect_error("workers = \"auto\";\n"
		     "rules = (\n"
		     "  { name = \"a\";\n"
		     "    in = { dev = \"eth0\"; group = ; };\n"
		     "  }\n"
		     ");\n",
		     4, "syntax error");
	expect_error("rules = (\n  { name = \"a\" } }\n);\n", 2, "syntax error");
	/* libconfig itself refuses a key given twice. */
	expect_error("workers = 1;\nworkers = 2;\n", 2, "duplicate setting");
}

static void test_bad_addresses(void **state)
{
	(void)state;
	expect_error(RULE_IN("dev = \"eth0\"; group = \"300.1.1.1\"; port = 5001;"), 3,
		     "rule \"r1\": in.group \"300.1.1.1\" is not a valid IP address");
	expect_error(RULE_IN("dev = \"eth0\"; group = \"239.1.1\"; port = 5001;"), 3,
		     "in.group \"239.1.1\" is not a valid IP address");
	expect_error(RULE_IN("dev = \"eth0\"; group = \"\"; port = 5001;"), 3,
		     "in.group \"\" is not a valid IP address");
	expect_error(RULE_OUT("( { dev = \"eth1\"; group = \"239.2.2.256\"; } )"), 4,
		     "rule \"r1\": out.group \"239.2.2.256\" is not a valid IP address");
	expect_error(RULE_IN(IN_OK " source = \"10.0.0\";"), 3,
		     "rule \"r1\": in.source \"10.0.0\" is not a valid IP address");
	expect_error(RULE_IN(IN_OK " source = \" 10.0.0.5\";"), 3,
		     "in.source \" 10.0.0.5\" is not a valid IP address");
}

static void test_not_multicast(void **state)
{
	(void)state;
	expect_error(RULE_IN("dev = \"eth0\"; group = \"10.1.1.1\"; port = 5001;"), 3,
		     "rule \"r1\": input group 10.1.1.1 is not a multicast address");
	expect_error(RULE_IN("dev = \"eth0\"; group = \"240.0.0.1\"; port = 5001;"), 3,
		     "input group 240.0.0.1 is not a multicast address");
	/* Checked with the whole rule: at the rule's line. */
	expect_error(RULE_IN(IN_OK " source = \"239.9.9.9\";"), 2,
		     "rule \"r1\": source 239.9.9.9 is not a unicast host address");
	expect_error(RULE_OUT("( { dev = \"eth1\"; group = \"127.0.0.1\"; } )"), 4,
		     "rule \"r1\": output 1: 127.0.0.1 is not a usable destination");
	expect_error(RULE_OUT("( { dev = \"eth1\"; }, { dev = \"eth2\"; group = \"0.0.0.0\"; } )"), 4,
		     "output 2: 0.0.0.0 is not a usable destination");
}

/* IPv6: every scope relays but interface-local; families never mix. */
static void test_ipv6(void **state)
{
	struct mcr_errlist el;
	struct mcr_config c;
	const struct mcr_rule *r;
	char buf[MCR_ADDRSTRLEN];

	(void)state;
	mcr_errlist_init(&el, NULL);
	assert_int_equal(mcr_config_load_string(
		"rules = (\n"
		"  { in = { dev = \"eth0\"; group = \"ff02::fb\"; port = 5353; };\n"
		"    out = ( { dev = \"eth1\"; ttl = 1; } ); },\n"
		"  { in = { dev = \"eth0\"; group = \"ff05::1:3\"; port = 5001; };\n"
		"    out = ( { dev = \"eth1\"; group = \"ff0e::1234\"; port = 6000; ttl = 8; } ); },\n"
		"  { name = \"ssm\";\n"
		"    in = { dev = \"eth0\"; group = \"ff3e::8000:1\"; port = 5004;"
		" source = \"2001:db8::5\"; };\n"
		"    out = ( { dev = \"eth1\"; group = \"2001:db8:1::9\"; } ); }\n"
		");\n", &c, &el), 0);
	assert_int_equal(c.rules.n, 3);
	r = &c.rules.v[0];
	assert_string_equal(r->name, "eth0:[ff02::fb]:5353");
	assert_true(mcr_addr_equal(r->out[0].group, A("ff02::fb")));
	assert_false(mcr_addr_set(r->in.source));
	r = &c.rules.v[1];
	assert_string_equal(mcr_addr_str(r->out[0].group, buf), "ff0e::1234");
	r = &c.rules.v[2];
	assert_true(mcr_addr_equal(r->in.group, A("ff3e::8000:1")));
	assert_true(mcr_addr_equal(r->in.source, A("2001:db8::5")));
	assert_true(mcr_addr_equal(r->out[0].group, A("2001:db8:1::9"))); /* unicast output */
	mcr_config_free(&c);
	mcr_errlist_free(&el);

	expect_error(RULE_IN("dev = \"eth0\"; group = \"2001:db8::1\"; port = 5001;"), 3,
		     "rule \"r1\": input group 2001:db8::1 is not a multicast address");
	expect_error(RULE_IN("dev = \"eth0\"; group = \"ff01::1\"; port = 5001;"), 3,
		     "rule \"r1\": input group ff01::1 is interface-local: it never leaves the host");
	expect_error(RULE_IN("dev = \"eth0\"; group = \"ff00::1\"; port = 5001;"), 3,
		     "input group ff00::1 has a reserved scope");
	expect_error(RULE_IN("dev = \"eth0\"; group = \"ff3e::1%eth0\"; port = 5001;"), 3,
		     "in.group \"ff3e::1%eth0\" is not a valid IP address");
	expect_error(RULE_IN("dev = \"eth0\"; group = \"::ffff:239.1.1.1\"; port = 5001;"), 3,
		     "in.group \"::ffff:239.1.1.1\" is not a valid IP address");
	/* 0.0.0.0 and :: say "any source", as an absent source does. */
	mcr_errlist_init(&el, NULL);
	assert_int_equal(mcr_config_load_string(RULE_IN(IN_OK " source = \"0.0.0.0\";"), &c, &el), 0);
	assert_false(mcr_addr_set(c.rules.v[0].in.source));
	mcr_config_free(&c);
	assert_int_equal(mcr_config_load_string(
		RULE_IN("dev = \"eth0\"; group = \"ff3e::1\"; port = 5001; source = \"::\";"), &c, &el),
		0);
	assert_false(mcr_addr_set(c.rules.v[0].in.source));
	mcr_config_free(&c);
	mcr_errlist_free(&el);
	/* A source of the other family: at the source's line. */
	expect_error(rule3("name = \"r1\";",
			   "dev = \"eth0\"; group = \"ff3e::1\"; port = 5001;\n source = \"10.0.0.5\";",
			   OUT_OK), 4, "rule \"r1\": in.source 10.0.0.5 is IPv4, the group IPv6");
	expect_error(RULE_IN(IN_OK " source = \"2001:db8::5\";"), 3,
		     "in.source 2001:db8::5 is IPv6, the group IPv4");
	expect_error(RULE_IN("dev = \"eth0\"; group = \"ff3e::1\"; port = 5001; source = \"::1\";"),
		     2, "rule \"r1\": source ::1 is not a unicast host address");
	/* An output of the other family translates, but cannot keep the source. */
	expect_error(RULE_OUT("( { dev = \"eth1\"; group = \"ff05::1\"; source = \"keep\"; } )"), 4,
		     "rule \"r1\": output 1: source \"keep\" cannot cross from IPv4 to IPv6");
	mcr_errlist_init(&el, NULL);
	assert_int_equal(mcr_config_load_string(RULE_OUT("( { dev = \"eth1\"; group = \"ff05::1\"; },"
							 " { dev = \"eth2\"; group = \"2001:db8::9\"; } )"),
						&c, &el), 0);
	assert_true(mcr_addr_equal(c.rules.v[0].out[0].group, A("ff05::1")));
	mcr_config_free(&c);
	mcr_errlist_free(&el);
	expect_error(rule3("name = \"r1\";", "dev = \"eth0\"; group = \"ff05::1\"; port = 5001;",
			   "( { dev = \"eth1\"; group = \"ff01::2\"; } )"), 4,
		     "output 1: ff01::2 is not a usable destination");
	expect_error(rule3("name = \"r1\";", "dev = \"eth0\"; group = \"ff05::1\"; port = 5001;",
			   "( { dev = \"eth0\"; } )"), 4, "output 1 is identical to the input");
}

/* ---- numbers ---- */

static void test_port_range(void **state)
{
	(void)state;
	expect_error(RULE_IN("dev = \"eth0\"; group = \"239.1.1.1\"; port = 0;"), 3,
		     "rule \"r1\": in.port 0 out of range 1..65535");
	expect_error(RULE_IN("dev = \"eth0\"; group = \"239.1.1.1\"; port = 70000;"), 3,
		     "in.port 70000 out of range 1..65535");
	expect_error(RULE_IN("dev = \"eth0\"; group = \"239.1.1.1\"; port = 65536;"), 3,
		     "in.port 65536 out of range 1..65535");
	expect_error(RULE_IN("dev = \"eth0\"; group = \"239.1.1.1\"; port = -1;"), 3,
		     "in.port -1 out of range 1..65535");
	expect_error(RULE_IN("dev = \"eth0\"; group = \"239.1.1.1\"; port = 70000L;"), 3,
		     "in.port 70000 out of range 1..65535");
	expect_error(RULE_OUT("( { dev = \"eth1\"; port = 0; } )"), 4,
		     "rule \"r1\": out.port 0 out of range 1..65535");
	expect_error(RULE_OUT("( { dev = \"eth1\"; port = 70000; } )"), 4,
		     "out.port 70000 out of range 1..65535");
}

static void test_ttl_range(void **state)
{
	(void)state;
	expect_error(RULE_OUT("( { dev = \"eth1\"; ttl = 0; } )"), 4,
		     "rule \"r1\": out.ttl 0 out of range 1..255");
	expect_error(RULE_OUT("( { dev = \"eth1\"; ttl = 256; } )"), 4,
		     "out.ttl 256 out of range 1..255");
	expect_error(RULE_OUT("( { dev = \"eth1\"; ttl = -3; } )"), 4,
		     "out.ttl -3 out of range 1..255");
}

static void test_output_ttl_egress(void **state)
{
	struct mcr_config c;

	(void)state;
	load_ok("loop_guard_ms = 250;\n"
		"rules = ( { name = \"a\"; in = { dev = \"eth0\"; group = \"239.1.1.1\"; port = 1; };\n"
		"  out = ( { dev = \"eth1\"; fixed_ttl = 1; egress = \"socket\"; },\n"
		"          { dev = \"eth2\"; egress = \"packet\"; source = \"keep\"; ttl = 3; } ); } );\n",
		&c);
	assert_int_equal(c.loop_guard_ms, 250);
	assert_true(c.rules.v[0].out[0].ttl_fixed);
	assert_int_equal(c.rules.v[0].out[0].ttl, 1);
	assert_int_equal(c.rules.v[0].out[0].egress, MCR_EGRESS_SOCKET);
	assert_false(c.rules.v[0].out[1].ttl_fixed);
	assert_int_equal(c.rules.v[0].out[1].ttl, 3);
	assert_int_equal(c.rules.v[0].out[1].egress, MCR_EGRESS_PACKET);
	assert_true(c.rules.v[0].out[1].keep_source);
	mcr_config_free(&c);
	expect_error(RULE_OUT("( { dev = \"eth1\"; ttl = 2; fixed_ttl = 1; } )"), 4,
		     "rule \"r1\": out.ttl and out.fixed_ttl exclude each other");
	expect_error(RULE_OUT("( { dev = \"eth1\"; fixed_ttl = 0; } )"), 4,
		     "out.fixed_ttl 0 out of range 1..255");
	expect_error(RULE_OUT("( { dev = \"eth1\"; egress = \"l2\"; } )"), 4,
		     "out.egress must be \"auto\", \"packet\" or \"socket\"");
	expect_error(RULE_OUT("( { dev = \"eth1\"; source = \"10.0.0.1\"; } )"), 4,
		     "out.source must be \"keep\"");
	expect_error(RULE_OUT("( { dev = \"eth1\"; source = \"keep\"; egress = \"socket\"; } )"),
		     4, "source \"keep\" needs layer-2 egress");
	expect_error(RULE_OUT("( { dev = \"eth1\"; group = \"10.0.0.9\"; egress = \"packet\"; } )"),
		     4, "egress \"packet\" needs a multicast group, not 10.0.0.9");
	expect_error("loop_guard_ms = 10001;\n", 1, "loop_guard_ms must be 0..10000");
	expect_error("spread_outputs = 4097;\n", 1, "spread_outputs must be 0..4096");
	expect_error("spread_outputs = \"all\";\n", 1, "spread_outputs must be 0..4096");
	load_ok("spread_outputs = 0;\n", &c);
	assert_int_equal(c.spread_outputs, 0);
	mcr_config_free(&c);
	load_ok("", &c);
	assert_int_equal(c.spread_outputs, 16);
	assert_int_equal(c.rx_ring_mib, 32);
	mcr_config_free(&c);
	expect_error("rx_ring_mib = 0;\n", 1, "rx_ring_mib must be 1..1024 (MiB per receive ring)");
	expect_error("workers = 1;\nrx_ring_mib = 1025;\n", 2, "rx_ring_mib must be 1..1024");
	expect_error("rx_ring_mib = \"32M\";\n", 1, "rx_ring_mib must be 1..1024");
	load_ok("rx_ring_mib = 8;\n", &c);
	assert_int_equal(c.rx_ring_mib, 8);
	mcr_config_free(&c);
}

/* metrics = "HOST:PORT": IPv4 or bracketed IPv6, a port; off when absent. */
static void test_metrics_setting(void **state)
{
	struct mcr_config c;

	(void)state;
	load_ok("rules = ();\n", &c);
	assert_string_equal(c.metrics, "");
	mcr_config_free(&c);
	load_ok("metrics = \"127.0.0.1:9810\";\n", &c);
	assert_string_equal(c.metrics, "127.0.0.1:9810");
	mcr_config_free(&c);
	load_ok("metrics = \"[::]:9810\";\n", &c);
	assert_string_equal(c.metrics, "[::]:9810");
	mcr_config_free(&c);
	expect_error("metrics = \"localhost:9810\";\n", 1,
		     "metrics \"localhost:9810\": not an IPv4 address");
	expect_error("metrics = \"::1:9810\";\n", 1,
		     "metrics \"::1:9810\": an IPv6 address goes in brackets: [ADDR]:PORT");
	expect_error("metrics = \"[::1]9810\";\n", 1, "an IPv6 address goes in brackets");
	expect_error("metrics = \"[fe80::1%eth0]:9810\";\n", 1, "not an IPv6 address in the brackets");
	expect_error("metrics = \"127.0.0.1:0\";\n", 1, "the port must be 1..65535");
	expect_error("metrics = \"127.0.0.1:65536\";\n", 1, "the port must be 1..65535");
	expect_error("metrics = \"127.0.0.1\";\n", 1, "not an address and port (HOST:PORT)");
	expect_error("metrics = \":9810\";\n", 1, "not an address and port (HOST:PORT)");
	expect_error("metrics = 9810;\n", 1, "metrics must be a string \"ADDRESS:PORT\"");
	/* A bad value is quoted escaped. */
	expect_error("rules = ();\nmetrics = \"\x1b[31m\";\n", 2, "metrics \"\\x1b[31m\"");
}

static void test_workers_and_user(void **state)
{
	(void)state;
	expect_error("rules = ();\nworkers = 0;\n", 2, "workers 0 out of range 1..64");
	expect_error("workers = \"many\";\n", 1, "workers must be \"auto\" or 1..64");
	expect_error("workers = 65;\n", 1, "workers 65 out of range 1..64");
	expect_error("workers = -1;\n", 1, "workers -1 out of range 1..64");
	expect_error("workers = 2.0;\n", 1, "workers must be \"auto\" or 1..64");
	expect_error("workers = \"AUTO\";\n", 1, "workers must be \"auto\" or 1..64");
	expect_error("\nuser = \"\";\n", 2, "user must be a user name of 1..32 characters");
	expect_error("user = \"abcdefghijklmnopqrstuvwxyz0123456\";\n", 1,
		     "user must be a user name of 1..32 characters");
	expect_error("user = 1000;\n", 1, "user must be a user name");
}

static void test_gso(void **state)
{
	static const char *const v[] = { "auto", "on", "off" };
	const enum mcr_gso want[] = { MCR_GSO_AUTO, MCR_GSO_ON, MCR_GSO_OFF };
	struct mcr_config c;
	char text[64];

	(void)state;
	load_ok("rules = ();\n", &c);
	assert_int_equal(c.gso, MCR_GSO_AUTO); /* the default */
	mcr_config_free(&c);
	for (unsigned i = 0; i < 3; i++) {
		snprintf(text, sizeof(text), "gso = \"%s\";\nrules = ();\n", v[i]);
		load_ok(text, &c);
		assert_int_equal(c.gso, want[i]);
		mcr_config_free(&c);
	}
	expect_error("\ngso = true;\n", 2, "gso must be \"auto\", \"on\" or \"off\"");
	expect_error("gso = \"yes\";\n", 1, "gso must be \"auto\", \"on\" or \"off\"");
	expect_error("gso = \"ON\";\n", 1, "gso must be");
}

/* ---- keys ---- */

static void test_unknown_keys(void **state)
{
	(void)state;
	expect_error("workers = 1;\nworker = 2;\n", 2, "unknown key \"worker\" in the top level");
	expect_error(rule3("name = \"r1\"; prio = 1;", IN_OK, OUT_OK), 2,
		     "rule \"r1\": unknown key \"prio\" in rule");
	expect_error(RULE_IN(IN_OK " ttl = 3;"), 3, "rule \"r1\": unknown key \"ttl\" in in");
	expect_error(RULE_OUT("( { dev = \"eth1\"; src = \"1.2.3.4\"; } )"), 4,
		     "rule \"r1\": unknown key \"src\" in out");
	/* Also in an unnamed rule, and in an output given as a single group. */
	expect_error(rule3("", IN_OK " Port = 1;", OUT_OK), 3, "unknown key \"Port\" in in");
	expect_error(RULE_OUT("{ dev = \"eth1\"; tll = 2; }"), 4, "unknown key \"tll\" in out");
}

static void test_missing_keys(void **state)
{
	(void)state;
	expect_error("rules = (\n"
		     "  { name = \"r1\";\n"
		     "    out = ( { dev = \"eth1\"; } ); }\n"
		     ");\n",
		     2, "rule \"r1\": in is missing");
	expect_error("rules = (\n"
		     "  { name = \"r1\";\n"
		     "    in = { " IN_OK " }; }\n"
		     ");\n",
		     2, "rule \"r1\": out is missing");
	expect_error(RULE_IN("group = \"239.1.1.1\"; port = 5001;"), 3, "rule \"r1\": in.dev is missing");
	expect_error(RULE_IN("dev = \"eth0\"; port = 5001;"), 3, "rule \"r1\": in.group is missing");
	expect_error(RULE_IN("dev = \"eth0\"; group = \"239.1.1.1\";"), 3,
		     "rule \"r1\": in.port is missing");
	expect_error(RULE_OUT("( { dev = \"eth1\"; },\n"
			      "  { group = \"239.2.2.2\"; } )"),
		     5, "rule \"r1\": out.dev is missing");
	expect_error(RULE_OUT("( )"), 2, "rule \"r1\": no output");
}

static void test_wrong_types(void **state)
{
	(void)state;
	expect_error(RULE_IN("dev = \"eth0\"; group = \"239.1.1.1\"; port = \"5001\";"), 3,
		     "rule \"r1\": in.port must be an integer");
	expect_error(RULE_IN("dev = \"eth0\"; group = \"239.1.1.1\"; port = 5001.0;"), 3,
		     "in.port must be an integer");
	expect_error(RULE_IN("dev = 0; group = \"239.1.1.1\"; port = 5001;"), 3,
		     "in.dev must be a string");
	expect_error(RULE_IN("dev = \"eth0\"; group = 239; port = 5001;"), 3,
		     "in.group must be a string");
	expect_error(RULE_IN(IN_OK " source = 10;"), 3, "in.source must be a string");
	expect_error(RULE_OUT("( { dev = \"eth1\"; ttl = \"4\"; } )"), 4,
		     "out.ttl must be an integer");
	expect_error(RULE_OUT("( { dev = \"eth1\"; port = true; } )"), 4,
		     "out.port must be an integer");
	expect_error(RULE_OUT("( { dev = [ \"eth1\" ]; } )"), 4, "out.dev must be a string");
	expect_error(RULE_OUT("( { dev = \"eth1\"; group = 1; } )"), 4,
		     "out.group must be a string");
	expect_error(rule3("name = 7;", IN_OK, OUT_OK), 2, "rule \"#1\": name must be a string");
	expect_error("rules = (\n  { name = \"r1\";\n    in = ( \"eth0\" );\n    out = " OUT_OK
		     "; }\n);\n",
		     3, "rule \"r1\": in must be a group { ... }");
	expect_error(RULE_OUT("\"eth1\""), 4, "rule \"r1\": out must be a list ( { ... }, ... )");
	expect_error(RULE_OUT("( { dev = \"eth1\"; }, \"eth2\" )"), 4,
		     "rule \"r1\": each output must be a group { ... }");
	/* (libconfig dates a bare value by the token after it: keep both on one line.) */
	expect_error("rules = (\n  { name = \"r1\"; in = { " IN_OK " }; out = " OUT_OK "; },\n"
		     "  \"r2\" );\n",
		     3, "rule #2: must be a group { ... }");
	expect_error("\n\nrules = { };\n", 3, "rules must be a list ( { ... }, ... )");
	expect_error("rules = [ 1 ];\n", 1, "rules must be a list");
}

static void test_names(void **state)
{
	(void)state;
	expect_error(rule3("name = \"two words\";", IN_OK, OUT_OK), 2,
		     "rule #1: name \"two words\" must be 1..63 printable characters, no spaces");
	expect_error(rule3("name = \"\";", IN_OK, OUT_OK), 2,
		     "rule #1: name \"\" must be 1..63 printable characters");
	expect_error(rule3("name = \"a\\\"b\";", IN_OK, OUT_OK), 2, "must be 1..63 printable");
	expect_error(rule3("name = \"0123456789012345678901234567890123456789012345678901234567890123\";",
			   IN_OK, OUT_OK),
		     2, "must be 1..63 printable characters");
	/* The bad name is not used; others still refer to the rule by number. */
	expect_errors(rule3("name = \"a b\";", "dev = \"eth0\"; group = \"239.1.1.1\"; port = 0;",
			    OUT_OK),
		      2, 3, "rule \"#1\": in.port 0 out of range");
	expect_error(rule3("", "dev = \"eth0/1\"; group = \"239.1.1.1\"; port = 5001;", OUT_OK), 3,
		     "rule \"#1\": \"eth0/1\" is not a valid interface name");
	expect_error(RULE_OUT("( { dev = \"abcdefghijklmnop\"; } )"), 4,
		     "rule \"r1\": \"abcdefghijklmnop\" is not a valid interface name");
}

/* ---- rules against each other ---- */

static void test_duplicate_name(void **state)
{
	(void)state;
	expect_error("rules = (\n"
		     "  { name = \"a\"; in = { dev = \"eth0\"; group = \"239.1.1.1\"; port = 5001; };\n"
		     "    out = ( { dev = \"eth1\"; } ); },\n"
		     "  { name = \"a\"; in = { dev = \"eth0\"; group = \"239.1.1.2\"; port = 5001; };\n"
		     "    out = ( { dev = \"eth1\"; } ); }\n"
		     ");\n",
		     4, "rule \"a\": duplicate name (first used at line 2)");
	/* An explicit name equal to another rule's default name. */
	expect_error("rules = (\n"
		     "  { in = { dev = \"eth0\"; group = \"239.1.1.1\"; port = 5001; };\n"
		     "    out = ( { dev = \"eth1\"; } ); },\n"
		     "  { name = \"eth0:239.1.1.1:5001\";\n"
		     "    in = { dev = \"eth0\"; group = \"239.1.1.2\"; port = 5001; };\n"
		     "    out = ( { dev = \"eth1\"; } ); }\n"
		     ");\n",
		     4, "duplicate name (first used at line 2)");
}

/* Two rules, the second's input given by in2 (the first's is IN_OK + source). */
static const char *two_inputs(const char *in2)
{
	static char buf[1024];

	snprintf(buf, sizeof(buf),
		 "rules = (\n"
		 "  { name = \"a\"; in = { " IN_OK " source = \"10.0.0.5\"; };\n"
		 "    out = ( { dev = \"eth1\"; } ); },\n"
		 "  { name = \"b\"; in = { %s };\n"
		 "    out = ( { dev = \"eth2\"; } ); }\n"
		 ");\n",
		 in2);
	return buf;
}

static void test_duplicate_input(void **state)
{
	struct mcr_config c;

	(void)state;
	expect_error(two_inputs(IN_OK " source = \"10.0.0.5\";"), 4,
		     "rule \"b\": same input as rule \"a\"");
	/* Any one of dev, group, port or source differing: not a duplicate. */
	load_ok(two_inputs(IN_OK " source = \"10.0.0.6\";"), &c);
	assert_int_equal(c.rules.n, 2);
	mcr_config_free(&c);
	load_ok(two_inputs(IN_OK), &c); /* any-source next to source-specific */
	assert_int_equal(c.rules.n, 2);
	mcr_config_free(&c);
	load_ok(two_inputs("dev = \"eth9\"; group = \"239.1.1.1\"; port = 5001; source = \"10.0.0.5\";"),
		&c);
	mcr_config_free(&c);
	load_ok(two_inputs("dev = \"eth0\"; group = \"239.1.1.2\"; port = 5001; source = \"10.0.0.5\";"),
		&c);
	mcr_config_free(&c);
	load_ok(two_inputs("dev = \"eth0\"; group = \"239.1.1.1\"; port = 5002; source = \"10.0.0.5\";"),
		&c);
	mcr_config_free(&c);

	/* Any-source duplicates, unnamed: the default names collide first. */
	expect_error("rules = (\n"
		     "  { in = { " IN_OK " }; out = ( { dev = \"eth1\"; } ); },\n"
		     "  { in = { " IN_OK " }; out = ( { dev = \"eth2\"; } ); }\n"
		     ");\n",
		     3, "rule \"eth0:239.1.1.1:5001\": duplicate name (first used at line 2)");
	/* A duplicate input is found even when the rule has other problems. */
	expect_errors("rules = (\n"
		      "  { name = \"a\"; in = { " IN_OK " }; out = ( { dev = \"eth1\"; } ); },\n"
		      "  { name = \"b\"; in = { " IN_OK " }; out = ( { dev = \"eth2\"; ttl = 0; } ); }\n"
		      ");\n",
		      2, 3, "rule \"b\": same input as rule \"a\"");
}

static void test_output_is_input(void **state)
{
	(void)state;
	expect_error(RULE_OUT("( { dev = \"eth1\"; },\n"
			      "  { dev = \"eth0\"; } )"),
		     5, "rule \"r1\": output 2 is identical to the input");
	expect_error(RULE_OUT("{ dev = \"eth0\"; group = \"239.1.1.1\"; port = 5001; ttl = 9; }"), 4,
		     "output 1 is identical to the input");
}

/* "rules = ( { name ...; in ...;\n out = (\n" then n outputs, one a line. */
static char *many_outputs(unsigned n)
{
	size_t len = 256 + (size_t)n * 48;
	char *t = malloc(len);
	size_t pos;

	assert_non_null(t);
	pos = (size_t)snprintf(t, len, "rules = (\n  { name = \"fan\"; in = { " IN_OK " };\n    out = (\n");
	for (unsigned i = 0; i < n; i++)
		pos += (size_t)snprintf(t + pos, len - pos, "      { dev = \"eth1\"; port = %u; }%s\n",
					10000 + i, i + 1 < n ? "," : "");
	snprintf(t + pos, len - pos, "    ); }\n);\n");
	return t;
}

static void test_max_outputs(void **state)
{
	struct mcr_config c;
	char *t;

	(void)state;
	t = many_outputs(MCR_MAX_OUTPUTS);
	load_ok(t, &c);
	free(t);
	assert_int_equal(c.rules.n, 1);
	assert_int_equal(c.rules.v[0].nout, MCR_MAX_OUTPUTS);
	assert_int_equal(c.rules.v[0].out[4095].port, 10000 + 4095);
	assert_int_equal(c.rules.v[0].out[4095].line, 4 + 4095);
	mcr_config_free(&c);

	t = many_outputs(MCR_MAX_OUTPUTS + 1);
	expect_error(t, 3, "rule \"fan\": 4097 outputs, more than the 4096 allowed");
	free(t);
}

/* ---- all problems reported ---- */

static void test_all_errors_reported(void **state)
{
	static const char text[] =
		"workers = 0;\n"                                                                /* 1 */
		"rules = (\n"                                                                   /* 2 */
		"  { name = \"a\"; port = 5001;\n"                                              /* 3 */
		"    in = { dev = \"eth0\"; group = \"239.1.1.1\"; port = 5001; };\n"           /* 4 */
		"    out = ( { dev = \"eth1\"; ttl = 0; } ); },\n"                             /* 5 */
		"  { name = \"b\";\n"                                                           /* 6 */
		"    in = { dev = \"eth0\"; group = \"10.9.9.9\"; port = 5001; };\n"            /* 7 */
		"    out = ( { dev = \"eth1\"; group = \"1.2.3\"; } ); },\n"                   /* 8 */
		"  { name = \"a\";\n"                                                           /* 9 */
		"    in = { dev = \"eth0\"; group = \"239.1.1.3\"; port = 5001; };\n"           /* 10 */
		"    out = ( { dev = \"eth1\"; } ); }\n"                                        /* 11 */
		");\n"                                                                          /* 12 */
		"colour = \"blue\";\n";                                                         /* 13 */

	(void)state;
	expect_errors(text, 7, 1, "workers 0 out of range");
	expect_errors(text, 7, 3, "rule \"a\": unknown key \"port\" in rule");
	expect_errors(text, 7, 5, "rule \"a\": out.ttl 0 out of range");
	expect_errors(text, 7, 7, "rule \"b\": input group 10.9.9.9 is not a multicast address");
	expect_errors(text, 7, 8, "rule \"b\": out.group \"1.2.3\" is not a valid IP address");
	expect_errors(text, 7, 9, "rule \"a\": duplicate name (first used at line 3)");
	expect_errors(text, 7, 13, "unknown key \"colour\" in the top level");
}

/* ---- files ---- */

static char *write_temp(const char *text)
{
	char *path = strdup("/tmp/mcrd-test-config-XXXXXX");
	int fd;
	size_t len = strlen(text);

	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
	return path;
}

static void test_load_file(void **state)
{
	struct mcr_errlist el;
	struct mcr_config c;
	char *path;
	char buf[512], want[512];

	(void)state;
	path = write_temp(example);
	mcr_errlist_init(&el, path);
	assert_int_equal(mcr_config_load_file(path, &c, &el), 0);
	assert_int_equal(el.n, 0);
	assert_int_equal(c.rules.n, 1);
	assert_string_equal(c.rules.v[0].name, "cam1");
	assert_int_equal(c.rules.v[0].out[1].line, 6);
	mcr_config_free(&c);
	mcr_errlist_free(&el);
	unlink(path);
	free(path);

	/* Problems carry the file's line numbers and its name as a prefix. */
	path = write_temp("# comment\n\nworkers = 2;\nrules = (\n  { name = \"x\";\n"
			  "    in = { dev = \"eth0\"; group = \"239.1.1.1\"; port = 0; };\n"
			  "    out = ( { dev = \"eth1\"; } ); }\n);\n");
	mcr_errlist_init(&el, path);
	assert_int_equal(mcr_config_load_file(path, &c, &el), -EINVAL);
	assert_int_equal(el.n, 1);
	assert_err(&el, 6, "in.port 0 out of range");
	mcr_errlist_format(&el, 0, buf, sizeof(buf));
	snprintf(want, sizeof(want), "%s:6: rule \"x\": in.port 0 out of range 1..65535", path);
	assert_string_equal(buf, want);
	assert_int_equal(c.rules.n, 0);
	mcr_config_free(&c);
	mcr_errlist_free(&el);
	unlink(path);
	free(path);

	path = write_temp("workers = 2;\n\n\nrules = ( { ;\n");
	mcr_errlist_init(&el, path);
	assert_int_equal(mcr_config_load_file(path, &c, &el), -EINVAL);
	assert_int_equal(el.n, 1);
	assert_err(&el, 4, "syntax error");
	mcr_config_free(&c);
	mcr_errlist_free(&el);

	/* Gone: -ENOENT, the reason, no line, and c is usable and empty. */
	unlink(path);
	mcr_errlist_init(&el, path);
	assert_int_equal(mcr_config_load_file(path, &c, &el), -ENOENT);
	assert_int_equal(el.n, 1);
	assert_int_equal(el.v[0].line, 0);
	mcr_errlist_format(&el, 0, buf, sizeof(buf));
	snprintf(want, sizeof(want), "%s: %s", path, strerror(ENOENT));
	assert_string_equal(buf, want);
	assert_int_equal(c.rules.n, 0);
	assert_string_equal(c.user, "mcrd");
	mcr_config_free(&c);
	mcr_errlist_free(&el);
	free(path);
}

/*
 * The file is read in growing steps: a rule behind 100 kB of comments is
 * found on its exact line, and a file of one byte over 16 MiB is refused.
 */
static void test_load_file_size(void **state)
{
	const size_t big = 16u << 20, pad = 100000;
	struct mcr_errlist el;
	struct mcr_config c;
	char *text, *path;

	(void)state;
	text = malloc(big + 2);
	assert_non_null(text);
	for (size_t i = 0; i < pad; i += 10)
		memcpy(text + i, "#23456789\n", 10);
	strcpy(text + pad, example);
	path = write_temp(text);
	mcr_errlist_init(&el, path);
	assert_int_equal(mcr_config_load_file(path, &c, &el), 0);
	assert_int_equal(c.rules.n, 1);
	assert_int_equal(c.rules.v[0].out[1].line, (int)(pad / 10) + 6);
	mcr_config_free(&c);
	mcr_errlist_free(&el);
	unlink(path);
	free(path);

	memset(text, '#', big + 1);
	text[big + 1] = 0;
	path = write_temp(text);
	mcr_errlist_init(&el, path);
	assert_int_equal(mcr_config_load_file(path, &c, &el), -EFBIG);
	assert_int_equal(el.n, 1);
	assert_err(&el, 0, "larger than 16 MiB");
	mcr_config_free(&c);
	mcr_errlist_free(&el);
	unlink(path);
	free(path);
	free(text);
}

/* Writes text to dir/name; returns the path (static buffer per call site). */
static void write_file(const char *dir, const char *name, const char *text, char *path, size_t len)
{
	FILE *f;

	snprintf(path, len, "%s/%s", dir, name);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static bool has_error(const struct mcr_errlist *el, const char *expect)
{
	char line[600];

	for (size_t i = 0; i < el->n; i++) {
		mcr_errlist_format(el, i, line, sizeof(line));
		if (strstr(line, expect))
			return true;
	}
	return false;
}

static void test_include(void **state)
{
	char dir[] = "/tmp/mcrd-inc-XXXXXX", main_path[256], p[256], expect[512];
	struct mcr_config c;
	struct mcr_errlist el;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(p, sizeof(p), "%s/conf.d", dir);
	assert_int_equal(mkdir(p, 0755), 0);
	write_file(dir, "conf.d/20-b.conf",
		   "rules = ( { name = \"b\"; in = { dev = \"e0\"; group = \"239.1.1.2\"; port = 2; };\n"
		   "            out = ( { dev = \"e1\"; } ); } );\n", p, sizeof(p));
	write_file(dir, "conf.d/10-a.conf",
		   "rules = ( { name = \"a\"; in = { dev = \"e0\"; group = \"239.1.1.1\"; port = 1; };\n"
		   "            out = ( { dev = \"e1\"; } ); } );\n", p, sizeof(p));
	/* Relative pattern, line numbers after the include line unchanged. */
	write_file(dir, "main.conf",
		   "workers = 2;\n@include \"conf.d/*.conf\"\n"
		   "rules = ( { name = \"m\"; in = { dev = \"e0\"; group = \"239.1.1.9\"; port = 9; };\n"
		   "            out = ( { dev = \"e1\"; } ); } );\n", main_path, sizeof(main_path));
	mcr_errlist_init(&el, main_path);
	assert_int_equal(mcr_config_load_file(main_path, &c, &el), 0);
	assert_int_equal(c.workers, 2);
	assert_int_equal(c.rules.n, 3);
	assert_string_equal(c.rules.v[0].name, "m");
	assert_string_equal(c.rules.v[1].name, "a"); /* drop-ins in name order */
	assert_string_equal(c.rules.v[2].name, "b");
	assert_int_equal(c.rules.v[0].line, 3);
	mcr_config_free(&c);
	mcr_errlist_free(&el);

	/* A problem in a drop-in is reported with the drop-in's name and line. */
	write_file(dir, "conf.d/30-bad.conf",
		   "# comment\nrules = ( { name = \"a\"; in = { dev = \"e0\"; group = \"239.1.1.7\"; port = 7; };\n"
		   "            out = ( { dev = \"e1\"; } ); } );\nworkers = 3;\n", p, sizeof(p));
	mcr_errlist_init(&el, main_path);
	assert_int_equal(mcr_config_load_file(main_path, &c, &el), -EINVAL);
	snprintf(expect, sizeof(expect), "%s:2: rule \"a\": duplicate name", p);
	assert_true(has_error(&el, expect));
	snprintf(expect, sizeof(expect), "%s:4: unknown key \"workers\" in an included file", p);
	assert_true(has_error(&el, expect));
	assert_int_equal(c.rules.n, 0);
	mcr_errlist_free(&el);
	unlink(p);

	/* A syntax error in a drop-in: its file and line. */
	write_file(dir, "conf.d/40-syntax.conf", "rules = (\n  { name = \"x\" \n", p, sizeof(p));
	mcr_errlist_init(&el, main_path);
	assert_int_equal(mcr_config_load_file(main_path, &c, &el), -EINVAL);
	snprintf(expect, sizeof(expect), "%s:", p);
	assert_true(has_error(&el, expect));
	mcr_errlist_free(&el);
	unlink(p);

	/* A literal include that does not exist is an error; an empty wildcard is not. */
	write_file(dir, "main2.conf", "include \"nothere.conf\"\n@include \"empty.d/*.conf\"\n",
		   main_path, sizeof(main_path));
	mcr_errlist_init(&el, main_path);
	assert_int_equal(mcr_config_load_file(main_path, &c, &el), -EINVAL);
	assert_int_equal(el.n, 1);
	snprintf(expect, sizeof(expect), "%s:1: include \"%s/nothere.conf\": No such file", main_path, dir);
	assert_true(has_error(&el, expect));
	mcr_errlist_free(&el);

	/* An include of itself stops at the depth limit instead of looping. */
	write_file(dir, "loop.conf", "@include \"loop.conf\"\n", main_path, sizeof(main_path));
	mcr_errlist_init(&el, main_path);
	assert_int_equal(mcr_config_load_file(main_path, &c, &el), -EINVAL);
	assert_true(has_error(&el, "includes nested more than"));
	mcr_errlist_free(&el);

	snprintf(p, sizeof(p), "rm -rf %s", dir);
	assert_int_equal(system(p), 0);
}


/* ---- integers libconfig would wrap (confint.c) ---- */

#define IN_PORT(v) "dev = \"eth0\"; group = \"239.1.1.1\"; port = " v ";"

static void test_int_wrap(void **state)
{
	struct mcr_config c;

	(void)state;
	/* 2^32 + 5001 reads as 5001 in libconfig: it must be refused as written. */
	expect_error(RULE_IN(IN_PORT("4294972297")), 3,
		     "rule \"r1\": in.port 4294972297 out of range 1..65535");
	expect_error(RULE_OUT("( { dev = \"eth1\"; port = 4294972297; } )"), 4,
		     "rule \"r1\": out.port 4294972297 out of range 1..65535");
	expect_error(RULE_OUT("( { dev = \"eth1\"; ttl = 4294967297; } )"), 4,
		     "rule \"r1\": out.ttl 4294967297 out of range 1..255");
	expect_error("workers = 4294967298;\n", 1, "workers 4294967298 out of range 1..64");
	/* Hexadecimal, negative, past 2^31, and past 64 bits. */
	expect_error(RULE_IN(IN_PORT("0x100001389")), 3, "in.port 4294972297 out of range");
	expect_error(RULE_IN(IN_PORT("-4294962295")), 3, "in.port -4294962295 out of range");
	expect_error(RULE_IN(IN_PORT("0x80000000")), 3, "in.port 2147483648 out of range");
	expect_error(RULE_IN(IN_PORT("99999999999999999999")), 3,
		     "rule \"r1\": in.port out of range 1..65535");
	expect_error(RULE_IN(IN_PORT("-99999999999999999999")), 3, "in.port out of range 1..65535");
	/* Numbers inside strings and comments are left alone; a 64-bit literal in range is fine. */
	load_ok(rule3("name = \"r4294967297\"; # 4294967297\n /* 4294972297\n */ // 4294972297",
		      IN_PORT("5001L"), OUT_OK), &c);
	assert_string_equal(c.rules.v[0].name, "r4294967297");
	assert_int_equal(c.rules.v[0].in.port, 5001);
	assert_int_equal(c.rules.v[0].out[0].line, 6); /* the lines did not move */
	mcr_config_free(&c);
}

static void expect_widened(const char *in, const char *want)
{
	char *out = mcr_conf_widen_ints(in);

	assert_non_null(out);
	assert_string_equal(out, want);
	free(out);
}

static void test_widen_ints(void **state)
{
	(void)state;
	expect_widened("x = 4294967297;", "x = 4294967297L;");
	expect_widened("x=2147483648,y=-2147483649", "x=2147483648L,y=-2147483649L");
	expect_widened("x = 2147483647; y = -2147483648;", "x = 2147483647; y = -2147483648;");
	expect_widened("x = 0xffffffff;", "x = 4294967295L;");
	expect_widened("x = 0x7fffffff; y = 5L; z = 0x10LL;", "x = 0x7fffffff; y = 5L; z = 0x10LL;");
	expect_widened("x = 99999999999999999999;", "x = 9223372036854775807L;");
	expect_widened("x = -99999999999999999999L;", "x = -9223372036854775808L;");
	expect_widened("x = 0x1ffffffffffffffffL;", "x = 9223372036854775807L;");
	/* Not integer literals: floats, names, strings, comments, a broken word. */
	expect_widened("x = 4294967297.0; y = 4e10; z-4294967297 = 1;",
		       "x = 4294967297.0; y = 4e10; z-4294967297 = 1;");
	expect_widened("s = \"4294967297 \\\" 4294967297\"; # 4294967297\n",
		       "s = \"4294967297 \\\" 4294967297\"; # 4294967297\n");
	expect_widened("/* 4294967297\n */ a = 4294967297; // 4294967297\n",
		       "/* 4294967297\n */ a = 4294967297L; // 4294967297\n");
	expect_widened("x = 4294967297x;", "x = 4294967297x;");
	expect_widened("s = \"unterminated 4294967297", "s = \"unterminated 4294967297");
}

/* ---- outputs that repeat one another ---- */

static void test_same_outputs(void **state)
{
	struct mcr_config c;

	(void)state;
	/* Same dev, group and port: refused at the repeat's line, whatever its TTL. */
	expect_error(RULE_OUT("( { dev = \"eth1\"; port = 6000; },\n"
			      "  { dev = \"eth2\"; },\n"
			      "  { dev = \"eth1\"; port = 6000; ttl = 9; } )"),
		     6, "rule \"r1\": output 3 duplicates output 1 (dev eth1 group 239.1.1.1 port 6000)");
	/* Defaults count as written: the input's group and port. */
	expect_error(RULE_OUT("( { dev = \"eth1\"; },\n"
			      "  { dev = \"eth1\"; group = \"239.1.1.1\"; port = 5001; } )"),
		     5, "output 2 duplicates output 1");
	/* Each repeat is reported, against the first. */
	expect_errors(RULE_OUT("( { dev = \"eth1\"; },\n  { dev = \"eth1\"; },\n  { dev = \"eth1\"; } )"),
		      2, 6, "output 3 duplicates output 1");
	/* One field differing is another output. */
	load_ok(RULE_OUT("( { dev = \"eth1\"; }, { dev = \"eth2\"; }, { dev = \"eth1\"; port = 5002; },\n"
			 "  { dev = \"eth1\"; group = \"239.1.1.2\"; } )"), &c);
	assert_int_equal(c.rules.v[0].nout, 4);
	mcr_config_free(&c);
}

/* ---- every problem of a rule ---- */

static void test_rule_problems_all_listed(void **state)
{
	const char *text = rule3("name = \"r1\";", "dev = \"eth0\"; group = \"10.1.1.1\"; port = 5001;",
				 "( { dev = \"eth1\"; group = \"127.0.0.1\"; port = 1; },\n"
				 "  { dev = \"eth2\"; group = \"239.9.9.9\"; port = 2; },\n"
				 "  { dev = \"eth2\"; group = \"239.9.9.9\"; port = 2; ttl = 3; },\n"
				 "  { dev = \"eth3\"; } )");

	(void)state;
	/* A bad input does not hide the outputs' problems. */
	expect_errors(text, 3, 3, "rule \"r1\": input group 10.1.1.1 is not a multicast address");
	expect_errors(text, 3, 4, "rule \"r1\": output 1: 127.0.0.1 is not a usable destination");
	expect_errors(text, 3, 6, "rule \"r1\": output 3 duplicates output 2");
	/* Without a usable name, the rule's number stands for it. */
	expect_errors(rule3("name = \"a b\";", "dev = \"eth0\"; group = \"239.1.1.1\"; port = 0;",
			    "( { dev = \"eth1\"; group = \"0.0.0.0\"; port = 1; } )"),
		      3, 4, "rule \"#1\": output 1: 0.0.0.0 is not a usable destination");
	/* An output taking its group from a bad input is not judged on it. */
	expect_errors(RULE_IN("dev = \"eth0\"; group = \"1.2.3\"; port = 5001;"), 1, 3,
		      "in.group \"1.2.3\" is not a valid IP address");
}

/* ---- what a rule file may be ---- */

static void expect_file_error(const char *path, int err, const char *want)
{
	struct mcr_errlist el;
	struct mcr_config c;
	char line[600];

	mcr_errlist_init(&el, path);
	assert_int_equal(mcr_config_load_file(path, &c, &el), err);
	assert_int_equal(el.n, 1);
	mcr_errlist_format(&el, 0, line, sizeof(line));
	if (!strstr(line, want))
		fail_msg("\"%s\" does not contain \"%s\"", line, want);
	assert_int_equal(c.rules.n, 0);
	mcr_errlist_free(&el);
}

static void test_file_kinds(void **state)
{
	char dir[] = "/tmp/mcrd-kinds-XXXXXX", fifo[256], path[256], want[600];

	(void)state;
	alarm(20); /* a read that blocks fails the test instead of hanging it */
	assert_non_null(mkdtemp(dir));
	snprintf(fifo, sizeof(fifo), "%s/fifo.conf", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	/* A FIFO as the file: refused at once, naming it. */
	snprintf(want, sizeof(want), "%s: not a regular file", fifo);
	expect_file_error(fifo, -EINVAL, want);
	expect_file_error("/dev/null", -EINVAL, "/dev/null: not a regular file");
	snprintf(want, sizeof(want), "%s: is a directory", dir);
	expect_file_error(dir, -EISDIR, want);
	expect_file_error("", -ENOENT, "the path is empty");
	/* A FIFO included, by name or by a wildcard: the same. */
	snprintf(want, sizeof(want), "%s: not a regular file", fifo);
	write_file(dir, "main.conf", "@include \"fifo.conf\"\nworkers = 2;\n", path, sizeof(path));
	expect_file_error(path, -EINVAL, want);
	write_file(dir, "main.conf", "@include \"fif?.conf\"\n", path, sizeof(path));
	expect_file_error(path, -EINVAL, want);
	/* A name going on to the next line, which libconfig would open itself. */
	snprintf(fifo, sizeof(fifo), "%s/fifo\n.conf", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	write_file(dir, "main.conf", "@include \"fifo\n.conf\"\n", path, sizeof(path));
	{
		struct mcr_errlist el;
		struct mcr_config c;

		mcr_errlist_init(&el, path);
		assert_int_equal(mcr_config_load_file(path, &c, &el), -EINVAL);
		assert_err(&el, 1, "include: the file name must end on its line");
		mcr_errlist_free(&el);
	}
	alarm(0);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	assert_int_equal(system(path), 0);
}

/* ---- user strings in messages: escaped and cut ---- */

static void test_messages_escaped(void **state)
{
	size_t big = 1u << 20;
	char *name = malloc(big + 1), *text = malloc(big + 256);
	struct mcr_errlist el;
	struct mcr_config c;

	(void)state;
	expect_error(rule3("name = \"a\033[31m\";", IN_OK, OUT_OK), 2,
		     "rule #1: name \"a\\x1b[31m\" must be 1..63");
	expect_error(RULE_IN("dev = \"e\033]0;x\007\"; group = \"239.1.1.1\"; port = 1;"), 3,
		     "\"e\\x1b]0;x\\x07\" is not a valid interface name");
	expect_error(RULE_IN("dev = \"eth0\"; group = \"\033c\"; port = 1;"), 3,
		     "in.group \"\\x1bc\" is not a valid IP address");
	/* A 1 MiB name and a 1 MiB key: 64 characters of each, then "...". */
	assert_non_null(name);
	assert_non_null(text);
	memset(name, 'n', big);
	name[big] = 0;
	snprintf(text, big + 256, "rules = ( { name = \"%s\"; in = { " IN_OK " }; out = " OUT_OK "; } );",
		 name);
	mcr_errlist_init(&el, NULL);
	assert_int_equal(mcr_config_load_string(text, &c, &el), -EINVAL);
	assert_int_equal(el.n, 1);
	assert_non_null(strstr(el.v[0].msg, "name \"nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn...\" must be"));
	mcr_errlist_free(&el);
	snprintf(text, big + 256, "%s = 1;\n", name);
	mcr_errlist_init(&el, NULL);
	assert_int_equal(mcr_config_load_string(text, &c, &el), -EINVAL);
	assert_int_equal(el.n, 1);
	assert_non_null(strstr(el.v[0].msg, "nnnnnnnnnn...\" in the top level"));
	assert_true(strlen(el.v[0].msg) < 120);
	mcr_errlist_free(&el);
	free(text);
	free(name);
	/* The file's own name, in the FILE: prefix. */
	mcr_errlist_init(&el, "/tmp/x\033[2J.conf");
	assert_int_equal(mcr_config_load_file("/tmp/x\033[2J.conf", &c, &el), -ENOENT);
	assert_string_equal(el.v[0].file, "/tmp/x\\x1b[2J.conf");
	mcr_errlist_free(&el);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_example),
		cmocka_unit_test(test_valid_variants),
		cmocka_unit_test(test_syntax_error),
		cmocka_unit_test(test_bad_addresses),
		cmocka_unit_test(test_not_multicast),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_port_range),
		cmocka_unit_test(test_ttl_range),
		cmocka_unit_test(test_output_ttl_egress),
		cmocka_unit_test(test_workers_and_user),
		cmocka_unit_test(test_gso),
		cmocka_unit_test(test_unknown_keys),
		cmocka_unit_test(test_missing_keys),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_duplicate_name),
		cmocka_unit_test(test_duplicate_input),
		cmocka_unit_test(test_output_is_input),
		cmocka_unit_test(test_max_outputs),
		cmocka_unit_test(test_all_errors_reported),
		cmocka_unit_test(test_load_file),
		cmocka_unit_test(test_load_file_size),
		cmocka_unit_test(test_include),
		cmocka_unit_test(test_int_wrap),
		cmocka_unit_test(test_widen_ints),
		cmocka_unit_test(test_same_outputs),
		cmocka_unit_test(test_rule_problems_all_listed),
		cmocka_unit_test(test_file_kinds),
		cmocka_unit_test(test_messages_escaped),
		cmocka_unit_test(test_metrics_setting),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
