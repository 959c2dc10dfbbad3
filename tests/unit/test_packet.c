/* mcr_parse_frame(): field extraction, every drop reason, bounds under fuzzing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "frames.h"
#include "packet.h"

#define GROUP "239.1.1.1"
#define PORT  5001

/*
 * Parses a copy of the first caplen bytes in a buffer of exactly that size,
 * so that ASan catches any read past the captured bytes.
 */
static enum mcr_drop parse_exact(const uint8_t *f, size_t caplen, struct mcr_pkt *p)
{
	uint8_t *copy = malloc(caplen ? caplen : 1);
	enum mcr_drop d;

	assert_non_null(copy);
	memcpy(copy, f, caplen);
	d = mcr_parse_frame(copy, caplen, p);
	if (d == MCR_DROP_NONE) {
		/* Rebase the payload pointer onto the caller's frame. */
		assert_true(p->payload >= copy && p->payload + p->len <= copy + caplen);
		p->payload = f + (p->payload - copy);
	}
	free(copy);
	return d;
}

static void test_untagged_udp(void **state)
{
	uint8_t f[FRAME_MAX];
	size_t n = build_udp_frame(f, NO_VLAN, 5, GROUP, PORT, 100);
	struct mcr_pkt p;

	(void)state;
	assert_int_equal(n, 14 + 20 + 8 + 100);
	memset(&p, 0xaa, sizeof(p));
	assert_int_equal(parse_exact(f, n, &p), MCR_DROP_NONE);
	assert_int_equal(p.src.s_addr, ipv4(FRAME_SRC));
	assert_int_equal(p.dst.s_addr, ipv4(GROUP));
	assert_int_equal(p.sport, FRAME_SPORT);
	assert_int_equal(p.dport, PORT);
	assert_int_equal(p.ttl, FRAME_TTL);
	assert_int_equal(p.vlan, 0);
	assert_ptr_equal(p.payload, f + 14 + 20 + 8);
	assert_int_equal(p.len, 100);
	assert_int_equal(p.payload[0], 0);
	assert_int_equal(p.payload[99], 99);
}

/* Short frames are padded to 60 bytes on the wire; len comes from UDP. */
static void test_ethernet_padding(void **state)
{
	uint8_t f[FRAME_MAX];
	size_t n = build_udp_frame(f, NO_VLAN, 5, GROUP, PORT, 2);
	struct mcr_pkt p;

	(void)state;
	assert_int_equal(n, 44);
	memset(f + n, 0xee, 60 - n);
	assert_int_equal(parse_exact(f, 60, &p), MCR_DROP_NONE);
	assert_int_equal(p.len, 2);
	assert_ptr_equal(p.payload, f + 42);
}

/* IP total length beyond the UDP datagram (trailing bytes inside IP). */
static void test_udp_shorter_than_ip_payload(void **state)
{
	uint8_t f[FRAME_MAX];
	size_t n = build_udp_frame(f, NO_VLAN, 5, GROUP, PORT, 50);
	struct mcr_pkt p;

	(void)state;
	put16(frame_udp(f) + 4, 8 + 10);
	assert_int_equal(parse_exact(f, n, &p), MCR_DROP_NONE);
	assert_int_equal(p.len, 10);
}

static void test_zero_length_payload(void **state)
{
	uint8_t f[FRAME_MAX];
	size_t n = build_udp_frame(f, NO_VLAN, 5, GROUP, PORT, 0);
	struct mcr_pkt p;

	(void)state;
	assert_int_equal(n, 42);
	assert_int_equal(parse_exact(f, n, &p), MCR_DROP_NONE);
	assert_int_equal(p.len, 0);
	assert_ptr_equal(p.payload, f + n);
}

static void test_vlan_tagged(void **state)
{
	uint8_t f[FRAME_MAX];
	/* PCP 7, DEI 1, VID 100: only the VID is reported. */
	size_t n = build_udp_frame(f, 0xf000 | 100, 5, GROUP, PORT, 33);
	struct mcr_pkt p;

	(void)state;
	assert_int_equal(n, 18 + 20 + 8 + 33);
	assert_int_equal(parse_exact(f, n, &p), MCR_DROP_NONE);
	assert_int_equal(p.vlan, 100);
	assert_int_equal(p.dst.s_addr, ipv4(GROUP));
	assert_int_equal(p.dport, PORT);
	assert_ptr_equal(p.payload, f + 18 + 20 + 8);
	assert_int_equal(p.len, 33);

	n = build_udp_frame(f, 4095, 5, GROUP, PORT, 1);
	assert_int_equal(parse_exact(f, n, &p), MCR_DROP_NONE);
	assert_int_equal(p.vlan, 4095);
}

static void test_ip_options(void **state)
{
	(void)state;
	for (unsigned ihl = 5; ihl <= 15; ihl++) {
		for (int tagged = 0; tagged < 2; tagged++) {
			uint8_t f[FRAME_MAX];
			int vlan = tagged ? 7 : NO_VLAN;
			size_t n = build_udp_frame(f, vlan, ihl, GROUP, PORT, 20);
			size_t l3 = tagged ? 18 : 14;
			struct mcr_pkt p;

			assert_int_equal(parse_exact(f, n, &p), MCR_DROP_NONE);
			assert_ptr_equal(p.payload, f + l3 + ihl * 4 + 8);
			assert_int_equal(p.len, 20);
			assert_int_equal(p.dport, PORT);
			assert_int_equal(p.sport, FRAME_SPORT);
			assert_int_equal(p.vlan, tagged ? 7 : 0);
		}
	}
}

/* Every prefix of a valid frame is dropped; only the whole frame passes. */
static void check_all_prefixes(int vlan, unsigned ihl, size_t payload)
{
	uint8_t f[FRAME_MAX];
	size_t n = build_udp_frame(f, vlan, ihl, GROUP, PORT, payload);
	size_t l3 = vlan == NO_VLAN ? 14 : 18;
	struct mcr_pkt p;

	for (size_t cap = 0; cap < n; cap++) {
		enum mcr_drop d = parse_exact(f, cap, &p);

		if (d == MCR_DROP_NONE)
			fail_msg("prefix of %zu of %zu bytes accepted (vlan %d ihl %u)", cap, n, vlan,
				 ihl);
		/* Up to the fixed IPv4 header the frame is simply too short. */
		if (cap < l3 + 20)
			assert_int_equal(d, MCR_DROP_TRUNCATED);
	}
	assert_int_equal(parse_exact(f, n, &p), MCR_DROP_NONE);
	assert_int_equal(p.len, payload);
}

static void test_truncated_every_length(void **state)
{
	(void)state;
	check_all_prefixes(NO_VLAN, 5, 0);
	check_all_prefixes(NO_VLAN, 5, 64);
	check_all_prefixes(NO_VLAN, 15, 10);
	check_all_prefixes(5, 5, 64);
	check_all_prefixes(5, 15, 1);
}

static void test_truncated_reasons(void **state)
{
	uint8_t f[FRAME_MAX];
	size_t n = build_udp_frame(f, NO_VLAN, 8, GROUP, PORT, 40);
	struct mcr_pkt p;

	(void)state;
	assert_int_equal(parse_exact(f, 0, &p), MCR_DROP_TRUNCATED);
	assert_int_equal(parse_exact(f, 13, &p), MCR_DROP_TRUNCATED);
	assert_int_equal(parse_exact(f, 33, &p), MCR_DROP_TRUNCATED);
	/* The options are cut: the header is longer than the capture. */
	assert_int_equal(parse_exact(f, 14 + 20, &p), MCR_DROP_BAD_IP_HEADER);
	assert_int_equal(parse_exact(f, 14 + 31, &p), MCR_DROP_BAD_IP_HEADER);
	/* Header complete, datagram cut: total length > captured. */
	assert_int_equal(parse_exact(f, 14 + 32, &p), MCR_DROP_BAD_IP_LENGTH);
	assert_int_equal(parse_exact(f, n - 1, &p), MCR_DROP_BAD_IP_LENGTH);

	n = build_udp_frame(f, 1, 5, GROUP, PORT, 40);
	assert_int_equal(parse_exact(f, 17, &p), MCR_DROP_TRUNCATED); /* inside the tag */
	assert_int_equal(parse_exact(f, 18 + 19, &p), MCR_DROP_TRUNCATED);
	assert_int_equal(parse_exact(f, n - 1, &p), MCR_DROP_BAD_IP_LENGTH);
}

static void test_not_ipv4(void **state)
{
	uint8_t f[FRAME_MAX];
	size_t n;
	struct mcr_pkt p;

	(void)state;
	n = build_udp_frame(f, NO_VLAN, 5, GROUP, PORT, 10);
	frame_set_ethertype(f, ETHERTYPE_ARP);
	assert_int_equal(parse_exact(f, n, &p), MCR_DROP_NOT_IPV4);
	/* Known not to be IPv4 from the Ethernet header alone. */
	assert_int_equal(parse_exact(f, 14, &p), MCR_DROP_NOT_IPV4);
	/* IPv4 behind the IPv6 ethertype: its version says it is not IPv6. */
	n = build_udp_frame(f, NO_VLAN, 5, GROUP, PORT, 30);
	frame_set_ethertype(f, ETHERTYPE_IPV6);
	assert_int_equal(parse_exact(f, n, &p), MCR_DROP_NOT_IPV4);
	n = build_udp_frame(f, NO_VLAN, 5, GROUP, PORT, 10);

	n = build_udp_frame(f, 3, 5, GROUP, PORT, 10);
	frame_set_ethertype(f, ETHERTYPE_ARP);
	assert_int_equal(parse_exact(f, n, &p), MCR_DROP_NOT_IPV4);
	/* Two tags (QinQ) are not supported. */
	frame_set_ethertype(f, ETHERTYPE_8021Q);
	assert_int_equal(parse_exact(f, n, &p), MCR_DROP_NOT_IPV4);

	/* IP version 6 (or 0, or 15) behind an IPv4 ethertype. */
	const uint8_t versions[] = { 6, 0, 5, 15 };

	for (size_t i = 0; i < sizeof(versions); i++) {
		n = build_udp_frame(f, NO_VLAN, 5, GROUP, PORT, 10);
		frame_ip(f)[0] = (uint8_t)(versions[i] << 4 | 5);
		assert_int_equal(parse_exact(f, n, &p), MCR_DROP_NOT_IPV4);
	}
}

static void test_bad_ihl(void **state)
{
	uint8_t f[FRAME_MAX];
	struct mcr_pkt p;

	(void)state;
	for (unsigned ihl = 0; ihl < 5; ihl++) {
		size_t n = build_udp_frame(f, NO_VLAN, 5, GROUP, PORT, 10);

		frame_ip(f)[0] = (uint8_t)(0x40 | ihl);
		assert_int_equal(parse_exact(f, n, &p), MCR_DROP_BAD_IP_HEADER);
	}
}

static void test_bad_total_length(void **state)
{
	uint8_t f[FRAME_MAX];
	size_t n;
	struct mcr_pkt p;

	(void)state;
	/* Less than the header (with options). */
	n = build_udp_frame(f, NO_VLAN, 6, GROUP, PORT, 10);
	put16(frame_ip(f) + 2, 23);
	assert_int_equal(parse_exact(f, n, &p), MCR_DROP_BAD_IP_LENGTH);
	put16(frame_ip(f) + 2, 0);
	assert_int_equal(parse_exact(f, n, &p), MCR_DROP_BAD_IP_LENGTH);
	/* Exactly the header: no room for UDP. */
	put16(frame_ip(f) + 2, 24);
	assert_int_equal(parse_exact(f, n, &p), MCR_DROP_BAD_UDP_LENGTH);
	/* More than captured, by one byte and by a lot. */
	n = build_udp_frame(f, NO_VLAN, 5, GROUP, PORT, 10);
	put16(frame_ip(f) + 2, (uint16_t)(n - 14 + 1));
	assert_int_equal(parse_exact(f, n, &p), MCR_DROP_BAD_IP_LENGTH);
	put16(frame_ip(f) + 2, 0xffff);
	assert_int_equal(parse_exact(f, n, &p), MCR_DROP_BAD_IP_LENGTH);
}

static void test_fragments(void **state)
{
	/* MF, MF + offset, last fragment (offset only), the highest offset. */
	const uint16_t frag[] = { 0x2000, 0x2000 | 185, 185, 0x1fff, 0x4000 | 1 };
	uint8_t f[FRAME_MAX];
	struct mcr_pkt p;

	(void)state;
	for (size_t i = 0; i < sizeof(frag) / sizeof(frag[0]); i++) {
		size_t n = build_udp_frame(f, NO_VLAN, 5, GROUP, PORT, 10);

		put16(frame_ip(f) + 6, frag[i]);
		assert_int_equal(parse_exact(f, n, &p), MCR_DROP_FRAGMENT);
	}
	/* DF alone, or neither flag, is a whole datagram. */
	size_t n = build_udp_frame(f, NO_VLAN, 5, GROUP, PORT, 10);

	put16(frame_ip(f) + 6, 0);
	ip_checksum(frame_ip(f));
	assert_int_equal(parse_exact(f, n, &p), MCR_DROP_NONE);
	put16(frame_ip(f) + 6, 0x4000);
	ip_checksum(frame_ip(f));
	assert_int_equal(parse_exact(f, n, &p), MCR_DROP_NONE);
}

static void test_not_udp(void **state)
{
	const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_ICMP, IPPROTO_IGMP, 0, 255 };
	uint8_t f[FRAME_MAX];
	struct mcr_pkt p;

	(void)state;
	for (size_t i = 0; i < sizeof(protos); i++) {
		size_t n = build_udp_frame(f, 9, 5, GROUP, PORT, 10);

		frame_ip(f)[9] = protos[i];
		assert_int_equal(parse_exact(f, n, &p), MCR_DROP_NOT_UDP);
	}
}

static void test_bad_udp_length(void **state)
{
	const uint16_t bad[] = { 0, 1, 7 };
	uint8_t f[FRAME_MAX];
	size_t n;
	struct mcr_pkt p;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = build_udp_frame(f, NO_VLAN, 5, GROUP, PORT, 10);
		put16(frame_udp(f) + 4, bad[i]);
		assert_int_equal(parse_exact(f, n, &p), MCR_DROP_BAD_UDP_LENGTH);
	}
	/* One byte more than the IP payload, even when the capture has it. */
	n = build_udp_frame(f, NO_VLAN, 5, GROUP, PORT, 10);
	memset(f + n, 0, 20);
	put16(frame_udp(f) + 4, 8 + 11);
	assert_int_equal(parse_exact(f, n + 20, &p), MCR_DROP_BAD_UDP_LENGTH);
	put16(frame_udp(f) + 4, 0xffff);
	assert_int_equal(parse_exact(f, n, &p), MCR_DROP_BAD_UDP_LENGTH);
	/* Exactly 8: valid, empty. */
	put16(frame_udp(f) + 4, 8);
	assert_int_equal(parse_exact(f, n, &p), MCR_DROP_NONE);
	assert_int_equal(p.len, 0);
	/* IP payload shorter than a UDP header (options take the room). */
	n = build_udp_frame(f, NO_VLAN, 6, GROUP, PORT, 0);
	put16(frame_ip(f) + 2, 24 + 7);
	assert_int_equal(parse_exact(f, n, &p), MCR_DROP_BAD_UDP_LENGTH);
	/* ...and the capture ends with it: the UDP length is not even there. */
	for (uint16_t part = 0; part < 8; part++) {
		put16(frame_ip(f) + 2, (uint16_t)(24 + part));
		assert_int_equal(parse_exact(f, 14 + 24 + part, &p), MCR_DROP_BAD_UDP_LENGTH);
	}
}

/* A damaged IPv4 header is dropped for its checksum, with or without options. */
static void test_bad_ip_checksum(void **state)
{
	uint8_t f[FRAME_MAX];
	struct mcr_pkt p;

	(void)state;
	for (unsigned ihl = 5; ihl <= 15; ihl += 5) {
		size_t n = build_udp_frame(f, NO_VLAN, ihl, GROUP, PORT, 40);

		assert_int_equal(parse_exact(f, n, &p), MCR_DROP_NONE);
		frame_ip(f)[8] ^= 0x01; /* the TTL, as a bit flip on the way */
		assert_int_equal(parse_exact(f, n, &p), MCR_DROP_BAD_IP_CHECKSUM);
		ip_checksum(frame_ip(f));
		assert_int_equal(parse_exact(f, n, &p), MCR_DROP_NONE);
		frame_ip(f)[10] ^= 0x80; /* the checksum itself */
		assert_int_equal(parse_exact(f, n, &p), MCR_DROP_BAD_IP_CHECKSUM);
	}
	/* Fields the parser reports: TOS and the UDP header's place. */
	size_t n = build_udp_frame(f, NO_VLAN, 6, GROUP, PORT, 4);

	frame_ip(f)[1] = 0xb8; /* DSCP EF */
	ip_checksum(frame_ip(f));
	assert_int_equal(parse_exact(f, n, &p), MCR_DROP_NONE);
	assert_int_equal(p.tos, 0xb8);
}

/* xorshift64*: deterministic, so a failure can be replayed. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint32_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545f4914f6cdd1dULL) >> 32);
}

/*
 * Random bytes alone almost never get past the ethertype, so most frames
 * start as a valid one and get a few bytes, its length, or both mangled.
 */
static size_t fuzz_frame(uint8_t *f)
{
	size_t n;

	switch (rnd() % 4) {
	case 0:
		n = rnd() % 2001;
		for (size_t i = 0; i < n; i++)
			f[i] = (uint8_t)rnd();
		return n;
	default:
		n = build_udp_frame(f, rnd() % 2 ? NO_VLAN : (int)(rnd() & 0xffff), 5 + rnd() % 11,
				    GROUP, (uint16_t)rnd(), rnd() % 1400);
		for (unsigned k = rnd() % 4; k; k--)
			f[rnd() % (n + 8)] = (uint8_t)rnd();
		if (rnd() % 2)
			n = rnd() % 2001;
		else if (rnd() % 2)
			n += rnd() % 8;
		if (rnd() % 8 == 0) /* header fields most likely to matter */
			put16(frame_ip(f) + 2 + 2 * (rnd() % 3), (uint16_t)rnd());
		if (rnd() % 2) /* mostly a valid checksum, so other checks are reached */
			ip_checksum(frame_ip(f));
		return n;
	}
}

static void test_fuzz(void **state)
{
	static uint8_t f[FRAME_MAX + 2048];
	unsigned seen[MCR_DROP__MAX] = { 0 };

	(void)state;
	for (unsigned i = 0; i < 200000; i++) {
		size_t n = fuzz_frame(f);
		uint8_t *copy = malloc(n ? n : 1);
		struct mcr_pkt p;
		enum mcr_drop d;

		assert_non_null(copy);
		memcpy(copy, f, n);
		d = mcr_parse_frame(copy, n, &p);
		assert_true(d <= MCR_DROP_BAD_UDP_LENGTH || d == MCR_DROP_BAD_IP_CHECKSUM);
		seen[d]++;
		if (d == MCR_DROP_NONE) {
			size_t l3 = frame_l3(copy);

			assert_true(p.payload >= copy + l3 + 20 + 8);
			assert_true(p.payload + p.len <= copy + n);
			assert_int_equal(p.len + 8, get16be(p.payload - 4));
			assert_int_equal(p.dport, get16be(p.payload - 6));
		}
		free(copy);
	}
	/* The fuzzer reached every outcome, so it did exercise each check. */
	for (int d = MCR_DROP_NONE; d < MCR_DROP__MAX; d++)
		if (!seen[d] && (d <= MCR_DROP_BAD_UDP_LENGTH || d == MCR_DROP_BAD_IP_CHECKSUM))
			fail_msg("fuzzing never produced %s", mcr_drop_name((enum mcr_drop)d));
}

static void test_drop_names(void **state)
{
	static const char *const want[MCR_DROP__MAX] = {
		"none", "truncated", "not_ipv4", "bad_ip_header", "bad_ip_length", "fragment",
		"not_udp", "bad_udp_length", "no_rule", "no_tx_slot", "socket_queue",
		"bad_ip_checksum", "bad_udp_checksum", "ttl_expired", "loop",
		"not_rtp", "duplicate", "late", "bad_ext_header", "jumbogram",
		"zero_udp_checksum",
	};

	(void)state;
	assert_int_equal(MCR_DROP__MAX, 21);
	for (int d = 0; d < MCR_DROP__MAX; d++)
		assert_string_equal(mcr_drop_name((enum mcr_drop)d), want[d]);
	assert_string_equal(mcr_drop_name(MCR_DROP__MAX), "unknown");
	assert_string_equal(mcr_drop_name((enum mcr_drop)1000), "unknown");
	assert_string_equal(mcr_drop_name((enum mcr_drop)-1), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_untagged_udp),
		cmocka_unit_test(test_ethernet_padding),
		cmocka_unit_test(test_udp_shorter_than_ip_payload),
		cmocka_unit_test(test_zero_length_payload),
		cmocka_unit_test(test_vlan_tagged),
		cmocka_unit_test(test_ip_options),
		cmocka_unit_test(test_truncated_every_length),
		cmocka_unit_test(test_truncated_reasons),
		cmocka_unit_test(test_not_ipv4),
		cmocka_unit_test(test_bad_ihl),
		cmocka_unit_test(test_bad_total_length),
		cmocka_unit_test(test_fragments),
		cmocka_unit_test(test_not_udp),
		cmocka_unit_test(test_bad_udp_length),
		cmocka_unit_test(test_fuzz),
		cmocka_unit_test(test_bad_ip_checksum),
		cmocka_unit_test(test_drop_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
