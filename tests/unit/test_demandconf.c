/*
 * Demand-driven relaying's settings (issue 18) through every path a rule
 * takes: the file (listeners, join, the igmp group, each problem at its
 * line), mcrd.conf syntax printed back (mcrctl -c), the control protocol,
 * and the rule's identity for a reload (a changed setting is a change).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ctl.h"
#include "ruleconf.h"

static const char good[] =
	"igmp = { query_interval_ms = 2000; query_response_ms = 1000; robustness = 3;\n"
	"         last_member_interval_ms = 200; };\n"
	"rules = (\n"
	"  { name = \"d\"; in = { dev = \"eth0\"; group = \"239.1.1.1\"; port = 5001; join = \"demand\"; };\n"
	"    out = ( { dev = \"eth1\"; group = \"239.2.2.2\"; port = 6000; listeners = true; },\n"
	"            { dev = \"eth2\"; } ); }\n"
	");\n";

static void load(const char *text, struct mcr_config *c, struct mcr_errlist *el, int want)
{
	mcr_errlist_init(el, NULL);
	assert_int_equal(mcr_config_load_string(text, c, el), want);
}

static bool has_err(const struct mcr_errlist *el, int line, const char *phrase)
{
	for (size_t i = 0; i < el->n; i++)
		if (el->v[i].line == line && strstr(el->v[i].msg, phrase))
			return true;
	for (size_t i = 0; i < el->n; i++)
		print_message("  line %d: %s\n", el->v[i].line, el->v[i].msg);
	return false;
}

static void test_file(void **state)
{
	struct mcr_errlist el;
	struct mcr_config c;
	const struct mcr_rule *r;

	(void)state;
	load(good, &c, &el, 0);
	r = &c.rules.v[0];
	assert_int_equal(r->in.join, MCR_JOIN_DEMAND);
	assert_true(r->out[0].listeners);
	assert_false(r->out[1].listeners);
	assert_int_equal(c.igmp.query_interval_ms, 2000);
	assert_int_equal(c.igmp.query_response_ms, 1000);
	assert_int_equal(c.igmp.robustness, 3);
	assert_int_equal(c.igmp.last_member_interval_ms, 200);
	mcr_config_free(&c);
	mcr_errlist_free(&el);
}

static void test_file_errors(void **state)
{
	static const char bad[] =
		"igmp = { query_interval_ms = 500; robustness = 9; bogus = 1; };\n"
		"rules = (\n"
		"  { name = \"d\"; in = { dev = \"eth0\"; group = \"239.1.1.1\"; port = 5001;\n"
		"      join = \"sometimes\"; };\n"
		"    out = ( { dev = \"eth1\";\n"
		"              listeners = \"yes\"; } ); }\n"
		");\n";
	static const char v6[] =
		"rules = ( { name = \"v6\"; in = { dev = \"eth0\"; group = \"ff3e::1\"; port = 5001; };\n"
		"  out = ( { dev = \"eth1\"; group = \"ff0e::2\"; port = 6000;\n"
		"            listeners = true; } ); } );\n";
	static const char order[] =
		"igmp = { query_interval_ms = 2000; query_response_ms = 2000; };\n";
	struct mcr_errlist el;
	struct mcr_config c;

	(void)state;
	load(bad, &c, &el, -EINVAL);
	assert_true(has_err(&el, 1, "igmp.query_interval_ms must be an integer in 1000..3600000"));
	assert_true(has_err(&el, 1, "igmp.robustness must be an integer in 1..7"));
	assert_true(has_err(&el, 1, "igmp: unknown setting \"bogus\""));
	assert_true(has_err(&el, 4, "in.join must be \"always\" or \"demand\""));
	assert_true(has_err(&el, 6, "out.listeners must be true or false"));
	assert_int_equal(c.rules.n, 0);
	mcr_config_free(&c);
	mcr_errlist_free(&el);
	load(order, &c, &el, -EINVAL);
	assert_true(has_err(&el, 1, "query_response_ms must be less than"));
	mcr_config_free(&c);
	mcr_errlist_free(&el);
	/* An IPv6 output asks MLD for its listeners (the same igmp timers). */
	load(v6, &c, &el, 0);
	assert_int_equal(c.rules.n, 1);
	assert_true(c.rules.v[0].out[0].listeners);
	mcr_config_free(&c);
	mcr_errlist_free(&el);
}

/* Printed in mcrd.conf syntax and read back: the same rule. */
static void test_ruleconf_round_trip(void **state)
{
	struct mcr_errlist el, el2;
	struct mcr_config c, c2;
	char *text = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&text, &len);

	(void)state;
	load(good, &c, &el, 0);
	assert_int_equal(mcr_ruleconf_print_all(fp, c.rules.v, c.rules.n), 0);
	fclose(fp);
	assert_non_null(strstr(text, "join = \"demand\";"));
	assert_non_null(strstr(text, "listeners = true;"));
	load(text, &c2, &el2, 0);
	assert_true(mcr_rule_equal(&c.rules.v[0], &c2.rules.v[0]));
	free(text);
	mcr_config_free(&c);
	mcr_config_free(&c2);
	mcr_errlist_free(&el);
	mcr_errlist_free(&el2);
}

/* Through the control protocol, and a changed setting makes a different rule (reload). */
static void test_ctl_round_trip(void **state)
{
	struct mcr_errlist el;
	struct mcr_config c;
	struct mcr_rule back;
	static uint8_t buf[8192];
	struct nlmsghdr *nlh;
	char err[200];

	(void)state;
	load(good, &c, &el, 0);
	nlh = mcr_ctl_msg_start(buf, sizeof(buf), MCR_CMD_RULE_ADD, 1, 0);
	assert_non_null(nlh);
	assert_int_equal(mcr_ctl_put_rule(nlh, sizeof(buf), &c.rules.v[0], NULL), 0);
	assert_int_equal(mcr_ctl_msg_check(buf, nlh->nlmsg_len, err, sizeof(err)), 0);
	assert_int_equal(mcr_ctl_get_rule(nlh, &back, NULL, err, sizeof(err)), 0);
	assert_true(mcr_rule_equal(&c.rules.v[0], &back));
	back.out[0].listeners = false;
	assert_false(mcr_rule_equal(&c.rules.v[0], &back));
	back.out[0].listeners = true;
	back.in.join = MCR_JOIN_ALWAYS;
	assert_false(mcr_rule_equal(&c.rules.v[0], &back));
	mcr_rule_free(&back);
	mcr_config_free(&c);
	mcr_errlist_free(&el);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_file_errors),
		cmocka_unit_test(test_ruleconf_round_trip),
		cmocka_unit_test(test_ctl_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
