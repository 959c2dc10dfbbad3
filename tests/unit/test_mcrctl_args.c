/*
 * mcrctl without a socket: the rule add/del/show parsers (every kind of bad
 * argument, with its exact message), prefix matching, batch line splitting,
 * and the printers (text lines, valid and escaped JSON, events).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../mcrctl/mcrctl.h"
#include "../../mcrctl/print.h"

static struct mcr_addr A(const char *s)
{
	struct mcr_addr a;

	assert_int_equal(mcr_addr_parse(s, &a), 0);
	return a;
}

/* ---- capturing stderr and stdout (temporary files, emptied after each read) ---- */

static FILE *out_fp;

static int setup(void **state)
{
	(void)state;
	mcrctl_opt.errfp = tmpfile();
	out_fp = tmpfile();
	mcrctl_print_setup(out_fp, false, false);
	return mcrctl_opt.errfp && out_fp ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	fclose(mcrctl_opt.errfp);
	mcrctl_opt.errfp = NULL;
	fclose(out_fp);
	mcrctl_print_setup(NULL, false, false);
	return 0;
}

/* Everything written to fp since the last call (malloc'ed); fp is emptied. */
static char *drain(FILE *fp)
{
	long len;
	char *s;

	fflush(fp);
	len = ftell(fp);
	assert_true(len >= 0);
	s = calloc(1, (size_t)len + 1);
	assert_non_null(s);
	rewind(fp);
	assert_int_equal(fread(s, 1, (size_t)len, fp), (size_t)len);
	rewind(fp);
	assert_int_equal(ftruncate(fileno(fp), 0), 0);
	return s;
}

/* What was printed as errors since the last call. */
static const char *errors(void)
{
	static char copy[4096];
	char *s = drain(mcrctl_opt.errfp);

	snprintf(copy, sizeof(copy), "%s", s);
	free(s);
	return copy;
}

/* What was printed since the last call (malloc'ed). */
static char *output(void)
{
	return drain(out_fp);
}

/* ---- argv from a line ---- */

struct args {
	char line[2048];
	char *argv[512];
	int argc;
};

static struct args *split(const char *line)
{
	static struct args a;

	snprintf(a.line, sizeof(a.line), "%s", line);
	a.argc = mcrctl_split_line(a.line, a.argv, 512);
	assert_true(a.argc >= 0);
	return &a;
}

static int parse_add(const char *line, struct mcr_rule *r)
{
	struct args *a = split(line);

	return mcrctl_parse_rule_add(a->argc, a->argv, r);
}

static int parse_del(const char *line, struct mcr_rule *r)
{
	struct args *a = split(line);

	return mcrctl_parse_rule_del(a->argc, a->argv, r);
}

static int parse_show(const char *line, struct mcr_rule_filter *f)
{
	struct args *a = split(line);

	return mcrctl_parse_rule_show(a->argc, a->argv, f);
}

/* ---- rule add ---- */

static void check_cam1(const struct mcr_rule *r)
{
	assert_string_equal(r->name, "cam1");
	assert_string_equal(r->in.dev, "eth0");
	assert_int_equal(r->in.group.v4.s_addr, A("239.1.1.1").v4.s_addr);
	assert_int_equal(r->in.port, 5001);
	assert_true(mcr_addr_equal(r->in.source, A("10.0.0.5")));
	assert_int_equal(r->origin, MCR_ORIGIN_RUNTIME);
	assert_int_equal(r->nout, 2);
	assert_string_equal(r->out[0].dev, "eth1");
	assert_int_equal(r->out[0].group.v4.s_addr, A("239.2.2.2").v4.s_addr);
	assert_int_equal(r->out[0].port, 6000);
	assert_int_equal(r->out[0].ttl, 4);
	/* Defaults: the input's group and port, no TTL cap. */
	assert_string_equal(r->out[1].dev, "eth2");
	assert_int_equal(r->out[1].group.v4.s_addr, A("239.1.1.1").v4.s_addr);
	assert_int_equal(r->out[1].port, 5001);
	assert_int_equal(r->out[1].ttl, 0);
	assert_false(r->out[1].ttl_fixed);
}

static void test_add_ok(void **state)
{
	struct mcr_rule r;

	(void)state;
	assert_int_equal(parse_add("name cam1 in dev eth0 group 239.1.1.1 port 5001 source 10.0.0.5 "
				   "out dev eth1 group 239.2.2.2 port 6000 ttl 4 out dev eth2", &r), 0);
	check_cam1(&r);
	mcr_rule_free(&r);
	/* Keywords in any order within their section, name last. */
	assert_int_equal(parse_add("in source 10.0.0.5 port 5001 group 239.1.1.1 dev eth0 "
				   "out ttl 4 port 6000 group 239.2.2.2 dev eth1 out dev eth2 name cam1",
				   &r), 0);
	check_cam1(&r);
	mcr_rule_free(&r);
	/* Abbreviations. */
	assert_int_equal(parse_add("n cam1 i d eth0 g 239.1.1.1 p 5001 s 10.0.0.5 "
				   "o d eth1 gr 239.2.2.2 po 6000 t 4 ou de eth2", &r), 0);
	check_cam1(&r);
	mcr_rule_free(&r);
	/* No name: left empty for mcrd to assign; no source: any. */
	assert_int_equal(parse_add("in dev eth0 group 239.1.1.1 port 5001 out dev eth1", &r), 0);
	assert_string_equal(r.name, "");
	assert_false(mcr_addr_set(r.in.source));
	assert_int_equal(r.nout, 1);
	mcr_rule_free(&r);
	assert_string_equal(errors(), "");
}

/* Several inputs and their redundancy; whether they make sense is mcrd's to say. */
static void test_add_inputs(void **state)
{
	struct mcr_rule r;

	(void)state;
	assert_int_equal(parse_add("name m in dev a group 239.1.1.1 port 5000 in dev b group "
				   "239.1.1.2 port 5002 source 10.0.0.9 redundancy merge "
				   "merge-window-ms 40 out dev c", &r), 0);
	assert_int_equal(mcr_rule_ninputs(&r), 2);
	assert_string_equal(r.in.dev, "a");
	assert_string_equal(r.more[0].dev, "b");
	assert_int_equal(r.more[0].port, 5002);
	assert_true(mcr_addr_equal(r.more[0].source, A("10.0.0.9")));
	assert_int_equal(r.red.mode, MCR_REDUNDANCY_MERGE);
	assert_int_equal(r.red.window_ms, 40);
	/* The outputs' group and port are the first input's. */
	assert_int_equal(r.out[0].group.v4.s_addr, A("239.1.1.1").v4.s_addr);
	assert_int_equal(r.out[0].port, 5000);
	mcr_rule_free(&r);
	/* Failover with its defaults, or with revert-ms 0 (never back); "re" is redundancy. */
	assert_int_equal(parse_add("in dev a group 239.1.1.1 port 5000 in dev b group 239.1.1.1 "
				   "port 5000 in dev c group 239.1.1.1 port 5000 re failover "
				   "out dev d", &r), 0);
	assert_int_equal(mcr_rule_ninputs(&r), 3);
	assert_int_equal(r.red.failover_ms, MCR_FAILOVER_DEFAULT);
	assert_int_equal(r.red.revert_ms, MCR_REVERT_DEFAULT);
	mcr_rule_free(&r);
	assert_int_equal(parse_add("redundancy failover revert-ms 0 failover-ms 30 in dev a group "
				   "239.1.1.1 port 5000 in dev b group 239.1.1.1 port 5000 out dev d",
				   &r), 0);
	assert_int_equal(r.red.failover_ms, 30);
	assert_int_equal(r.red.revert_ms, 0);
	mcr_rule_free(&r);
	/* A merge of one input, or two inputs without a mode: mcrd refuses them. */
	assert_int_equal(parse_add("in dev a group 239.1.1.1 port 5000 redundancy merge out dev d",
				   &r), 0);
	mcr_rule_free(&r);
	assert_string_equal(errors(), "");
}

static void test_add_many_outputs(void **state)
{
	size_t cap = 64 + 20 * (MCR_MAX_OUTPUTS + 1);
	char *line = malloc(cap);
	char **argv = calloc(4 * (MCR_MAX_OUTPUTS + 1) + 16, sizeof(*argv));
	struct mcr_rule r;
	int argc;

	(void)state;
	assert_non_null(line);
	assert_non_null(argv);
	for (unsigned n = MCR_MAX_OUTPUTS; n <= MCR_MAX_OUTPUTS + 1; n++) {
		size_t pos = (size_t)snprintf(line, cap, "in dev eth0 group 239.1.1.1 port 5001");

		for (unsigned i = 0; i < n; i++)
			pos += (size_t)snprintf(line + pos, cap - pos, " out dev v%u", i);
		argc = mcrctl_split_line(line, argv, 4 * (MCR_MAX_OUTPUTS + 1) + 16);
		if (n == MCR_MAX_OUTPUTS) {
			assert_int_equal(mcrctl_parse_rule_add(argc, argv, &r), 0);
			assert_int_equal(r.nout, MCR_MAX_OUTPUTS);
			assert_string_equal(r.out[4095].dev, "v4095");
			mcr_rule_free(&r);
		} else {
			assert_int_equal(mcrctl_parse_rule_add(argc, argv, &r), -EINVAL);
			assert_null(r.out);
			assert_string_equal(errors(), "Error: more than 4096 outputs\n");
		}
	}
	free(argv);
	free(line);
}

static const struct {
	const char *line;
	const char *error;
} add_errors[] = {
	/* Bad values. */
	{ "in dev eth0 group 300.1.1.1 port 5001 out dev eth1",
	  "Error: \"300.1.1.1\" is not a valid IP address\n" },
	{ "in dev eth0 group 239.1.1 port 5001 out dev eth1",
	  "Error: \"239.1.1\" is not a valid IP address\n" },
	{ "in dev eth0 group 239.1.1.1 port 5001 source x out dev eth1",
	  "Error: \"x\" is not a valid IP address\n" },
	{ "in dev eth0 group 239.1.1.1 port 0 out dev eth1", "Error: \"0\" is not a valid port\n" },
	{ "in dev eth0 group 239.1.1.1 port 70000 out dev eth1",
	  "Error: \"70000\" is not a valid port\n" },
	{ "in dev eth0 group 239.1.1.1 port 5001 out dev eth1 port 0",
	  "Error: \"0\" is not a valid port\n" },
	{ "in dev eth0 group 239.1.1.1 port -1 out dev eth1", "Error: \"-1\" is not a valid port\n" },
	{ "in dev eth0 group 239.1.1.1 port 5001 out dev eth1 ttl 0",
	  "Error: argument \"0\" is wrong: ttl must be 1..255\n" },
	{ "in dev eth0 group 239.1.1.1 port 5001 out dev eth1 ttl 256",
	  "Error: argument \"256\" is wrong: ttl must be 1..255\n" },
	{ "in dev eth0 group 239.1.1.1 port 5001 out dev eth1 ttl 4x",
	  "Error: argument \"4x\" is wrong: ttl must be 1..255\n" },
	{ "in dev abcdefghijklmnop group 239.1.1.1 port 5001 out dev eth1",
	  "Error: \"abcdefghijklmnop\" is not a valid interface name (longer than 15 characters)\n" },
	{ "in dev eth0 group 239.1.1.1 port 5001 out dev a/b",
	  "Error: \"a/b\" is not a valid interface name (only printable characters, and not \"/\", \":\", quotes, backslashes or blanks)\n" },
	{ "name \"a b\" in dev eth0 group 239.1.1.1 port 5001 out dev eth1",
	  "Error: \"a b\" is not a valid rule name\n" },
	{ "name 0123456789012345678901234567890123456789012345678901234567890123 in dev eth0",
	  "Error: \"0123456789012345678901234567890123456789012345678901234567890123\" is not a "
	  "valid rule name\nError: \"in\" needs \"group\"\n" },
	/* Missing pieces. */
	{ "in group 239.1.1.1 port 5001 out dev eth1", "Error: \"in\" needs \"dev\"\n" },
	{ "in dev eth0 port 5001 out dev eth1", "Error: \"in\" needs \"group\"\n" },
	{ "in dev eth0 group 239.1.1.1 out dev eth1", "Error: \"in\" needs \"port\"\n" },
	{ "in dev eth0 group 239.1.1.1", "Error: \"in\" needs \"port\"\n" },
	{ "in dev eth0 group 239.1.1.1 port 5001 out", "Error: \"out\" needs \"dev\"\n" },
	{ "in dev eth0 group 239.1.1.1 port 5001 out out dev eth1", "Error: \"out\" needs \"dev\"\n" },
	{ "in dev eth0 group 239.1.1.1 port 5001 out group 239.2.2.2 ttl 3",
	  "Error: \"out\" needs \"dev\"\n" },
	{ "in dev eth0 group 239.1.1.1 port 5001", "Error: missing \"out\"\n" },
	{ "name cam1", "Error: missing \"in\"\n" },
	{ "", "Error: missing \"in\"\n" },
	{ "out dev eth1 in dev eth0 group 239.1.1.1 port 5001",
	  "Error: \"in\" must come before \"out\"\n" },
	{ "in dev eth0 group", "Error: missing argument after \"group\"\n" },
	{ "in dev eth0 group 239.1.1.1 port 5001 out dev eth1 ttl",
	  "Error: missing argument after \"ttl\"\n" },
	{ "name", "Error: missing argument after \"name\"\n" },
	/* Unknown, misplaced, duplicate keywords. */
	{ "in dev eth0 group 239.1.1.1 port 5001 foo 1 out dev eth1",
	  "Error: unknown keyword \"foo\"\n" },
	{ "in dev eth0 group 239.1.1.1 port 5001 \"\" out dev eth1", "Error: unknown keyword \"\"\n" },
	{ "in dev eth0 group 239.1.1.1 port 5001 out dev eth1 groups 239.1.1.2",
	  "Error: unknown keyword \"groups\"\n" },
	{ "dev eth0 in group 239.1.1.1", "Error: \"dev\" must follow \"in\" or \"out\"\n" },
	{ "in dev eth0 group 239.1.1.1 port 5001 ttl 3 out dev eth1",
	  "Error: \"ttl\" is not valid in \"in\"\n" },
	{ "in dev eth0 group 239.1.1.1 port 5001 out dev eth1 source 10.0.0.1",
	  "Error: output source \"10.0.0.1\": only \"keep\" is valid\n" },
	{ "in dev eth0 group 239.1.1.1 port 5001 egress packet out dev eth1",
	  "Error: \"egress\" is not valid in \"in\"\n" },
	{ "in dev eth0 group 239.1.1.1 port 5001 out dev eth1 egress layer2",
	  "Error: egress \"layer2\": not \"auto\", \"packet\" or \"socket\"\n" },
	{ "in dev eth0 group 239.1.1.1 port 5001 out dev eth1 egress packet egress socket",
	  "Error: duplicate \"egress\"\n" },
	{ "in dev eth0 group 239.1.1.1 group 239.1.1.2 port 5001 out dev eth1",
	  "Error: duplicate \"group\"\n" },
	{ "in dev eth0 group 239.1.1.1 port 5001 out dev eth1 ttl 2 t 3",
	  "Error: duplicate \"ttl\"\n" },
	{ "in dev eth0 group 239.1.1.1 port 5001 out dev eth1 dev eth2",
	  "Error: duplicate \"dev\"\n" },
	{ "name a name b in dev eth0 group 239.1.1.1 port 5001 out dev eth1",
	  "Error: duplicate \"name\"\n" },
	{ "in dev eth0 group 239.1.1.1 port 5001 in dev eth0", "Error: \"in\" needs \"group\"\n" },
	/* Several inputs (redundancy). */
	{ "in dev a group 239.1.1.1 port 1 in dev b group 239.1.1.1 port 1 in dev c group 239.1.1.1 "
	  "port 1 in dev d group 239.1.1.1 port 1 in dev e group 239.1.1.1 port 1 out dev f",
	  "Error: more than 4 inputs\n" },
	{ "in dev a group 239.1.1.1 port 1 out dev f in dev b group 239.1.1.1 port 1",
	  "Error: every \"in\" must come before \"out\"\n" },
	{ "in dev a group 239.1.1.1 port 1 in dev b group 239.1.1.1 port 1 redundancy mirror "
	  "out dev f", "Error: redundancy \"mirror\": not \"merge\", \"failover\" or \"none\"\n" },
	{ "redundancy merge in dev a group 239.1.1.1 port 1 redundancy merge out dev f",
	  "Error: duplicate \"redundancy\"\n" },
	{ "in dev a group 239.1.1.1 port 1 in dev b group 239.1.1.1 port 1 redundancy merge "
	  "failover-ms 9 out dev f", "Error: \"failover-ms\" needs \"redundancy failover\"\n" },
	{ "in dev a group 239.1.1.1 port 1 in dev b group 239.1.1.1 port 1 revert-ms 0 out dev f",
	  "Error: \"revert-ms\" needs \"redundancy failover\"\n" },
	{ "in dev a group 239.1.1.1 port 1 redundancy failover merge-window-ms 5 out dev f",
	  "Error: \"merge-window-ms\" needs \"redundancy merge\"\n" },
	{ "in dev a group 239.1.1.1 port 1 redundancy merge merge-window-ms 0 out dev f",
	  "Error: argument \"0\" is wrong: merge-window-ms must be 1..150\n" },
	{ "in dev a group 239.1.1.1 port 1 redundancy failover failover-ms 60001 out dev f",
	  "Error: argument \"60001\" is wrong: failover-ms must be 1..60000\n" },
	{ "in dev a group 239.1.1.1 port 1 redundancy failover revert-ms -1 out dev f",
	  "Error: argument \"-1\" is wrong: revert-ms must be 0..3600000\n" },
	{ "in dev a group 239.1.1.1 port 1 in ttl 3 out dev f",
	  "Error: \"ttl\" is not valid in \"in\"\n" },
	/* Outputs repeating one another: same dev, group and port, whatever the TTL. */
	{ "in dev eth0 group 239.1.1.1 port 5001 out dev eth1 ttl 2 out dev eth2 out dev eth1 ttl 3",
	  "Error: output 3 duplicates output 1 (dev eth1 group 239.1.1.1 port 5001)\n" },
	{ "in dev eth0 group 239.1.1.1 port 5001 out dev eth1 out dev eth1 group 239.1.1.1 port 5001 "
	  "out dev eth1",
	  "Error: output 2 duplicates output 1 (dev eth1 group 239.1.1.1 port 5001)\n"
	  "Error: output 3 duplicates output 1 (dev eth1 group 239.1.1.1 port 5001)\n" },
	/* Every bad value is reported, the input's and the outputs'. */
	{ "name \"a b\" in dev eth0 group 239.1.1 port 0 out dev a/b ttl 0 out dev eth1 port 70000",
	  "Error: \"a b\" is not a valid rule name\n"
	  "Error: \"239.1.1\" is not a valid IP address\n"
	  "Error: \"0\" is not a valid port\n"
	  "Error: \"a/b\" is not a valid interface name (only printable characters, and not \"/\", "
	  "\":\", quotes, backslashes or blanks)\n"
	  "Error: argument \"0\" is wrong: ttl must be 1..255\n"
	  "Error: \"70000\" is not a valid port\n" },
	/* User strings are escaped. */
	{ "name a\033[31m in dev e\x9b group 239.1.1.1 port 5001 out dev eth1",
	  "Error: \"a\\x1b[31m\" is not a valid rule name\n"
	  "Error: \"e\\x9b\" is not a valid interface name (only printable characters, and not "
	  "\"/\", \":\", quotes, backslashes or blanks)\n" },
	{ "in dev eth0 \033]0;title\007 out dev eth1", "Error: unknown keyword \"\\x1b]0;title\\x07\"\n" },
};

static void test_add_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(add_errors) / sizeof(add_errors[0]); i++) {
		struct mcr_rule r;
		int ret = parse_add(add_errors[i].line, &r);
		const char *e = errors();

		if (ret != -EINVAL || strcmp(e, add_errors[i].error))
			fail_msg("\"%s\": %d \"%s\", expected \"%s\"", add_errors[i].line, ret, e,
				 add_errors[i].error);
		assert_null(r.out);
		assert_int_equal(r.nout, 0);
	}
}

/* ---- [dev NAME] of link show and group show ---- */

static void test_dev_filter(void **state)
{
	static const struct { const char *line; int ret; const char *dev, *error; } cases[] = {
		{ "", 0, "", "" },
		{ "dev eth0", 0, "eth0", "" },
		{ "d eth1", 0, "eth1", "" },
		{ "dev", -EINVAL, "", "Error: missing argument after \"dev\"\n" },
		{ "dev eth0 dev eth1", -EINVAL, "eth0", "Error: duplicate \"dev\"\n" },
		{ "group eth0", -EINVAL, "", "Error: unknown keyword \"group\"\n" },
		{ "dev a/b", -EINVAL, "", NULL },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct args *a = split(cases[i].line);
		char dev[IFNAMSIZ] = "x";
		int ret = mcrctl_parse_dev_filter(a->argc, a->argv, dev);
		const char *e = errors();

		if (ret != cases[i].ret || (cases[i].error && strcmp(e, cases[i].error)) ||
		    (!ret && strcmp(dev, cases[i].dev)))
			fail_msg("\"%s\": %d dev \"%s\" \"%s\"", cases[i].line, ret, dev, e);
	}
}

/* ---- rule del ---- */

static void test_del(void **state)
{
	struct mcr_rule r;

	(void)state;
	assert_int_equal(parse_del("name cam1", &r), 0);
	assert_string_equal(r.name, "cam1");
	assert_string_equal(r.in.dev, "");
	assert_int_equal(r.nout, 0);
	assert_int_equal(parse_del("n cam1", &r), 0);
	assert_string_equal(r.name, "cam1");

	assert_int_equal(parse_del("in dev eth0 group 239.1.1.1 port 5001 source 10.0.0.5", &r), 0);
	assert_string_equal(r.name, "");
	assert_string_equal(r.in.dev, "eth0");
	assert_int_equal(r.in.group.v4.s_addr, A("239.1.1.1").v4.s_addr);
	assert_int_equal(r.in.port, 5001);
	assert_true(mcr_addr_equal(r.in.source, A("10.0.0.5")));
	assert_int_equal(r.nout, 0);

	assert_int_equal(parse_del("", &r), -EINVAL);
	assert_string_equal(errors(), "Error: missing \"name\" or \"in\"\n");
	assert_int_equal(parse_del("name cam1 in dev eth0 group 239.1.1.1 port 5001", &r), -EINVAL);
	assert_string_equal(errors(), "Error: \"name\" and \"in\" cannot be used together\n");
	assert_int_equal(parse_del("in dev eth0 group 239.1.1.1 port 5001 out dev eth1", &r),
			 -EINVAL);
	assert_string_equal(errors(), "Error: unknown keyword \"out\"\n");
	assert_int_equal(parse_del("in dev eth0 port 5001", &r), -EINVAL);
	assert_string_equal(errors(), "Error: \"in\" needs \"group\"\n");
	assert_int_equal(parse_del("dev eth0", &r), -EINVAL);
	assert_string_equal(errors(), "Error: \"dev\" must follow \"in\"\n");
	assert_int_equal(parse_del("name cam1 name cam2", &r), -EINVAL);
	assert_string_equal(errors(), "Error: duplicate \"name\"\n");
	assert_int_equal(parse_del("in dev eth0 group 239.1.1.1 port 99999", &r), -EINVAL);
	assert_string_equal(errors(), "Error: \"99999\" is not a valid port\n");
}

/* ---- rule show ---- */

static void test_show_filters(void **state)
{
	struct mcr_rule_filter f;
	struct mcr_rule r;

	(void)state;
	assert_int_equal(parse_show("", &f), 0);
	assert_string_equal(f.name, "");
	assert_false(f.has_group);
	assert_int_equal(parse_show("name cam1 dev eth0 group 239.1.1.1", &f), 0);
	assert_string_equal(f.name, "cam1");
	assert_string_equal(f.dev, "eth0");
	assert_true(f.has_group);
	assert_int_equal(f.group.v4.s_addr, A("239.1.1.1").v4.s_addr);
	assert_int_equal(parse_show("g 239.1.1.1 d eth0 n cam1", &f), 0);
	assert_string_equal(f.name, "cam1");

	assert_int_equal(parse_show("port 5", &f), -EINVAL);
	assert_string_equal(errors(), "Error: unknown keyword \"port\"\n");
	assert_int_equal(parse_show("dev eth0 dev eth1", &f), -EINVAL);
	assert_string_equal(errors(), "Error: duplicate \"dev\"\n");
	assert_int_equal(parse_show("group 1.2.3", &f), -EINVAL);
	assert_string_equal(errors(), "Error: \"1.2.3\" is not a valid IP address\n");
	assert_int_equal(parse_show("name", &f), -EINVAL);
	assert_string_equal(errors(), "Error: missing argument after \"name\"\n");
	/* origin: config or runtime, spelled out; only in show. */
	assert_int_equal(parse_show("origin runtime", &f), 0);
	assert_true(f.has_origin);
	assert_int_equal(f.origin, MCR_ORIGIN_RUNTIME);
	assert_int_equal(parse_show("or config", &f), 0);
	assert_int_equal(f.origin, MCR_ORIGIN_CONFIG);
	assert_int_equal(parse_show("origin run", &f), -EINVAL);
	assert_string_equal(errors(), "Error: origin \"run\": not \"config\" or \"runtime\"\n");
	assert_int_equal(parse_add("in dev eth0 group 239.1.1.1 port 5001 origin runtime", &r), -EINVAL);
	assert_string_equal(errors(), "Error: unknown keyword \"origin\"\n");

	/* Matching: dev and group match any input or output. */
	assert_int_equal(parse_add("name cam1 in dev eth0 group 239.1.1.1 port 5001 "
				   "out dev eth1 group 239.2.2.2 out dev eth2", &r), 0);
	assert_int_equal(parse_show("", &f), 0);
	assert_true(mcr_rule_filter_match(&f, &r));
	assert_int_equal(parse_show("name cam1", &f), 0);
	assert_true(mcr_rule_filter_match(&f, &r));
	assert_int_equal(parse_show("name cam2", &f), 0);
	assert_false(mcr_rule_filter_match(&f, &r));
	assert_int_equal(parse_show("dev eth2 group 239.2.2.2", &f), 0);
	assert_true(mcr_rule_filter_match(&f, &r));
	assert_int_equal(parse_show("dev eth3", &f), 0);
	assert_false(mcr_rule_filter_match(&f, &r));
	assert_int_equal(parse_show("group 239.3.3.3", &f), 0);
	assert_false(mcr_rule_filter_match(&f, &r));
	mcr_rule_free(&r);
	/* ... and any input of a rule with several. */
	assert_int_equal(parse_add("name m in dev eth0 group 239.1.1.1 port 5001 in dev eth7 group "
				   "239.7.7.7 port 5001 redundancy merge out dev eth1", &r), 0);
	assert_int_equal(parse_show("dev eth7 group 239.7.7.7", &f), 0);
	assert_true(mcr_rule_filter_match(&f, &r));
	assert_int_equal(parse_show("group 239.3.3.3", &f), 0);
	assert_false(mcr_rule_filter_match(&f, &r));
	mcr_rule_free(&r);
}

/* ---- words ---- */

static void test_matches_and_lookup(void **state)
{
	static const char *const objects[] = { "rule", "link", "worker", "monitor", "reload" };

	(void)state;
	assert_true(mcrctl_matches("r", "rule"));
	assert_true(mcrctl_matches("rule", "rule"));
	assert_false(mcrctl_matches("rules", "rule"));
	assert_false(mcrctl_matches("", "rule"));
	assert_false(mcrctl_matches("R", "rule"));
	/* Table order decides between rule and reload. */
	assert_int_equal(mcrctl_lookup("r", objects, 5), 0);
	assert_int_equal(mcrctl_lookup("ru", objects, 5), 0);
	assert_int_equal(mcrctl_lookup("re", objects, 5), 4);
	assert_int_equal(mcrctl_lookup("m", objects, 5), 3);
	assert_int_equal(mcrctl_lookup("x", objects, 5), -1);
	assert_int_equal(mcrctl_lookup("", objects, 5), -1);
}

static void test_value_parsers(void **state)
{
	struct mcr_addr a;
	uint16_t port;
	uint8_t ttl;
	char dev[IFNAMSIZ];

	(void)state;
	assert_int_equal(mcrctl_get_addr("10.0.0.1", &a), 0);
	assert_true(mcr_addr_equal(a, A("10.0.0.1")));
	assert_int_equal(mcrctl_get_addr("ff3e::1", &a), 0);
	assert_true(mcr_addr_equal(a, A("ff3e::1")) && a.family == AF_INET6);
	assert_int_equal(mcrctl_get_addr("300.1.1.1", &a), -EINVAL);
	assert_string_equal(errors(), "Error: \"300.1.1.1\" is not a valid IP address\n");
	assert_int_equal(mcrctl_get_addr("::ffff:10.0.0.1", &a), -EINVAL);
	assert_string_equal(errors(), "Error: \"::ffff:10.0.0.1\" is not a valid IP address\n");
	assert_int_equal(mcrctl_get_port("65535", &port), 0);
	assert_int_equal(port, 65535);
	assert_int_equal(mcrctl_get_port("70000", &port), -EINVAL);
	assert_string_equal(errors(), "Error: \"70000\" is not a valid port\n");
	assert_int_equal(mcrctl_get_u8("255", "ttl", 1, &ttl), 0);
	assert_int_equal(ttl, 255);
	assert_int_equal(mcrctl_get_u8("0", "ttl", 1, &ttl), -EINVAL);
	assert_string_equal(errors(), "Error: argument \"0\" is wrong: ttl must be 1..255\n");
	assert_int_equal(mcrctl_get_ifname("eth0.100", dev), 0);
	assert_string_equal(dev, "eth0.100");
	assert_int_equal(mcrctl_get_ifname("", dev), -EINVAL);
	assert_string_equal(errors(), "Error: \"\" is not a valid interface name (empty)\n");
	/* The batch prefix goes before every error. */
	mcrctl_opt.err_prefix = "cmds:3: ";
	assert_int_equal(mcrctl_get_port("0", &port), -EINVAL);
	assert_string_equal(errors(), "cmds:3: Error: \"0\" is not a valid port\n");
	mcrctl_opt.err_prefix = "";
}

/* ---- batch lines ---- */

static void test_split_line(void **state)
{
	char line[256];
	char *argv[16];

	(void)state;
	snprintf(line, sizeof(line), "  rule add   name cam1\tin dev eth0\n");
	assert_int_equal(mcrctl_split_line(line, argv, 16), 7);
	assert_string_equal(argv[0], "rule");
	assert_string_equal(argv[3], "cam1");
	assert_string_equal(argv[6], "eth0");

	snprintf(line, sizeof(line), "add name \"a b\" x\"y z\"w \"\" \"q\\\"uote\\\\\"\n");
	assert_int_equal(mcrctl_split_line(line, argv, 16), 6);
	assert_string_equal(argv[2], "a b");
	assert_string_equal(argv[3], "xy zw");
	assert_string_equal(argv[4], "");
	assert_string_equal(argv[5], "q\"uote\\");

	snprintf(line, sizeof(line), "# a comment\n");
	assert_int_equal(mcrctl_split_line(line, argv, 16), 0);
	snprintf(line, sizeof(line), "   \t \r\n");
	assert_int_equal(mcrctl_split_line(line, argv, 16), 0);
	snprintf(line, sizeof(line), "%s", "");
	assert_int_equal(mcrctl_split_line(line, argv, 16), 0);
	snprintf(line, sizeof(line), "show # the rest \"is ignored\n");
	assert_int_equal(mcrctl_split_line(line, argv, 16), 1);
	assert_string_equal(argv[0], "show");
	snprintf(line, sizeof(line), "show name a#b \"#c\"");
	assert_int_equal(mcrctl_split_line(line, argv, 16), 4);
	assert_string_equal(argv[2], "a#b");
	assert_string_equal(argv[3], "#c");

	snprintf(line, sizeof(line), "add name \"cam1 in dev eth0\n");
	assert_int_equal(mcrctl_split_line(line, argv, 16), -EINVAL);
	snprintf(line, sizeof(line), "a b c d");
	assert_int_equal(mcrctl_split_line(line, argv, 3), -E2BIG);
	snprintf(line, sizeof(line), "a b c");
	assert_int_equal(mcrctl_split_line(line, argv, 3), 3);
}

/* ---- a small strict JSON validator ---- */

struct json {
	const char *p;
};

static bool jvalue(struct json *j, int depth);

static void jws(struct json *j)
{
	while (*j->p == ' ' || *j->p == '\n' || *j->p == '\t' || *j->p == '\r')
		j->p++;
}

static bool jstring(struct json *j)
{
	if (*j->p++ != '"')
		return false;
	while (*j->p != '"') {
		unsigned char c = (unsigned char)*j->p++;

		if (c < 0x20)
			return false;
		if (c == '\\') {
			c = (unsigned char)*j->p++;
			if (c == 'u') {
				for (int i = 0; i < 4; i++)
					if (!isxdigit((unsigned char)*j->p++))
						return false;
			} else if (!strchr("\"\\/bfnrt", c) || !c) {
				return false;
			}
		}
	}
	j->p++;
	return true;
}

static bool jnumber(struct json *j)
{
	const char *s = j->p;

	if (*j->p == '-')
		j->p++;
	if (!isdigit((unsigned char)*j->p))
		return false;
	if (*j->p == '0' && isdigit((unsigned char)j->p[1]))
		return false;
	while (isdigit((unsigned char)*j->p))
		j->p++;
	return j->p > s;
}

static bool jlist(struct json *j, char close, bool object, int depth)
{
	jws(j);
	if (*j->p == close) {
		j->p++;
		return true;
	}
	for (;;) {
		jws(j);
		if (object) {
			if (!jstring(j))
				return false;
			jws(j);
			if (*j->p++ != ':')
				return false;
		}
		if (!jvalue(j, depth + 1))
			return false;
		jws(j);
		if (*j->p == close) {
			j->p++;
			return true;
		}
		if (*j->p++ != ',')
			return false;
	}
}

static bool jvalue(struct json *j, int depth)
{
	if (depth > 32)
		return false;
	jws(j);
	switch (*j->p) {
	case '{': j->p++; return jlist(j, '}', true, depth);
	case '[': j->p++; return jlist(j, ']', false, depth);
	case '"': return jstring(j);
	case 'n': return !strncmp(j->p, "null", 4) && (j->p += 4);
	case 't': return !strncmp(j->p, "true", 4) && (j->p += 4);
	case 'f': return !strncmp(j->p, "false", 5) && (j->p += 5);
	default: return jnumber(j);
	}
}

/* One JSON document, then only blanks. */
static bool json_valid(const char *s)
{
	struct json j = { s };

	if (!jvalue(&j, 0))
		return false;
	jws(&j);
	return *j.p == '\0';
}

static void test_json_validator(void **state)
{
	(void)state;
	assert_true(json_valid("[]\n"));
	assert_true(json_valid("{\"a\":[1,-2,null,\"x\\\"\\u00e9\"],\"b\":{}}"));
	assert_false(json_valid("[1,]"));
	assert_false(json_valid("{\"a\" 1}"));
	assert_false(json_valid("[\"a\nb\"]"));
	assert_false(json_valid("[] []"));
	assert_false(json_valid("[01]"));
}

/* ---- printers ---- */

static void make_cam1(struct mcr_rule *r, struct mcr_rule_info *info, bool stats)
{
	assert_int_equal(parse_add("name cam1 in dev eth0 group 239.1.1.1 port 5001 source 10.0.0.5 "
				   "out dev eth1 group 239.2.2.2 port 6000 ttl 4 out dev eth2", r), 0);
	memset(info, 0, sizeof(*info));
	info->state = MCR_STATE_ACTIVE;
	info->worker = UINT32_MAX;
	info->has_stats = stats;
	info->packets = 1000;
	info->bytes = 1400000;
	info->pps = 1000;
	info->bps = 11200000;
	info->out = calloc(2, sizeof(*info->out));
	assert_non_null(info->out);
	info->out[0].state = MCR_STATE_ACTIVE;
	info->out[0].packets = 1000;
	info->out[0].bytes = 1400000;
	info->out[1].state = MCR_STATE_PENDING;
	snprintf(info->out[1].reason, sizeof(info->out[1].reason), "no such device");
	r->origin = MCR_ORIGIN_CONFIG;
}

/* IPv6 groups and sources, printed back in text ([G]:P) and JSON. */
static void test_add_ipv6(void **state)
{
	struct mcr_rule r;
	struct mcr_rule_info info = { .state = MCR_STATE_PENDING, .worker = UINT32_MAX };
	struct mcr_rule_filter f_dummy;
	char *s;

	(void)state;
	assert_int_equal(parse_add("name ssm in dev eth0 group ff3e::8000:1 port 5001 source 2001:db8::5 "
				   "out dev eth1 group ff05::2 port 6000 ttl 4 out dev eth2", &r), 0);
	assert_true(mcr_addr_equal(r.in.group, A("ff3e::8000:1")));
	assert_true(mcr_addr_equal(r.in.source, A("2001:db8::5")));
	assert_true(mcr_addr_equal(r.out[0].group, A("ff05::2")));
	/* An output without a group takes the input's. */
	assert_true(mcr_addr_equal(r.out[1].group, A("ff3e::8000:1")));
	snprintf(info.reason, sizeof(info.reason), "IPv6 input: not relayed yet");
	mcrctl_print_rule(NULL, &r, &info);
	s = output();
	assert_string_equal(s, "ssm in eth0 [ff3e::8000:1]:5001 source 2001:db8::5 -> eth1 "
			       "[ff05::2]:6000 ttl 4, eth2 [ff3e::8000:1]:5001 state pending "
			       "(IPv6 input: not relayed yet) origin runtime\n");
	free(s);
	mcrctl_print_setup(out_fp, true, false);
	mcrctl_print_start();
	mcrctl_print_rule(NULL, &r, &info);
	mcrctl_print_end();
	s = output();
	assert_non_null(strstr(s, "\"in\":{\"dev\":\"eth0\",\"group\":\"ff3e::8000:1\",\"port\":5001,"
				  "\"source\":\"2001:db8::5\"},\"out\":[{\"dev\":\"eth1\",\"group\":"
				  "\"ff05::2\",\"port\":6000,"));
	assert_true(json_valid(s));
	free(s);
	mcrctl_print_setup(out_fp, false, false);
	mcr_rule_free(&r);
	/* :: (and 0.0.0.0) as a source: any source. */
	assert_int_equal(parse_add("in dev eth0 group ff3e::1 port 5001 source :: out dev eth1", &r), 0);
	assert_false(mcr_addr_set(r.in.source));
	mcr_rule_free(&r);
	assert_int_equal(parse_add("in dev eth0 group 239.1.1.1 port 5001 source 0.0.0.0 out dev eth1",
				   &r), 0);
	assert_false(mcr_addr_set(r.in.source));
	mcr_rule_free(&r);
	assert_int_equal(parse_add("in dev eth0 group ff3e::1%eth0 port 5001 out dev eth1", &r),
			 -EINVAL);
	assert_string_equal(errors(), "Error: \"ff3e::1%eth0\" is not a valid IP address\n");
	assert_int_equal(parse_show("group ff02::fb", &f_dummy), 0);
	assert_true(f_dummy.has_group && mcr_addr_equal(f_dummy.group, A("ff02::fb")));
}

static void test_rule_text(void **state)
{
	struct mcr_rule r;
	struct mcr_rule_info info;
	char *s;

	(void)state;
	make_cam1(&r, &info, false);
	mcrctl_print_rule(NULL, &r, &info);
	s = output();
	assert_string_equal(s, "cam1 in eth0 239.1.1.1:5001 source 10.0.0.5 -> eth1 239.2.2.2:6000 "
			       "ttl 4, eth2 239.1.1.1:5001 state active\n");
	free(s);

	/* Pending, runtime, a worker, counters. */
	info.state = MCR_STATE_PENDING;
	snprintf(info.reason, sizeof(info.reason), "no such device \"eth0\"");
	info.worker = 2;
	info.has_stats = true;
	info.drops[MCR_DROP_NO_TX_SLOT] = 5;
	r.origin = MCR_ORIGIN_RUNTIME;
	mcrctl_print_rule(NULL, &r, &info);
	s = output();
	assert_string_equal(s,
		"cam1 in eth0 239.1.1.1:5001 source 10.0.0.5 -> eth1 239.2.2.2:6000 ttl 4, "
		"eth2 239.1.1.1:5001 state pending (no such device \"eth0\") origin runtime "
		"worker 2\n"
		"    packets 1000 bytes 1400000 rate 1000 pps 11.2 Mbit/s\n"
		"    drops: truncated 0 not_ipv4 0 bad_ip_header 0 bad_ip_length 0 fragment 0 "
		"not_udp 0 bad_udp_length 0 no_rule 0 no_tx_slot 5 socket_queue 0 "
		"bad_ip_checksum 0 bad_udp_checksum 0 ttl_expired 0 loop 0\n"
		"    -> eth1 239.2.2.2:6000 packets 1000 bytes 1400000 errors 0\n"
		"    -> eth2 239.1.1.1:5001 packets 0 bytes 0 errors 0 state pending (no such device)\n");
	free(s);

	info.drops[MCR_DROP_NO_TX_SLOT] = 0;
	info.bps = 999;
	mcrctl_print_rule(NULL, &r, &info);
	s = output();
	assert_non_null(strstr(s, " rate 1000 pps 999 bit/s\n    drops: none\n"));
	free(s);

	/* An output's egress settings, and the path it sends through. */
	r.out[0].egress = MCR_EGRESS_PACKET;
	r.out[0].keep_source = true;
	info.out[0].path = MCR_EGRESS_PACKET;
	info.out[1].path = MCR_EGRESS_SOCKET;
	mcrctl_print_rule(NULL, &r, &info);
	s = output();
	assert_non_null(strstr(s, "-> eth1 239.2.2.2:6000 ttl 4 egress packet source keep via packet, "
				  "eth2 239.1.1.1:5001 via socket state"));
	free(s);
	mcr_rule_info_free(&info);
	mcr_rule_free(&r);
}

static void test_rule_json(void **state)
{
	struct mcr_rule r;
	struct mcr_rule_info info;
	char *s;

	(void)state;
	make_cam1(&r, &info, false);
	mcrctl_print_setup(out_fp, true, false);
	mcrctl_print_start();
	mcrctl_print_rule(NULL, &r, &info);
	mcrctl_print_end();
	s = output();
	assert_string_equal(s,
		"[{\"name\":\"cam1\",\"in\":{\"dev\":\"eth0\",\"group\":\"239.1.1.1\",\"port\":5001,"
		"\"source\":\"10.0.0.5\"},\"out\":[{\"dev\":\"eth1\",\"group\":\"239.2.2.2\","
		"\"port\":6000,\"ttl\":4,\"fixed_ttl\":null,\"egress\":\"auto\",\"source\":null,"
		"\"path\":null,\"state\":\"active\",\"reason\":null},{\"dev\":\"eth2\",\"group\":"
		"\"239.1.1.1\",\"port\":5001,\"ttl\":null,\"fixed_ttl\":null,\"egress\":\"auto\","
		"\"source\":null,\"path\":null,\"state\":\"pending\",\"reason\":\"no such device\"}],"
		"\"state\":\"active\","
		"\"reason\":null,\"origin\":\"config\",\"note\":null}]\n");
	assert_true(json_valid(s));
	free(s);

	/* A note (another mcrd relays the input): a string in JSON, "note (...)" in text. */
	snprintf(info.note, sizeof(info.note), "another mcrd relays this input");
	mcrctl_print_setup(out_fp, true, false);
	mcrctl_print_start();
	mcrctl_print_rule(NULL, &r, &info);
	mcrctl_print_end();
	s = output();
	assert_non_null(strstr(s, "\"origin\":\"config\",\"note\":\"another mcrd relays this input\"}"));
	free(s);
	mcrctl_print_setup(out_fp, false, false);
	mcrctl_print_rule(NULL, &r, &info);
	s = output();
	assert_non_null(strstr(s, " state active note (another mcrd relays this input)\n"));
	free(s);
	info.note[0] = 0;

	/* With counters, pending, two rules, any source; pretty too. */
	info.has_stats = true;
	info.state = MCR_STATE_PENDING;
	snprintf(info.reason, sizeof(info.reason), "tab\there \"quoted\" back\\slash");
	for (int pretty = 0; pretty < 2; pretty++) {
		mcrctl_print_setup(out_fp, true, pretty);
		mcrctl_print_start();
		mcrctl_print_rule(NULL, &r, &info);
		r.in.source = (struct mcr_addr){ 0 };
		mcrctl_print_rule(NULL, &r, &info);
		mcrctl_print_end();
		s = output();
		if (!json_valid(s))
			fail_msg("invalid JSON: %s", s);
		assert_non_null(strstr(s, "tab\\there \\\"quoted\\\" back\\\\slash"));
		assert_non_null(strstr(s, pretty ? "\"source\": null" : "\"source\":null"));
		assert_non_null(strstr(s, pretty ? "\"no_tx_slot\": 0" : "\"no_tx_slot\":0"));
		assert_non_null(strstr(s, pretty ? "\"bps\": 11200000" : "\"bps\":11200000"));
		assert_non_null(strstr(s, pretty ? "\"errors\": 0" : "\"errors\":0"));
		free(s);
	}

	/* An empty listing. */
	mcrctl_print_start();
	mcrctl_print_end();
	s = output();
	assert_string_equal(s, "[]\n");
	free(s);
	mcr_rule_info_free(&info);
	mcr_rule_free(&r);
}

/* A rule with two inputs: text on one line, counters per input; JSON "inputs" and "redundancy". */
static void test_rule_inputs_print(void **state)
{
	struct mcr_rule_info info;
	struct mcr_rule r;
	char *s;

	(void)state;
	make_cam1(&r, &info, false);
	r.more[0] = r.in;
	snprintf(r.more[0].dev, sizeof(r.more[0].dev), "eth9");
	r.more[0].source = (struct mcr_addr){ 0 };
	r.nmore = 1;
	mcr_redund_init(&r.red, MCR_REDUNDANCY_FAILOVER);
	info.active_in = 1;
	info.in[0].state = MCR_STATE_ACTIVE;
	info.in[1].state = MCR_STATE_PENDING;
	snprintf(info.in[1].reason, sizeof(info.in[1].reason), "input interface down");
	mcrctl_print_rule(NULL, &r, &info);
	s = output();
	assert_string_equal(s, "cam1 in eth0 239.1.1.1:5001 source 10.0.0.5, eth9 239.1.1.1:5001 "
			       "redundancy failover failover-ms 200 revert-ms 2000 relaying input 2 "
			       "-> eth1 239.2.2.2:6000 ttl 4, eth2 239.1.1.1:5001 state active\n");
	free(s);

	info.has_stats = true;
	info.switches = 3;
	info.in[0].packets = 10, info.in[0].duplicates = 4, info.in[0].pps = 2;
	info.in[1].packets = 7;
	info.drops[MCR_DROP_DUPLICATE] = 4;
	mcr_redund_init(&r.red, MCR_REDUNDANCY_MERGE);
	info.resyncs = 1;
	info.in[1].filled = 5, info.in[1].late = 6;
	mcrctl_print_rule(NULL, &r, &info);
	s = output();
	assert_string_equal(s,
		"cam1 in eth0 239.1.1.1:5001 source 10.0.0.5, eth9 239.1.1.1:5001 redundancy merge "
		"merge-window-ms 10 -> eth1 239.2.2.2:6000 ttl 4, eth2 239.1.1.1:5001 state active\n"
		"    packets 1000 bytes 1400000 rate 1000 pps 11.2 Mbit/s\n"
		"    drops: truncated 0 not_ipv4 0 bad_ip_header 0 bad_ip_length 0 fragment 0 "
		"not_udp 0 bad_udp_length 0 no_rule 0 no_tx_slot 0 socket_queue 0 "
		"bad_ip_checksum 0 bad_udp_checksum 0 ttl_expired 0 loop 0 duplicate 4\n"
		"    resyncs 1\n"
		"    <- eth0 239.1.1.1:5001 packets 10 duplicates 4 filled 0 late 0 rate 2 pps\n"
		"    <- eth9 239.1.1.1:5001 packets 7 duplicates 0 filled 5 late 6 rate 0 pps "
		"state pending (input interface down)\n"
		"    -> eth1 239.2.2.2:6000 packets 1000 bytes 1400000 errors 0\n"
		"    -> eth2 239.1.1.1:5001 packets 0 bytes 0 errors 0 state pending (no such device)\n");
	free(s);

	mcrctl_print_setup(out_fp, true, false);
	mcrctl_print_start();
	mcrctl_print_rule(NULL, &r, &info);
	mcrctl_print_end();
	s = output();
	if (!json_valid(s))
		fail_msg("invalid JSON: %s", s);
	assert_non_null(strstr(s, "\"in\":{\"dev\":\"eth0\",\"group\":\"239.1.1.1\",\"port\":5001,"
				  "\"source\":\"10.0.0.5\"},\"inputs\":[{\"dev\":\"eth0\""));
	assert_non_null(strstr(s, "{\"dev\":\"eth9\",\"group\":\"239.1.1.1\",\"port\":5001,"
				  "\"source\":null,\"state\":\"pending\",\"reason\":\"input interface "
				  "down\",\"packets\":7,\"duplicates\":0,\"filled\":5,\"late\":6,"
				  "\"pps\":0}]"));
	assert_non_null(strstr(s, "\"redundancy\":{\"mode\":\"merge\",\"merge_window_ms\":10,"
				  "\"switches\":3,\"resyncs\":1}"));
	assert_non_null(strstr(s, "\"duplicate\":4,\"late\":0"));
	free(s);
	mcr_rule_info_free(&info);
	mcr_rule_free(&r);
}

static void test_json_escape(void **state)
{
	char *s;

	(void)state;
	mcrctl_json_escape(out_fp, "a\"b\\c\n\r\t\b\f\x01\x1f\x7f/");
	s = output();
	assert_string_equal(s, "\"a\\\"b\\\\c\\n\\r\\t\\b\\f\\u0001\\u001f\\u007f/\"");
	free(s);
	/* Valid UTF-8 passes; invalid bytes, overlong forms and surrogates become U+FFFD. */
	mcrctl_json_escape(out_fp, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80|\xff|\xc0\xaf|\xed\xa0\x80|\xc3");
	s = output();
	assert_string_equal(s, "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80|\\ufffd|\\ufffd\\ufffd|"
			       "\\ufffd\\ufffd\\ufffd|\\ufffd\"");
	assert_true(json_valid(s));
	free(s);

	/* Through the printer, in text and JSON. */
	mcrctl_print_string(MCRCTL_ANY, "k", "<%s>", "x\"y");
	s = output();
	assert_string_equal(s, "<x\"y>");
	free(s);
	mcrctl_print_setup(out_fp, true, false);
	mcrctl_open_object(NULL);
	mcrctl_print_string(MCRCTL_ANY, "k\"", "<%s>", "x\"y");
	mcrctl_print_null(MCRCTL_JSON, "n", "ignored");
	mcrctl_print_int(MCRCTL_ANY, "i", "%d", -22);
	mcrctl_print_text("text only %d", 1);
	mcrctl_print_nl();
	mcrctl_open_array("a");
	mcrctl_print_uint(MCRCTL_ANY, NULL, "%u", 1u);
	mcrctl_print_u64(MCRCTL_TEXT, NULL, "%llu", 2ull);
	mcrctl_print_u64(MCRCTL_JSON, NULL, "%llu", 18446744073709551615ull);
	mcrctl_close_array();
	mcrctl_close_object();
	s = output();
	assert_string_equal(s, "{\"k\\\"\":\"x\\\"y\",\"n\":null,\"i\":-22,\"a\":[1,18446744073709551615]}\n");
	assert_true(json_valid(s));
	free(s);
}

static void test_link_print(void **state)
{
	struct mcr_link_info l;
	char *s;

	(void)state;
	memset(&l, 0, sizeof(l));
	snprintf(l.name, sizeof(l.name), "eth0");
	l.ifindex = 2;
	snprintf(l.state, sizeof(l.state), "up");
	l.addr[0] = A("10.0.0.1").v4;
	l.addr[1] = A("10.0.1.1").v4;
	l.naddr = 2;
	l.rules = 3;
	mcrctl_print_link(NULL, &l);
	s = output();
	assert_string_equal(s, "eth0 ifindex 2 state up addr 10.0.0.1 10.0.1.1 rules 3\n");
	free(s);
	l.has_stats = true;
	l.frames = 5000;
	l.drops[MCR_DROP_NO_RULE] = 7;
	mcrctl_print_link(NULL, &l);
	s = output();
	assert_string_equal(s, "eth0 ifindex 2 state up addr 10.0.0.1 10.0.1.1 rules 3\n"
			       "    frames 5000\n"
			       "    drops: truncated 0 not_ipv4 0 bad_ip_header 0 bad_ip_length 0 "
			       "fragment 0 not_udp 0 bad_udp_length 0 no_rule 7 no_tx_slot 0 "
			       "socket_queue 0 bad_ip_checksum 0 bad_udp_checksum 0 ttl_expired 0 "
			       "loop 0\n");
	free(s);
	mcrctl_print_setup(out_fp, true, false);
	mcrctl_print_start();
	mcrctl_print_link(NULL, &l);
	l.naddr = 0;
	l.has_stats = false;
	mcrctl_print_link(NULL, &l);
	mcrctl_print_end();
	s = output();
	assert_true(json_valid(s));
	assert_non_null(strstr(s, "{\"name\":\"eth0\",\"ifindex\":2,\"state\":\"up\","
				  "\"addr\":[\"10.0.0.1\",\"10.0.1.1\"],\"rules\":3,\"frames\":5000,"
				  "\"drops\":{\"truncated\":0,"));
	assert_non_null(strstr(s, "\"addr\":[],\"rules\":3}]\n"));
	free(s);
	/* IPv6 addresses after the IPv4 ones, in the same list. */
	l.naddr = 1;
	l.addr6[0] = A("fe80::1").v6;
	l.addr6[1] = A("2001:db8::2").v6;
	l.naddr6 = 2;
	mcrctl_print_setup(out_fp, false, false);
	mcrctl_print_link(NULL, &l);
	s = output();
	assert_string_equal(s, "eth0 ifindex 2 state up addr 10.0.0.1 fe80::1 2001:db8::2 rules 3\n");
	free(s);
	l.naddr = 0;
	mcrctl_print_setup(out_fp, true, false);
	mcrctl_print_start();
	mcrctl_print_link(NULL, &l);
	mcrctl_print_end();
	s = output();
	assert_non_null(strstr(s, "\"addr\":[\"fe80::1\",\"2001:db8::2\"],\"rules\":3}]\n"));
	free(s);
}

static void test_worker(void **state)
{
	uint32_t buf[256];
	struct nlmsghdr *nlh = mcr_ctl_msg_start(buf, sizeof(buf), MCR_MSG_WORKER, 1, 0);
	struct nlattr *n = mnl_attr_nest_start(nlh, MCR_A_WORKER);
	struct mcr_worker_info w;
	char err[128], *s;

	(void)state;
	mnl_attr_put_u32(nlh, MCR_WORKER_INDEX, 1);
	mnl_attr_put_u32(nlh, MCR_WORKER_PID, 4242);
	mnl_attr_put_u32(nlh, MCR_WORKER_CPU, UINT32_MAX);
	mnl_attr_put_u32(nlh, MCR_WORKER_RULES, 3);
	mnl_attr_put_u64(nlh, MCR_WORKER_PACKETS_IN, 10);
	mnl_attr_put_u64(nlh, MCR_WORKER_PACKETS_OUT, 20);
	mnl_attr_put_u32(nlh, 77, 1); /* unknown: skipped */
	mnl_attr_nest_end(nlh, n);
	assert_int_equal(mcr_ctl_msg_check(nlh, nlh->nlmsg_len, err, sizeof(err)), 0);
	assert_int_equal(mcr_ctl_get_worker(mcr_ctl_attr(nlh, MCR_A_WORKER), &w, err, sizeof(err)), 0);
	assert_int_equal(w.index, 1);
	assert_int_equal(w.pid, 4242);
	mcrctl_print_worker(NULL, &w);
	s = output();
	assert_string_equal(s, "worker 1 pid 4242 cpu any rules 3 packets in 10 out 20\n");
	free(s);
	mcrctl_print_setup(out_fp, true, false);
	mcrctl_print_worker(NULL, &w);
	s = output();
	assert_string_equal(s, "{\"index\":1,\"pid\":4242,\"cpu\":null,\"rules\":3,\"packets_in\":10,"
			       "\"packets_out\":20}\n");
	free(s);

	/* A u64 counter sent as u32. */
	nlh = mcr_ctl_msg_start(buf, sizeof(buf), MCR_MSG_WORKER, 1, 0);
	n = mnl_attr_nest_start(nlh, MCR_A_WORKER);
	mnl_attr_put_u32(nlh, MCR_WORKER_INDEX, 1);
	mnl_attr_put_u32(nlh, MCR_WORKER_DROPS, 1);
	mnl_attr_nest_end(nlh, n);
	assert_int_equal(mcr_ctl_get_worker(mcr_ctl_attr(nlh, MCR_A_WORKER), &w, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "worker: drops: attribute of 4 bytes, expected 8");
}

/* Events print with the same printers as the listings. */
static void test_events(void **state)
{
	struct mcr_rule r;
	struct mcr_rule_info info;
	size_t len;
	void *buf;
	struct nlmsghdr *nlh;
	char *s;
	const char *msgs[] = { "mcrd.conf:3: unknown key \"x\"" };

	(void)state;
	make_cam1(&r, &info, false);
	len = mcr_ctl_rule_size(&r);
	buf = calloc(1, len);
	assert_non_null(buf);
	nlh = mcr_ctl_msg_start(buf, len, MCR_MSG_EVENT, 0, 0);
	mnl_attr_put_u32(nlh, MCR_A_EVENT, MCR_EV_RULE_ADDED);
	assert_int_equal(mcr_ctl_put_rule(nlh, len, &r, &info), 0);
	assert_int_equal(mcrctl_print_event(nlh), 0);
	s = output();
	assert_string_equal(s, "[rule-added] cam1 in eth0 239.1.1.1:5001 source 10.0.0.5 -> eth1 "
			       "239.2.2.2:6000 ttl 4, eth2 239.1.1.1:5001 state active\n");
	free(s);
	mcrctl_print_setup(out_fp, true, false);
	assert_int_equal(mcrctl_print_event(nlh), 0);
	s = output();
	assert_true(json_valid(s));
	assert_non_null(strstr(s, "{\"event\":\"rule-added\",\"rule\":{\"name\":\"cam1\","));

	nlh = mcr_ctl_msg_start(buf, len, MCR_MSG_EVENT, 0, 0);
	mnl_attr_put_u32(nlh, MCR_A_EVENT, MCR_EV_RELOAD);
	assert_int_equal(mcr_ctl_put_done(nlh, len, -EINVAL, msgs, 1), 0);
	assert_int_equal(mcrctl_print_event(nlh), 0);
	free(s);
	s = output();
	assert_string_equal(s, "{\"event\":\"reload\",\"status\":-22,\"messages\":"
			       "[\"mcrd.conf:3: unknown key \\\"x\\\"\"]}\n");
	free(s);
	mcrctl_print_setup(out_fp, false, false);
	assert_int_equal(mcrctl_print_event(nlh), 0);
	s = output();
	assert_string_equal(s, "[reload] failed: Invalid argument\n"
			       "[reload] mcrd.conf:3: unknown key \"x\"\n");
	free(s);

	/* An event without its rule is reported, not printed. */
	nlh = mcr_ctl_msg_start(buf, len, MCR_MSG_EVENT, 0, 0);
	mnl_attr_put_u32(nlh, MCR_A_EVENT, MCR_EV_RULE_REMOVED);
	assert_int_equal(mcrctl_print_event(nlh), -EINVAL);
	assert_string_equal(errors(), "Error: bad event from mcrd: no rule attribute\n");
	s = output();
	assert_string_equal(s, "");
	free(s);
	free(buf);
	mcr_rule_info_free(&info);
	mcr_rule_free(&r);

	/* An IPv6 rule: [G]:P as rule show prints it, the source bare. */
	assert_int_equal(parse_add("name v6 in dev eth0 group ff3e::8000:1 port 5001 source 2001:db8::5 "
				   "out dev eth1 group ff05::2 port 6000", &r), 0);
	memset(&info, 0, sizeof(info));
	info.state = MCR_STATE_ACTIVE;
	info.worker = UINT32_MAX;
	len = mcr_ctl_rule_size(&r);
	buf = calloc(1, len);
	assert_non_null(buf);
	nlh = mcr_ctl_msg_start(buf, len, MCR_MSG_EVENT, 0, 0);
	mnl_attr_put_u32(nlh, MCR_A_EVENT, MCR_EV_RULE_ACTIVE);
	assert_int_equal(mcr_ctl_put_rule(nlh, len, &r, &info), 0);
	assert_int_equal(mcrctl_print_event(nlh), 0);
	s = output();
	assert_string_equal(s, "[rule-active] v6 in eth0 [ff3e::8000:1]:5001 source 2001:db8::5 -> eth1 "
			       "[ff05::2]:6000 state active origin runtime\n");
	free(s);
	free(buf);
	mcr_rule_free(&r);
}

/* ---- command tables ---- */

/* Every listed row of every object is in its usage; help and unknown words. */
static void test_tables(void **state)
{
	const struct mcrctl_object *objs[] = { &mcrctl_rule_object, &mcrctl_link_object,
					       &mcrctl_worker_object, &mcrctl_monitor_object,
					       &mcrctl_reload_object };
	char *argv[] = { "frob", NULL }, *help[] = { "he", NULL }, *s, want[128];

	(void)state;
	for (size_t i = 0; i < sizeof(objs) / sizeof(objs[0]); i++) {
		const struct mcrctl_object *o = objs[i];

		mcrctl_usage(o, out_fp);
		s = output();
		for (const struct mcrctl_cmd *c = o->cmds; c->name; c++) {
			snprintf(want, sizeof(want), "mcrctl %s %s", o->name, c->name);
			if (c->args && !strstr(s, want))
				fail_msg("usage of %s lacks \"%s\"", o->name, want);
			if (!c->args)
				assert_null(strstr(s, want));
		}
		assert_true(!strncmp(s, "Usage: mcrctl ", 14));
		free(s);
		assert_int_equal(mcrctl_dispatch(o, 1, argv), MCRCTL_EXIT_USAGE);
		snprintf(want, sizeof(want), "Error: unknown command \"frob\" for \"%s\"\nUsage:",
			 o->name);
		assert_true(!strncmp(errors(), want, strlen(want)));
	}
	/* help goes to stdout, which the test does not capture: exit 0 is enough. */
	assert_int_equal(mcrctl_dispatch(&mcrctl_reload_object, 1, help), MCRCTL_EXIT_OK);
}

/* Batch lines are bounded and may not hold NUL bytes. */
static void test_read_line(void **state)
{
	FILE *fp = tmpfile();
	char *buf = NULL;
	size_t cap = 0;

	(void)state;
	assert_non_null(fp);
	fputs("rule show\n\nlast", fp);
	fputc('\0', fp);
	fputs("x\n0123456789abcdef\n", fp);
	rewind(fp);
	assert_int_equal(mcrctl_read_line(fp, &buf, &cap, 16), 1);
	assert_string_equal(buf, "rule show");
	assert_int_equal(mcrctl_read_line(fp, &buf, &cap, 16), 1);
	assert_string_equal(buf, "");
	assert_int_equal(mcrctl_read_line(fp, &buf, &cap, 16), -EINVAL);
	assert_int_equal(mcrctl_read_line(fp, &buf, &cap, 16), 1); /* the rest, "x" */
	assert_int_equal(mcrctl_read_line(fp, &buf, &cap, 15), -E2BIG);
	fclose(fp);

	fp = tmpfile();
	fputs("no newline", fp);
	rewind(fp);
	assert_int_equal(mcrctl_read_line(fp, &buf, &cap, 16), 1);
	assert_string_equal(buf, "no newline");
	assert_int_equal(mcrctl_read_line(fp, &buf, &cap, 16), 0);
	fclose(fp);
	free(buf);
}

/* A 1 MiB argument is cut in the message: 64 characters, then "...". */
static void test_long_argument(void **state)
{
	size_t big = 1u << 20;
	char *word = malloc(big + 1), *argv[2];
	struct mcr_rule r;
	const char *e;

	(void)state;
	assert_non_null(word);
	memset(word, 'k', big);
	word[big] = 0;
	argv[0] = word;
	argv[1] = NULL;
	assert_int_equal(mcrctl_parse_rule_add(1, argv, &r), -EINVAL);
	e = errors();
	assert_string_equal(e, "Error: unknown keyword \"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk...\"\n");
	free(word);
}

/*
 * mcrd refuses a request before reading it all and closes: mcrctl's send
 * fails, and it prints the reply that explains why instead of the send error.
 */
static void test_refused_mid_send(void **state)
{
	char dir[] = "/tmp/mcrctl-test-XXXXXX", path[64];
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t big = 4u << 20;
	struct nlmsghdr *req;
	int lfd, status;
	pid_t pid;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/s.sock", dir);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(lfd >= 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(lfd, 1), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* The daemon's side: the header only, the refusal, the close. */
		const char *msg = "message too large (4194304 bytes, limit 1)";
		char hdr[NLMSG_HDRLEN], buf[256];
		struct nlmsghdr *nlh, *in = (struct nlmsghdr *)hdr;
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0 || read(fd, hdr, sizeof(hdr)) != (ssize_t)sizeof(hdr))
			_exit(1);
		nlh = mcr_ctl_msg_start(buf, sizeof(buf), MCR_MSG_DONE, in->nlmsg_seq, 0);
		if (mcr_ctl_put_done(nlh, sizeof(buf), -EMSGSIZE, &msg, 1) ||
		    write(fd, buf, nlh->nlmsg_len) != (ssize_t)nlh->nlmsg_len)
			_exit(1);
		_exit(close(fd) ? 1 : 0);
	}
	close(lfd);
	mcrctl_opt.socket = path;
	req = mcrctl_msg_new(big, MCR_CMD_RULE_GET, 0);
	assert_non_null(req);
	req->nlmsg_len = (uint32_t)big;
	assert_int_equal(mcrctl_request(req, NULL, NULL, 0), MCRCTL_EXIT_DAEMON);
	assert_string_equal(errors(), "Error: message too large (4194304 bytes, limit 1)\n");
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	free(req);
	mcrctl_client_close();
	mcrctl_opt.socket = MCR_CTL_SOCKET;
	unlink(path);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_add_ok, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_inputs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_many_outputs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_del, setup, teardown),
		cmocka_unit_test_setup_teardown(test_show_filters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_matches_and_lookup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_value_parsers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_split_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_validator, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rule_text, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rule_json, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_ipv6, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rule_inputs_print, setup, teardown),
		cmocka_unit_test_setup_teardown(test_json_escape, setup, teardown),
		cmocka_unit_test_setup_teardown(test_link_print, setup, teardown),
		cmocka_unit_test_setup_teardown(test_worker, setup, teardown),
		cmocka_unit_test_setup_teardown(test_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tables, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dev_filter, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_line, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_argument, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_mid_send, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
