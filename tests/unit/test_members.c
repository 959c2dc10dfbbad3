/*
 * mcrd/members.c with the clock in the test's hands: joins and leaves
 * (v2 and v3), the last member queries and the leave latency they bound,
 * a v2 host in a v3 group, source filters, the querier election both
 * ways, timer expiry, the table's bound; and the same for MLD: v1 join
 * and done with last listener queries, v1 host compatibility, election
 * by link-local address both ways, no address yet; the other querier's
 * robustness and query interval adopted from its v3 (MLDv2) queries (not
 * from v2 or MLDv1 ones, nor zero ones), our own again when we take
 * over, and clamped against a hostile query.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "../../mcrd/members.h"

#define MS 1000000LL
#define S  (1000 * MS)

static unsigned nqueries, ngeneral, nchanged, last_ms;
static struct mcr_addr last_query;

static bool unspecified(struct mcr_addr a)
{
	return !mcr_addr_set(mcr_addr_any_unset(a));
}

static void on_query(void *arg, struct mcr_addr g, unsigned ms)
{
	(void)arg;
	nqueries++;
	ngeneral += unspecified(g);
	last_query = g;
	last_ms = ms;
}

static void on_changed(void *arg, struct mcr_addr g)
{
	(void)arg;
	(void)g;
	nchanged++;
}

static const struct mbr_ops ops = { on_query, on_changed, NULL };

static struct in_addr ip(const char *s)
{
	return (struct in_addr){ inet_addr(s) };
}

static struct mbr *link_new(const char *self)
{
	struct mbr_timers t;
	struct mbr *m;

	mbr_timers_default(&t);
	nqueries = ngeneral = nchanged = 0;
	assert_int_equal(mbr_new(&m, AF_INET, &t, &ops, NULL, 0), 0);
	if (self)
		mbr_set_self(m, mcr_addr4(ip(self)), 0);
	return m;
}

static void v2(struct mbr *m, uint8_t type, const char *g, int64_t now)
{
	struct igmp_msg msg = { .type = type, .version = 2, .src = ip("10.0.0.9"),
				.group = ip(g) };

	mbr_input(m, &msg, now);
}

/* A query of version from src for g (0.0.0.0: general) carrying QRV qrv and QQI qqi (s, decoded). */
static void query_msg(struct mbr *m, uint8_t version, const char *src, const char *g, uint8_t qrv,
		      unsigned qqi, int64_t now)
{
	struct igmp_msg msg = { .type = IGMP_QUERY, .version = version, .src = ip(src),
				.group = ip(g), .qrv = qrv, .qqi = qqi, .max_resp_ds = 100 };

	mbr_input(m, &msg, now);
}

/* A v3 query whose QRV and QQI are zero: our configured values stand. */
static void query_from(struct mbr *m, const char *src, const char *g, int64_t now)
{
	query_msg(m, 3, src, g, 0, 0, now);
}

static void query3(struct mbr *m, const char *src, const char *g, uint8_t qrv, unsigned qqi,
		   int64_t now)
{
	query_msg(m, 3, src, g, qrv, qqi, now);
}

/* A v2 query: no QRV nor QQI (the parser leaves them 0; here they are set, to be ignored). */
static void query2(struct mbr *m, const char *src, const char *g, int64_t now)
{
	query_msg(m, 2, src, g, 5, 40, now);
}

/* The timers in use are robustness r (and as many last member queries) and query interval qi_s. */
static void assert_timers(const struct mbr *m, unsigned r, unsigned qi_s)
{
	const struct mbr_timers *t = mbr_get_timers(m);

	assert_int_equal(t->robustness, r);
	assert_int_equal(t->lmq_count, r);
	assert_int_equal(t->query_interval_ms, qi_s * 1000);
	assert_int_equal(t->query_response_ms, 10000); /* always ours */
	assert_int_equal(t->lmq_interval_ms, 1000);
}

/* A v3 report of one record with up to two sources. */
static void v3(struct mbr *m, uint8_t rtype, const char *g, const char *s1, const char *s2,
	       int64_t now)
{
	uint8_t buf[16] = { rtype };
	struct igmp_msg msg = { .type = IGMP_V3_REPORT, .version = 3, .src = ip("10.0.0.9"),
				.nrec = 1, .recs = buf };
	struct in_addr a;

	a = ip(g);
	memcpy(buf + 4, &a, 4);
	buf[3] = (uint8_t)(!!s1 + !!s2);
	if (s1) {
		a = ip(s1);
		memcpy(buf + 8, &a, 4);
	}
	if (s2) {
		a = ip(s2);
		memcpy(buf + 12, &a, 4);
	}
	msg.recs_len = 8 + 4 * (size_t)buf[3];
	mbr_input(m, &msg, now);
}

static bool wants(struct mbr *m, const char *g, const char *s)
{
	return mbr_wants(m, mcr_addr4(ip(g)), mcr_addr4(ip(s ? s : "0.0.0.0")));
}

static void test_startup_queries(void **state)
{
	struct mbr *m = link_new("10.0.0.1");
	bool self;
	int64_t until;

	(void)state;
	assert_int_equal(mbr_deadline(m), 0);
	mbr_tick(m, 0);
	assert_int_equal(ngeneral, 1);
	assert_int_equal(mbr_deadline(m), 125 * S / 4); /* startup query interval */
	mbr_tick(m, 125 * S / 4);
	assert_int_equal(ngeneral, 2);
	assert_int_equal(mbr_deadline(m), 125 * S / 4 + 125 * S);
	assert_int_equal(mbr_querier(m, &self, &until).v4.s_addr, ip("10.0.0.1").s_addr);
	assert_true(self);
	mbr_free(m);
}

static void test_v2_join_leave(void **state)
{
	struct mbr *m = link_new("10.0.0.1");

	(void)state;
	mbr_tick(m, 0);
	v2(m, IGMP_V2_REPORT, "239.2.2.2", 1 * S);
	assert_true(wants(m, "239.2.2.2", NULL));
	assert_true(wants(m, "239.2.2.2", "10.5.5.5"));
	assert_false(wants(m, "239.3.3.3", NULL));
	assert_int_equal(nchanged, 1);
	assert_int_equal(mbr_stats(m)->joins, 1);
	assert_int_equal(mbr_group_version(mbr_group_at(m, 0), 1 * S), 2);
	/* a repeated report changes nothing the data path sees */
	v2(m, IGMP_V2_REPORT, "239.2.2.2", 2 * S);
	assert_int_equal(nchanged, 1);
	nqueries = 0;
	v2(m, IGMP_V2_LEAVE, "239.2.2.2", 10 * S);
	mbr_tick(m, 10 * S);
	assert_int_equal(nqueries, 1);
	assert_int_equal(last_query.v4.s_addr, ip("239.2.2.2").s_addr);
	mbr_tick(m, 11 * S);
	assert_int_equal(nqueries, 2);
	mbr_tick(m, 12 * S - 1);
	assert_true(wants(m, "239.2.2.2", NULL));
	assert_int_equal(nqueries, 2); /* lmq_count 2 */
	/* nobody answered: gone at the last member query time (2 s) */
	mbr_tick(m, 12 * S);
	assert_false(wants(m, "239.2.2.2", NULL));
	assert_int_equal(nchanged, 2);
	assert_int_equal(mbr_ngroups(m), 0);
	mbr_free(m);
}

static void test_leave_answered(void **state)
{
	struct mbr *m = link_new("10.0.0.1");

	(void)state;
	v2(m, IGMP_V2_REPORT, "239.2.2.2", 0);
	v2(m, IGMP_V2_LEAVE, "239.2.2.2", 10 * S);
	mbr_tick(m, 10 * S);
	v2(m, IGMP_V2_REPORT, "239.2.2.2", 10 * S + 500 * MS); /* another member */
	mbr_tick(m, 13 * S);
	assert_true(wants(m, "239.2.2.2", NULL));
	mbr_free(m);
}

static void test_expiry(void **state)
{
	struct mbr *m = link_new(NULL);

	(void)state;
	v2(m, IGMP_V2_REPORT, "239.2.2.2", 0);
	mbr_tick(m, 260 * S - 1); /* GMI = 2 * 125 + 10 */
	assert_true(wants(m, "239.2.2.2", NULL));
	mbr_tick(m, 260 * S);
	assert_false(wants(m, "239.2.2.2", NULL));
	assert_int_equal(mbr_stats(m)->expiries, 1);
	assert_int_equal(nqueries, 0); /* no address: never querier */
	mbr_free(m);
}

static void test_v3_sources(void **state)
{
	struct mbr *m = link_new("10.0.0.1");

	(void)state;
	v3(m, IGMP_MODE_IS_INCLUDE, "232.1.1.1", "10.1.1.1", NULL, 0);
	assert_true(wants(m, "232.1.1.1", "10.1.1.1"));
	assert_false(wants(m, "232.1.1.1", "10.1.1.2"));
	assert_true(wants(m, "232.1.1.1", NULL));
	v3(m, IGMP_CHANGE_TO_EXCLUDE, "232.1.1.1", "10.1.1.2", NULL, 1 * S);
	assert_true(wants(m, "232.1.1.1", "10.1.1.1"));
	assert_false(wants(m, "232.1.1.1", "10.1.1.2"));
	/* INCLUDE(A) + TO_EX(B) deleted A-B: 10.1.1.1 is now any other source */
	v3(m, IGMP_ALLOW_NEW, "232.1.1.1", "10.1.1.2", NULL, 2 * S);
	assert_true(wants(m, "232.1.1.1", "10.1.1.2"));
	/* leave (TO_IN {}): group timer lowered, queries, then back to INCLUDE and gone */
	v3(m, IGMP_CHANGE_TO_INCLUDE, "232.1.1.1", NULL, NULL, 3 * S);
	mbr_tick(m, 3 * S);
	mbr_tick(m, 4 * S);
	mbr_tick(m, 5 * S);
	assert_false(wants(m, "232.1.1.1", NULL));
	assert_int_equal(mbr_ngroups(m), 0);
	/* BLOCK in INCLUDE: the source goes after LMQT */
	v3(m, IGMP_ALLOW_NEW, "232.1.1.1", "10.1.1.1", "10.1.1.2", 10 * S);
	v3(m, IGMP_BLOCK_OLD, "232.1.1.1", "10.1.1.1", NULL, 11 * S);
	mbr_tick(m, 11 * S);
	mbr_tick(m, 12 * S);
	mbr_tick(m, 13 * S);
	assert_false(wants(m, "232.1.1.1", "10.1.1.1"));
	assert_true(wants(m, "232.1.1.1", "10.1.1.2"));
	mbr_free(m);
}

/* RFC 3376 7.3.2: with a v2 host present, BLOCK is ignored and TO_EX(x) is TO_EX({}). */
static void test_v2_host_in_v3_group(void **state)
{
	struct mbr *m = link_new("10.0.0.1");

	(void)state;
	v2(m, IGMP_V2_REPORT, "239.2.2.2", 0);
	v3(m, IGMP_BLOCK_OLD, "239.2.2.2", "10.1.1.1", NULL, 1 * S);
	mbr_tick(m, 5 * S);
	assert_true(wants(m, "239.2.2.2", "10.1.1.1"));
	v3(m, IGMP_CHANGE_TO_EXCLUDE, "239.2.2.2", "10.1.1.1", NULL, 6 * S);
	assert_true(wants(m, "239.2.2.2", "10.1.1.1"));
	/* once the v2 host is gone (GMI), the group is v3 again */
	v3(m, IGMP_MODE_IS_EXCLUDE, "239.2.2.2", NULL, NULL, 200 * S);
	assert_int_equal(mbr_group_version(mbr_group_at(m, 0), 261 * S), 3);
	v3(m, IGMP_CHANGE_TO_EXCLUDE, "239.2.2.2", "10.1.1.1", NULL, 261 * S);
	/* EXCLUDE + TO_EX(A): A at the group timer until Q(G,A) goes unanswered (LMQT) */
	assert_true(wants(m, "239.2.2.2", "10.1.1.1"));
	mbr_tick(m, 261 * S);
	mbr_tick(m, 262 * S);
	mbr_tick(m, 263 * S);
	assert_false(wants(m, "239.2.2.2", "10.1.1.1"));
	assert_true(wants(m, "239.2.2.2", "10.1.1.2"));
	mbr_free(m);
}

static void test_election_lower_wins(void **state)
{
	struct mbr *m = link_new("10.0.0.5");
	bool self;
	int64_t until;

	(void)state;
	mbr_tick(m, 0);
	assert_int_equal(ngeneral, 1);
	/* a higher address: we stay querier */
	query_from(m, "10.0.0.9", "0.0.0.0", 1 * S);
	mbr_tick(m, 125 * S / 4);
	assert_int_equal(ngeneral, 2);
	assert_int_equal(mbr_stats(m)->elections, 0);
	/* a lower one wins: we fall silent for the other querier present interval */
	query_from(m, "10.0.0.2", "0.0.0.0", 40 * S);
	assert_int_equal(mbr_querier(m, &self, &until).v4.s_addr, ip("10.0.0.2").s_addr);
	assert_false(self);
	assert_int_equal(until, 40 * S + 255 * S); /* 2 * 125 + 10 / 2 */
	assert_int_equal(mbr_stats(m)->elections, 1);
	mbr_tick(m, 200 * S);
	assert_int_equal(ngeneral, 2);
	/* it keeps querying: we keep listening */
	query_from(m, "10.0.0.2", "0.0.0.0", 165 * S);
	mbr_tick(m, 300 * S);
	assert_int_equal(ngeneral, 2);
	assert_int_equal(mbr_stats(m)->elections, 1); /* the same querier again: no change */
	/* it went away: after the interval we are querier again, at once */
	mbr_tick(m, 165 * S + 255 * S);
	assert_int_equal(ngeneral, 3);
	mbr_querier(m, &self, &until);
	assert_true(self);
	assert_int_equal(mbr_stats(m)->elections, 2);
	mbr_free(m);
}

/* Non-querier: a leave alone changes nothing; the querier's group query lowers the timer. */
static void test_non_querier_leave(void **state)
{
	struct mbr *m = link_new("10.0.0.5");

	(void)state;
	query_from(m, "10.0.0.2", "0.0.0.0", 0);
	v2(m, IGMP_V2_REPORT, "239.2.2.2", 1 * S);
	nqueries = 0;
	v2(m, IGMP_V2_LEAVE, "239.2.2.2", 2 * S);
	mbr_tick(m, 10 * S);
	assert_true(wants(m, "239.2.2.2", NULL));
	assert_int_equal(nqueries, 0);
	query_from(m, "10.0.0.2", "239.2.2.2", 11 * S);
	mbr_tick(m, 13 * S - 1);
	assert_true(wants(m, "239.2.2.2", NULL));
	mbr_tick(m, 13 * S);
	assert_false(wants(m, "239.2.2.2", NULL));
	mbr_free(m);
}

/*
 * The querier queries every 300 s (QQI 300): its members, reporting after
 * each query, stay members throughout, past our default group membership
 * interval (260 s), and we never query; their membership ends 2 * 300 +
 * 10 s after the last report.
 */
static void test_adopt_longer_interval(void **state)
{
	struct mbr *m = link_new("10.0.0.5");
	bool self;
	int64_t until;

	(void)state;
	mbr_tick(m, 0);
	assert_int_equal(ngeneral, 1); /* our startup query, before the other was heard */
	for (int64_t q = 1 * S; q < 1000 * S; q += 300 * S) {
		query3(m, "10.0.0.2", "0.0.0.0", 2, 300, q);
		assert_timers(m, 2, 300);
		v2(m, IGMP_V2_REPORT, "239.2.2.2", q + 5 * S);
		v3(m, IGMP_MODE_IS_EXCLUDE, "239.3.3.3", NULL, NULL, q + 5 * S);
		for (int64_t t = q + 5 * S; t < q + 300 * S; t += 5 * S) {
			mbr_tick(m, t);
			assert_true(wants(m, "239.2.2.2", NULL));
			assert_true(wants(m, "239.3.3.3", NULL));
		}
	}
	assert_int_equal(ngeneral, 1);
	assert_int_equal(mbr_stats(m)->expiries, 0);
	assert_int_equal(mbr_stats(m)->elections, 1);
	/* the querier's last query at 901 s: present until 2 * 300 + 10 / 2 s later */
	mbr_tick(m, 901 * S + 605 * S - 1);
	mbr_querier(m, &self, &until);
	assert_false(self);
	assert_int_equal(until, 901 * S + 605 * S);
	assert_int_equal(ngeneral, 1);
	/* the last report at 906 s: members until 906 + 610 s; the v3 group timer too */
	mbr_tick(m, 906 * S + 610 * S - 1);
	assert_true(wants(m, "239.2.2.2", NULL));
	assert_true(wants(m, "239.3.3.3", NULL));
	mbr_tick(m, 906 * S + 610 * S);
	assert_false(wants(m, "239.2.2.2", NULL));
	assert_false(wants(m, "239.3.3.3", NULL));
	mbr_free(m);
}

/*
 * The other querier present interval follows the adopted values (3 * 200
 * + 5 s), and so does the last member query count a group-specific query
 * of the querier lowers a group to (3 * 1 s); when the querier is gone we
 * take over with our configured values, startup queries included.
 */
static void test_adopt_other_querier_present(void **state)
{
	struct mbr *m = link_new("10.0.0.5");
	bool self;
	int64_t until;

	(void)state;
	mbr_tick(m, 0);
	query3(m, "10.0.0.2", "0.0.0.0", 3, 200, 10 * S);
	assert_timers(m, 3, 200);
	mbr_querier(m, &self, &until);
	assert_int_equal(until, 10 * S + 605 * S);
	assert_int_equal(mbr_deadline(m), 10 * S + 605 * S);
	v2(m, IGMP_V2_REPORT, "239.2.2.2", 11 * S);
	v2(m, IGMP_V2_LEAVE, "239.2.2.2", 20 * S);
	query3(m, "10.0.0.2", "239.2.2.2", 3, 200, 20 * S);
	mbr_tick(m, 23 * S - 1);
	assert_true(wants(m, "239.2.2.2", NULL));
	mbr_tick(m, 23 * S);
	assert_false(wants(m, "239.2.2.2", NULL));
	/* its group query renewed the other querier present timer: 20 + 605 s */
	nqueries = ngeneral = 0;
	mbr_tick(m, 20 * S + 605 * S - 1);
	assert_int_equal(nqueries, 0);
	mbr_querier(m, &self, &until);
	assert_false(self);
	mbr_tick(m, 20 * S + 605 * S);
	assert_int_equal(ngeneral, 1);
	mbr_querier(m, &self, &until);
	assert_true(self);
	assert_timers(m, 2, 125);
	/* robustness 2 again: two startup queries, a quarter interval apart, then 125 s */
	assert_int_equal(mbr_deadline(m), 625 * S + 125 * S / 4);
	mbr_tick(m, 625 * S + 125 * S / 4);
	assert_int_equal(ngeneral, 2);
	assert_int_equal(mbr_deadline(m), 625 * S + 125 * S / 4 + 125 * S);
	mbr_free(m);
}

/* Only the querier's queries count: not a higher router's, nor ones we hear as querier. */
static void test_adopt_only_from_querier(void **state)
{
	struct mbr *m = link_new("10.0.0.5");

	(void)state;
	mbr_tick(m, 0);
	query3(m, "10.0.0.9", "0.0.0.0", 4, 60, 1 * S); /* higher than us: we stay querier */
	assert_timers(m, 2, 125);
	query3(m, "10.0.0.2", "0.0.0.0", 3, 200, 2 * S);
	query3(m, "10.0.0.3", "0.0.0.0", 4, 60, 3 * S); /* lower than us, not than the querier */
	assert_timers(m, 3, 200);
	query3(m, "10.0.0.1", "0.0.0.0", 4, 60, 4 * S); /* a new querier: its values */
	assert_timers(m, 4, 60);
	assert_int_equal(mbr_stats(m)->elections, 2);
	mbr_free(m);
}

/* IGMPv2 queries carry no QRV nor QQI: the values in use stay as they are. */
static void test_v2_query_keeps_timers(void **state)
{
	struct mbr *m = link_new("10.0.0.5");
	bool self;
	int64_t until;

	(void)state;
	query2(m, "10.0.0.2", "0.0.0.0", 1 * S);
	assert_timers(m, 2, 125);
	mbr_querier(m, &self, &until);
	assert_int_equal(until, 1 * S + 255 * S);
	query3(m, "10.0.0.2", "0.0.0.0", 3, 200, 2 * S);
	query2(m, "10.0.0.2", "0.0.0.0", 3 * S);
	query2(m, "10.0.0.2", "239.2.2.2", 4 * S);
	assert_timers(m, 3, 200);
	mbr_querier(m, &self, &until);
	assert_int_equal(until, 4 * S + 605 * S);
	mbr_free(m);
}

/* A zero QRV or QQI is not adopted: RFC 3376 4.1.6, 4.1.7 say the configured value then. */
static void test_zero_qrv_qqi(void **state)
{
	struct mbr *m = link_new("10.0.0.5");
	bool self;
	int64_t until;

	(void)state;
	query3(m, "10.0.0.2", "0.0.0.0", 0, 0, 1 * S);
	assert_timers(m, 2, 125);
	mbr_querier(m, &self, &until);
	assert_int_equal(until, 1 * S + 255 * S);
	query3(m, "10.0.0.2", "0.0.0.0", 3, 200, 2 * S);
	query3(m, "10.0.0.2", "0.0.0.0", 0, 300, 3 * S);
	assert_timers(m, 2, 300);
	query3(m, "10.0.0.2", "0.0.0.0", 4, 0, 4 * S);
	assert_timers(m, 4, 125);
	mbr_querier(m, &self, &until);
	assert_int_equal(until, 4 * S + 4 * 125 * S + 5 * S);
	mbr_free(m);
}

/* We win the election back (a lower address of ours): our configured values at once. */
static void test_adopt_reverts_on_self(void **state)
{
	struct mbr_timers t;
	struct mbr *m;
	bool self;
	int64_t until;

	(void)state;
	mbr_timers_default(&t);
	t.robustness = t.lmq_count = 3;
	t.query_interval_ms = 60000;
	assert_int_equal(mbr_new(&m, AF_INET, &t, &ops, NULL, 0), 0);
	mbr_set_self(m, mcr_addr4(ip("10.0.0.5")), 0);
	query3(m, "10.0.0.2", "0.0.0.0", 2, 300, 1 * S);
	assert_timers(m, 2, 300);
	mbr_set_self(m, mcr_addr4(ip("10.0.0.1")), 2 * S);
	mbr_querier(m, &self, &until);
	assert_true(self);
	assert_timers(m, 3, 60);
	/* and a link without an address, its querier gone: the configured values too */
	mbr_set_self(m, mcr_addr4(ip("0.0.0.0")), 3 * S);
	query3(m, "10.0.0.2", "0.0.0.0", 2, 300, 4 * S);
	assert_timers(m, 2, 300);
	mbr_tick(m, 4 * S + 605 * S);
	mbr_querier(m, &self, &until);
	assert_false(self);
	assert_int_equal(until, 0);
	assert_timers(m, 3, 60);
	mbr_free(m);
}

/*
 * A hostile query: QRV and QQI beyond what the fields carry are clamped to
 * their largest (7, and QQIC 0xff: 31744 s), so the intervals computed
 * from them stay exact and positive in int64 ns.
 */
static void test_adopt_clamped(void **state)
{
	struct mbr *m = link_new("10.0.0.5");
	const int64_t now = INT64_MAX / 8; /* a clock that has run long */
	bool self;
	int64_t until;

	(void)state;
	query3(m, "10.0.0.2", "0.0.0.0", 255, UINT32_MAX, now);
	assert_timers(m, 7, 31744);
	mbr_querier(m, &self, &until);
	assert_int_equal(until, now + 7 * 31744 * S + 5 * S);
	v2(m, IGMP_V2_REPORT, "239.2.2.2", now);
	assert_int_equal(mbr_deadline(m), now + 7 * 31744 * S + 5 * S);
	mbr_tick(m, now + 7 * 31744 * S + 10 * S - 1);
	assert_true(wants(m, "239.2.2.2", NULL));
	mbr_tick(m, now + 7 * 31744 * S + 10 * S);
	assert_false(wants(m, "239.2.2.2", NULL));
	/* what the parser can give at most: the same */
	query3(m, "10.0.0.2", "0.0.0.0", 7, igmp_code_decode(0xff), now + 7 * 31744 * S + 20 * S);
	assert_timers(m, 7, 31744);
	mbr_free(m);
}

static void test_table_bound(void **state)
{
	struct mbr *m = link_new(NULL);
	char g[32];

	(void)state;
	for (unsigned i = 0; i <= MBR_MAX_GROUPS; i++) {
		snprintf(g, sizeof(g), "239.9.%u.%u", i / 256, i % 256);
		v2(m, IGMP_V2_REPORT, g, 0);
	}
	assert_int_equal(mbr_ngroups(m), MBR_MAX_GROUPS);
	assert_int_equal(mbr_stats(m)->table_full, 1);
	assert_false(wants(m, g, NULL));
	mbr_free(m);
}

/* ---- MLD (AF_INET6): the same machine with IPv6 addresses ---- */

static struct mcr_addr ip6(const char *s)
{
	struct in6_addr a;

	assert_int_equal(inet_pton(AF_INET6, s, &a), 1);
	return mcr_addr6(&a);
}

static struct mbr *link6_new(const char *self)
{
	struct mbr_timers t;
	struct mbr *m;

	mbr_timers_default(&t);
	nqueries = ngeneral = nchanged = 0;
	assert_int_equal(mbr_new(&m, AF_INET6, &t, &ops, NULL, 0), 0);
	if (self)
		mbr_set_self(m, ip6(self), 0);
	return m;
}

/* An MLD message of type (MLDv1 report or done, or a query) for group g from src. */
static void mld(struct mbr *m, uint8_t type, const char *src, const char *g, int64_t now)
{
	struct mld_msg msg = { .type = type, .version = 1, .src = ip6(src).v6, .group = ip6(g).v6 };

	mbr_input_mld(m, &msg, now);
}

/* An MLDv2 report of one record with up to one source. */
static void mld2(struct mbr *m, uint8_t rtype, const char *g, const char *s1, int64_t now)
{
	uint8_t buf[36] = { rtype };
	struct mld_msg msg = { .type = MLD_V2_REPORT, .version = 2, .src = ip6("fe80::9").v6,
			       .nrec = 1, .recs = buf };
	struct mcr_addr x = ip6(g);

	memcpy(buf + 4, &x.v6, 16);
	buf[3] = !!s1;
	if (s1) {
		x = ip6(s1);
		memcpy(buf + 20, &x.v6, 16);
	}
	msg.recs_len = 20 + 16 * (size_t)buf[3];
	mbr_input_mld(m, &msg, now);
}

static bool wants6(struct mbr *m, const char *g, const char *s)
{
	return mbr_wants(m, ip6(g), s ? ip6(s) : (struct mcr_addr){ .family = AF_UNSPEC });
}

static void test_mld_v1_join_done(void **state)
{
	struct mbr *m = link6_new("fe80::1");

	(void)state;
	mbr_tick(m, 0);
	assert_int_equal(ngeneral, 1);
	assert_int_equal(last_query.family, AF_INET6);
	assert_int_equal(last_ms, 10000);
	mld(m, MLD_V1_REPORT, "fe80::9", "ff3e::2", 1 * S);
	assert_true(wants6(m, "ff3e::2", NULL));
	assert_true(wants6(m, "ff3e::2", "2001:db8::5"));
	assert_false(wants6(m, "ff3e::3", NULL));
	assert_false(mbr_wants(m, mcr_addr4(ip("239.2.2.2")), (struct mcr_addr){ 0 }));
	assert_int_equal(mbr_stats(m)->joins, 1);
	assert_int_equal(mbr_group_version(mbr_group_at(m, 0), 1 * S), 1); /* MLDv1 mode */
	assert_true(mcr_addr_equal(mbr_group_at(m, 0)->last_reporter, ip6("fe80::9")));
	/* done: last listener queries Q(G), LLQC = 2 of them 1 s apart, then the group is gone */
	nqueries = 0;
	mld(m, MLD_V1_DONE, "fe80::9", "ff3e::2", 10 * S);
	mbr_tick(m, 10 * S);
	assert_int_equal(nqueries, 1);
	assert_true(mcr_addr_equal(last_query, ip6("ff3e::2")));
	assert_int_equal(last_ms, 1000);
	mbr_tick(m, 11 * S);
	assert_int_equal(nqueries, 2);
	mbr_tick(m, 12 * S - 1);
	assert_true(wants6(m, "ff3e::2", NULL));
	mbr_tick(m, 12 * S);
	assert_false(wants6(m, "ff3e::2", NULL));
	assert_int_equal(mbr_ngroups(m), 0);
	assert_int_equal(mbr_stats(m)->leaves, 1);
	mbr_free(m);
}

/* RFC 3810 8.3.2: with an MLDv1 host present, BLOCK is ignored and TO_EX's sources too. */
static void test_mld_v1_compat(void **state)
{
	struct mbr *m = link6_new("fe80::1");

	(void)state;
	mld2(m, IGMP_ALLOW_NEW, "ff3e::4", "2001:db8::1", 1 * S);
	assert_int_equal(mbr_group_version(mbr_group_at(m, 0), 1 * S), 2);
	assert_true(wants6(m, "ff3e::4", "2001:db8::1"));
	assert_false(wants6(m, "ff3e::4", "2001:db8::2"));
	mld(m, MLD_V1_REPORT, "fe80::7", "ff3e::4", 2 * S);
	assert_int_equal(mbr_group_version(mbr_group_at(m, 0), 2 * S), 1);
	assert_true(wants6(m, "ff3e::4", "2001:db8::2")); /* EXCLUDE {}: every source */
	mld2(m, IGMP_BLOCK_OLD, "ff3e::4", "2001:db8::2", 3 * S);
	mld2(m, IGMP_CHANGE_TO_EXCLUDE, "ff3e::4", "2001:db8::2", 4 * S);
	mbr_tick(m, 10 * S);
	assert_true(wants6(m, "ff3e::4", "2001:db8::2"));
	/* the v1 host gone (older version host present timer, GMI): v2 mode again */
	assert_int_equal(mbr_group_version(mbr_group_at(m, 0), 2 * S + 260 * S), 2);
	mbr_free(m);
}

static void test_mld_election(void **state)
{
	struct mbr *m = link6_new("fe80::5");
	bool self;
	int64_t until;

	(void)state;
	mbr_tick(m, 0);
	assert_int_equal(ngeneral, 1);
	/* a higher link-local address: we stay querier */
	mld(m, MLD_QUERY, "fe80::9", "::", 1 * S);
	assert_true(mcr_addr_equal(mbr_querier(m, &self, &until), ip6("fe80::5")));
	assert_true(self);
	mbr_tick(m, 125 * S / 4);
	assert_int_equal(ngeneral, 2);
	/* a lower one wins: we listen only */
	mld(m, MLD_QUERY, "fe80::2", "::", 40 * S);
	assert_true(mcr_addr_equal(mbr_querier(m, &self, &until), ip6("fe80::2")));
	assert_false(self);
	assert_int_equal(until, 40 * S + 255 * S);
	/* a member's done while listening: no query of ours, the other's Q(G) lowers the timer */
	mld(m, MLD_V1_REPORT, "fe80::9", "ff3e::2", 41 * S);
	nqueries = 0;
	mld(m, MLD_V1_DONE, "fe80::9", "ff3e::2", 42 * S);
	mbr_tick(m, 50 * S);
	assert_int_equal(nqueries, 0);
	assert_true(wants6(m, "ff3e::2", NULL));
	mld(m, MLD_QUERY, "fe80::2", "ff3e::2", 51 * S);
	mbr_tick(m, 53 * S);
	assert_false(wants6(m, "ff3e::2", NULL));
	/* its query at 51 s was its last: 255 s later we take over at once */
	mbr_tick(m, 51 * S + 255 * S - 1);
	assert_int_equal(nqueries, 0);
	mbr_tick(m, 51 * S + 255 * S);
	assert_int_equal(nqueries, 1);
	mbr_querier(m, &self, &until);
	assert_true(self);
	/* IGMP on an MLD link is not ours to read */
	v2(m, IGMP_V2_REPORT, "239.2.2.2", 300 * S);
	assert_int_equal(mbr_ngroups(m), 0);
	mbr_free(m);
}

/* An MLD query of version v (1 or 2) from src for g with the QRV and QQI given (v2 only). */
static void mld_query(struct mbr *m, uint8_t v, const char *src, const char *g, uint8_t qrv,
		      unsigned qqi, int64_t now)
{
	struct mld_msg msg = { .type = MLD_QUERY, .version = v, .src = ip6(src).v6,
			       .group = ip6(g).v6, .qrv = qrv, .qqi = qqi, .max_resp_ms = 10000 };

	mbr_input_mld(m, &msg, now);
}

/* RFC 3810 5.1.8, 5.1.9: the same adoption for MLDv2 queries; MLDv1 ones change nothing. */
static void test_mld_adopt(void **state)
{
	struct mbr *m = link6_new("fe80::5");
	bool self;
	int64_t until;

	(void)state;
	mbr_tick(m, 0);
	mld_query(m, 1, "fe80::2", "::", 0, 0, 1 * S);
	assert_timers(m, 2, 125);
	mld_query(m, 2, "fe80::2", "::", 3, 400, 2 * S);
	assert_timers(m, 3, 400);
	mld_query(m, 1, "fe80::2", "::", 5, 40, 3 * S);
	assert_timers(m, 3, 400);
	mld(m, MLD_V1_REPORT, "fe80::9", "ff3e::2", 4 * S);
	/* its last query at 3 s: present until 3 * 400 + 10 / 2 s later */
	nqueries = 0;
	mbr_tick(m, 3 * S + 1205 * S - 1);
	assert_int_equal(nqueries, 0);
	mbr_querier(m, &self, &until);
	assert_false(self);
	assert_int_equal(until, 3 * S + 1205 * S);
	mbr_tick(m, 4 * S + 1210 * S - 1); /* the listener: 3 * 400 + 10 s */
	assert_true(wants6(m, "ff3e::2", NULL));
	mbr_tick(m, 4 * S + 1210 * S);
	assert_false(wants6(m, "ff3e::2", NULL));
	mbr_querier(m, &self, &until); /* the querier timed out at 1208 s: we took over */
	assert_true(self);
	assert_timers(m, 2, 125);
	mbr_free(m);
}

/* No link-local address yet: never querier, members still learned. */
static void test_mld_no_self(void **state)
{
	struct mbr *m = link6_new(NULL);
	bool self;
	int64_t until;

	(void)state;
	mbr_set_self(m, ip6("::"), 0);
	mbr_tick(m, 0);
	assert_int_equal(nqueries, 0);
	assert_int_equal(mbr_deadline(m), INT64_MAX);
	mbr_querier(m, &self, &until);
	assert_false(self);
	mld(m, MLD_V1_REPORT, "::", "ff3e::2", 1 * S);
	assert_true(wants6(m, "ff3e::2", NULL));
	mbr_set_self(m, ip6("fe80::1"), 2 * S);
	mbr_tick(m, 2 * S);
	assert_int_equal(ngeneral, 1);
	mbr_free(m);
}

static unsigned njoin, nleave;

static void on_member(void *arg, struct mcr_addr g, bool joined)
{
	(void)arg;
	(void)g;
	njoin += joined;
	nleave += !joined;
}

/* The monitor's member events: a group's first member, and its last leaving, once each. */
static void test_member_events(void **state)
{
	static const struct mbr_ops ev_ops = { on_query, on_changed, on_member };
	struct mbr_timers t;
	struct mbr *m;

	(void)state;
	mbr_timers_default(&t);
	njoin = nleave = 0;
	assert_int_equal(mbr_new(&m, AF_INET6, &t, &ev_ops, NULL, 0), 0);
	mbr_set_self(m, ip6("fe80::1"), 0);
	mld(m, MLD_V1_REPORT, "fe80::9", "ff3e::2", 1 * S);
	mld(m, MLD_V1_REPORT, "fe80::8", "ff3e::2", 2 * S); /* a second listener: no event */
	mld2(m, IGMP_ALLOW_NEW, "ff3e::3", "2001:db8::1", 2 * S);
	assert_int_equal(njoin, 2);
	mld(m, MLD_V1_DONE, "fe80::9", "ff3e::2", 10 * S);
	mbr_tick(m, 10 * S);
	mbr_tick(m, 11 * S);
	mbr_tick(m, 12 * S);
	assert_int_equal(nleave, 1);
	assert_int_equal(njoin, 2);
	mbr_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_startup_queries),
		cmocka_unit_test(test_v2_join_leave),
		cmocka_unit_test(test_leave_answered),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_v3_sources),
		cmocka_unit_test(test_v2_host_in_v3_group),
		cmocka_unit_test(test_election_lower_wins),
		cmocka_unit_test(test_non_querier_leave),
		cmocka_unit_test(test_mld_v1_join_done),
		cmocka_unit_test(test_mld_v1_compat),
		cmocka_unit_test(test_mld_election),
		cmocka_unit_test(test_mld_no_self),
		cmocka_unit_test(test_member_events),
		cmocka_unit_test(test_table_bound),
		cmocka_unit_test(test_adopt_longer_interval),
		cmocka_unit_test(test_adopt_other_querier_present),
		cmocka_unit_test(test_adopt_only_from_querier),
		cmocka_unit_test(test_v2_query_keeps_timers),
		cmocka_unit_test(test_zero_qrv_qqi),
		cmocka_unit_test(test_adopt_reverts_on_self),
		cmocka_unit_test(test_adopt_clamped),
		cmocka_unit_test(test_mld_adopt),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
