/*
 * The packet parser and rule match on raw frames, as a worker sees them:
 * mcr_parse_frame() on the captured bytes (an exact-size heap copy, so ASan
 * sees a read one byte past), then a lookup of (group, port, source).
 *
 * The lookup goes to a fixed table (the groups of the seed frames) and to a
 * table built from the first bytes of the UDP payload: 10 bytes per entry
 * (group, port, source), so inserts, duplicates, a full table and the
 * source-specific-over-any-source rule are all fuzzed too.  IPv6 datagrams
 * go to the IPv6 twins (match6.h): a fixed table and one built from 34-byte
 * entries (group, port, source); every datagram also goes out as a layer-2
 * egress frame of its family.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "match.h"
#include "match6.h"
#include "csum.h"
#include "frame.h"
#include "packet.h"

#define DYN_MAX 64

static struct mcr_match fixed;
static int fixed_val[8];
static struct mcr_match6 fixed6;
static int fixed6_val[8];

static struct in_addr A(const char *s)
{
	struct in_addr a = { 0 };

	inet_pton(AF_INET, s, &a);
	return a;
}

static struct in6_addr A6(const char *s)
{
	struct in6_addr a = IN6ADDR_ANY_INIT;

	inet_pton(AF_INET6, s, &a);
	return a;
}

/* The groups of the IPv6 seed frames (mkseeds.py), any source and one (S,G). */
static void init_fixed6(void)
{
	static const struct {
		const char *g;
		uint16_t port;
		const char *s;
	} rules[] = {
		{ "ff3e::8000:1", 5001, "::" }, { "ff3e::8000:1", 5001, "2001:db8::5" },
		{ "ff02::fb", 5353, "::" },      { "ff05::1:3", 5001, "::" },
		{ "ff0e::1234", 5001, "2001:db8::9" },
	};

	if (mcr_match6_init(&fixed6, sizeof(rules) / sizeof(rules[0])))
		abort();
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++) {
		struct in6_addr g = A6(rules[i].g), s = A6(rules[i].s);

		if (mcr_match6_insert(&fixed6, &g, rules[i].port, &s, &fixed6_val[i]))
			abort();
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const struct {
		const char *g;
		uint16_t port;
		const char *s;
	} rules[] = {
		{ "239.1.1.1", 5001, "0.0.0.0" },     { "239.1.1.1", 5001, "10.0.0.5" },
		{ "239.255.255.250", 1900, "0.0.0.0" }, { "224.0.0.251", 5353, "0.0.0.0" },
		{ "239.2.2.2", 6000, "10.0.0.7" },   { "232.1.1.1", 1234, "192.0.2.1" },
	};

	(void)argc;
	(void)argv;
	if (mcr_match_init(&fixed, sizeof(rules) / sizeof(rules[0])))
		abort();
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (mcr_match_insert(&fixed, A(rules[i].g), rules[i].port, A(rules[i].s),
				     &fixed_val[i]))
			abort();
	init_fixed6();
	return 0;
}

struct key {
	struct in_addr g, s;
	uint16_t port;
	int ret;
};

/* A table from payload bytes; every insert checked against a lookup. */
static void dyn_table(const struct mcr_pkt *p)
{
	static struct key k[DYN_MAX];
	struct mcr_match m;
	size_t n, hint;

	if (p->len < 1)
		return;
	n = (size_t)(p->len - 1) / 10;
	if (n > DYN_MAX)
		n = DYN_MAX;
	hint = p->payload[0] % (n + 1); /* smaller than n: -ENOSPC is reachable */
	if (mcr_match_init(&m, hint))
		abort();
	for (size_t i = 0; i < n; i++) {
		const uint8_t *e = p->payload + 1 + 10 * i;

		memcpy(&k[i].g, e, 4);
		k[i].port = (uint16_t)(e[4] << 8 | e[5]);
		memcpy(&k[i].s, e + 6, 4);
		k[i].ret = mcr_match_insert(&m, k[i].g, k[i].port, k[i].s, &k[i]);
		FUZZ_ASSERT(k[i].ret == 0 || k[i].ret == -EEXIST || k[i].ret == -ENOSPC ||
			    k[i].ret == -EINVAL);
		FUZZ_ASSERT((k[i].ret == -EINVAL) == (k[i].port == 0));
		FUZZ_ASSERT(m.count <= (m.mask + 1) / 2);
	}
	for (size_t i = 0; i < n; i++) {
		void *v = mcr_match_lookup(&m, k[i].g, k[i].port, k[i].s);

		/* An exact entry is found as itself; a duplicate finds its first. */
		if (k[i].ret == 0)
			FUZZ_ASSERT(v == &k[i]);
		if (k[i].ret == -EEXIST) {
			const struct key *first = v;

			FUZZ_ASSERT(first && first->ret == 0 && first->g.s_addr == k[i].g.s_addr &&
				    first->port == k[i].port && first->s.s_addr == k[i].s.s_addr);
		}
		if (v && k[i].ret != 0) {
			const struct key *hit = v;

			FUZZ_ASSERT(hit->ret == 0 && hit->g.s_addr == k[i].g.s_addr &&
				    hit->port == k[i].port &&
				    (hit->s.s_addr == k[i].s.s_addr || hit->s.s_addr == 0));
		}
	}
	(void)mcr_match_lookup(&m, p->dst, p->dport, p->src);
	mcr_match_free(&m);
}

/*
 * The headers of a GSO frame for a run of three datagrams like p, into a
 * buffer of exactly their size: the UDP length is the run's.
 */
static void gso_headers(const struct frame_tmpl *t, const struct mcr_pkt *p)
{
	size_t hl = frame_hdr_len(t), total = 3u * p->len;
	uint8_t *buf = malloc(hl);
	uint16_t ulen;

	if (!buf)
		return;
	if (total <= 65507) {
		FUZZ_ASSERT(frame_build_gso(buf, t, p, 9, 1, total) == hl);
		memcpy(&ulen, buf + hl - 4, 2);
		FUZZ_ASSERT(ntohs(ulen) == 8 + total);
	}
	free(buf);
}

/*
 * The layer-2 egress frame of the datagram, into a buffer of exactly the
 * size frame.h promises is enough (ASan catches a byte more), its UDP
 * checksum checked by csum_udp4_ok the way a receiver would (updated: right
 * exactly when the datagram's was; offloaded: left to the device).
 */
static void egress_frame(const struct mcr_pkt *p, size_t size)
{
	static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 1 };
	size_t n = FRAME_HDR_LEN + p->len;
	uint8_t *buf = malloc(n);
	struct frame_tmpl t;
	uint16_t ulen = (uint16_t)(8 + p->len), check;
	bool was_ok;

	if (!buf)
		return;
	frame_tmpl_init(&t, mac, (struct in_addr){ htonl(0xc6120101) },
			(struct in_addr){ htonl(0xef020202) }, htons(40000), htons(6000),
			size & 1);
	FUZZ_ASSERT(frame_build(buf, &t, p, 0, 9, 1) == n);
	memcpy(&check, buf + 10 + 14 + 20 + 6, 2);
	was_ok = !(p->udp[6] | p->udp[7]) || csum_udp4_ok(p->src, p->dst, p->udp, ulen);
	if (check) {
		struct in_addr s, d;

		memcpy(&s, buf + 10 + 14 + 12, 4);
		memcpy(&d, buf + 10 + 14 + 16, 4);
		FUZZ_ASSERT(csum_udp4_ok(s, d, buf + 10 + 14 + 20, ulen) == was_ok);
	}
	free(buf);
	gso_headers(&t, p);
}

struct key6 {
	struct in6_addr g, s;
	uint16_t port;
	int ret;
};

/* dyn_table for IPv6: 34 bytes per entry (group, port, source). */
static void dyn_table6(const struct mcr_pkt *p)
{
	static struct key6 k[DYN_MAX];
	struct mcr_match6 m;
	size_t n, hint;

	if (p->len < 1)
		return;
	n = (size_t)(p->len - 1) / 34;
	if (n > DYN_MAX)
		n = DYN_MAX;
	hint = p->payload[0] % (n + 1);
	if (mcr_match6_init(&m, hint))
		abort();
	for (size_t i = 0; i < n; i++) {
		const uint8_t *e = p->payload + 1 + 34 * i;

		memcpy(&k[i].g, e, 16);
		k[i].port = (uint16_t)(e[16] << 8 | e[17]);
		memcpy(&k[i].s, e + 18, 16);
		k[i].ret = mcr_match6_insert(&m, &k[i].g, k[i].port, &k[i].s, &k[i]);
		FUZZ_ASSERT(k[i].ret == 0 || k[i].ret == -EEXIST || k[i].ret == -ENOSPC ||
			    k[i].ret == -EINVAL);
		FUZZ_ASSERT((k[i].ret == -EINVAL) == (k[i].port == 0));
		FUZZ_ASSERT(m.count <= (m.mask + 1) / 2);
	}
	for (size_t i = 0; i < n; i++) {
		const struct key6 *hit = mcr_match6_lookup(&m, &k[i].g, k[i].port, &k[i].s);

		if (k[i].ret == 0)
			FUZZ_ASSERT(hit == &k[i]);
		if (k[i].ret == -EEXIST)
			FUZZ_ASSERT(hit && hit->ret == 0 && !memcmp(&hit->s, &k[i].s, 16));
		/* Any hit is an inserted entry of this key, or its any-source one. */
		if (hit)
			FUZZ_ASSERT(hit->ret == 0 && !memcmp(&hit->g, &k[i].g, 16) &&
				    hit->port == k[i].port &&
				    (!memcmp(&hit->s, &k[i].s, 16) ||
				     IN6_IS_ADDR_UNSPECIFIED(&hit->s)));
	}
	(void)mcr_match6_lookup(&m, &p->dst6, p->dport, &p->src6);
	mcr_match6_free(&m);
}

/*
 * egress_frame for an IPv6 datagram: its checksum is never absent (the
 * parser drops a zero one), so it is always updated and checked.
 */
static void egress_frame6(const struct mcr_pkt *p, size_t size)
{
	static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 1 };
	size_t n = FRAME_HDR_LEN6 + p->len;
	uint8_t *buf = malloc(n);
	struct frame_tmpl t;
	struct in6_addr sa = A6("2001:db8::1"), g = A6("ff0e::1"), s, d;
	uint16_t ulen = (uint16_t)(8 + p->len), check;
	bool was_ok;

	if (!buf)
		return;
	frame_tmpl_init6(&t, mac, &sa, &g, htons(40000), htons(6000), size & 1);
	FUZZ_ASSERT(frame_build(buf, &t, p, 0, 9, 1) == n);
	memcpy(&check, buf + 10 + 14 + 40 + 6, 2);
	FUZZ_ASSERT(check);
	was_ok = csum_udp6_ok(&p->src6, &p->dst6, p->udp, ulen);
	memcpy(&s, buf + 10 + 14 + 8, 16);
	memcpy(&d, buf + 10 + 14 + 24, 16);
	FUZZ_ASSERT(csum_udp6_ok(&s, &d, buf + 10 + 14 + 40, ulen) == was_ok);
	free(buf);
	gso_headers(&t, p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *f = malloc(size ? size : 1);
	struct mcr_pkt p;
	enum mcr_drop d;
	void *v;

	if (!f)
		return 0;
	memcpy(f, data, size);
	memset(&p, 0, sizeof(p));
	d = mcr_parse_frame(f, size, &p);
	FUZZ_ASSERT((unsigned)d < MCR_DROP__MAX && d != MCR_DROP_NO_RULE &&
		    d != MCR_DROP_NO_TX_SLOT && d != MCR_DROP_SOCKET_QUEUE &&
		    d != MCR_DROP_BAD_UDP_CHECKSUM && d != MCR_DROP_TTL_EXPIRED && d != MCR_DROP_LOOP);
	FUZZ_ASSERT(strcmp(mcr_drop_name(d), "unknown"));
	if (d == MCR_DROP_NONE && p.family == AF_INET6) {
		/* Behind the fixed header and any extension headers; never a zero checksum. */
		FUZZ_ASSERT(p.payload >= f + 14 + 40 + 8);
		FUZZ_ASSERT(p.payload + p.len <= f + size);
		FUZZ_ASSERT(p.udp[6] | p.udp[7]);
		FUZZ_ASSERT(p.vlan <= 0x0fff);
		v = mcr_match6_lookup(&fixed6, &p.dst6, p.dport, &p.src6);
		FUZZ_ASSERT(!v || (v >= (void *)fixed6_val && v < (void *)(fixed6_val + 8)));
		dyn_table6(&p);
		egress_frame6(&p, size);
	} else if (d == MCR_DROP_NONE) {
		FUZZ_ASSERT(p.family == AF_INET);
		/* The payload lies inside the frame, behind all the headers. */
		FUZZ_ASSERT(p.payload >= f + 14 + 20 + 8);
		FUZZ_ASSERT(p.payload + p.len <= f + size);
		FUZZ_ASSERT(p.vlan <= 0x0fff);
		v = mcr_match_lookup(&fixed, p.dst, p.dport, p.src);
		FUZZ_ASSERT(!v || (v >= (void *)fixed_val && v < (void *)(fixed_val + 8)));
		dyn_table(&p);
		egress_frame(&p, size);
	}
	free(f);
	return 0;
}
