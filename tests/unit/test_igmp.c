/*
 * lib/igmp.c: every message type parsed, and every rejection reason
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

static uint8_t pkt[512];

struct ipo {
	bool no_ra;
	uint8_t ttl;
	const char *src, *dst;
};

static uint32_t a(const char *s)
{
	return inet_addr(s);
}

/* IPv4 header (with Router Alert unless o->no_ra) and the IGMP message msg[0..n); its checksum set. */
static size_t build(const struct ipo *o, uint8_t *msg, size_t n)
{
	size_t hl = o->no_ra ? 20 : 24;
	uint16_t c;

	memset(pkt, 0, sizeof(pkt));
	msg[2] = msg[3] = 0;
	c = (uint16_t)~csum_fold(csum_add(0, msg, n));
	memcpy(msg + 2, &c, 2);
	pkt[0] = (uint8_t)(0x40 | hl / 4);
	pkt[2] = (uint8_t)((hl + n) >> 8);
	pkt[3] = (uint8_t)(hl + n);
	pkt[8] = o->ttl ? o->ttl : 1;
	pkt[9] = 2;
	uint32_t s = a(o->src ? o->src : "10.0.0.5"), d = a(o->dst ? o->dst : "239.1.1.1");
	memcpy(pkt + 12, &s, 4);
	memcpy(pkt + 16, &d, 4);
	if (!o->no_ra) {
		pkt[20] = 0x94;
		pkt[21] = 4;
	}
	memcpy(pkt + hl, msg, n);
	return hl + n;
}

static void msg8(uint8_t *m, uint8_t type, uint8_t code, const char *group)
{
	uint32_t g = a(group);

	memset(m, 0, 8);
	m[0] = type;
	m[1] = code;
	memcpy(m + 4, &g, 4);
}

static void test_v2_report_and_leave(void **state)
{
	uint8_t m[8];
	struct igmp_msg r;
	size_t n;

	(void)state;
	msg8(m, IGMP_V2_REPORT, 0, "239.1.1.1");
	n = build(&(struct ipo){ 0 }, m, 8);
	assert_int_equal(igmp_parse(pkt, n, &r), IGMP_OK);
	assert_int_equal(r.type, IGMP_V2_REPORT);
	assert_int_equal(r.version, 2);
	assert_int_equal(r.group.s_addr, a("239.1.1.1"));
	assert_int_equal(r.src.s_addr, a("10.0.0.5"));
	msg8(m, IGMP_V2_LEAVE, 0, "239.1.1.1");
	n = build(&(struct ipo){ .dst = "224.0.0.2" }, m, 8);
	assert_int_equal(igmp_parse(pkt, n, &r), IGMP_OK);
	assert_int_equal(r.type, IGMP_V2_LEAVE);
	/* v1 reports predate Router Alert */
	msg8(m, IGMP_V1_REPORT, 0, "239.1.1.1");
	n = build(&(struct ipo){ .no_ra = true }, m, 8);
	assert_int_equal(igmp_parse(pkt, n, &r), IGMP_OK);
	assert_int_equal(r.version, 1);
}

static void test_queries(void **state)
{
	uint8_t m[20];
	struct igmp_msg r;
	size_t n;

	(void)state;
	msg8(m, IGMP_QUERY, 100, "0.0.0.0");
	n = build(&(struct ipo){ .dst = "224.0.0.1" }, m, 8);
	assert_int_equal(igmp_parse(pkt, n, &r), IGMP_OK);
	assert_int_equal(r.version, 2);
	assert_int_equal(r.max_resp_ds, 100);
	msg8(m, IGMP_QUERY, 0, "0.0.0.0");
	n = build(&(struct ipo){ .dst = "224.0.0.1", .no_ra = true }, m, 8);
	assert_int_equal(igmp_parse(pkt, n, &r), IGMP_OK);
	assert_int_equal(r.version, 1);
	/* v3, group-specific with one source, built by the library's own builder */
	igmp_build_query(m, (struct in_addr){ a("239.1.1.1") }, 10, true, 2, 125);
	memcpy(m + 12, &(uint32_t){ a("10.9.9.9") }, 4);
	m[11] = 1;
	n = build(&(struct ipo){ 0 }, m, 16);
	assert_int_equal(igmp_parse(pkt, n, &r), IGMP_OK);
	assert_int_equal(r.version, 3);
	assert_int_equal(r.max_resp_ds, 10);
	assert_true(r.suppress);
	assert_int_equal(r.qrv, 2);
	assert_int_equal(r.qqi, 125);
	assert_int_equal(r.nsrc, 1);
	assert_int_equal(igmp_src(r.srcs, 0).s_addr, a("10.9.9.9"));
	/* the largest QRV and QQIC (members.c's clamp); Resv bits beside QRV ignored */
	igmp_build_query(m, (struct in_addr){ 0 }, 100, false, 2, 125);
	m[8] = 0xf7;
	m[9] = 0xff;
	n = build(&(struct ipo){ .dst = "224.0.0.1" }, m, 12);
	assert_int_equal(igmp_parse(pkt, n, &r), IGMP_OK);
	assert_false(r.suppress);
	assert_int_equal(r.qrv, 7);
	assert_int_equal(r.qqi, 31744);
	m[9] = 0x8a; /* exponential form: (0x10 | 0xa) << 3 */
	n = build(&(struct ipo){ .dst = "224.0.0.1" }, m, 12);
	assert_int_equal(igmp_parse(pkt, n, &r), IGMP_OK);
	assert_int_equal(r.qqi, 208);
}

static void test_builder_checksum(void **state)
{
	uint8_t m[12];

	(void)state;
	igmp_build_query(m, (struct in_addr){ 0 }, 100, false, 2, 125);
	assert_int_equal(csum_fold(csum_add(0, m, 12)), 0xffff);
	assert_int_equal(igmp_code_decode(igmp_code_encode(100)), 100);
	assert_int_equal(igmp_code_decode(igmp_code_encode(1250)), 1216); /* rounded down */
	assert_int_equal(igmp_code_encode(40000), 0xff);
}

/* Every code of both widths decodes to a value that encodes back to it. */
static void test_fpcode_every_code(void **state)
{
	(void)state;
	for (unsigned c = 0; c < 256; c++)
		assert_int_equal(igmp_code_encode(igmp_code_decode((uint8_t)c)), c);
	for (unsigned c = 0; c < 65536; c++)
		assert_int_equal(igmp_fpcode_encode(igmp_fpcode_decode(c, 12), 12), c);
	for (unsigned v = 0; v < 40000; v++) /* rounded down: never above v */
		assert_true(igmp_code_decode(igmp_code_encode(v)) <= v);
}

/* A v3 report: TO_EX{} for 239.1.1.1, ALLOW{10.1.1.1, 10.1.1.2} for 239.2.2.2. */
static size_t v3_report(uint8_t *m)
{
	uint8_t *r = m + 8;

	memset(m, 0, 36);
	m[0] = IGMP_V3_REPORT;
	m[7] = 2;
	r[0] = IGMP_CHANGE_TO_EXCLUDE;
	memcpy(r + 4, &(uint32_t){ a("239.1.1.1") }, 4);
	r += 8;
	r[0] = IGMP_ALLOW_NEW;
	r[3] = 2;
	memcpy(r + 4, &(uint32_t){ a("239.2.2.2") }, 4);
	memcpy(r + 8, &(uint32_t){ a("10.1.1.1") }, 4);
	memcpy(r + 12, &(uint32_t){ a("10.1.1.2") }, 4);
	return 8 + 8 + 16;
}

static void test_v3_report(void **state)
{
	uint8_t m[64];
	struct igmp_msg r;
	struct igmp_record rec;
	size_t n = v3_report(m), off = 0;

	(void)state;
	n = build(&(struct ipo){ .dst = "224.0.0.22", .src = "0.0.0.0" }, m, n);
	assert_int_equal(igmp_parse(pkt, n, &r), IGMP_OK);
	assert_int_equal(r.nrec, 2);
	assert_true(igmp_record_next(&r, &off, &rec));
	assert_int_equal(rec.type, IGMP_CHANGE_TO_EXCLUDE);
	assert_int_equal(rec.nsrc, 0);
	assert_true(igmp_record_next(&r, &off, &rec));
	assert_int_equal(rec.group.s_addr, a("239.2.2.2"));
	assert_int_equal(igmp_src(rec.srcs, 1).s_addr, a("10.1.1.2"));
	assert_false(igmp_record_next(&r, &off, &rec));
}

static void test_rejects(void **state)
{
	uint8_t m[64];
	struct igmp_msg r;
	size_t n;

	(void)state;
	msg8(m, IGMP_V2_REPORT, 0, "239.1.1.1");
	n = build(&(struct ipo){ .no_ra = true }, m, 8);
	assert_int_equal(igmp_parse(pkt, n, &r), IGMP_R_NO_ROUTER_ALERT);
	n = build(&(struct ipo){ .ttl = 2 }, m, 8);
	assert_int_equal(igmp_parse(pkt, n, &r), IGMP_R_TTL);
	n = build(&(struct ipo){ 0 }, m, 8);
	pkt[n - 1] ^= 1;
	assert_int_equal(igmp_parse(pkt, n, &r), IGMP_R_CHECKSUM);
	n = build(&(struct ipo){ .src = "127.0.0.1" }, m, 8);
	assert_int_equal(igmp_parse(pkt, n, &r), IGMP_R_SOURCE);
	n = build(&(struct ipo){ .src = "239.0.0.9" }, m, 8);
	assert_int_equal(igmp_parse(pkt, n, &r), IGMP_R_SOURCE);
	n = build(&(struct ipo){ .dst = "239.9.9.9" }, m, 8);
	assert_int_equal(igmp_parse(pkt, n, &r), IGMP_R_DEST);
	msg8(m, IGMP_V2_REPORT, 0, "10.1.1.1");
	n = build(&(struct ipo){ .dst = "10.1.1.1" }, m, 8);
	assert_int_equal(igmp_parse(pkt, n, &r), IGMP_R_GROUP);
	msg8(m, 0x33, 0, "239.1.1.1");
	n = build(&(struct ipo){ 0 }, m, 8);
	assert_int_equal(igmp_parse(pkt, n, &r), IGMP_R_TYPE);
	msg8(m, IGMP_V2_REPORT, 0, "239.1.1.1");
	n = build(&(struct ipo){ 0 }, m, 8);
	pkt[9] = 17;
	assert_int_equal(igmp_parse(pkt, n, &r), IGMP_R_NOT_IGMP);
	assert_int_equal(igmp_parse(pkt, 19, &r), IGMP_R_TRUNCATED);
	n = build(&(struct ipo){ 0 }, m, 8);
	assert_int_equal(igmp_parse(pkt, n - 1, &r), IGMP_R_IP_HEADER); /* total length > bytes */
	n = build(&(struct ipo){ 0 }, m, 8);
	pkt[6] = 0x20; /* more fragments */
	assert_int_equal(igmp_parse(pkt, n, &r), IGMP_R_IP_HEADER);
	n = build(&(struct ipo){ 0 }, m, 8);
	pkt[21] = 9; /* option longer than the header */
	assert_int_equal(igmp_parse(pkt, n, &r), IGMP_R_IP_HEADER);
	/* v2 report of 9 bytes, query of 10 */
	msg8(m, IGMP_V2_REPORT, 0, "239.1.1.1");
	m[8] = 0;
	n = build(&(struct ipo){ 0 }, m, 9);
	assert_int_equal(igmp_parse(pkt, n, &r), IGMP_R_LENGTH);
	msg8(m, IGMP_QUERY, 100, "0.0.0.0");
	m[8] = m[9] = 0;
	n = build(&(struct ipo){ .dst = "224.0.0.1" }, m, 10);
	assert_int_equal(igmp_parse(pkt, n, &r), IGMP_R_LENGTH);
	/* query from 0.0.0.0 cannot take part in the election */
	msg8(m, IGMP_QUERY, 100, "0.0.0.0");
	n = build(&(struct ipo){ .dst = "224.0.0.1", .src = "0.0.0.0" }, m, 8);
	assert_int_equal(igmp_parse(pkt, n, &r), IGMP_R_SOURCE);
}

static void test_v3_report_rejects(void **state)
{
	uint8_t m[64];
	struct igmp_msg r;
	size_t len, n;

	(void)state;
	len = v3_report(m);
	m[7] = 3; /* one record more than there is */
	n = build(&(struct ipo){ .dst = "224.0.0.22" }, m, len);
	assert_int_equal(igmp_parse(pkt, n, &r), IGMP_R_LENGTH);
	len = v3_report(m);
	m[16 + 3] = 200; /* sources beyond the message */
	n = build(&(struct ipo){ .dst = "224.0.0.22" }, m, len);
	assert_int_equal(igmp_parse(pkt, n, &r), IGMP_R_LENGTH);
	len = v3_report(m);
	n = build(&(struct ipo){ .dst = "224.0.0.22" }, m, len + 4); /* trailing bytes */
	assert_int_equal(igmp_parse(pkt, n, &r), IGMP_R_LENGTH);
	len = v3_report(m);
	m[8] = 9; /* record type */
	n = build(&(struct ipo){ .dst = "224.0.0.22" }, m, len);
	assert_int_equal(igmp_parse(pkt, n, &r), IGMP_R_TYPE);
	len = v3_report(m);
	n = build(&(struct ipo){ .dst = "224.0.0.2" }, m, len);
	assert_int_equal(igmp_parse(pkt, n, &r), IGMP_R_DEST);
	assert_string_equal(igmp_reject_name(IGMP_R_NO_ROUTER_ALERT), "no_router_alert");
	assert_string_equal(igmp_reject_name(IGMP_R__MAX), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v2_report_and_leave),
		cmocka_unit_test(test_queries),
		cmocka_unit_test(test_builder_checksum),
		cmocka_unit_test(test_fpcode_every_code),
		cmocka_unit_test(test_v3_report),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_v3_report_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
