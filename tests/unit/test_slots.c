/* The control socket's slot policy: shares per uid, room always made, who gives way. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "../../mcrd/slots.h"

#define ROOT  0
#define ALICE 1000
#define BOB   1001

static struct slot_view v[SLOTS_MAX];

static void reset(void **state)
{
	(void)state;
	memset(v, 0, sizeof(v));
}

/* Fills slots [from, from + n) with clients of uid, active at ms, ms + 1, ... */
static void fill(size_t from, size_t n, uid_t uid, enum slot_rank rank, uint64_t ms)
{
	for (size_t i = from; i < from + n; i++)
		v[i] = (struct slot_view){ .used = true, .privileged = uid == ROOT, .uid = uid,
					   .rank = rank, .active_ms = ms + (i - from) };
}

static void test_free_slot_first(void **state)
{
	enum slot_why why;
	uid_t victim;

	reset(state);
	fill(0, 10, ALICE, SLOT_IDLE, 100);
	assert_int_equal(slots_pick(v, SLOTS_MAX, BOB, false, &why, &victim), 10);
	assert_int_equal(why, SLOT_FREE);
	assert_int_equal(slots_pick(v, SLOTS_MAX, ALICE, false, &why, &victim), 10);
	assert_int_equal(why, SLOT_FREE);
}

/* A uid at its share replaces its own least valuable client, though slots are free. */
static void test_share_limits_a_uid(void **state)
{
	enum slot_why why;
	uid_t victim;

	reset(state);
	fill(0, SLOTS_SHARE, ALICE, SLOT_MONITOR, 100);
	fill(3, 1, ALICE, SLOT_BUSY, 50);
	fill(7, 1, ALICE, SLOT_IDLE, 900); /* idle gives way before busy and monitors */
	assert_int_equal(slots_pick(v, SLOTS_MAX, ALICE, false, &why, &victim), 7);
	assert_int_equal(why, SLOT_OVER_SHARE);
	assert_int_equal(victim, ALICE);
	/* Others still get free slots; root has no share limit. */
	assert_int_equal(slots_pick(v, SLOTS_MAX, BOB, false, &why, &victim), SLOTS_SHARE);
	fill(SLOTS_SHARE, SLOTS_SHARE, ROOT, SLOT_IDLE, 100);
	assert_int_equal(slots_pick(v, SLOTS_MAX, ROOT, true, &why, &victim), 2 * SLOTS_SHARE);
	assert_int_equal(why, SLOT_FREE);
}

/* All taken: the biggest holder's client quiet for longest gives way. */
static void test_full_biggest_holder_gives_way(void **state)
{
	enum slot_why why;
	uid_t victim;

	reset(state);
	fill(0, 40, ROOT, SLOT_BUSY, 100);
	fill(40, 24, ALICE, SLOT_IDLE, 10);
	assert_int_equal(slots_pick(v, SLOTS_MAX, BOB, false, &why, &victim), 0);
	assert_int_equal(why, SLOT_FULL);
	assert_int_equal(victim, ROOT);
	/* Among equals, the one quiet for longest. */
	v[5].active_ms = 1;
	assert_int_equal(slots_pick(v, SLOTS_MAX, ROOT, true, &why, &victim), 5);
}

/* Root is never locked out: a full table of one unprivileged uid's clients makes room. */
static void test_root_never_locked_out(void **state)
{
	enum slot_why why;
	uid_t victim;

	reset(state);
	for (size_t i = 0; i < SLOTS_MAX; i += SLOTS_SHARE)
		fill(i, SLOTS_SHARE, (uid_t)(ALICE + i), SLOT_MONITOR, 100 + i);
	assert_int_equal(slots_pick(v, SLOTS_MAX, ROOT, true, &why, &victim), 0);
	assert_int_equal(why, SLOT_FULL);
	assert_int_equal(victim, ALICE);
}

/* Ties: the newcomer's own uid gives way first, then an unprivileged one. */
static void test_ties(void **state)
{
	enum slot_why why;
	uid_t victim;

	reset(state);
	fill(0, 33, ROOT, SLOT_IDLE, 100);
	fill(33, 15, ALICE, SLOT_IDLE, 100);
	fill(48, 16, BOB, SLOT_IDLE, 100);
	/* No tie: root holds the most, so root's client goes, even for Alice. */
	assert_int_equal(slots_pick(v, SLOTS_MAX, ALICE, false, &why, &victim), 0);
	assert_int_equal(victim, ROOT);
	/* Four uids of 16 each. */
	fill(16, 16, 2000, SLOT_IDLE, 100);
	fill(32, 16, ALICE, SLOT_IDLE, 100);
	(void)slots_pick(v, SLOTS_MAX, ROOT, true, &why, &victim);
	assert_int_equal(victim, ROOT);        /* root's own, for root */
	assert_int_equal(slots_pick(v, SLOTS_MAX, 3000, false, &why, &victim), 16);
	assert_int_equal(victim, 2000);        /* an unprivileged one, for a newcomer */
}

static void test_empty_table(void **state)
{
	enum slot_why why;
	uid_t victim;

	(void)state;
	assert_int_equal(slots_pick(v, 0, ROOT, true, &why, &victim), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_free_slot_first),
		cmocka_unit_test(test_share_limits_a_uid),
		cmocka_unit_test(test_full_biggest_holder_gives_way),
		cmocka_unit_test(test_root_never_locked_out),
		cmocka_unit_test(test_ties),
		cmocka_unit_test(test_empty_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
