/*
 * Rules printed in mcrd.conf syntax (lib/ruleconf.c) load back through the
 * real loader (lib/config.c) into equal rules, and print again to the same
 * text: every output setting survives (ttl, fixed_ttl, egress, source keep,
 * group and port, the input's source).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ruleconf.h"

static struct mcr_addr A(const char *s)
{
	struct mcr_addr a;

	assert_int_equal(mcr_addr_parse(s, &a), 0);
	return a;
}

/* The text mcr_ruleconf_print_all writes for the n rules of v; the caller frees it. */
static char *print(const struct mcr_rule *v, size_t n, int expect)
{
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);

	assert_non_null(fp);
	assert_int_equal(mcr_ruleconf_print_all(fp, v, n), expect);
	assert_int_equal(fclose(fp), 0);
	return text;
}

static void add_out(struct mcr_rule *r, const char *dev, const char *g, uint16_t port)
{
	struct mcr_output *o;

	r->out = realloc(r->out, (r->nout + 1) * sizeof(*r->out));
	assert_non_null(r->out);
	o = &r->out[r->nout++];
	memset(o, 0, sizeof(*o));
	snprintf(o->dev, sizeof(o->dev), "%s", dev);
	o->group = A(g);
	o->port = port;
}

static void make_rule(struct mcr_rule *r, const char *name, const char *dev, const char *g,
		      uint16_t port)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	snprintf(r->in.dev, sizeof(r->in.dev), "%s", dev);
	r->in.group = A(g);
	r->in.port = port;
	r->origin = MCR_ORIGIN_RUNTIME;
}

/* Every setting an output can have, and inputs with and without a source. */
static void every_setting(struct mcr_rule v[3])
{
	make_rule(&v[0], "cam1", "eth0", "239.1.1.1", 5001);
	v[0].in.source = A("10.0.0.5");
	add_out(&v[0], "eth1", "239.2.2.2", 6000);
	v[0].out[0].ttl = 4;
	add_out(&v[0], "eth2", "239.1.1.1", 5001);
	v[0].out[1].keep_source = true;
	v[0].out[1].egress = MCR_EGRESS_PACKET;
	add_out(&v[0], "eth3", "10.9.9.9", 7000); /* unicast: socket egress */
	v[0].out[2].egress = MCR_EGRESS_SOCKET;
	make_rule(&v[1], "ssdp", "lan0", "239.255.255.250", 1900);
	add_out(&v[1], "lan1", "239.255.255.250", 1900);
	v[1].out[0].ttl = 1;
	v[1].out[0].ttl_fixed = true;
	/* A rule named after its input, as mcrd names one given without a name. */
	make_rule(&v[2], "eth0:239.1.1.9:5009", "eth0", "239.1.1.9", 5009);
	add_out(&v[2], "vlan.100", "239.3.3.3", 5009);
	v[2].out[0].ttl = 255;
}

static void test_round_trip(void **state)
{
	struct mcr_rule v[3];
	struct mcr_config c;
	struct mcr_errlist el;
	char *text, *again;

	(void)state;
	every_setting(v);
	text = print(v, 3, 0);
	mcr_errlist_init(&el, NULL);
	if (mcr_config_load_string(text, &c, &el)) {
		for (size_t i = 0; i < el.n; i++)
			print_message("line %d: %s\n", el.v[i].line, el.v[i].msg);
		fail_msg("the printed rules do not load:\n%s", text);
	}
	assert_int_equal(c.rules.n, 3);
	for (size_t i = 0; i < 3; i++) {
		assert_true(mcr_rule_equal(&c.rules.v[i], &v[i]));
		assert_true(mcr_addr_equal(c.rules.v[i].in.source, v[i].in.source));
	}
	again = print(c.rules.v, c.rules.n, 0);
	assert_string_equal(again, text);
	/* What an operator reads: every setting spelled out as the file writes it. */
	assert_non_null(strstr(text, "in  = { dev = \"eth0\"; group = \"239.1.1.1\"; port = 5001; "
				     "source = \"10.0.0.5\"; };"));
	assert_non_null(strstr(text, "{ dev = \"eth1\"; group = \"239.2.2.2\"; port = 6000; ttl = 4; }"));
	assert_non_null(strstr(text, "egress = \"packet\"; source = \"keep\"; }"));
	assert_non_null(strstr(text, "fixed_ttl = 1; }"));
	free(again);
	free(text);
	mcr_config_free(&c);
	mcr_errlist_free(&el);
	for (size_t i = 0; i < 3; i++)
		mcr_rule_free(&v[i]);
}

/* Rules with several inputs keep every input and their redundancy settings. */
/* IPv6 rules of every scope print as a file that loads back to the same rules. */
static void test_ipv6_round_trip(void **state)
{
	struct mcr_rule v[4];
	struct mcr_config c;
	struct mcr_errlist el;
	char *text, *again;

	(void)state;
	make_rule(&v[0], "mdns", "eth0", "ff02::fb", 5353);
	add_out(&v[0], "eth1", "ff02::fb", 5353);
	v[0].out[0].ttl = 1;
	v[0].out[0].ttl_fixed = true;
	make_rule(&v[1], "site", "eth0", "ff05::1:3", 5001);
	add_out(&v[1], "eth1", "ff0e::1234", 6000);
	v[1].out[0].ttl = 8;
	make_rule(&v[2], "ssm", "eth0", "ff3e::8000:1", 5004);
	v[2].in.source = A("2001:db8::5");
	add_out(&v[2], "eth1", "ff3e::8000:2", 5004);
	add_out(&v[2], "eth2", "2001:db8:1::9", 7000);
	make_rule(&v[3], "eth0:[ff0e::1]:5001", "eth0", "ff0e::1", 5001);
	add_out(&v[3], "eth1", "ff0e::1", 5001);
	text = print(v, 4, 0);
	mcr_errlist_init(&el, NULL);
	if (mcr_config_load_string(text, &c, &el)) {
		for (size_t i = 0; i < el.n; i++)
			print_message("line %d: %s\n", el.v[i].line, el.v[i].msg);
		fail_msg("the printed rules do not load:\n%s", text);
	}
	assert_int_equal(c.rules.n, 4);
	for (size_t i = 0; i < 4; i++) {
		assert_true(mcr_rule_equal(&c.rules.v[i], &v[i]));
		assert_true(mcr_addr_equal(c.rules.v[i].in.source, v[i].in.source));
	}
	again = print(c.rules.v, c.rules.n, 0);
	assert_string_equal(again, text);
	assert_non_null(strstr(text, "in  = { dev = \"eth0\"; group = \"ff3e::8000:1\"; port = 5004; "
				     "source = \"2001:db8::5\"; };"));
	assert_non_null(strstr(text, "{ dev = \"eth1\"; group = \"ff0e::1234\"; port = 6000; ttl = 8; }"));
	free(again);
	free(text);
	mcr_config_free(&c);
	mcr_errlist_free(&el);
	for (size_t i = 0; i < 4; i++)
		mcr_rule_free(&v[i]);
}

static void test_redundancy(void **state)
{
	struct mcr_rule v[2];
	struct mcr_config c;
	struct mcr_errlist el;
	char *text, *again;

	(void)state;
	make_rule(&v[0], "merged", "eth0", "239.1.1.1", 5001);
	v[0].more[0] = v[0].in;
	snprintf(v[0].more[0].dev, sizeof(v[0].more[0].dev), "eth1");
	v[0].more[0].source = A("10.0.0.7");
	v[0].nmore = 1;
	mcr_redund_init(&v[0].red, MCR_REDUNDANCY_MERGE);
	v[0].red.window_ms = 40;
	add_out(&v[0], "eth2", "239.2.2.2", 6000);
	make_rule(&v[1], "standby", "eth0", "239.1.1.2", 5002);
	v[1].more[0] = v[1].in;
	v[1].more[0].group = A("239.1.1.3");
	v[1].more[1] = v[1].in;
	snprintf(v[1].more[1].dev, sizeof(v[1].more[1].dev), "eth3");
	v[1].nmore = 2;
	mcr_redund_init(&v[1].red, MCR_REDUNDANCY_FAILOVER);
	v[1].red.failover_ms = 300;
	v[1].red.revert_ms = 0;
	add_out(&v[1], "eth2", "239.2.2.3", 6000);
	text = print(v, 2, 0);
	mcr_errlist_init(&el, NULL);
	if (mcr_config_load_string(text, &c, &el)) {
		for (size_t i = 0; i < el.n; i++)
			print_message("line %d: %s\n", el.v[i].line, el.v[i].msg);
		fail_msg("the printed rules do not load:\n%s", text);
	}
	assert_int_equal(c.rules.n, 2);
	for (size_t i = 0; i < 2; i++) {
		assert_int_equal(c.rules.v[i].nmore, v[i].nmore);
		assert_true(mcr_redund_equal(&c.rules.v[i].red, &v[i].red));
		assert_true(mcr_rule_equal(&c.rules.v[i], &v[i]));
	}
	again = print(c.rules.v, c.rules.n, 0);
	assert_string_equal(again, text);
	assert_non_null(strstr(text, "redundancy = \"merge\"; merge_window_ms = 40;"));
	assert_non_null(strstr(text, "redundancy = \"failover\"; failover_ms = 300; revert_ms = 0;"));
	free(again);
	free(text);
	mcr_config_free(&c);
	mcr_errlist_free(&el);
	for (size_t i = 0; i < 2; i++)
		mcr_rule_free(&v[i]);
}

/* No rules is a valid (drop-in) file with no rules. */
static void test_empty(void **state)
{
	struct mcr_config c;
	struct mcr_errlist el;
	char *text;

	(void)state;
	text = print(NULL, 0, 0);
	mcr_errlist_init(&el, NULL);
	assert_int_equal(mcr_config_load_string(text, &c, &el), 0);
	assert_int_equal(c.rules.n, 0);
	free(text);
	mcr_config_free(&c);
	mcr_errlist_free(&el);
}

/* A name or interface the file could not hold is refused, not printed wrong. */
static void test_unprintable(void **state)
{
	struct mcr_rule v[1];
	char *text;

	(void)state;
	make_rule(&v[0], "bad\"name", "eth0", "239.1.1.1", 5001);
	add_out(&v[0], "eth1", "239.2.2.2", 6000);
	text = print(v, 1, -EINVAL);
	assert_null(strstr(text, "bad"));
	free(text);
	snprintf(v[0].name, sizeof(v[0].name), "ok");
	snprintf(v[0].out[0].dev, sizeof(v[0].out[0].dev), "a\\b");
	text = print(v, 1, -EINVAL);
	free(text);
	mcr_rule_free(&v[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_ipv6_round_trip),
		cmocka_unit_test(test_redundancy),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_unprintable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
