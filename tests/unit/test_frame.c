/*
 * Layer-2 egress frames and the checksums under them: every header field
 * as the receiver's kernel will check it, the UDP checksum in each of its
 * three cases (offloaded, updated, absent), and a damaged datagram that
 * stays damaged; for IPv4 and for IPv6 (33:33 MAC, hop limit, traffic
 * class, the mandatory checksum offloaded or updated).  GSO frames: the
 * headers of a whole run, and each datagram the kernel cuts from it right.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <endian.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csum.h"
#include "frames.h"
#include "packet.h"
#include "../../mcrd/frame.h"

#define GROUP "239.1.1.1"
#define PORT  5001
#define VNET  10

static const uint8_t MAC[6] = { 0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee };

/* RFC 1071 the slow way: 16-bit big-endian words. */
static uint16_t ref_sum(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)p[n - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* The UDP checksum of a whole IPv4 datagram at ip, recomputed from scratch. */
static uint16_t ref_udp_check(const uint8_t *ip)
{
	size_t hl = (size_t)(ip[0] & 0x0f) * 4;
	const uint8_t *uh = ip + hl;
	uint16_t ulen = get16be(uh + 4);
	uint8_t ph[12];
	uint8_t *copy = malloc(ulen);
	uint16_t s;

	memcpy(ph, ip + 12, 8);
	ph[8] = 0;
	ph[9] = IPPROTO_UDP;
	put16(ph + 10, ulen);
	memcpy(copy, uh, ulen);
	put16(copy + 6, 0);
	s = ref_sum(copy, ulen, ref_sum(ph, sizeof(ph), 0));
	free(copy);
	s = (uint16_t)~s;
	return s ? s : 0xffff;
}

/* Gives a built test frame a correct UDP checksum. */
static void set_udp_check(uint8_t *f)
{
	uint16_t c = ref_udp_check(frame_ip(f));

	put16(frame_udp(f) + 6, c);
}

static void test_csum_add(void **state)
{
	uint8_t buf[1601];

	(void)state;
	srandom(7);
	for (size_t n = 0; n <= sizeof(buf); n += 1 + (size_t)(random() % 37)) {
		for (size_t i = 0; i < n; i++)
			buf[i] = (uint8_t)random();
		/* Byte order independent: the folded sum in memory order. */
		uint16_t mine = csum_fold(csum_add(0, buf, n));
		uint16_t ref = ref_sum(buf, n, 0);

		assert_int_equal(ntohs(mine), ref);
	}
	memset(buf, 0xff, 64);
	assert_int_equal(csum_fold(csum_add(0, buf, 64)), 0xffff);
}

/* An incremental update agrees with a fresh checksum, and carries damage. */
static void test_csum_replace(void **state)
{
	uint8_t f[FRAME_MAX];
	size_t n = build_udp_frame(f, NO_VLAN, 5, GROUP, PORT, 333);
	uint8_t *ip = frame_ip(f), *uh = frame_udp(f);
	uint16_t old[3], new[3], c;

	(void)state;
	assert_int_equal(n, 14 + 20 + 8 + 333);
	set_udp_check(f);
	memcpy(old, ip + 16, 4);
	memcpy(old + 2, uh + 2, 2);
	put16(ip + 16, 0xef02);
	put16(ip + 18, 0x0203);
	put16(uh + 2, 6000);
	memcpy(new, ip + 16, 4);
	memcpy(new + 2, uh + 2, 2);
	memcpy(&c, uh + 6, 2);
	c = csum_replace(c, old, new, 3);
	assert_int_equal(ntohs(c), ref_udp_check(ip));
	/* A wrong checksum stays wrong. */
	memcpy(&c, uh + 6, 2);
	c = htons((uint16_t)(ntohs(c) ^ 0x0100));
	c = csum_replace(c, new, old, 3);
	memcpy(ip + 16, old, 4);
	memcpy(uh + 2, old + 2, 2);
	assert_int_not_equal(ntohs(c), ref_udp_check(ip));
}

static void test_udp4_ok(void **state)
{
	uint8_t f[FRAME_MAX];
	struct in_addr s, d;
	uint8_t *ip, *uh;

	(void)state;
	build_udp_frame(f, NO_VLAN, 5, GROUP, PORT, 101); /* odd length */
	set_udp_check(f);
	ip = frame_ip(f);
	uh = frame_udp(f);
	memcpy(&s, ip + 12, 4);
	memcpy(&d, ip + 16, 4);
	assert_true(csum_udp4_ok(s, d, uh, get16be(uh + 4)));
	uh[8 + 50] ^= 0x10;
	assert_false(csum_udp4_ok(s, d, uh, get16be(uh + 4)));
}

/* Parses a test frame and builds the egress frame for it. */
static size_t build(uint8_t *out, uint8_t *in, uint32_t status, bool keep, uint8_t ttl,
		    struct mcr_pkt *p)
{
	struct frame_tmpl t;
	struct in_addr sa = { ipv4("198.19.1.1") }, g = { ipv4("239.2.3.4") };
	size_t n = (size_t)(frame_udp(in) + get16be(frame_udp(in) + 4) - in);

	assert_int_equal(mcr_parse_frame(in, n, p), MCR_DROP_NONE);
	frame_tmpl_init(&t, MAC, sa, g, htons(40123), htons(6000), keep);
	return frame_build(out, &t, p, status, ttl, 0x1234);
}

static void test_headers(void **state)
{
	uint8_t in[FRAME_MAX], out[FRAME_MAX];
	struct mcr_pkt p;
	size_t n;
	uint8_t *e, *ip, *uh;

	(void)state;
	build_udp_frame(in, NO_VLAN, 7, GROUP, PORT, 200); /* options are not carried */
	frame_ip(in)[1] = 0x2e; /* DSCP 11, ECN 2 */
	ip_checksum(frame_ip(in));
	set_udp_check(in);
	n = build(out, in, 0, false, 9, &p);
	assert_int_equal(n, VNET + 14 + 20 + 8 + 200);
	e = out + VNET;
	ip = e + 14;
	uh = ip + 20;
	/* 239.2.3.4 -> 01:00:5e:02:03:04 */
	assert_memory_equal(e, "\x01\x00\x5e\x02\x03\x04", 6);
	assert_memory_equal(e + 6, MAC, 6);
	assert_int_equal(get16be(e + 12), 0x0800);
	assert_int_equal(ip[0], 0x45);
	assert_int_equal(ip[1], 0x2e);
	assert_int_equal(get16be(ip + 2), 20 + 8 + 200);
	assert_int_equal(get16be(ip + 4), 0x1234);
	assert_int_equal(get16be(ip + 6), 0);
	assert_int_equal(ip[8], 9);
	assert_int_equal(ip[9], IPPROTO_UDP);
	assert_int_equal(ref_sum(ip, 20, 0), 0xffff); /* header checksum right */
	assert_int_equal(get16be(ip + 12), 0xc613);   /* 198.19.1.1 */
	assert_int_equal(get16be(ip + 16), 0xef02);
	assert_int_equal(get16be(uh), 40123);
	assert_int_equal(get16be(uh + 2), 6000);
	assert_int_equal(get16be(uh + 4), 208);
	assert_memory_equal(uh + 8, p.payload, 200);
	/* A plain frame: no checksum offload asked for. */
	assert_int_equal(out[0], 0);
	/* source keep: the datagram's own address and port. */
	n = build(out, in, 0, true, 9, &p);
	assert_int_equal(get16be(ip + 12), get16be(frame_ip(in) + 12));
	assert_int_equal(get16be(uh), FRAME_SPORT);
	assert_int_equal(get16be(uh + 6), ref_udp_check(ip));
}

/* Not verified on the way in: updated, so it is right exactly when it was. */
static void test_udp_updated(void **state)
{
	uint8_t in[FRAME_MAX], out[FRAME_MAX];
	uint8_t *ip = out + VNET + 14;
	struct mcr_pkt p;

	(void)state;
	build_udp_frame(in, NO_VLAN, 5, GROUP, PORT, 999);
	set_udp_check(in);
	build(out, in, 0, false, 5, &p);
	assert_int_equal(get16be(ip + 20 + 6), ref_udp_check(ip));
	/* Damaged payload in, damaged out: never a fresh valid checksum. */
	frame_udp(in)[8 + 400] ^= 0x01;
	build(out, in, 0, false, 5, &p);
	assert_int_not_equal(get16be(ip + 20 + 6), ref_udp_check(ip));
	/* No checksum in, none out. */
	put16(frame_udp(in) + 6, 0);
	build(out, in, 0, false, 5, &p);
	assert_int_equal(get16be(ip + 20 + 6), 0);
}

/* Verified (or made on this host): the device completes it. */
static void test_udp_offloaded(void **state)
{
	static const uint32_t trusted[] = { TP_STATUS_CSUM_VALID, TP_STATUS_CSUMNOTREADY };
	uint8_t in[FRAME_MAX], out[FRAME_MAX];
	uint8_t *ip = out + VNET + 14, *uh = ip + 20;
	struct virtio_net_hdr vh;
	struct mcr_pkt p;

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		build_udp_frame(in, NO_VLAN, 5, GROUP, PORT, 77);
		put16(frame_udp(in) + 6, 0x5555); /* whatever it held: not read */
		build(out, in, TP_STATUS_USER | trusted[i], false, 5, &p);
		memcpy(&vh, out, sizeof(vh));
		assert_int_equal(vh.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
		assert_int_equal(vh.gso_type, VIRTIO_NET_HDR_GSO_NONE);
		assert_int_equal(le16toh(vh.hdr_len), 14 + 20 + 8 + 77); /* copied whole */
		assert_int_equal(le16toh(vh.csum_start), 14 + 20);
		assert_int_equal(le16toh(vh.csum_offset), 6);
		/* What the device does: sum from csum_start, complement, store. */
		uint16_t c = (uint16_t)~ref_sum(uh, 8 + 77, 0);

		put16(uh + 6, c ? c : 0xffff);
		assert_int_equal(get16be(uh + 6), ref_udp_check(ip));
	}
}

/* The UDP checksum of an IPv6 datagram at ip (UDP right behind), from scratch. */
static uint16_t ref_udp6_check(const uint8_t *ip)
{
	const uint8_t *uh = ip + 40;
	uint16_t ulen = get16be(uh + 4);
	uint8_t ph[40] = { 0 };
	uint8_t *copy = malloc(ulen);
	uint16_t s;

	memcpy(ph, ip + 8, 32);
	put16(ph + 34, ulen);
	ph[39] = IPPROTO_UDP;
	memcpy(copy, uh, ulen);
	put16(copy + 6, 0);
	s = ref_sum(copy, ulen, ref_sum(ph, sizeof(ph), 0));
	free(copy);
	s = (uint16_t)~s;
	return s ? s : 0xffff;
}

/* An IPv6 test frame to ff05::1:3 with traffic class 0xb8 and a right UDP checksum. */
static void make6(uint8_t *in, size_t payload)
{
	uint8_t *ip;

	build_udp6_frame(in, NO_VLAN, "ff05::1:3", PORT, IPPROTO_UDP, payload);
	ip = frame_ip(in);
	ip[0] = 0x6b; /* traffic class 0xb8: DSCP EF */
	ip[1] = 0x80;
	put16(ip + 40 + 6, ref_udp6_check(ip));
}

/* Parses an IPv6 test frame and builds the egress frame to ff0e::12:3456 for it. */
static size_t build6(uint8_t *out, uint8_t *in, uint32_t status, bool keep, uint8_t hlim,
		     struct mcr_pkt *p)
{
	struct frame_tmpl t;
	struct in6_addr sa, g;
	size_t n = (size_t)(frame_ip(in) + 40 + get16be(frame_ip(in) + 4) - in);

	assert_int_equal(inet_pton(AF_INET6, "2001:db8:2::1", &sa), 1);
	assert_int_equal(inet_pton(AF_INET6, "ff0e::12:3456", &g), 1);
	assert_int_equal(mcr_parse_frame(in, n, p), MCR_DROP_NONE);
	frame_tmpl_init6(&t, MAC, &sa, &g, htons(40123), htons(6000), keep);
	assert_int_equal(frame_hdr_len(&t), VNET + 14 + 40 + 8);
	return frame_build(out, &t, p, status, hlim, 0x1234);
}

static void test_headers6(void **state)
{
	uint8_t in[FRAME_MAX], out[FRAME_MAX], a6[16];
	uint8_t *e = out + VNET, *ip = e + 14, *uh = ip + 40;
	struct mcr_pkt p;

	(void)state;
	make6(in, 200);
	assert_int_equal(build6(out, in, 0, false, 9, &p), VNET + 14 + 40 + 8 + 200);
	/* ff0e::12:3456 -> 33:33:00:12:34:56 (RFC 2464 7) */
	assert_memory_equal(e, "\x33\x33\x00\x12\x34\x56", 6);
	assert_memory_equal(e + 6, MAC, 6);
	assert_int_equal(get16be(e + 12), 0x86dd);
	/* version 6, the datagram's traffic class, no flow label */
	assert_memory_equal(ip, "\x6b\x80\x00\x00", 4);
	assert_int_equal(get16be(ip + 4), 8 + 200);
	assert_int_equal(ip[6], IPPROTO_UDP);
	assert_int_equal(ip[7], 9); /* the hop limit given */
	inet_pton(AF_INET6, "2001:db8:2::1", a6);
	assert_memory_equal(ip + 8, a6, 16);
	inet_pton(AF_INET6, "ff0e::12:3456", a6);
	assert_memory_equal(ip + 24, a6, 16);
	assert_int_equal(get16be(uh), 40123);
	assert_int_equal(get16be(uh + 2), 6000);
	assert_int_equal(get16be(uh + 4), 208);
	assert_memory_equal(uh + 8, p.payload, 200);
	/* Not verified on the way in: updated, right because it was right. */
	assert_int_equal(out[0], 0);
	assert_int_equal(get16be(uh + 6), ref_udp6_check(ip));
	/* source keep: the datagram's own address and port, still right. */
	build6(out, in, 0, true, 9, &p);
	assert_memory_equal(ip + 8, frame_ip(in) + 8, 16);
	assert_int_equal(get16be(uh), FRAME_SPORT);
	assert_int_equal(get16be(uh + 6), ref_udp6_check(ip));
	/* Damaged payload in, damaged out. */
	frame_ip(in)[40 + 8 + 100] ^= 0x01;
	build6(out, in, 0, false, 9, &p);
	assert_int_not_equal(get16be(uh + 6), ref_udp6_check(ip));
}

/* Verified (or made on this host): the device completes the mandatory checksum. */
static void test_udp6_offloaded(void **state)
{
	uint8_t in[FRAME_MAX], out[FRAME_MAX];
	uint8_t *ip = out + VNET + 14, *uh = ip + 40;
	struct virtio_net_hdr vh;
	struct mcr_pkt p;
	uint16_t c;

	(void)state;
	make6(in, 77);
	build6(out, in, TP_STATUS_USER | TP_STATUS_CSUMNOTREADY, false, 3, &p);
	memcpy(&vh, out, sizeof(vh));
	assert_int_equal(vh.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	assert_int_equal(le16toh(vh.hdr_len), 14 + 40 + 8 + 77);
	assert_int_equal(le16toh(vh.csum_start), 14 + 40);
	assert_int_equal(le16toh(vh.csum_offset), 6);
	c = (uint16_t)~ref_sum(uh, 8 + 77, 0);
	put16(uh + 6, c ? c : 0xffff);
	assert_int_equal(get16be(uh + 6), ref_udp6_check(ip));
}

static uint16_t add16(uint16_t a, uint16_t b)
{
	uint32_t s = (uint32_t)a + b;

	return (uint16_t)((s & 0xffff) + (s >> 16));
}

/*
 * What the kernel does with a GSO frame (hdr, then total bytes of payload
 * at pay) for the datagram of seg bytes at off: its UDP length, the
 * pseudo-header sum adjusted from the whole length to its own (as
 * __udp_gso_segment does), and the device completing the sum.  Writes it
 * to dg (IP header, UDP header, payload); returns its UDP checksum.
 */
static uint16_t cut(uint8_t *dg, const uint8_t *ip, size_t iplen, const uint8_t *pay, size_t off,
		    size_t seg)
{
	const uint8_t *uh = ip + iplen;
	uint8_t *duh = dg + iplen;
	uint16_t check;

	memcpy(dg, ip, iplen + 8);
	memcpy(duh + 8, pay + off, seg);
	put16(duh + 4, (uint16_t)(8 + seg));
	if (iplen == 20)
		put16(dg + 2, (uint16_t)(20 + 8 + seg));
	else
		put16(dg + 4, (uint16_t)(8 + seg));
	check = add16(add16(get16be(uh + 6), (uint16_t)~get16be(uh + 4)), (uint16_t)(8 + seg));
	put16(duh + 6, check);
	check = (uint16_t)~ref_sum(duh, 8 + seg, 0);
	return check ? check : 0xffff;
}

/* Each datagram of 200 bytes (the last shorter) cut from the GSO frame at ip is right. */
static void assert_cuts(const uint8_t *ip, size_t iplen, const uint8_t *pay, size_t total,
			uint16_t (*ref)(const uint8_t *))
{
	uint8_t dg[FRAME_MAX];

	for (size_t off = 0; off < total; off += 200) {
		size_t seg = off + 200 <= total ? 200 : total - off;
		uint16_t c = cut(dg, ip, iplen, pay, off, seg);

		put16(dg + iplen + 6, c);
		assert_int_equal(c, ref(dg));
	}
}

/* A run of 200, 200 and 150 bytes as one GSO frame: IPv4. */
static void test_gso4(void **state)
{
	uint8_t in[FRAME_MAX], out[FRAME_HDR_LEN], pay[550];
	uint8_t *ip = out + VNET + 14, *uh = ip + 20;
	struct in_addr sa = { ipv4("198.19.1.1") }, g = { ipv4("239.2.3.4") };
	struct virtio_net_hdr vh;
	struct frame_tmpl t;
	struct mcr_pkt p;

	(void)state;
	for (size_t i = 0; i < sizeof(pay); i++)
		pay[i] = (uint8_t)(i * 7 + 3);
	build_udp_frame(in, NO_VLAN, 5, GROUP, PORT, 200);
	frame_ip(in)[1] = 0xb8;
	ip_checksum(frame_ip(in));
	assert_int_equal(mcr_parse_frame(in, (size_t)(frame_udp(in) + 208 - in), &p), MCR_DROP_NONE);
	frame_tmpl_init(&t, MAC, sa, g, htons(40123), htons(6000), false);
	assert_int_equal(frame_build_gso(out, &t, &p, 7, 0x1234, sizeof(pay)), VNET + 14 + 20 + 8);
	memcpy(&vh, out, sizeof(vh));
	assert_int_equal(vh.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	assert_int_equal(vh.gso_type, 5); /* VIRTIO_NET_HDR_GSO_UDP_L4 */
	assert_int_equal(le16toh(vh.gso_size), 200);
	assert_int_equal(le16toh(vh.hdr_len), 14 + 20 + 8); /* the payload goes in fragments */
	assert_int_equal(le16toh(vh.csum_start), 14 + 20);
	assert_int_equal(le16toh(vh.csum_offset), 6);
	assert_memory_equal(out + VNET, "\x01\x00\x5e\x02\x03\x04", 6);
	assert_int_equal(get16be(ip + 2), 20 + 8 + 550); /* the whole run */
	assert_int_equal(get16be(ip + 4), 0x1234);
	assert_int_equal(ip[1], 0xb8);
	assert_int_equal(ip[8], 7);
	assert_int_equal(ref_sum(ip, 20, 0), 0xffff);
	assert_int_equal(get16be(uh), 40123);
	assert_int_equal(get16be(uh + 4), 8 + 550);
	/* Each datagram cut from it carries a right checksum. */
	assert_cuts(ip, 20, pay, sizeof(pay), ref_udp_check);
}

/* The same run to an IPv6 group, source kept. */
static void test_gso6(void **state)
{
	uint8_t in[FRAME_MAX], out[FRAME_HDR_LEN6], pay[550];
	uint8_t *ip = out + VNET + 14, *uh = ip + 40;
	struct in6_addr sa, g;
	struct virtio_net_hdr vh;
	struct frame_tmpl t;
	struct mcr_pkt p;

	(void)state;
	for (size_t i = 0; i < sizeof(pay); i++)
		pay[i] = (uint8_t)(i * 5 + 1);
	make6(in, 200);
	assert_int_equal(mcr_parse_frame(in, (size_t)(frame_ip(in) + 40 + 208 - in), &p),
			 MCR_DROP_NONE);
	inet_pton(AF_INET6, "2001:db8:2::1", &sa);
	inet_pton(AF_INET6, "ff0e::12:3456", &g);
	frame_tmpl_init6(&t, MAC, &sa, &g, htons(40123), htons(6000), true);
	assert_int_equal(frame_build_gso(out, &t, &p, 3, 0, sizeof(pay)), VNET + 14 + 40 + 8);
	memcpy(&vh, out, sizeof(vh));
	assert_int_equal(vh.gso_type, 5);
	assert_int_equal(le16toh(vh.gso_size), 200);
	assert_int_equal(le16toh(vh.hdr_len), 14 + 40 + 8);
	assert_int_equal(le16toh(vh.csum_start), 14 + 40);
	assert_int_equal(get16be(ip + 4), 8 + 550);
	assert_int_equal(ip[7], 3);
	assert_memory_equal(ip + 8, frame_ip(in) + 8, 16); /* source kept */
	assert_int_equal(get16be(uh), FRAME_SPORT);
	assert_int_equal(get16be(uh + 4), 8 + 550);
	assert_cuts(ip, 40, pay, sizeof(pay), ref_udp6_check);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_csum_add),
		cmocka_unit_test(test_csum_replace),
		cmocka_unit_test(test_udp4_ok),
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_udp_updated),
		cmocka_unit_test(test_udp_offloaded),
		cmocka_unit_test(test_headers6),
		cmocka_unit_test(test_udp6_offloaded),
		cmocka_unit_test(test_gso4),
		cmocka_unit_test(test_gso6),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
