/*
 * lib/mld.c: every message type parsed, and every rejection reason
 * reached by one flaw in an otherwise valid message.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "csum.h"
#include "igmp.h"
#include "mld.h"

static uint8_t pkt[1024];

struct ipo {
	bool no_ra, no_hbh, bad_csum;
	uint8_t hops, ra_value;
	const char *src, *dst;
};

static struct in6_addr a6(const char *s)
{
	struct in6_addr a;

	assert_int_equal(inet_pton(AF_INET6, s, &a), 1);
	return a;
}

/*
 * IPv6 header, a hop-by-hop header with Router Alert (unless o->no_ra:
 * PadN instead; o->no_hbh: none) and the MLD message msg[0..n); its
 * checksum set (spoilt with o->bad_csum).
 */
static size_t build(const struct ipo *o, uint8_t *msg, size_t n)
{
	struct in6_addr s = a6(o->src ? o->src : "fe80::5"), d = a6(o->dst ? o->dst : "ff3e::1");
	size_t hl = o->no_hbh ? 40 : 48;

	memset(pkt, 0, sizeof(pkt));
	mld_checksum(msg, n, &s, &d);
	if (o->bad_csum)
		msg[3] ^= 1;
	pkt[0] = 0x60;
	pkt[4] = (uint8_t)((hl - 40 + n) >> 8);
	pkt[5] = (uint8_t)(hl - 40 + n);
	pkt[6] = o->no_hbh ? 58 : 0;
	pkt[7] = o->hops ? o->hops : 1;
	memcpy(pkt + 8, &s, 16);
	memcpy(pkt + 24, &d, 16);
	if (!o->no_hbh) {
		pkt[40] = 58;
		pkt[42] = o->no_ra ? 1 : 5; /* PadN of 2 or Router Alert */
		pkt[43] = 2;
		pkt[45] = o->ra_value;
		pkt[46] = 1;              /* PadN of 0 */
	}
	memcpy(pkt + hl, msg, n);
	return hl + n;
}

static void msg24(uint8_t *m, uint8_t type, uint16_t delay, const char *group)
{
	struct in6_addr g = a6(group);

	memset(m, 0, 24);
	m[0] = type;
	m[4] = (uint8_t)(delay >> 8);
	m[5] = (uint8_t)delay;
	memcpy(m + 8, &g, 16);
}

static void test_v1_report_and_done(void **state)
{
	uint8_t m[24];
	struct mld_msg r;
	struct in6_addr g = a6("ff3e::1"), s = a6("fe80::5");
	size_t n;

	(void)state;
	msg24(m, MLD_V1_REPORT, 0, "ff3e::1");
	n = build(&(struct ipo){ 0 }, m, 24);
	assert_int_equal(mld_parse(pkt, n, &r), MLD_OK);
	assert_int_equal(r.type, MLD_V1_REPORT);
	assert_int_equal(r.version, 1);
	assert_memory_equal(&r.group, &g, 16);
	assert_memory_equal(&r.src, &s, 16);
	msg24(m, MLD_V1_DONE, 0, "ff3e::1");
	n = build(&(struct ipo){ .dst = "ff02::2" }, m, 24);
	assert_int_equal(mld_parse(pkt, n, &r), MLD_OK);
	assert_int_equal(r.type, MLD_V1_DONE);
	/* RFC 3590: a report from :: (no link-local address yet) */
	msg24(m, MLD_V1_REPORT, 0, "ff3e::1");
	n = build(&(struct ipo){ .src = "::" }, m, 24);
	assert_int_equal(mld_parse(pkt, n, &r), MLD_OK);
}

static void test_queries(void **state)
{
	uint8_t m[64];
	struct mld_msg r;
	struct in6_addr g = a6("ff3e::1"), s = a6("2001:db8::9");
	size_t n;

	(void)state;
	msg24(m, MLD_QUERY, 10000, "::");
	n = build(&(struct ipo){ .dst = "ff02::1" }, m, 24);
	assert_int_equal(mld_parse(pkt, n, &r), MLD_OK);
	assert_int_equal(r.version, 1);
	assert_int_equal(r.max_resp_ms, 10000);
	/* v2, address-specific with one source, built by the library's own builder */
	mld_build_query(m, &g, 1000, true, 2, 125);
	memcpy(m + 28, &s, 16);
	m[27] = 1;
	n = build(&(struct ipo){ 0 }, m, 44);
	assert_int_equal(mld_parse(pkt, n, &r), MLD_OK);
	assert_int_equal(r.version, 2);
	assert_int_equal(r.max_resp_ms, 1000);
	assert_true(r.suppress);
	assert_int_equal(r.qrv, 2);
	assert_int_equal(r.qqi, 125);
	assert_int_equal(r.nsrc, 1);
	assert_memory_equal(&r.group, &g, 16);
	s = mld_src(r.srcs, 0);
	assert_memory_equal(&s, &m[28], 16);
	/* the largest QRV and QQIC (members.c's clamp); Resv bits beside QRV ignored */
	mld_build_query(m, &in6addr_any, 10000, false, 2, 125);
	m[24] = 0xf7;
	m[25] = 0xff;
	n = build(&(struct ipo){ .dst = "ff02::1" }, m, 28);
	assert_int_equal(mld_parse(pkt, n, &r), MLD_OK);
	assert_false(r.suppress);
	assert_int_equal(r.qrv, 7);
	assert_int_equal(r.qqi, 31744);
	m[25] = 0x8a; /* exponential form, as IGMPv3's QQIC: (0x10 | 0xa) << 3 */
	n = build(&(struct ipo){ .dst = "ff02::1" }, m, 28);
	assert_int_equal(mld_parse(pkt, n, &r), MLD_OK);
	assert_int_equal(r.qqi, 208);
}

static void test_codes(void **state)
{
	(void)state;
	assert_int_equal(mld_code_decode(mld_code_encode(10000)), 10000);
	assert_int_equal(mld_code_decode(mld_code_encode(32768)), 32768);
	assert_int_equal(mld_code_decode(mld_code_encode(125000)), 124992); /* rounded down */
	assert_int_equal(mld_code_encode(9000000), 0xffff);
	assert_int_equal(mld_code_decode(0xffff), 0x1fffu << 10);
}

/* A v2 report: TO_EX{} for ff3e::1, ALLOW{2001:db8::1, 2001:db8::2} for ff3e::2. */
static size_t v2_report(uint8_t *m)
{
	struct in6_addr g1 = a6("ff3e::1"), g2 = a6("ff3e::2"), s1 = a6("2001:db8::1"),
			s2 = a6("2001:db8::2");
	uint8_t *r = m + 8;

	memset(m, 0, 8 + 20 + 20 + 32);
	m[0] = MLD_V2_REPORT;
	m[7] = 2;
	r[0] = IGMP_CHANGE_TO_EXCLUDE;
	memcpy(r + 4, &g1, 16);
	r += 20;
	r[0] = IGMP_ALLOW_NEW;
	r[3] = 2;
	memcpy(r + 4, &g2, 16);
	memcpy(r + 20, &s1, 16);
	memcpy(r + 36, &s2, 16);
	return 8 + 20 + 20 + 32;
}

static void test_v2_report(void **state)
{
	uint8_t m[128];
	struct mld_msg r;
	struct mld_record rec;
	struct in6_addr g2 = a6("ff3e::2"), s2 = a6("2001:db8::2"), x;
	size_t n = v2_report(m), off = 0;

	(void)state;
	n = build(&(struct ipo){ .dst = "ff02::16" }, m, n);
	assert_int_equal(mld_parse(pkt, n, &r), MLD_OK);
	assert_int_equal(r.version, 2);
	assert_int_equal(r.nrec, 2);
	assert_true(mld_record_next(&r, &off, &rec));
	assert_int_equal(rec.type, IGMP_CHANGE_TO_EXCLUDE);
	assert_int_equal(rec.nsrc, 0);
	assert_true(mld_record_next(&r, &off, &rec));
	assert_memory_equal(&rec.group, &g2, 16);
	x = mld_src(rec.srcs, 1);
	assert_memory_equal(&x, &s2, 16);
	assert_false(mld_record_next(&r, &off, &rec));
}

static void test_rejects(void **state)
{
	uint8_t m[64];
	struct mld_msg r;
	size_t n;

	(void)state;
	msg24(m, MLD_V1_REPORT, 0, "ff3e::1");
	n = build(&(struct ipo){ .no_ra = true }, m, 24);
	assert_int_equal(mld_parse(pkt, n, &r), MLD_R_NO_ROUTER_ALERT);
	n = build(&(struct ipo){ .no_hbh = true }, m, 24);
	assert_int_equal(mld_parse(pkt, n, &r), MLD_R_NO_ROUTER_ALERT);
	n = build(&(struct ipo){ .ra_value = 2 }, m, 24); /* Router Alert for RSVP, not MLD */
	assert_int_equal(mld_parse(pkt, n, &r), MLD_R_NO_ROUTER_ALERT);
	n = build(&(struct ipo){ .hops = 64 }, m, 24);
	assert_int_equal(mld_parse(pkt, n, &r), MLD_R_HOP_LIMIT);
	n = build(&(struct ipo){ .bad_csum = true }, m, 24);
	assert_int_equal(mld_parse(pkt, n, &r), MLD_R_CHECKSUM);
	n = build(&(struct ipo){ 0 }, m, 24);
	pkt[9] ^= 1; /* the source is in the pseudo-header: the sum no longer checks */
	assert_int_equal(mld_parse(pkt, n, &r), MLD_R_CHECKSUM);
	n = build(&(struct ipo){ .src = "2001:db8::5" }, m, 24);
	assert_int_equal(mld_parse(pkt, n, &r), MLD_R_SOURCE);
	n = build(&(struct ipo){ .dst = "ff3e::9" }, m, 24);
	assert_int_equal(mld_parse(pkt, n, &r), MLD_R_DEST);
	msg24(m, MLD_V1_REPORT, 0, "2001:db8::1");
	n = build(&(struct ipo){ .dst = "2001:db8::1" }, m, 24);
	assert_int_equal(mld_parse(pkt, n, &r), MLD_R_GROUP);
	msg24(m, 135, 0, "ff3e::1"); /* neighbour solicitation */
	n = build(&(struct ipo){ 0 }, m, 24);
	assert_int_equal(mld_parse(pkt, n, &r), MLD_R_TYPE);
	msg24(m, MLD_V1_REPORT, 0, "ff3e::1");
	n = build(&(struct ipo){ 0 }, m, 24);
	pkt[40] = 17; /* UDP after the hop-by-hop header */
	assert_int_equal(mld_parse(pkt, n, &r), MLD_R_NOT_MLD);
	n = build(&(struct ipo){ 0 }, m, 24);
	pkt[40] = 44; /* a fragment */
	assert_int_equal(mld_parse(pkt, n, &r), MLD_R_IP_HEADER);
	assert_int_equal(mld_parse(pkt, 39, &r), MLD_R_TRUNCATED);
	n = build(&(struct ipo){ 0 }, m, 24);
	assert_int_equal(mld_parse(pkt, n - 1, &r), MLD_R_IP_HEADER); /* payload length > bytes */
	n = build(&(struct ipo){ 0 }, m, 24);
	pkt[0] = 0x40;
	assert_int_equal(mld_parse(pkt, n, &r), MLD_R_IP_HEADER);
	n = build(&(struct ipo){ 0 }, m, 24);
	pkt[41] = 9; /* hop-by-hop header longer than the packet */
	assert_int_equal(mld_parse(pkt, n, &r), MLD_R_IP_HEADER);
	n = build(&(struct ipo){ 0 }, m, 24);
	pkt[43] = 200; /* an option longer than its header */
	assert_int_equal(mld_parse(pkt, n, &r), MLD_R_IP_HEADER);
	n = build(&(struct ipo){ 0 }, m, 20); /* too short for MLD */
	assert_int_equal(mld_parse(pkt, n, &r), MLD_R_TRUNCATED);
	/* v1 report of 25 bytes, query of 26 */
	msg24(m, MLD_V1_REPORT, 0, "ff3e::1");
	m[24] = 0;
	n = build(&(struct ipo){ 0 }, m, 25);
	assert_int_equal(mld_parse(pkt, n, &r), MLD_R_LENGTH);
	msg24(m, MLD_QUERY, 1000, "::");
	m[24] = m[25] = 0;
	n = build(&(struct ipo){ .dst = "ff02::1" }, m, 26);
	assert_int_equal(mld_parse(pkt, n, &r), MLD_R_LENGTH);
	/* a general query to another address; a query from a global address */
	msg24(m, MLD_QUERY, 1000, "::");
	n = build(&(struct ipo){ .dst = "ff02::2" }, m, 24);
	assert_int_equal(mld_parse(pkt, n, &r), MLD_R_GROUP);
	n = build(&(struct ipo){ .dst = "ff02::1", .src = "::" }, m, 24);
	assert_int_equal(mld_parse(pkt, n, &r), MLD_R_SOURCE);
}

static void test_v2_report_rejects(void **state)
{
	uint8_t m[128];
	struct mld_msg r;
	size_t len, n;

	(void)state;
	len = v2_report(m);
	m[7] = 3; /* one record more than there is */
	n = build(&(struct ipo){ .dst = "ff02::16" }, m, len);
	assert_int_equal(mld_parse(pkt, n, &r), MLD_R_LENGTH);
	len = v2_report(m);
	m[28 + 3] = 200; /* sources beyond the message */
	n = build(&(struct ipo){ .dst = "ff02::16" }, m, len);
	assert_int_equal(mld_parse(pkt, n, &r), MLD_R_LENGTH);
	len = v2_report(m);
	n = build(&(struct ipo){ .dst = "ff02::16" }, m, len + 4); /* trailing bytes */
	assert_int_equal(mld_parse(pkt, n, &r), MLD_R_LENGTH);
	len = v2_report(m);
	m[8] = 9; /* record type */
	n = build(&(struct ipo){ .dst = "ff02::16" }, m, len);
	assert_int_equal(mld_parse(pkt, n, &r), MLD_R_TYPE);
	len = v2_report(m);
	m[8 + 4] = 0x20; /* record for a unicast address */
	n = build(&(struct ipo){ .dst = "ff02::16" }, m, len);
	assert_int_equal(mld_parse(pkt, n, &r), MLD_R_GROUP);
	len = v2_report(m);
	n = build(&(struct ipo){ .dst = "ff02::2" }, m, len);
	assert_int_equal(mld_parse(pkt, n, &r), MLD_R_DEST);
	assert_string_equal(mld_reject_name(MLD_R_HOP_LIMIT), "hop_limit");
	assert_string_equal(mld_reject_name(MLD_R__MAX), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v1_report_and_done),
		cmocka_unit_test(test_queries),
		cmocka_unit_test(test_codes),
		cmocka_unit_test(test_v2_report),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_v2_report_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
