/* mcr_match_*: the (group, port, source) lookup table of one input interface. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "match.h"

static struct in_addr A(const char *s)
{
	struct in_addr a;

	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a;
}

static const struct in_addr ANY = { 0 };
static int v1, v2, v3; /* distinct values to store */

static void test_insert_lookup(void **state)
{
	struct mcr_match m;

	(void)state;
	assert_int_equal(mcr_match_init(&m, 4), 0);
	assert_int_equal(mcr_match_insert(&m, A("239.1.1.1"), 5001, ANY, &v1), 0);
	assert_int_equal(mcr_match_insert(&m, A("239.1.1.1"), 5002, ANY, &v2), 0);
	assert_int_equal(mcr_match_insert(&m, A("239.2.2.2"), 5001, ANY, &v3), 0);
	assert_int_equal(m.count, 3);
	assert_ptr_equal(mcr_match_lookup(&m, A("239.1.1.1"), 5001, A("10.0.0.1")), &v1);
	assert_ptr_equal(mcr_match_lookup(&m, A("239.1.1.1"), 5002, A("10.0.0.1")), &v2);
	assert_ptr_equal(mcr_match_lookup(&m, A("239.2.2.2"), 5001, A("10.9.9.9")), &v3);
	/* A packet whose source is 0.0.0.0 still matches an any-source rule. */
	assert_ptr_equal(mcr_match_lookup(&m, A("239.1.1.1"), 5001, ANY), &v1);
	mcr_match_free(&m);
	assert_null(m.slots);
	assert_int_equal(m.count, 0);
}

static void test_other_port_or_group_no_match(void **state)
{
	struct mcr_match m;

	(void)state;
	assert_int_equal(mcr_match_init(&m, 2), 0);
	assert_int_equal(mcr_match_insert(&m, A("239.1.1.1"), 5001, ANY, &v1), 0);
	assert_null(mcr_match_lookup(&m, A("239.1.1.1"), 5002, A("10.0.0.1")));
	assert_null(mcr_match_lookup(&m, A("239.1.1.1"), 5000, A("10.0.0.1")));
	assert_null(mcr_match_lookup(&m, A("239.1.1.2"), 5001, A("10.0.0.1")));
	assert_null(mcr_match_lookup(&m, A("1.1.1.239"), 5001, A("10.0.0.1")));
	/* Byte-swapped port. */
	assert_null(mcr_match_lookup(&m, A("239.1.1.1"), htons(5001), A("10.0.0.1")));
	assert_null(mcr_match_lookup(&m, A("239.1.1.1"), 0, A("10.0.0.1")));
	mcr_match_free(&m);
}

static void test_source_specific_wins(void **state)
{
	struct mcr_match m;

	(void)state;
	assert_int_equal(mcr_match_init(&m, 3), 0);
	assert_int_equal(mcr_match_insert(&m, A("239.1.1.1"), 5001, ANY, &v1), 0);
	assert_int_equal(mcr_match_insert(&m, A("239.1.1.1"), 5001, A("10.0.0.5"), &v2), 0);
	assert_int_equal(mcr_match_insert(&m, A("239.1.1.1"), 5001, A("10.0.0.6"), &v3), 0);
	assert_ptr_equal(mcr_match_lookup(&m, A("239.1.1.1"), 5001, A("10.0.0.5")), &v2);
	assert_ptr_equal(mcr_match_lookup(&m, A("239.1.1.1"), 5001, A("10.0.0.6")), &v3);
	/* Any other source falls back to (*,G). */
	assert_ptr_equal(mcr_match_lookup(&m, A("239.1.1.1"), 5001, A("10.0.0.7")), &v1);
	mcr_match_free(&m);

	/* Insertion order does not matter. */
	assert_int_equal(mcr_match_init(&m, 2), 0);
	assert_int_equal(mcr_match_insert(&m, A("239.1.1.1"), 5001, A("10.0.0.5"), &v2), 0);
	assert_int_equal(mcr_match_insert(&m, A("239.1.1.1"), 5001, ANY, &v1), 0);
	assert_ptr_equal(mcr_match_lookup(&m, A("239.1.1.1"), 5001, A("10.0.0.5")), &v2);
	assert_ptr_equal(mcr_match_lookup(&m, A("239.1.1.1"), 5001, A("10.0.0.4")), &v1);
	mcr_match_free(&m);
}

static void test_source_specific_only_its_source(void **state)
{
	struct mcr_match m;

	(void)state;
	assert_int_equal(mcr_match_init(&m, 1), 0);
	assert_int_equal(mcr_match_insert(&m, A("232.1.1.1"), 5001, A("10.0.0.5"), &v2), 0);
	assert_ptr_equal(mcr_match_lookup(&m, A("232.1.1.1"), 5001, A("10.0.0.5")), &v2);
	assert_null(mcr_match_lookup(&m, A("232.1.1.1"), 5001, A("10.0.0.6")));
	assert_null(mcr_match_lookup(&m, A("232.1.1.1"), 5001, ANY));
	assert_null(mcr_match_lookup(&m, A("232.1.1.1"), 5002, A("10.0.0.5")));
	mcr_match_free(&m);
}

static void test_duplicate(void **state)
{
	struct mcr_match m;

	(void)state;
	assert_int_equal(mcr_match_init(&m, 4), 0);
	assert_int_equal(mcr_match_insert(&m, A("239.1.1.1"), 5001, ANY, &v1), 0);
	assert_int_equal(mcr_match_insert(&m, A("239.1.1.1"), 5001, ANY, &v2), -EEXIST);
	assert_int_equal(mcr_match_insert(&m, A("239.1.1.1"), 5001, A("10.0.0.5"), &v2), 0);
	assert_int_equal(mcr_match_insert(&m, A("239.1.1.1"), 5001, A("10.0.0.5"), &v3), -EEXIST);
	assert_int_equal(m.count, 2);
	/* The first value is kept. */
	assert_ptr_equal(mcr_match_lookup(&m, A("239.1.1.1"), 5001, A("10.0.0.1")), &v1);
	assert_ptr_equal(mcr_match_lookup(&m, A("239.1.1.1"), 5001, A("10.0.0.5")), &v2);
	mcr_match_free(&m);
}

static void test_port_zero_rejected(void **state)
{
	struct mcr_match m;

	(void)state;
	assert_int_equal(mcr_match_init(&m, 4), 0);
	assert_int_equal(mcr_match_insert(&m, A("239.1.1.1"), 0, ANY, &v1), -EINVAL);
	assert_int_equal(m.count, 0);
	assert_null(mcr_match_lookup(&m, A("239.1.1.1"), 0, ANY));
	mcr_match_free(&m);
}

static void test_full(void **state)
{
	struct mcr_match m;
	size_t n = 0;
	int err;

	(void)state;
	assert_int_equal(mcr_match_init(&m, 5), 0);
	/* Room for at least what was asked, at a load of at most one half. */
	while ((err = mcr_match_insert(&m, A("239.1.1.1"), (uint16_t)(1000 + n), ANY, &v1)) == 0)
		n++;
	assert_int_equal(err, -ENOSPC);
	assert_true(n >= 5);
	assert_true(n <= (m.mask + 1) / 2);
	assert_int_equal(m.count, n);
	/* Port 0 is still invalid; a duplicate still fails and changes nothing. */
	assert_int_equal(mcr_match_insert(&m, A("239.1.1.1"), 0, ANY, &v2), -EINVAL);
	err = mcr_match_insert(&m, A("239.1.1.1"), 1000, ANY, &v2);
	assert_true(err == -ENOSPC || err == -EEXIST);
	assert_int_equal(m.count, n);
	for (size_t i = 0; i < n; i++)
		assert_ptr_equal(mcr_match_lookup(&m, A("239.1.1.1"), (uint16_t)(1000 + i), ANY), &v1);
	assert_null(mcr_match_lookup(&m, A("239.1.1.1"), (uint16_t)(1000 + n), ANY));
	mcr_match_free(&m);
}

static void test_empty(void **state)
{
	struct mcr_match m;
	struct mcr_match zero;

	(void)state;
	assert_int_equal(mcr_match_init(&m, 0), 0);
	assert_null(mcr_match_lookup(&m, A("239.1.1.1"), 5001, ANY));
	assert_null(mcr_match_lookup(&m, A("239.1.1.1"), 5001, A("10.0.0.1")));
	assert_int_equal(mcr_match_insert(&m, A("239.1.1.1"), 5001, ANY, &v1), 0);
	assert_ptr_equal(mcr_match_lookup(&m, A("239.1.1.1"), 5001, ANY), &v1);
	mcr_match_free(&m);
	/* A table that was never initialised, or was freed, is empty and full. */
	memset(&zero, 0, sizeof(zero));
	assert_null(mcr_match_lookup(&zero, A("239.1.1.1"), 5001, ANY));
	assert_int_equal(mcr_match_insert(&zero, A("239.1.1.1"), 5001, ANY, &v1), -ENOSPC);
	assert_null(mcr_match_lookup(&m, A("239.1.1.1"), 5001, ANY));
	mcr_match_free(&zero);
}

/*
 * Key i of a large set: 200 groups of 50 ports; each (group, port) is used
 * once, every fourth any-source and the rest for one source each.
 */
static void key(unsigned i, struct in_addr *g, uint16_t *port, struct in_addr *s)
{
	g->s_addr = htonl(0xef000000u | (i / 50) << 8 | 1);
	*port = (uint16_t)(1000 + i % 50);
	s->s_addr = i % 4 ? htonl(0x0a000000u | i) : 0;
}

static void test_many(void **state)
{
	enum { N = 10000 };
	static char vals[N];
	struct mcr_match m;
	struct in_addr g, s;
	uint16_t port;

	(void)state;
	assert_int_equal(mcr_match_init(&m, N), 0);
	for (unsigned i = 0; i < N; i++) {
		key(i, &g, &port, &s);
		assert_int_equal(mcr_match_insert(&m, g, port, s, &vals[i]), 0);
	}
	assert_int_equal(m.count, N);
	for (unsigned i = 0; i < N; i++) {
		key(i, &g, &port, &s);
		if (!s.s_addr) /* an any-source key matches any sender */
			s.s_addr = htonl(0xc0a80000u | i);
		assert_ptr_equal(mcr_match_lookup(&m, g, port, s), &vals[i]);
	}
	/* 10,000 absent keys, each next to a present one. */
	for (unsigned i = 0; i < N; i++) {
		key(i, &g, &port, &s);
		switch (i % 4) {
		case 0: /* any-source key: same group, unused port */
			port = (uint16_t)(port + 50);
			break;
		case 1: /* source-specific key, another sender */
			s.s_addr = htonl(0x0b000000u | i);
			break;
		case 2: /* unused group */
			g.s_addr = htonl(ntohl(g.s_addr) + 1);
			break;
		case 3: /* source-specific key looked up without a source */
			s.s_addr = 0;
			break;
		}
		assert_null(mcr_match_lookup(&m, g, port, s));
	}
	mcr_match_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_insert_lookup),
		cmocka_unit_test(test_other_port_or_group_no_match),
		cmocka_unit_test(test_source_specific_wins),
		cmocka_unit_test(test_source_specific_only_its_source),
		cmocka_unit_test(test_duplicate),
		cmocka_unit_test(test_port_zero_rejected),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_many),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
