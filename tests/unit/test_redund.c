/*
 * mcrd/redund.c packet by packet: the RTP header check, the merge's
 * sequence logic (two paths with disjoint gaps, delay inside and outside
 * the window, wrap at 65535, a restarted sender by SSRC or by a jump,
 * reordering) and the failover's switches.  Time is given, not read.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "../../mcrd/redund.h"

#define MS 1000000LL

static uint8_t pkt[64];

/* An RTP packet (20 bytes: header and 8 of payload). */
static const uint8_t *rtp(uint16_t seq, uint32_t ssrc)
{
	memset(pkt, 0, sizeof(pkt));
	pkt[0] = 0x80;
	pkt[1] = 33; /* MPEG-TS */
	pkt[2] = (uint8_t)(seq >> 8);
	pkt[3] = (uint8_t)seq;
	pkt[8] = (uint8_t)(ssrc >> 24);
	pkt[9] = (uint8_t)(ssrc >> 16);
	pkt[10] = (uint8_t)(ssrc >> 8);
	pkt[11] = (uint8_t)ssrc;
	return pkt;
}

static struct redund *merge_new(uint32_t window_ms, unsigned nin, struct redund_stats *st)
{
	struct mcr_redund cfg;
	struct redund *r;

	mcr_redund_init(&cfg, MCR_REDUNDANCY_MERGE);
	cfg.window_ms = window_ms;
	assert_int_equal(redund_new(&r, &cfg, nin), 0);
	memset(st, 0, sizeof(*st));
	redund_set_stats(r, st);
	return r;
}

/* Input in delivers (seq, ssrc) at t ms: relayed? */
static bool take(struct redund *r, unsigned in, uint16_t seq, uint32_t ssrc, double t_ms)
{
	return redund_take(r, in, rtp(seq, ssrc), 20, (int64_t)(t_ms * MS)) == MCR_DROP_NONE;
}

static void test_rtp_header(void **state)
{
	uint8_t p[40] = { 0x80, 96, 0x12, 0x34, 0, 0, 0, 0, 0xde, 0xad, 0xbe, 0xef };
	uint32_t ssrc;
	uint16_t seq;

	(void)state;
	assert_int_equal(redund_rtp(p, 12, &seq, &ssrc), 0);
	assert_int_equal(seq, 0x1234);
	assert_int_equal(ssrc, 0xdeadbeef);
	assert_int_equal(redund_rtp(p, 11, &seq, &ssrc), -EINVAL);   /* short */
	p[0] = 0x40;
	assert_int_equal(redund_rtp(p, 40, &seq, &ssrc), -EINVAL);   /* version 1 */
	p[0] = 0x83;                                                  /* 3 CSRCs: 24 bytes */
	assert_int_equal(redund_rtp(p, 23, &seq, &ssrc), -EINVAL);
	assert_int_equal(redund_rtp(p, 24, &seq, &ssrc), 0);
	p[0] = 0x90;                                                  /* an extension of 2 words */
	p[14] = 0, p[15] = 2;
	assert_int_equal(redund_rtp(p, 23, &seq, &ssrc), -EINVAL);
	assert_int_equal(redund_rtp(p, 24, &seq, &ssrc), 0);
	assert_int_equal(redund_rtp(p, 15, &seq, &ssrc), -EINVAL);
	p[0] = 0xa0;                                                  /* padding: last byte counts it */
	p[19] = 8;
	assert_int_equal(redund_rtp(p, 20, &seq, &ssrc), 0);
	p[19] = 9;
	assert_int_equal(redund_rtp(p, 20, &seq, &ssrc), -EINVAL);
	p[19] = 0;
	assert_int_equal(redund_rtp(p, 20, &seq, &ssrc), -EINVAL);
	p[0] = 0x80;
	p[1] = 200;                                                   /* RTCP sender report */
	assert_int_equal(redund_rtp(p, 28, &seq, &ssrc), -EINVAL);
	p[1] = 0xe0;                                                  /* marker + type 96 */
	assert_int_equal(redund_rtp(p, 12, &seq, &ssrc), 0);
}

/* Two paths, each missing its own stretch: every number goes out exactly once. */
static void test_disjoint_gaps(void **state)
{
	struct redund_stats st;
	struct redund *r = merge_new(10, 2, &st);
	unsigned out[1000] = { 0 };

	(void)state;
	for (unsigned s = 0; s < 1000; s++) {
		double t = s * 0.1;

		if (!(s >= 100 && s < 200) && take(r, 0, (uint16_t)s, 7, t))
			out[s]++;
		if (!(s >= 500 && s < 520) && !(s >= 200 && s % 97 == 3) &&
		    take(r, 1, (uint16_t)s, 7, t + 0.05))
			out[s]++;
	}
	for (unsigned s = 0; s < 1000; s++)
		assert_int_equal(out[s], 1);
	assert_int_equal(st.in[0].packets, 900);
	assert_int_equal(st.in[0].filled, 100);       /* 100..199 from path B */
	assert_int_equal(st.in[1].filled, 20 + 8);    /* 500..519, and 294, 391... 973 */
	assert_int_equal(st.in[0].duplicates + st.in[1].duplicates, st.in[0].packets +
			 st.in[1].packets - 1000);
	assert_int_equal(st.in[0].late + st.in[1].late, 0);
	assert_int_equal(st.resyncs, 0);
	redund_free(r);
}

/*
 * The slower path 4 ms behind, inside a 10 ms window: it fills every gap
 * of the faster one.  Outside a 2 ms window, its copies come too late.
 */
static void test_delay_inside_and_outside_window(void **state)
{
	struct redund_stats st;
	unsigned got, late_fills;

	(void)state;
	for (int w = 0; w < 2; w++) {
		struct redund *r = merge_new(w ? 2 : 10, 2, &st);

		got = late_fills = 0;
		for (unsigned s = 0; s < 2000; s++) {
			double t = s * 0.5; /* 2000 pps */

			if (s % 10 != 5)
				got += take(r, 0, (uint16_t)s, 1, t);
			if (s >= 8) /* path B: the same packet 4 ms later */
				late_fills += take(r, 1, (uint16_t)(s - 8), 1, t);
		}
		if (!w) {
			/* A's 1800, and B's copies of the 199 A lost before B's last (1991). */
			assert_int_equal(got, 1800);
			assert_int_equal(late_fills, 199);
			assert_int_equal(st.in[0].filled, 199);
			assert_int_equal(st.in[1].late, 0);
		} else {
			assert_int_equal(got, 1800);
			assert_int_equal(late_fills, 0);           /* no number twice, none late */
			assert_int_equal(st.in[1].late, 2000 - 8);
			assert_int_equal(st.in[0].filled, 0);
		}
		assert_int_equal(st.resyncs, 0);
		redund_free(r);
	}
}

/* Across 65535 -> 0, with losses on both sides of the wrap. */
static void test_wrap(void **state)
{
	struct redund_stats st;
	struct redund *r = merge_new(10, 2, &st);
	unsigned n = 0;

	(void)state;
	for (unsigned k = 0; k < 100; k++) {
		uint16_t s = (uint16_t)(65500 + k);

		if (s != 65535 && s != 3)
			n += take(r, 0, s, 9, k);
		if (s != 65534 && s != 0)
			n += take(r, 1, s, 9, k + 0.5);
		/* a stale copy of one relayed before is not relayed again (before
		 * 65500, the first, they would be new: numbers a slower path brings) */
		if (k >= 5)
			assert_false(take(r, 1, (uint16_t)(s - 5), 9, k + 0.6));
	}
	assert_int_equal(n, 100);
	assert_int_equal(st.resyncs, 0);
	assert_int_equal(st.in[0].filled, 2);
	assert_int_equal(st.in[1].filled, 2);
	redund_free(r);
}

/*
 * A restarted sender (new SSRC, new sequence): followed from its second
 * packet; its first is a gap the slower path fills; the old stream's
 * copies still on the slower path are never relayed.
 */
static void test_ssrc_change(void **state)
{
	struct redund_stats st;
	struct redund *r = merge_new(10, 2, &st);
	unsigned old_twice = 0, new_once = 0;
	double t = 0;

	(void)state;
	for (unsigned s = 0; s < 100; s++, t += 1) {
		assert_true(take(r, 0, (uint16_t)(1000 + s), 0xaaaa, t));
		if (s >= 2)
			assert_false(take(r, 1, (uint16_t)(1000 + s - 2), 0xaaaa, t + 0.1));
	}
	/* New stream on A from 40000; B still carries the old one for 2 packets. */
	for (unsigned s = 0; s < 100; s++, t += 1) {
		bool a = take(r, 0, (uint16_t)(40000 + s), 0xbbbb, t);
		bool b = s < 2 ? take(r, 1, (uint16_t)(1098 + s), 0xaaaa, t + 0.1)
			       : take(r, 1, (uint16_t)(40000 + s - 2), 0xbbbb, t + 0.1);

		old_twice += s < 2 && b;
		new_once += a + (s >= 2 && b);
		if (s == 0)
			assert_false(a); /* one packet is no proof of a restart */
	}
	assert_int_equal(old_twice, 0);
	assert_int_equal(new_once, 99 + 1); /* A's from the 2nd on, and B's copy of the 1st */
	assert_int_equal(st.resyncs, 1);
	redund_free(r);
}

/* Same SSRC, a jump beyond 3000: followed from the second packet in sequence. */
static void test_large_jump(void **state)
{
	struct redund_stats st;
	struct redund *r = merge_new(10, 2, &st);

	(void)state;
	for (unsigned s = 0; s < 50; s++)
		assert_true(take(r, 0, (uint16_t)(100 + s), 5, s));
	assert_true(take(r, 0, 149 + 3000, 5, 50));  /* 2999 lost is still loss */
	assert_false(take(r, 0, 20000, 5, 51));      /* a jump: proof wanted */
	assert_true(take(r, 0, 20001, 5, 52));
	assert_true(take(r, 0, 20002, 5, 53));
	assert_true(take(r, 1, 20000, 5, 53.5));     /* the first, from the other path */
	assert_false(take(r, 1, 20001, 5, 54));
	/* Backwards beyond the window, then in sequence: a restart too. */
	assert_false(take(r, 0, 10, 5, 80));
	assert_true(take(r, 0, 11, 5, 81));
	assert_int_equal(st.resyncs, 2);
	/* A lone stray packet changes nothing. */
	assert_false(take(r, 1, 30000, 5, 82));
	assert_true(take(r, 0, 12, 5, 83));
	assert_int_equal(st.resyncs, 2);
	redund_free(r);
}

/* Reordered within the window: relayed; beyond it: late. */
static void test_reordering(void **state)
{
	struct redund_stats st;
	struct redund *r = merge_new(5, 2, &st);

	(void)state;
	assert_true(take(r, 0, 1, 3, 0));
	assert_true(take(r, 0, 3, 3, 1));
	assert_true(take(r, 0, 2, 3, 2));     /* 1 ms after its slot was passed */
	assert_false(take(r, 0, 2, 3, 2.5));  /* and only once */
	assert_true(take(r, 0, 5, 3, 3));
	assert_false(take(r, 0, 4, 3, 9));    /* 6 ms: out of the window */
	assert_int_equal(st.in[0].late, 1);
	assert_int_equal(st.in[0].duplicates, 1);
	/* Behind the first packet relayed: before the history, late. */
	assert_false(take(r, 1, 0, 3, 9.5));
	assert_int_equal(st.in[1].late, 1);
	redund_free(r);
}

/* A slower path that never fits the window never takes the stream over. */
static void test_slow_path_stays_late(void **state)
{
	struct redund_stats st;
	struct redund *r = merge_new(2, 2, &st);
	unsigned relayed = 0;

	(void)state;
	for (unsigned s = 0; s < 5000; s++) {
		if (s % 7 != 3) /* A: 1 in 7 lost */
			relayed += take(r, 0, (uint16_t)s, 1, s);
		if (s >= 10)    /* B: all of them, 9.5 ms late */
			relayed += take(r, 1, (uint16_t)(s - 10), 1, s + 0.5);
	}
	assert_int_equal(relayed, 5000 - 714);
	assert_int_equal(st.in[1].late, 4990);
	assert_int_equal(st.resyncs, 0);
	redund_free(r);
}

/*
 * A stream's first packets that only the slower path carries: the faster
 * path's first packet starts the stream at 2, and the slower one brings
 * 0 and 1 within the window (they were lost, counted late).  Beyond the
 * window they are still late.
 */
static void test_first_packets_from_slower_path(void **state)
{
	struct redund_stats st;
	struct redund *r = merge_new(10, 2, &st);

	(void)state;
	assert_true(take(r, 0, 2, 7, 0));
	assert_true(take(r, 0, 3, 7, 0.1));
	assert_true(take(r, 1, 0, 7, 3));            /* 3 ms after the start: filled */
	assert_true(take(r, 1, 1, 7, 3.1));
	assert_false(take(r, 1, 2, 7, 3.2));         /* a duplicate */
	assert_int_equal(st.in[0].filled, 2);        /* path A lacked 0 and 1 */
	assert_int_equal(st.in[1].late, 0);
	redund_free(r);
	r = merge_new(2, 2, &st);
	assert_true(take(r, 0, 2, 7, 0));
	assert_false(take(r, 1, 0, 7, 3));           /* outside a 2 ms window */
	assert_int_equal(st.in[1].late, 1);
	redund_free(r);
}

/*
 * The sender pauses for more than a second and starts again from 0 with
 * the same SSRC: the faster path's first packet is followed, and the
 * slower path's, compared with what it carried before the pause, must not
 * look like a restart of its own (that resynced the merge onto the slower
 * path and relayed its copies of what the faster one had already given:
 * duplicates at the receiver).
 */
static void test_pause_then_slower_path(void **state)
{
	struct redund_stats st;
	struct redund *r = merge_new(20, 2, &st);
	unsigned out[100] = { 0 };
	double t0 = 5000;

	(void)state;
	for (unsigned s = 0; s < 300; s++) {
		take(r, 0, (uint16_t)(1000 + s), 7, s * 0.1);
		take(r, 1, (uint16_t)(1000 + s), 7, s * 0.1 + 5);
	}
	for (unsigned s = 0; s < 100; s++) {    /* B 5 ms (50 packets) behind A */
		if (s % 10 > 1 && take(r, 0, (uint16_t)s, 7, t0 + s * 0.1))
			out[s]++;
		if (s >= 50 && (s - 50) % 10 != 5 && take(r, 1, (uint16_t)(s - 50), 7, t0 + s * 0.1))
			out[s - 50]++;
	}
	for (unsigned s = 0; s < 50; s++)
		assert_int_equal(out[s], 1);
	assert_int_equal(st.resyncs, 1);             /* the pause, only */
	redund_free(r);
}

/* A silence of more than a second: whatever comes next is followed. */
static void test_idle_follows_anything(void **state)
{
	struct redund_stats st;
	struct redund *r = merge_new(10, 2, &st);

	(void)state;
	assert_true(take(r, 0, 10, 1, 0));
	assert_false(take(r, 1, 999, 2, 1));         /* another stream: refused */
	assert_false(take(r, 1, 1000, 2, 500));      /* ... in sequence, but not a restart */
	assert_true(take(r, 1, 1001, 2, 1200));      /* the first stream has been gone 1.2 s */
	assert_int_equal(st.resyncs, 1);
	redund_free(r);
}

/* Non-RTP datagrams: counted per input, never relayed, never disturb the stream. */
static void test_not_rtp(void **state)
{
	struct redund_stats st;
	struct redund *r = merge_new(10, 2, &st);
	uint8_t junk[20] = { 0x47, 0x40 };

	(void)state;
	assert_true(take(r, 0, 1, 1, 0));
	assert_int_equal(redund_take(r, 1, junk, sizeof(junk), MS), MCR_DROP_NOT_RTP);
	assert_int_equal(redund_take(r, 1, junk, 3, MS), MCR_DROP_NOT_RTP);
	assert_true(take(r, 1, 2, 1, 2));
	assert_int_equal(st.in[1].packets, 3);
	assert_int_equal(redund_take(r, 2, junk, 3, MS), MCR_DROP_NO_RULE); /* no such input */
	redund_free(r);
}

/*
 * Workers of a spread rule read the two inputs in their own order: the
 * numbers each relays are the same.
 */
static void test_order_independent(void **state)
{
	struct redund_stats s1, s2;
	struct redund *a = merge_new(10, 2, &s1), *b = merge_new(10, 2, &s2);

	(void)state;
	for (unsigned s = 0; s < 3000; s += 8) {
		bool ra[16] = { false }, rb[16] = { false };

		for (unsigned k = 0; k < 8; k++) {
			uint16_t q = (uint16_t)(s + k);
			double t = s + k;

			if ((q % 13) != 1)
				ra[k] |= take(a, 0, q, 4, t);
			if ((q % 11) != 2)
				ra[8 + k] |= take(a, 1, q, 4, t);
		}
		for (unsigned k = 0; k < 8; k++) { /* b reads input 1's batch first */
			uint16_t q = (uint16_t)(s + k);

			if ((q % 11) != 2)
				rb[k] |= take(b, 1, q, 4, s + k);
		}
		for (unsigned k = 0; k < 8; k++) {
			uint16_t q = (uint16_t)(s + k);

			if ((q % 13) != 1)
				rb[8 + k] |= take(b, 0, q, 4, s + k);
		}
		for (unsigned k = 0; k < 8; k++)
			assert_int_equal(ra[k] + ra[8 + k], rb[k] + rb[8 + k]);
	}
	redund_free(a);
	redund_free(b);
}

static struct redund *failover_new(uint32_t fail_ms, uint32_t revert_ms, unsigned nin,
				   struct redund_stats *st)
{
	struct mcr_redund cfg;
	struct redund *r;

	mcr_redund_init(&cfg, MCR_REDUNDANCY_FAILOVER);
	cfg.failover_ms = fail_ms;
	cfg.revert_ms = revert_ms;
	assert_int_equal(redund_new(&r, &cfg, nin), 0);
	memset(st, 0, sizeof(*st));
	redund_set_stats(r, st);
	return r;
}

static bool udp(struct redund *r, unsigned in, double t_ms)
{
	static const uint8_t any[4] = "abc";

	return redund_take(r, in, any, sizeof(any), (int64_t)(t_ms * MS)) == MCR_DROP_NONE;
}

static void test_failover_switch_and_revert(void **state)
{
	struct redund_stats st;
	struct redund *r = failover_new(50, 200, 2, &st);
	double t = 0;

	(void)state;
	for (; t < 100; t += 1) {
		assert_true(udp(r, 0, t));
		assert_false(udp(r, 1, t + 0.5));
	}
	assert_int_equal(st.active, 0);
	/* The primary falls silent: the backup takes over after 50 ms. */
	for (; t < 160; t += 1)
		assert_int_equal(udp(r, 1, t + 0.5), t + 0.5 - 99 > 50);
	assert_int_equal(st.active, 1);
	assert_int_equal(st.switches, 1);
	/* Back, but it must be healthy 200 ms first. */
	for (; t < 500; t += 1) {
		bool p = udp(r, 0, t), b = udp(r, 1, t + 0.5);

		assert_int_equal(p, t - 160 >= 200);
		assert_int_equal(b, !p);
	}
	assert_int_equal(st.active, 0);
	assert_int_equal(st.switches, 2);
	/* Standby before the switch (49 of them), and after the switch back. */
	assert_int_equal(st.in[1].duplicates, 100 + 49 + (500 - 360));
	redund_free(r);
}

static void test_failover_no_revert_and_priority(void **state)
{
	struct redund_stats st;
	struct redund *r = failover_new(20, 0, 3, &st);

	(void)state;
	/* At start, a backup is not used while the primary may still come. */
	assert_false(udp(r, 2, 0));
	assert_true(udp(r, 0, 5));
	assert_true(udp(r, 0, 10));
	/* The primary stops; 2 delivers first, but 1 is live and comes first in the list. */
	assert_false(udp(r, 1, 15));
	assert_false(udp(r, 1, 25));
	assert_false(udp(r, 2, 40));
	assert_true(udp(r, 1, 41));
	assert_int_equal(st.active, 1);
	/* Without revert the primary is not taken back while 1 delivers... */
	for (double t = 42; t < 2000; t += 10) {
		assert_false(udp(r, 0, t));
		assert_true(udp(r, 1, t + 1));
	}
	/* ... only when 1 falls silent. */
	assert_true(udp(r, 0, 2030));
	assert_int_equal(st.active, 0);
	assert_int_equal(st.switches, 2);
	redund_free(r);
}

/* A gap shorter than failover_ms is no failure; a primary that never came is one. */
static void test_failover_grace(void **state)
{
	struct redund_stats st;
	struct redund *r = failover_new(100, 1000, 2, &st);

	(void)state;
	assert_true(udp(r, 0, 0));
	assert_false(udp(r, 1, 90));
	assert_true(udp(r, 0, 95));
	assert_int_equal(st.switches, 0);
	redund_free(r);
	r = failover_new(100, 1000, 2, &st);
	assert_false(udp(r, 1, 0));
	assert_false(udp(r, 1, 100));
	assert_true(udp(r, 1, 101));
	assert_int_equal(st.active, 1);
	/* The counters of a worker that does not own the rule stay private. */
	redund_set_stats(r, NULL);
	assert_true(udp(r, 1, 102));
	assert_int_equal(st.in[1].packets, 3);
	redund_free(r);
}

static void test_new_refuses(void **state)
{
	struct mcr_redund cfg;
	struct redund *r;

	(void)state;
	mcr_redund_init(&cfg, MCR_REDUNDANCY_NONE);
	assert_int_equal(redund_new(&r, &cfg, 2), -EINVAL);
	mcr_redund_init(&cfg, MCR_REDUNDANCY_MERGE);
	assert_int_equal(redund_new(&r, &cfg, 1), -EINVAL);
	assert_int_equal(redund_new(&r, &cfg, MCR_MAX_INPUTS + 1), -EINVAL);
	redund_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rtp_header),
		cmocka_unit_test(test_disjoint_gaps),
		cmocka_unit_test(test_delay_inside_and_outside_window),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_ssrc_change),
		cmocka_unit_test(test_large_jump),
		cmocka_unit_test(test_reordering),
		cmocka_unit_test(test_slow_path_stays_late),
		cmocka_unit_test(test_idle_follows_anything),
		cmocka_unit_test(test_first_packets_from_slower_path),
		cmocka_unit_test(test_pause_then_slower_path),
		cmocka_unit_test(test_not_rtp),
		cmocka_unit_test(test_order_independent),
		cmocka_unit_test(test_failover_switch_and_revert),
		cmocka_unit_test(test_failover_no_revert_and_priority),
		cmocka_unit_test(test_failover_grace),
		cmocka_unit_test(test_new_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
