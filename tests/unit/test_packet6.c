/*
 * mcr_parse_frame() on IPv6: fields, the extension-header walk and its
 * bounds, and every IPv6 drop reason (cut chains, bad payload lengths,
 * jumbograms, fragments, zero UDP checksums).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "packet.h"

#define F6_MAX 2048
#define HBH    0
#define ROUTE  43
#define FRAG   44
#define DSTOPT 60

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/*
 * Ethernet (one 802.1Q tag when vlan >= 0), IPv6 ff3e::8000:1 from
 * 2001:db8::5 (traffic class 0xb8, hop limit 33), the extension headers
 * ext[0..next) of 8 bytes each (a fragment header: offset 0, atomic), UDP
 * 40000 -> 5001 and len payload bytes 0, 1, 2...  Returns the frame length.
 */
static size_t build6(uint8_t *f, int vlan, const uint8_t *ext, size_t next, uint16_t len)
{
	size_t l3 = vlan >= 0 ? 18 : 14, pos;
	uint8_t *ip = f + l3, *u;

	memset(f, 0, F6_MAX);
	memcpy(f, "\x33\x33\x80\x00\x00\x01\x02\x00\x00\x00\x00\x05", 12);
	if (vlan >= 0) {
		put16(f + 12, 0x8100);
		put16(f + 14, (uint16_t)vlan);
	}
	put16(f + l3 - 2, 0x86dd);
	ip[0] = 0x6b; /* version 6, traffic class 0xb8 */
	ip[1] = 0x80;
	put16(ip + 4, (uint16_t)(next * 8 + 8 + len));
	ip[6] = next ? ext[0] : IPPROTO_UDP;
	ip[7] = 33;
	inet_pton(AF_INET6, "2001:db8::5", ip + 8);
	inet_pton(AF_INET6, "ff3e::8000:1", ip + 24);
	pos = 40;
	for (size_t i = 0; i < next; i++, pos += 8) {
		ip[pos] = i + 1 < next ? ext[i + 1] : IPPROTO_UDP;
		if (ext[i] != FRAG && ext[i] != ROUTE) {
			ip[pos + 2] = 1; /* PadN over the rest */
			ip[pos + 3] = 4;
		}
	}
	u = ip + pos;
	put16(u, 40000);
	put16(u + 2, 5001);
	put16(u + 4, (uint16_t)(8 + len));
	put16(u + 6, 0x1234);
	for (unsigned i = 0; i < len; i++)
		u[8 + i] = (uint8_t)i;
	return l3 + pos + 8 + len;
}

/* Parses an exact-size heap copy, so that ASan sees any read past caplen. */
static enum mcr_drop parse(const uint8_t *f, size_t caplen, struct mcr_pkt *p)
{
	uint8_t *copy = malloc(caplen ? caplen : 1);
	enum mcr_drop d;

	assert_non_null(copy);
	memcpy(copy, f, caplen);
	d = mcr_parse_frame(copy, caplen, p);
	if (d == MCR_DROP_NONE) {
		assert_true(p->payload >= copy && p->payload + p->len <= copy + caplen);
		p->payload = f + (p->payload - copy);
		p->udp = f + (p->udp - copy);
	}
	free(copy);
	return d;
}

static uint8_t *ip6(uint8_t *f)
{
	return f + (f[12] == 0x81 ? 18 : 14);
}

static void test_udp6(void **state)
{
	uint8_t f[F6_MAX];
	size_t n = build6(f, -1, NULL, 0, 100);
	struct mcr_pkt p;
	struct in6_addr a;

	(void)state;
	assert_int_equal(n, 14 + 40 + 8 + 100);
	assert_int_equal(parse(f, n, &p), MCR_DROP_NONE);
	assert_int_equal(p.family, AF_INET6);
	inet_pton(AF_INET6, "2001:db8::5", &a);
	assert_memory_equal(&p.src6, &a, 16);
	inet_pton(AF_INET6, "ff3e::8000:1", &a);
	assert_memory_equal(&p.dst6, &a, 16);
	assert_int_equal(p.sport, 40000);
	assert_int_equal(p.dport, 5001);
	assert_int_equal(p.ttl, 33);
	assert_int_equal(p.tos, 0xb8);
	assert_int_equal(p.vlan, 0);
	assert_ptr_equal(p.udp, f + 14 + 40);
	assert_ptr_equal(p.payload, f + 14 + 40 + 8);
	assert_int_equal(p.len, 100);
	assert_int_equal(p.payload[99], 99);
	/* Ethernet padding after the packet is not payload. */
	assert_int_equal(parse(f, n + 20, &p), MCR_DROP_NONE);
	assert_int_equal(p.len, 100);
	/* Tagged. */
	n = build6(f, 7, NULL, 0, 10);
	assert_int_equal(parse(f, n, &p), MCR_DROP_NONE);
	assert_int_equal(p.vlan, 7);
	assert_ptr_equal(p.payload, f + 18 + 40 + 8);
}

/* Hop-by-hop, routing and destination options are walked; an atomic fragment is whole. */
static void test_extension_headers(void **state)
{
	static const uint8_t chain[] = { HBH, DSTOPT, ROUTE, FRAG, DSTOPT };
	uint8_t f[F6_MAX];
	size_t n = build6(f, -1, chain, sizeof(chain), 20);
	struct mcr_pkt p;

	(void)state;
	assert_int_equal(parse(f, n, &p), MCR_DROP_NONE);
	assert_ptr_equal(p.payload, f + 14 + 40 + 5 * 8 + 8);
	assert_int_equal(p.len, 20);
	/* A longer header (hdr ext len 1: 16 bytes) is stepped over whole. */
	n = build6(f, -1, (const uint8_t[]){ DSTOPT, DSTOPT }, 2, 20);
	ip6(f)[40] = IPPROTO_UDP;
	ip6(f)[41] = 1;
	assert_int_equal(parse(f, n, &p), MCR_DROP_NONE);
	assert_ptr_equal(p.payload, f + 14 + 40 + 16 + 8);
	assert_int_equal(p.sport, 40000); /* the UDP header was where the second header began */
}

static void test_bad_chains(void **state)
{
	uint8_t f[F6_MAX], chain[9];
	size_t n;
	struct mcr_pkt p;

	(void)state;
	/* A header longer than the payload. */
	n = build6(f, -1, (const uint8_t[]){ DSTOPT }, 1, 10);
	ip6(f)[41] = 5; /* 48 bytes, the payload is 26 */
	assert_int_equal(parse(f, n, &p), MCR_DROP_BAD_EXT_HEADER);
	/* The payload ends inside a header: a chain cut by the payload length. */
	n = build6(f, -1, (const uint8_t[]){ HBH, DSTOPT }, 2, 0);
	put16(ip6(f) + 4, 12);
	assert_int_equal(parse(f, n, &p), MCR_DROP_BAD_EXT_HEADER);
	/* Hop-by-hop anywhere but first. */
	n = build6(f, -1, (const uint8_t[]){ DSTOPT, HBH }, 2, 10);
	assert_int_equal(parse(f, n, &p), MCR_DROP_BAD_EXT_HEADER);
	/* Nine headers: more than the parser walks. */
	memset(chain, DSTOPT, sizeof(chain));
	n = build6(f, -1, chain, 9, 10);
	assert_int_equal(parse(f, n, &p), MCR_DROP_BAD_EXT_HEADER);
	n = build6(f, -1, chain, 8, 10);
	assert_int_equal(parse(f, n, &p), MCR_DROP_NONE);
}

static void test_fragments(void **state)
{
	uint8_t f[F6_MAX];
	size_t n = build6(f, -1, (const uint8_t[]){ FRAG }, 1, 10);
	struct mcr_pkt p;

	(void)state;
	put16(ip6(f) + 42, 0x0001); /* first fragment: more follow */
	assert_int_equal(parse(f, n, &p), MCR_DROP_FRAGMENT);
	put16(ip6(f) + 42, 0x00b8); /* a later one, offset 23 */
	assert_int_equal(parse(f, n, &p), MCR_DROP_FRAGMENT);
	put16(ip6(f) + 42, 0x0006); /* reserved bits only: still atomic */
	assert_int_equal(parse(f, n, &p), MCR_DROP_NONE);
}

static void test_lengths(void **state)
{
	uint8_t f[F6_MAX];
	size_t n = build6(f, -1, NULL, 0, 10);
	struct mcr_pkt p;

	(void)state;
	put16(ip6(f) + 4, 0); /* jumbogram (or nonsense): payload length 0 */
	assert_int_equal(parse(f, n, &p), MCR_DROP_JUMBOGRAM);
	ip6(f)[6] = HBH;
	assert_int_equal(parse(f, n, &p), MCR_DROP_JUMBOGRAM);
	n = build6(f, -1, NULL, 0, 10);
	put16(ip6(f) + 4, 19); /* a byte more than was captured */
	assert_int_equal(parse(f, n, &p), MCR_DROP_BAD_IP_LENGTH);
	put16(ip6(f) + 4, 17); /* UDP says 18 */
	assert_int_equal(parse(f, n, &p), MCR_DROP_BAD_UDP_LENGTH);
	put16(ip6(f) + 4, 7); /* not even a UDP header */
	assert_int_equal(parse(f, n, &p), MCR_DROP_BAD_UDP_LENGTH);
	put16(ip6(f) + 4, 18);
	put16(ip6(f) + 40 + 4, 7);
	assert_int_equal(parse(f, n, &p), MCR_DROP_BAD_UDP_LENGTH);
	/* UDP shorter than the payload: its own length counts. */
	put16(ip6(f) + 40 + 4, 12);
	assert_int_equal(parse(f, n, &p), MCR_DROP_NONE);
	assert_int_equal(p.len, 4);
}

static void test_other(void **state)
{
	static const uint8_t protos[] = { 6, 58, 59, 50, 51 }; /* TCP ICMPv6 none ESP AH */
	uint8_t f[F6_MAX];
	size_t n;
	struct mcr_pkt p;

	(void)state;
	for (size_t i = 0; i < sizeof(protos); i++) {
		n = build6(f, -1, NULL, 0, 10);
		ip6(f)[6] = protos[i];
		assert_int_equal(parse(f, n, &p), MCR_DROP_NOT_UDP);
	}
	n = build6(f, -1, NULL, 0, 10);
	put16(ip6(f) + 40 + 6, 0);
	assert_int_equal(parse(f, n, &p), MCR_DROP_ZERO_UDP_CHECKSUM);
	n = build6(f, -1, NULL, 0, 10);
	ip6(f)[0] = 0x45; /* IPv4 behind the IPv6 ethertype */
	assert_int_equal(parse(f, n, &p), MCR_DROP_NOT_IPV4);
}

/* Every cut of a valid frame, with and without headers: a reason, never a read past. */
static void test_truncated(void **state)
{
	static const uint8_t chain[] = { HBH, ROUTE, DSTOPT };
	uint8_t f[F6_MAX];
	struct mcr_pkt p;

	(void)state;
	for (int k = 0; k < 2; k++) {
		size_t n = build6(f, k ? 5 : -1, chain, k ? sizeof(chain) : 0, 30);
		size_t l3 = k ? 18 : 14;

		for (size_t cut = 0; cut < n; cut++) {
			enum mcr_drop d = parse(f, cut, &p), want;

			want = cut < l3 ? MCR_DROP_TRUNCATED
			     : cut < l3 + 40 ? MCR_DROP_TRUNCATED : MCR_DROP_BAD_IP_LENGTH;
			if (cut < 14 && cut >= 12 + 0)
				want = MCR_DROP_TRUNCATED;
			if (d != want)
				fail_msg("vlan %d cut at %zu: %s, want %s", k, cut, mcr_drop_name(d),
					 mcr_drop_name(want));
		}
		assert_int_equal(parse(f, n, &p), MCR_DROP_NONE);
	}
}

/* Random bytes after a valid IPv6 header and random chains: a reason or a sound packet. */
static void test_fuzz6(void **state)
{
	static uint8_t f[F6_MAX];
	unsigned seen[MCR_DROP__MAX] = { 0 };
	uint32_t x = 12345;

	(void)state;
	for (unsigned i = 0; i < 100000; i++) {
		uint8_t chain[12];
		size_t next = (x >> 8) % 11, n;
		struct mcr_pkt p;
		enum mcr_drop d;

		for (size_t k = 0; k < next; k++) {
			x = x * 1103515245 + 12345;
			chain[k] = (const uint8_t[]){ HBH, ROUTE, DSTOPT, FRAG, 6 }[(x >> 16) % 5];
		}
		n = build6(f, (x & 1) ? 3 : -1, chain, next, (uint16_t)((x >> 4) % 64));
		for (unsigned k = 0; k < (x >> 20) % 4; k++) {
			x = x * 1103515245 + 12345;
			f[14 + (x >> 8) % (n - 14)] = (uint8_t)(x >> 16);
		}
		x = x * 1103515245 + 12345;
		if (x & 0x100)
			n -= (x >> 9) % n;
		d = parse(f, n, &p);
		assert_true(d < MCR_DROP__MAX && strcmp(mcr_drop_name(d), "unknown"));
		seen[d]++;
		if (d == MCR_DROP_NONE) {
			assert_true(p.family == AF_INET6 || p.family == AF_INET);
			assert_true(p.payload + p.len <= f + n);
			assert_int_equal(p.len + 8, p.payload[-4] << 8 | p.payload[-3]);
		}
	}
	assert_true(seen[MCR_DROP_NONE] && seen[MCR_DROP_BAD_EXT_HEADER] && seen[MCR_DROP_FRAGMENT] &&
		    seen[MCR_DROP_NOT_UDP] && seen[MCR_DROP_BAD_IP_LENGTH] && seen[MCR_DROP_TRUNCATED]);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(mcr_drop_name(MCR_DROP_BAD_EXT_HEADER), "bad_ext_header");
	assert_string_equal(mcr_drop_name(MCR_DROP_JUMBOGRAM), "jumbogram");
	assert_string_equal(mcr_drop_name(MCR_DROP_ZERO_UDP_CHECKSUM), "zero_udp_checksum");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_udp6),
		cmocka_unit_test(test_extension_headers),
		cmocka_unit_test(test_bad_chains),
		cmocka_unit_test(test_fragments),
		cmocka_unit_test(test_lengths),
		cmocka_unit_test(test_other),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_fuzz6),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
