/*
 * Rules with several inputs (issue 20): the rule file's `in` list and
 * redundancy settings, the checks of a rule on its own, and an input taken
 * by another rule.  Every problem is reported with its line, all of them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "config.h"

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

static void load_ok(const char *text, struct mcr_config *c)
{
	struct mcr_errlist el;

	mcr_errlist_init(&el, NULL);
	if (mcr_config_load_string(text, c, &el) || el.n) {
		dump(&el);
		fail_msg("load failed:\n%s", text);
	}
	mcr_errlist_free(&el);
}

/* text is refused with exactly nerr problems, one at line with phrase. */
static void expect_errors(const char *text, size_t nerr, int line, const char *phrase)
{
	struct mcr_errlist el;
	struct mcr_config c;
	bool found = false;

	mcr_errlist_init(&el, NULL);
	assert_int_equal(mcr_config_load_string(text, &c, &el), -EINVAL);
	for (size_t i = 0; i < el.n; i++)
		found = found || (el.v[i].line == line && strstr(el.v[i].msg, phrase));
	if (el.n != nerr || !found) {
		dump(&el);
		fail_msg("expected %zu problems, one at line %d with '%s'", nerr, line, phrase);
	}
	assert_int_equal(c.rules.n, 0);
	mcr_errlist_free(&el);
}

#define IN_A "{ dev = \"a\"; group = \"239.1.1.1\"; port = 5000; }"
#define IN_B "{ dev = \"b\"; group = \"239.1.1.1\"; port = 5000; }"
/* A rule r1 with inputs INS (line 3) and the redundancy settings RED (line 4). */
#define RULE(ins, red)                                                                   \
	"rules = (\n  { name = \"r1\";\n    in = " ins ";\n    " red "\n"                  \
	"    out = { dev = \"c\"; }; }\n);\n"

static void test_merge_and_failover_load(void **state)
{
	const struct mcr_rule *r;
	struct mcr_config c;

	(void)state;
	load_ok(RULE("( " IN_A ", " IN_B " )", "redundancy = \"merge\";"), &c);
	r = &c.rules.v[0];
	assert_int_equal(mcr_rule_ninputs(r), 2);
	assert_string_equal(r->in.dev, "a");
	assert_string_equal(r->more[0].dev, "b");
	assert_int_equal(r->more[0].port, 5000);
	assert_int_equal(r->red.mode, MCR_REDUNDANCY_MERGE);
	assert_int_equal(r->red.window_ms, MCR_MERGE_WINDOW_DEFAULT);
	/* An output's group and port default to the first input's. */
	assert_int_equal(r->out[0].group.v4.s_addr, A("239.1.1.1").v4.s_addr);
	mcr_config_free(&c);

	load_ok(RULE("( " IN_A ", " IN_B ", { dev = \"b\"; group = \"239.9.9.9\"; port = 7; "
		     "source = \"10.0.0.1\"; } )",
		     "redundancy = \"failover\"; failover_ms = 50; revert_ms = 0;"), &c);
	r = &c.rules.v[0];
	assert_int_equal(mcr_rule_ninputs(r), 3);
	assert_true(mcr_addr_equal(mcr_rule_input(r, 2)->source, A("10.0.0.1")));
	assert_int_equal(r->red.mode, MCR_REDUNDANCY_FAILOVER);
	assert_int_equal(r->red.failover_ms, 50);
	assert_int_equal(r->red.revert_ms, 0);
	mcr_config_free(&c);

	/* A list of one input is a plain rule; "none" is the default. */
	load_ok(RULE("( " IN_A " )", "redundancy = \"none\";"), &c);
	assert_int_equal(mcr_rule_ninputs(&c.rules.v[0]), 1);
	mcr_config_free(&c);
	load_ok(RULE("( " IN_A ", " IN_B " )", "redundancy = \"merge\"; merge_window_ms = 150;"),
		&c);
	assert_int_equal(c.rules.v[0].red.window_ms, 150);
	mcr_config_free(&c);
}

static void test_redundancy_problems(void **state)
{
	(void)state;
	expect_errors(RULE("( " IN_A ", " IN_B " )", ""), 1, 2,
		      "2 inputs need redundancy \"merge\" or \"failover\"");
	expect_errors(RULE("( " IN_A " )", "redundancy = \"merge\";"), 1, 2,
		      "redundancy \"merge\" needs at least 2 inputs");
	expect_errors(RULE(IN_A, "redundancy = \"failover\";"), 1, 2,
		      "redundancy \"failover\" needs at least 2 inputs");
	expect_errors(RULE("( " IN_A ", " IN_B " )", "redundancy = \"mirror\";"), 1, 4,
		      "redundancy must be \"merge\", \"failover\" or \"none\"");
	expect_errors(RULE("( " IN_A ", " IN_B " )", "redundancy = 1;"), 1, 4,
		      "redundancy must be a string");
	expect_errors(RULE("( " IN_A ", " IN_B " )", "redundancy = \"merge\"; failover_ms = 9;"),
		      1, 4, "failover_ms needs redundancy = \"failover\"");
	expect_errors(RULE("( " IN_A ", " IN_B " )", "redundancy = \"failover\"; merge_window_ms = 9;"),
		      1, 4, "merge_window_ms needs redundancy = \"merge\"");
	expect_errors(RULE("( " IN_A ", " IN_B " )", "redundancy = \"merge\"; merge_window_ms = 0;"),
		      1, 4, "merge_window_ms 0 out of range 1..150");
	expect_errors(RULE("( " IN_A ", " IN_B " )", "redundancy = \"merge\"; merge_window_ms = 151;"),
		      1, 4, "merge_window_ms 151 out of range 1..150");
	expect_errors(RULE("( " IN_A ", " IN_B " )", "redundancy = \"failover\"; failover_ms = 0;"),
		      1, 4, "failover_ms 0 out of range 1..60000");
	expect_errors(RULE("( " IN_A ", " IN_B " )", "redundancy = \"failover\"; revert_ms = -1;"),
		      1, 4, "revert_ms -1 out of range 0..3600000");
	expect_errors(RULE("( " IN_A ", " IN_B " )", "redundancy = \"merge\"; revert_ms = 5;"),
		      1, 4, "revert_ms needs redundancy = \"failover\"");
	/* An unknown mode is the one problem: the inputs are not judged by it. */
	expect_errors(RULE("( " IN_A ", " IN_A " )", "redundancy = \"mirror\";"), 1, 4,
		      "redundancy must be");
}

static void test_input_list_problems(void **state)
{
	(void)state;
	expect_errors(RULE("( )", "redundancy = \"merge\";"), 1, 3,
		      "in must be a list of 1..4 inputs, not 0");
	expect_errors(RULE("( " IN_A ", " IN_B ", " IN_A ", " IN_B ", " IN_A " )",
			   "redundancy = \"merge\";"), 1, 3, "in must be a list of 1..4 inputs, not 5");
	expect_errors(RULE("( " IN_A ", " IN_A " )", "redundancy = \"merge\";"), 1, 2,
		      "input 2 duplicates input 1 (dev a group 239.1.1.1 port 5000)");
	/* Each input's own problems, at its own line. */
	expect_errors("rules = ( { name = \"r1\"; in = ( " IN_A ",\n"
		      "  { dev = \"b\"; group = \"10.1.1.1\"; port = 5000; },\n"
		      "  { dev = \"b\"; port = 5000; } );\n"
		      "  redundancy = \"merge\"; out = { dev = \"c\"; }; } );\n", 2, 2,
		      "input group 10.1.1.1 is not a multicast address");
	expect_errors("rules = ( { name = \"r1\"; in = ( " IN_A ",\n"
		      "  { dev = \"b\"; group = \"239.1.1.1\"; port = 5000; source = \"239.0.0.1\"; } );\n"
		      "  redundancy = \"merge\"; out = { dev = \"c\"; }; } );\n", 1, 1,
		      "input 2: source 239.0.0.1 is not a unicast host address");
	expect_errors(RULE("( " IN_A ", 5 )", "redundancy = \"merge\";"), 1, 3,
		      "in must be a group { ... }");
	/* An output sending back into any input. */
	expect_errors("rules = ( { name = \"r1\"; in = ( " IN_A ", " IN_B " );\n"
		      "  redundancy = \"merge\";\n  out = { dev = \"b\"; }; } );\n", 1, 3,
		      "output 1 is identical to input 2");
}

/* No two rules share an input, whichever of their inputs it is. */
static void test_shared_inputs(void **state)
{
	struct mcr_config c;

	(void)state;
	expect_errors("rules = (\n { name = \"m\"; in = ( " IN_A ", " IN_B " ); redundancy = \"merge\";"
		      " out = { dev = \"c\"; }; },\n"
		      " { name = \"p\"; in = " IN_B "; out = { dev = \"d\"; }; } );\n", 1, 3,
		      "rule \"p\": same input as rule \"m\"");
	expect_errors("rules = (\n { name = \"p\"; in = " IN_B "; out = { dev = \"d\"; }; },\n"
		      " { name = \"m\"; in = ( " IN_A ", " IN_B " ); redundancy = \"merge\";"
		      " out = { dev = \"c\"; }; } );\n", 1, 3, "rule \"m\": same input as rule \"p\"");
	/* The same group and port on another interface is another input. */
	load_ok("rules = (\n { name = \"m\"; in = ( " IN_A ", " IN_B " ); redundancy = \"merge\";"
		" out = { dev = \"c\"; }; },\n"
		" { name = \"p\"; in = { dev = \"x\"; group = \"239.1.1.1\"; port = 5000; };"
		" out = { dev = \"d\"; }; } );\n", &c);
	assert_ptr_equal(mcr_ruleset_find_input(&c.rules, &c.rules.v[0].more[0]), &c.rules.v[0]);
	assert_ptr_equal(mcr_ruleset_find_input(&c.rules, &c.rules.v[1].in), &c.rules.v[1]);
	mcr_config_free(&c);
}

/* Identity: a reload replaces a rule whose inputs or settings changed. */
static void test_equal_and_format(void **state)
{
	struct mcr_config c;
	struct mcr_rule b;
	char buf[512];

	(void)state;
	load_ok(RULE("( " IN_A ", " IN_B " )", "redundancy = \"merge\"; merge_window_ms = 20;"), &c);
	assert_int_equal(mcr_rule_copy(&b, &c.rules.v[0]), 0);
	assert_true(mcr_rule_equal(&b, &c.rules.v[0]));
	b.red.window_ms = 21;
	assert_false(mcr_rule_equal(&b, &c.rules.v[0]));
	b.red.window_ms = 20;
	b.more[0].port = 5001;
	assert_false(mcr_rule_equal(&b, &c.rules.v[0]));
	b.more[0].port = 5000;
	b.nmore = 0;
	assert_false(mcr_rule_equal(&b, &c.rules.v[0]));
	assert_int_equal(mcr_rule_format(&c.rules.v[0], buf, sizeof(buf)), 0);
	assert_string_equal(buf, "r1 in a 239.1.1.1:5000 in b 239.1.1.1:5000 merge window 20 ms"
				 " -> c 239.1.1.1:5000");
	mcr_rule_free(&b);
	mcr_config_free(&c);
}

static void test_names(void **state)
{
	uint8_t m;

	(void)state;
	assert_int_equal(mcr_redundancy_parse("failover", &m), 0);
	assert_int_equal(m, MCR_REDUNDANCY_FAILOVER);
	assert_int_equal(mcr_redundancy_parse("Merge", &m), -EINVAL);
	assert_string_equal(mcr_redundancy_name(MCR_REDUNDANCY_MERGE), "merge");
	assert_null(mcr_redundancy_name(MCR_REDUNDANCY__MAX));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_merge_and_failover_load),
		cmocka_unit_test(test_redundancy_problems),
		cmocka_unit_test(test_input_list_problems),
		cmocka_unit_test(test_shared_inputs),
		cmocka_unit_test(test_equal_and_format),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
