/*
 * mcrgen's and mcrsink's argument parsers (tools/cli.c, tools/stream.c):
 * numbers out of range are said to be, however many digits they have, and
 * user strings in the messages are escaped and cut.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../tools/cli.h"
#include "../../tools/stream.h"

static FILE *err_fp;
static int saved_stderr;

static int setup(void **state)
{
	(void)state;
	mcr_tool_prog = "mcrtest";
	err_fp = tmpfile();
	return err_fp ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	fclose(err_fp);
	return 0;
}

/* stderr into err_fp around one call only, so cmocka's own reports stay visible. */
static void redirect(void)
{
	fflush(stderr);
	saved_stderr = dup(2);
	assert_true(saved_stderr >= 0 && dup2(fileno(err_fp), 2) == 2);
}

static void restore(void)
{
	fflush(stderr);
	assert_int_equal(dup2(saved_stderr, 2), 2);
	close(saved_stderr);
}

#define CAPTURE(call) ({ int r_; redirect(); r_ = (call); restore(); r_; })

/* What the captured calls wrote since the last call. */
static const char *errors(void)
{
	static char buf[4096];
	int fd = fileno(err_fp);
	off_t n = lseek(fd, 0, SEEK_CUR);

	assert_true(n >= 0 && (size_t)n < sizeof(buf));
	assert_int_equal(pread(fd, buf, (size_t)n, 0), n);
	buf[n] = 0;
	assert_int_equal(ftruncate(fd, 0), 0);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	return buf;
}

static void test_numbers(void **state)
{
	unsigned long v;

	(void)state;
	assert_int_equal(CAPTURE(mcr_tool_arg_uint("-p", "4294972297", 1, 65535, &v)), -ERANGE);
	assert_string_equal(errors(), "mcrtest: -p \"4294972297\" is out of range (1..65535)\n");
	assert_int_equal(CAPTURE(mcr_tool_arg_uint("-n", "99999999999999999999999", 0, 4294967295ul,
						    &v)), -ERANGE);
	assert_string_equal(errors(),
			    "mcrtest: -n \"99999999999999999999999\" is out of range (0..4294967295)\n");
	assert_int_equal(CAPTURE(mcr_tool_arg_uint("-t", "1x", 1, 255, &v)), -EINVAL);
	assert_string_equal(errors(), "mcrtest: -t \"1x\" is not a decimal number\n");
}

static void test_escaped(void **state)
{
	struct mcr_tool_stream s;
	char why[128], big[100001];
	unsigned long v;

	(void)state;
	assert_int_equal(CAPTURE(mcr_tool_arg_uint("-r", "\033[2J", 0, 10, &v)), -EINVAL);
	assert_string_equal(errors(), "mcrtest: -r \"\\x1b[2J\" is not a decimal number\n");
	memset(big, '7', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	big[0] = 'x';
	assert_int_equal(CAPTURE(mcr_tool_arg_ipv4("-S", big, &s.source)), -EINVAL);
	assert_string_equal(errors(), "mcrtest: -S \"x777777777777777777777777777777777777777777777777"
				      "777777777777777...\" is not a valid IPv4 address\n");
	assert_int_not_equal(mcr_tool_stream_parse("e\033:239.1.1.1:5", &s, why, sizeof(why)), 0);
	assert_string_equal(why, "\"e\\x1b\" is not a valid interface name");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_numbers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_escaped, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
