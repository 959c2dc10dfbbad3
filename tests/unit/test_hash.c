/* Consistent hashing of rules over workers: balance, movement, stability. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include "hash.h"

#define NKEYS 10000

/*
 * Realistic pairs: streams are numbered from a few bases (239.1.x.y,
 * 239.255.x.y, 232.x.y.z), ports mostly one or a few per group.
 */
static void realistic(unsigned i, struct in_addr *g, uint16_t *port)
{
	static const uint32_t bases[] = { 0xef010000, 0xefff0000, 0xe8000000, 0xef0a0a00 };
	uint32_t base = bases[i % 4], n = i / 4;

	g->s_addr = htonl(base + (n % 2000));
	*port = (uint16_t)(5000 + (n / 2000) * 2 + (i % 3 == 0));
}

static void counts(unsigned workers, unsigned *c)
{
	memset(c, 0, workers * sizeof(*c));
	for (unsigned i = 0; i < NKEYS; i++) {
		struct in_addr g;
		uint16_t p;

		realistic(i, &g, &p);
		c[mcr_worker_of(mcr_addr4(g), p, workers)]++;
	}
}

static void test_balance(void **state)
{
	unsigned c[8], max = 0;
	double mean = NKEYS / 8.0;

	(void)state;
	counts(8, c);
	for (int w = 0; w < 8; w++)
		max = c[w] > max ? c[w] : max;
	/* The bar: the largest worker under 1.15x the mean. */
	assert_true(max < 1.15 * mean);
	print_message("largest of 8 workers: %u rules, %.3fx the mean\n", max, max / mean);
}

static void test_growth_moves_little(void **state)
{
	unsigned moved = 0;

	(void)state;
	for (unsigned i = 0; i < NKEYS; i++) {
		struct in_addr g;
		uint16_t p;
		unsigned a, b;

		realistic(i, &g, &p);
		a = mcr_worker_of(mcr_addr4(g), p, 8);
		b = mcr_worker_of(mcr_addr4(g), p, 9);
		if (a != b) {
			moved++;
			assert_int_equal(b, 8); /* keys only ever move to the new worker */
		}
	}
	assert_true(moved < NKEYS * 15 / 100);
	assert_true(moved > NKEYS * 8 / 100); /* the new worker does take its share */
	print_message("8 -> 9 workers moved %u of %u rules (%.1f%%)\n", moved, NKEYS,
		      100.0 * moved / NKEYS);
}

/*
 * Fixed answers: the mapping never depends on the process or a seed, and it
 * must not change between releases either (a restarted or upgraded mcrd
 * would move rules between workers).  The expected workers below were
 * computed once from lib/hash.c (and agree with tests/netns/hash.py); a
 * change of the mix, the jump hash or the key layout fails here.
 */
static const struct {
	const char *group;
	uint16_t port;
	unsigned workers;
	unsigned want;
} fixed[] = {
	{ "239.1.1.1", 5001, 2, 1 },	   { "239.1.1.1", 5001, 3, 2 },
	{ "239.1.1.1", 5001, 4, 2 },	   { "239.1.1.1", 5001, 8, 2 },
	{ "239.1.1.1", 5001, 16, 12 },	   { "239.10.0.1", 6000, 2, 1 },
	{ "239.10.0.1", 6000, 16, 11 },	   { "239.10.0.1", 6001, 8, 6 },
	{ "239.10.0.1", 6005, 2, 0 },	   { "239.10.0.1", 6005, 8, 7 },
	{ "239.10.0.1", 6006, 2, 0 },	   { "239.10.0.1", 6006, 8, 2 },
	{ "239.10.0.1", 6007, 8, 4 },	   { "232.0.0.1", 1234, 3, 2 },
	{ "232.0.0.1", 1234, 4, 3 },	   { "232.0.0.1", 1234, 16, 9 },
	{ "239.255.255.250", 1900, 8, 5 }, { "224.0.0.251", 5353, 3, 1 },
	{ "224.0.0.251", 5353, 8, 5 },
};

static void test_stable(void **state)
{
	struct in_addr g;

	(void)state;
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		assert_int_equal(inet_pton(AF_INET, fixed[i].group, &g), 1);
		if (mcr_worker_of(mcr_addr4(g), fixed[i].port, fixed[i].workers) != fixed[i].want)
			print_message("%s:%u over %u workers\n", fixed[i].group, fixed[i].port,
				      fixed[i].workers);
		assert_int_equal(mcr_worker_of(mcr_addr4(g), fixed[i].port, fixed[i].workers), fixed[i].want);
	}
	inet_pton(AF_INET, "239.1.1.1", &g);
	assert_int_equal(mcr_worker_of(mcr_addr4(g), 5001, 1), 0);
	assert_int_equal(mcr_worker_of(mcr_addr4(g), 5001, 0), 0);
	for (unsigned w = 2; w <= 16; w++)
		assert_true(mcr_worker_of(mcr_addr4(g), 5001, w) < w);
	/* Reference values of Lamping & Veach's jump hash. */
	assert_int_equal(mcr_jump_hash(0, 1), 0);
	assert_int_equal(mcr_jump_hash(0, 100), 0);
	assert_int_equal(mcr_jump_hash(1, 100), 55);
	assert_int_equal(mcr_jump_hash(0xdeadbeefULL, 1000), 285);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_balance),
		cmocka_unit_test(test_growth_moves_little),
		cmocka_unit_test(test_stable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
