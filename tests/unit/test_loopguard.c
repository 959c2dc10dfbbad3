/*
 * The loop guard: a payload seen again within the window is a loop, after
 * it is not; payloads that share a set do not evict each other while the
 * set has room (the ping-pong that kept a direct-mapped table looping).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../../mcrd/loopguard.h"

#define MS 1000000LL

/* Payload "p<i>" and its length. */
static size_t payload(unsigned i, uint8_t *buf)
{
	return (size_t)snprintf((char *)buf, 32, "payload %u", i);
}

/* n payloads (indices in out) whose hashes fall in one set. */
static void same_set(unsigned n, unsigned *out)
{
	uint8_t buf[32], first = 0;
	unsigned set = 0, found = 0;

	for (unsigned i = 0; found < n && i < 1000000; i++) {
		size_t len = payload(i, buf);
		unsigned s = (unsigned)(loopguard_hash(buf, len) % LOOPGUARD_SETS);

		if (!first) {
			set = s;
			first = 1;
		}
		if (s == set)
			out[found++] = i;
	}
	assert_int_equal(found, n);
}

static bool seen(struct loopguard *g, unsigned i, int64_t now)
{
	uint8_t buf[32];
	size_t len = payload(i, buf);

	return loopguard_seen(g, buf, len, now);
}

static void test_window(void **state)
{
	struct loopguard *g = loopguard_new(100);

	(void)state;
	assert_non_null(g);
	assert_false(seen(g, 1, 1000 * MS));
	assert_true(seen(g, 1, 1001 * MS));       /* came round 1 ms later */
	assert_true(seen(g, 1, 1099 * MS));       /* a hit does not refresh */
	assert_false(seen(g, 1, 1100 * MS));      /* the window has passed: a repeat */
	assert_true(seen(g, 1, 1150 * MS));
	assert_false(seen(g, 2, 1150 * MS));      /* another payload */
	loopguard_free(g);
}

static void test_hash(void **state)
{
	uint8_t a[1400], b[1400];

	(void)state;
	memset(a, 7, sizeof(a));
	memcpy(b, a, sizeof(b));
	assert_true(loopguard_hash(a, sizeof(a)) == loopguard_hash(b, sizeof(b)));
	b[1399] ^= 1; /* the last byte counts */
	assert_true(loopguard_hash(a, sizeof(a)) != loopguard_hash(b, sizeof(b)));
	/* So does the length, trailing zeros and all. */
	memset(a, 0, 16);
	assert_true(loopguard_hash(a, 15) != loopguard_hash(a, 16));
	assert_true(loopguard_hash(a, 0) != loopguard_hash(a, 1));
}

/* Up to the set's ways, payloads of one set are all remembered. */
static void test_collisions(void **state)
{
	struct loopguard *g = loopguard_new(100);
	unsigned k[LOOPGUARD_WAYS + 1];

	(void)state;
	same_set(LOOPGUARD_WAYS + 1, k);
	for (unsigned i = 0; i < LOOPGUARD_WAYS; i++)
		assert_false(seen(g, k[i], (10 + i) * MS));
	/* Two of them coming round in turn, lap after lap: every copy caught. */
	for (int lap = 0; lap < 10; lap++) {
		assert_true(seen(g, k[0], (20 + lap) * MS));
		assert_true(seen(g, k[1], (20 + lap) * MS));
	}
	/* One more in the full set evicts the oldest (k[0]), no other. */
	assert_false(seen(g, k[LOOPGUARD_WAYS], 40 * MS));
	for (unsigned i = 1; i < LOOPGUARD_WAYS; i++)
		assert_true(seen(g, k[i], 41 * MS));
	assert_false(seen(g, k[0], 42 * MS));
	loopguard_free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_window),
		cmocka_unit_test(test_hash),
		cmocka_unit_test(test_collisions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
