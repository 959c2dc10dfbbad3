/*
 * mcrgen's and mcrsink's argument parsers (tools/cli.c, tools/stream.c):
 * numbers out of range are said to be, however many digits they have, and
 * user strings in the messages are escaped and cut.  IPv6 streams: bracketed
 * groups, sources of the group's family, stepping, what the receiver reads
 * from the IPv6 control messages and how the report prints them.
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
#include "../../tools/hdrseen.h"
#include "../../tools/sinkreport.h"
#include "../../tools/stream.h"

#include <arpa/inet.h>

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
	assert_int_equal(CAPTURE(mcr_tool_arg_addr("-S", big, &s.source)), -EINVAL);
	assert_string_equal(errors(), "mcrtest: -S \"x777777777777777777777777777777777777777777777777"
				      "777777777777777...\" is not a valid IPv4 or IPv6 address\n");
	assert_int_not_equal(mcr_tool_stream_parse("e\033:239.1.1.1:5", &s, why, sizeof(why)), 0);
	assert_string_equal(why, "\"e\\x1b\" is not a valid interface name");
}


/* Parses spec, expecting failure with exactly the reason want. */
static void bad_spec(const char *spec, const char *want)
{
	struct mcr_tool_stream s;
	char why[128];

	assert_int_equal(mcr_tool_stream_parse(spec, &s, why, sizeof(why)), -EINVAL);
	assert_string_equal(why, want);
}

/* Parses spec and prints it back. */
static const char *spec_str(const char *spec, struct mcr_tool_stream *s)
{
	static char buf[160];
	char why[128] = "";

	assert_int_equal(mcr_tool_stream_parse(spec, s, why, sizeof(why)), 0);
	assert_string_equal(why, "");
	return mcr_tool_stream_str(s, buf, sizeof(buf));
}

static void test_stream_ipv6(void **state)
{
	struct mcr_tool_stream s;
	char ab[MCR_ADDRSTRLEN];

	(void)state;
	assert_string_equal(spec_str("d0:[ff0e::2]:7000", &s), "d0:[ff0e::2]:7000");
	assert_int_equal(s.group.family, AF_INET6);
	assert_int_equal(s.port, 7000);
	assert_false(s.has_source);
	/* A source in brackets or bare (it is the last field). */
	assert_string_equal(spec_str("d0:[ff3e::1]:5000:[2001:db8::5]", &s),
			    "d0:[ff3e::1]:5000:[2001:db8::5]");
	assert_true(s.has_source);
	assert_string_equal(mcr_addr_str(s.source, ab), "2001:db8::5");
	assert_string_equal(spec_str("d0:[ff3e::1]:5000:2001:db8::5", &s),
			    "d0:[ff3e::1]:5000:[2001:db8::5]");
	/* Unicast IPv6, and IPv4 as before. */
	assert_string_equal(spec_str("d0:[2001:db8::9]:5000", &s), "d0:[2001:db8::9]:5000");
	assert_string_equal(spec_str("d0:239.1.1.1:5000:10.0.0.1", &s), "d0:239.1.1.1:5000:10.0.0.1");
	assert_int_equal(s.group.family, AF_INET);

	bad_spec("d0:ff0e::2:7000", "an IPv6 GROUP goes in brackets: DEV:[GROUP]:PORT[:SOURCE]");
	bad_spec("d0:ff0e::7000", "an IPv6 GROUP goes in brackets: DEV:[GROUP]:PORT[:SOURCE]");
	bad_spec("d0:[ff0e::2:7000", "expected DEV:GROUP:PORT[:SOURCE] (IPv6: DEV:[GROUP]:PORT)");
	bad_spec("d0:[ff0e::2]x:7000", "expected DEV:GROUP:PORT[:SOURCE] (IPv6: DEV:[GROUP]:PORT)");
	bad_spec("d0:[ff0e::2]", "expected DEV:GROUP:PORT[:SOURCE] (IPv6: DEV:[GROUP]:PORT)");
	bad_spec("d0:239.1.1.1:5000:", "expected DEV:GROUP:PORT[:SOURCE] (IPv6: DEV:[GROUP]:PORT)");
	bad_spec("d0:[ff3e::1]:5000:[2001:db8::5", "expected DEV:GROUP:PORT[:SOURCE] (IPv6: DEV:[GROUP]:PORT)");
	bad_spec("d0:[::ffff:1.2.3.4]:7000", "\"::ffff:1.2.3.4\" is not a valid IPv4 or IPv6 address");
	bad_spec("d0:[ff0e::2]:0", "\"0\" is not a port (1..65535)");
	bad_spec("d0:[ff3e::1]:5000:10.0.0.1", "SOURCE 10.0.0.1 is IPv4, the GROUP IPv6");
	bad_spec("d0:239.1.1.1:5000:2001:db8::5", "SOURCE 2001:db8::5 is IPv6, the GROUP IPv4");
	bad_spec("d0:[2001:db8::9]:5000:2001:db8::5", "a SOURCE needs a multicast GROUP, not 2001:db8::9");
	bad_spec("d0:[ff3e::1]:5000:[2001:db8::5]:9", "expected DEV:GROUP:PORT[:SOURCE] (IPv6: DEV:[GROUP]:PORT)");
	bad_spec("d0:[ff3e::1]:5000:[ff3e::2]x", "expected DEV:GROUP:PORT[:SOURCE] (IPv6: DEV:[GROUP]:PORT)");
}

static void test_step_ipv6(void **state)
{
	struct mcr_tool_stream b, s;
	char buf[160];

	(void)state;
	spec_str("d0:[ff0e::1:ffff:fffe]:7000", &b);
	assert_int_equal(mcr_tool_stream_step(&b, MCR_TOOL_STEP_GROUP, 1, &s), 0);
	assert_string_equal(mcr_tool_stream_str(&s, buf, sizeof(buf)), "d0:[ff0e::1:ffff:ffff]:7000");
	/* The last 32 bits only: no carry into the rest of the group. */
	assert_int_equal(mcr_tool_stream_step(&b, MCR_TOOL_STEP_GROUP, 2, &s), -ERANGE);
	spec_str("d0:[ff3e::8000:1]:7000:[2001:db8::5]", &b);
	assert_int_equal(mcr_tool_stream_step(&b, MCR_TOOL_STEP_GROUP, 0x10, &s), 0);
	assert_string_equal(mcr_tool_stream_str(&s, buf, sizeof(buf)),
			    "d0:[ff3e::8000:11]:7000:[2001:db8::5]");
	assert_int_equal(mcr_tool_stream_step(&b, MCR_TOOL_STEP_PORT, 3, &s), 0);
	assert_string_equal(mcr_tool_stream_str(&s, buf, sizeof(buf)),
			    "d0:[ff3e::8000:1]:7003:[2001:db8::5]");
}

static void test_arg_addr(void **state)
{
	struct mcr_addr a;
	char ab[MCR_ADDRSTRLEN];

	(void)state;
	assert_int_equal(CAPTURE(mcr_tool_arg_addr("-g", "ff0e::1", &a)), 0);
	assert_string_equal(mcr_addr_str(a, ab), "ff0e::1");
	assert_int_equal(CAPTURE(mcr_tool_arg_addr("-g", "[ff05::1:3]", &a)), 0);
	assert_string_equal(mcr_addr_str(a, ab), "ff05::1:3");
	assert_int_equal(CAPTURE(mcr_tool_arg_addr("-g", "239.1.2.3", &a)), 0);
	assert_int_equal(a.family, AF_INET);
	assert_string_equal(errors(), "");
	assert_int_equal(CAPTURE(mcr_tool_arg_addr("-g", "[ff0e::1", &a)), -EINVAL);
	assert_string_equal(errors(), "mcrtest: -g \"[ff0e::1\" is not a valid IPv4 or IPv6 address\n");
	assert_int_equal(CAPTURE(mcr_tool_arg_addr("-S", "fe80::1%eth0", &a)), -EINVAL);
	assert_string_equal(errors(), "mcrtest: -S \"fe80::1%eth0\" is not a valid IPv4 or IPv6 address\n");
}

/* One received IPv6 datagram's hop limit, traffic class and sender, as the kernel gives them. */
static void add6(struct mcr_tool_hdrs *h, int hlim, int tclass, const char *from, uint16_t port)
{
	_Alignas(struct cmsghdr) char cm[CMSG_SPACE(sizeof(int)) * 2] = { 0 };
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	struct msghdr mh = { .msg_name = &sa, .msg_namelen = sizeof(sa), .msg_control = cm,
			     .msg_controllen = sizeof(cm) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

	assert_int_equal(inet_pton(AF_INET6, from, &sa.sin6_addr), 1);
	c->cmsg_level = IPPROTO_IPV6;
	c->cmsg_type = IPV6_HOPLIMIT;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &hlim, sizeof(int));
	c = CMSG_NXTHDR(&mh, c);
	c->cmsg_level = IPPROTO_IPV6;
	c->cmsg_type = IPV6_TCLASS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &tclass, sizeof(int));
	mcr_tool_hdrs_add(h, &mh);
}

static void test_report_ipv6(void **state)
{
	struct mcr_tool_report_row row = { 0 };
	struct mcr_tool_stream s;
	char out[4096];
	FILE *f = fmemopen(out, sizeof(out), "w");

	(void)state;
	assert_non_null(f);
	spec_str("d0:[ff3e::8000:2]:6000:2001:db8:2::1", &s);
	row.s = &s;
	add6(&row.h, 7, 0xb8, "2001:db8:2::1", 40000);
	add6(&row.h, 4, 0x20, "2001:db8:2::1", 40001);
	row.c.received = 3;
	mcr_tool_report(f, &row, 1, true, 1.5, "idle");
	mcr_tool_report(f, &row, 1, false, 1.5, "idle");
	fclose(f);
	assert_non_null(strstr(out, "{\"streams\":[{\"dev\":\"d0\",\"group\":\"ff3e::8000:2\","
				    "\"port\":6000,\"source\":\"2001:db8:2::1\",\"received\":3,"));
	assert_non_null(strstr(out, ",\"ttl_min\":4,\"ttl_max\":7,\"tos_min\":32,\"tos_max\":184,"
				    "\"from\":\"2001:db8:2::1\",\"from_port\":40001}"));
	assert_non_null(strstr(out, "\nd0 [ff3e::8000:2]:6000 from 2001:db8:2::1  received 3 "));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_numbers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_escaped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream_ipv6, setup, teardown),
		cmocka_unit_test_setup_teardown(test_step_ipv6, setup, teardown),
		cmocka_unit_test_setup_teardown(test_arg_addr, setup, teardown),
		cmocka_unit_test(test_report_ipv6),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
