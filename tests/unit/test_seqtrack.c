/* Unit tests for mcrsink's per-stream accounting (tools/seqtrack.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "../../tools/cli.h"
#include "../../tools/payload.h"
#include "../../tools/rtp.h"
#include "../../tools/seqtrack.h"

static void add(struct mcr_tool_tracker *t, uint32_t stream, uint64_t seq)
{
	uint8_t buf[100];

	assert_int_equal(mcr_payload_fill(buf, sizeof(buf), stream, seq), sizeof(buf));
	assert_int_equal(mcr_tool_tracker_add(t, buf, sizeof(buf)), 0);
}

/* Loss, a duplicate and a late packet, in one stream id and across two. */
static void test_counts(void **state)
{
	struct mcr_tool_tracker t;
	struct mcr_tool_counts c;
	uint8_t junk[40] = "not a payload";

	(void)state;
	mcr_tool_tracker_init(&t, false, 0);
	add(&t, 1, 0);
	add(&t, 1, 3);
	add(&t, 1, 3);
	add(&t, 1, 2);
	add(&t, 2, 0);
	assert_int_equal(mcr_tool_tracker_add(&t, junk, sizeof(junk)), 0);
	mcr_tool_tracker_counts(&t, &c);
	assert_int_equal(c.received, 6);
	assert_int_equal(c.unique, 4);
	assert_int_equal(c.lost, 1); /* seq 1 of stream 1 */
	assert_int_equal(c.duplicated, 1);
	assert_int_equal(c.reordered, 1);
	assert_int_equal(c.foreign, 1);
	mcr_tool_tracker_free(&t);

	/* With an expected count, a missing tail is lost too. */
	mcr_tool_tracker_init(&t, true, 10);
	add(&t, 1, 0);
	mcr_tool_tracker_counts(&t, &c);
	assert_int_equal(c.lost, 9);
	mcr_tool_tracker_free(&t);
}

/* The longest silence between arrivals; the total keeps the longest. */
static void test_silence(void **state)
{
	struct mcr_tool_tracker a, b;
	struct mcr_tool_counts ca, cb, sum;

	(void)state;
	mcr_tool_tracker_init(&a, false, 0);
	mcr_tool_tracker_init(&b, false, 0);
	mcr_tool_tracker_seen(&a, 1000000000ull); /* the first arrival is no silence */
	mcr_tool_tracker_counts(&a, &ca);
	assert_int_equal(ca.max_silence_ns, 0);
	mcr_tool_tracker_seen(&a, 1000200000ull);
	mcr_tool_tracker_seen(&a, 1700200000ull); /* 700 ms */
	mcr_tool_tracker_seen(&a, 1700400000ull);
	mcr_tool_tracker_seen(&b, 5000000000ull);
	mcr_tool_tracker_seen(&b, 5300000000ull); /* 300 ms */
	mcr_tool_tracker_counts(&a, &ca);
	mcr_tool_tracker_counts(&b, &cb);
	assert_int_equal(ca.max_silence_ns, 700000000ull);
	assert_int_equal(cb.max_silence_ns, 300000000ull);
	memset(&sum, 0, sizeof(sum));
	mcr_tool_counts_add(&sum, &cb);
	mcr_tool_counts_add(&sum, &ca);
	assert_int_equal(sum.max_silence_ns, 700000000ull);
	mcr_tool_tracker_free(&a);
	mcr_tool_tracker_free(&b);
}

/* An RTP packet of mcrgen --rtp: header with rseq, then payload (stream, seq). */
static void add_rtp(struct mcr_tool_tracker *t, uint16_t rseq, uint64_t seq)
{
	uint8_t buf[MCR_RTP_HDR_LEN + 60];

	mcr_rtp_put(buf, rseq, 0, 7);
	assert_int_equal(mcr_payload_fill(buf + MCR_RTP_HDR_LEN, 60, 1, seq), 60);
	assert_int_equal(mcr_tool_tracker_add(t, buf, sizeof(buf)), 0);
}

/*
 * --rtp: the header is taken off before the payload is checked, a packet
 * without one is foreign, and the RTP sequence is followed across the wrap:
 * a gap and a duplicate each break it, 65535 -> 0 does not.
 */
static void test_rtp(void **state)
{
	struct mcr_tool_tracker t;
	struct mcr_tool_counts c;
	uint8_t plain[60];

	(void)state;
	mcr_tool_tracker_init(&t, true, 5);
	t.rtp = true;
	add_rtp(&t, 65534, 0);
	add_rtp(&t, 65535, 1);
	add_rtp(&t, 0, 2);
	add_rtp(&t, 0, 2);     /* a duplicate: a break */
	add_rtp(&t, 2, 4);     /* 1 missing: a break */
	assert_int_equal(mcr_payload_fill(plain, sizeof(plain), 1, 3), sizeof(plain));
	plain[0] = 0x4d;       /* version 1: not RTP */
	assert_int_equal(mcr_tool_tracker_add(&t, plain, sizeof(plain)), 0);
	mcr_tool_tracker_counts(&t, &c);
	assert_int_equal(c.received, 6);
	assert_int_equal(c.foreign, 1);
	assert_int_equal(c.corrupted, 0);
	assert_int_equal(c.unique, 4);
	assert_int_equal(c.duplicated, 1);
	assert_int_equal(c.lost, 1);
	assert_int_equal(c.rtp_breaks, 2);
	mcr_tool_tracker_free(&t);
}

/* mcrgen --skip sets: single numbers, ranges, residues; bad lists refused. */
static void test_skip(void **state)
{
	struct mcr_skip s;

	(void)state;
	mcr_tool_prog = "test";
	assert_int_equal(mcr_skip_parse("--skip", "3,10-12,5-6%100", &s), 0);
	assert_int_equal(s.n, 3);
	assert_true(mcr_skip_has(&s, 3));
	assert_false(mcr_skip_has(&s, 4));
	assert_true(mcr_skip_has(&s, 10) && mcr_skip_has(&s, 12));
	assert_false(mcr_skip_has(&s, 13));
	assert_true(mcr_skip_has(&s, 105) && mcr_skip_has(&s, 906));
	assert_false(mcr_skip_has(&s, 907));
	assert_int_equal(mcr_skip_parse("--skip", "", &s), 0);
	assert_false(mcr_skip_has(&s, 0));
	assert_int_equal(mcr_skip_parse("--skip", "5-3", &s), -EINVAL);
	assert_int_equal(mcr_skip_parse("--skip", "1%0", &s), -EINVAL);
	assert_int_equal(mcr_skip_parse("--skip", "4%4", &s), -EINVAL);
	assert_int_equal(mcr_skip_parse("--skip", "1,,2", &s), -EINVAL);
	assert_int_equal(mcr_skip_parse("--skip", "x", &s), -EINVAL);
	assert_int_equal(mcr_skip_parse("--skip", "1-", &s), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_silence),
		cmocka_unit_test(test_rtp),
		cmocka_unit_test(test_skip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
