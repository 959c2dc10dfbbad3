/*
 * The family-tagged address (addr.h): parsing either family strictly,
 * printing, ordering, multicast scopes and what counts as a host.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "addr.h"

static struct mcr_addr P(const char *s)
{
	struct mcr_addr a;

	assert_int_equal(mcr_addr_parse(s, &a), 0);
	return a;
}

static void test_parse_print(void **state)
{
	static const char *const ok[] = {
		"239.1.1.1", "ff02::fb", "ff05::1:3", "ff0e::1234", "ff3e::8000:1",
		"ff38::1", "2001:db8::5", "fe80::1", "10.0.0.5",
	};
	char buf[MCR_ADDRSTRLEN];
	struct mcr_addr a;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		a = P(ok[i]);
		assert_int_equal(a.family, strchr(ok[i], ':') ? AF_INET6 : AF_INET);
		assert_string_equal(mcr_addr_str(a, buf), ok[i]);
	}
	/* Printed canonically (RFC 5952): lower case, longest zero run compressed. */
	assert_string_equal(mcr_addr_str(P("FF3E:0:0:0:0:0:8000:0001"), buf), "ff3e::8000:1");
	assert_string_equal(mcr_addr_str((struct mcr_addr){ 0 }, buf), "*");
	assert_string_equal(mcr_addr_family_name(P("ff02::1")), "IPv6");
	assert_string_equal(mcr_addr_family_name(P("224.0.0.1")), "IPv4");
	assert_string_equal(mcr_addr_family_name((struct mcr_addr){ 0 }), "none");
}

static void test_parse_rejects(void **state)
{
	static const char *const bad[] = {
		"", "ff3e::1%eth0", "[ff3e::1]", "::ffff:239.1.1.1", "ff3e:::1", "ff3e::g",
		"1:2:3:4:5:6:7:8:9", "239.1.1", " ff02::1", "ff02::1 ", "0x1.2.3.4",
	};
	struct mcr_addr a = { .family = 99 };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(mcr_addr_parse(bad[i], &a), -EINVAL);
		assert_int_equal(a.family, 99); /* untouched */
	}
	assert_int_equal(mcr_addr_parse(NULL, &a), -EINVAL);
}

static void test_port_str(void **state)
{
	char buf[MCR_ADDRPORTSTRLEN];

	(void)state;
	assert_string_equal(mcr_addr_port_str(P("ff3e::1"), 5001, buf), "[ff3e::1]:5001");
	assert_string_equal(mcr_addr_port_str(P("239.1.1.1"), 5001, buf), "239.1.1.1:5001");
	assert_string_equal(mcr_addr_port_str(P("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), 65535,
					      buf),
			    "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
}

static void test_compare(void **state)
{
	(void)state;
	assert_true(mcr_addr_equal(P("ff02::1"), P("ff02:0::1")));
	assert_false(mcr_addr_equal(P("ff02::1"), P("ff02::2")));
	assert_false(mcr_addr_equal(P("239.1.1.1"), (struct mcr_addr){ 0 }));
	assert_true(mcr_addr_equal((struct mcr_addr){ 0 }, (struct mcr_addr){ 0 }));
	/* By family first (AF_INET < AF_INET6), then bytes in network order. */
	assert_int_equal(mcr_addr_cmp(P("239.255.255.255"), P("ff02::1")), -1);
	assert_int_equal(mcr_addr_cmp(P("ff05::1"), P("ff02::1")), 1);
	assert_int_equal(mcr_addr_cmp(P("239.1.1.2"), P("239.1.1.1")), 1);
	assert_int_equal(mcr_addr_cmp(P("ff02::1"), P("ff02::1")), 0);
}

static void test_scope_and_kind(void **state)
{
	(void)state;
	assert_int_equal(mcr_addr_mc_scope(P("ff01::1")), 1);
	assert_int_equal(mcr_addr_mc_scope(P("ff02::fb")), 2);
	assert_int_equal(mcr_addr_mc_scope(P("ff05::1:3")), 5);
	assert_int_equal(mcr_addr_mc_scope(P("ff0e::1")), 14);
	assert_int_equal(mcr_addr_mc_scope(P("ff3e::8000:1")), 14); /* SSM, global */
	assert_int_equal(mcr_addr_mc_scope(P("ff32::1")), 2);
	assert_int_equal(mcr_addr_mc_scope(P("239.1.1.1")), -1);
	assert_int_equal(mcr_addr_mc_scope(P("2001:db8::1")), -1);
	assert_true(mcr_addr_is_multicast(P("ff02::1")));
	assert_true(mcr_addr_is_multicast(P("224.0.0.251")));
	assert_false(mcr_addr_is_multicast(P("2001:db8::1")));
	assert_false(mcr_addr_is_multicast((struct mcr_addr){ 0 }));
	assert_true(mcr_addr_is_host(P("2001:db8::5")));
	assert_true(mcr_addr_is_host(P("fe80::1")));
	assert_true(mcr_addr_is_host(P("10.0.0.5")));
	assert_false(mcr_addr_is_host(P("::")));
	assert_false(mcr_addr_is_host(P("::1")));
	assert_false(mcr_addr_is_host(P("ff02::1")));
	assert_false(mcr_addr_is_host(P("127.0.0.1")));
	assert_false(mcr_addr_is_host(P("0.0.0.0")));
	assert_false(mcr_addr_is_host(P("255.255.255.255")));
	assert_false(mcr_addr_is_host(P("239.1.1.1")));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_print),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_port_str),
		cmocka_unit_test(test_compare),
		cmocka_unit_test(test_scope_and_kind),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
