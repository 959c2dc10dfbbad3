/*
 * Filter layout, per link-layer variant (untagged at 14, 802.1Q at 18),
 * with IPv6 keys after a jump on ethertype 0x86dd to their blocks (as
 * emit_group6 says):
 *
 *     ld  [B+16]                      ; destination address
 *     jeq #G1, 0, len(block1)         ; one block per group
 *       block1: fragment? accept; not UDP? reject; X = IHL;
 *               ldh [x+B+2]; jeq #P1..Pn -> accept; reject
 *     ...
 *     ret #0
 *
 * Classic BPF jumps are 8-bit, so each block stays short and the two
 * variants are joined with a 32-bit `ja`.
 */
#include "filter.h"

#include <errno.h>
#include <linux/if_packet.h>
#include <stdlib.h>
#include <string.h>

#define SNAP           0x40000u
#define MAX_PORTS_BLK  200    /* keeps every in-block jump under 256 */
#define ETHERTYPE_IP   0x0800
#define ETHERTYPE_VLAN 0x8100
#define ETHERTYPE_IPV6 0x86dd

struct prog {
	struct sock_filter *v;
	size_t n, cap;
};

static void emit(struct prog *p, uint16_t code, uint8_t jt, uint8_t jf, uint32_t k)
{
	if (p->n < p->cap)
		p->v[p->n] = (struct sock_filter)BPF_JUMP(code, k, jt, jf);
	p->n++;
}

/* By family (IPv4 first), group, port: each group's keys in one run. */
static int cmp_key(const void *a, const void *b)
{
	const struct filter_key *x = a, *y = b;
	int c = mcr_addr_cmp(x->group, y->group);

	return c ? c : (int)x->port - (int)y->port;
}

static uint32_t word6(const struct filter_key *k, unsigned i)
{
	uint32_t w;

	memcpy(&w, k->group.v6.s6_addr + 4 * i, 4);
	return ntohl(w);
}

/* One group's block: keys[0..n) share the group; ports are distinct. */
static void emit_group(struct prog *p, unsigned b, const struct filter_key *k, size_t n)
{
	uint8_t blk = (uint8_t)(8 + n); /* instructions after the group test */

	emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, blk, ntohl(k[0].group.v4.s_addr));
	emit(p, BPF_LD | BPF_H | BPF_ABS, 0, 0, b + 6);
	emit(p, BPF_JMP | BPF_JSET | BPF_K, (uint8_t)(4 + n + 1), 0, 0x3fff);
	emit(p, BPF_LD | BPF_B | BPF_ABS, 0, 0, b + 9);
	emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, (uint8_t)(2 + n), IPPROTO_UDP);
	emit(p, BPF_LDX | BPF_B | BPF_MSH, 0, 0, b);
	emit(p, BPF_LD | BPF_H | BPF_IND, 0, 0, b + 2);
	for (size_t i = 0; i < n; i++)
		emit(p, BPF_JMP | BPF_JEQ | BPF_K, (uint8_t)(n - i), 0, k[i].port);
	emit(p, BPF_RET | BPF_K, 0, 0, 0);
	emit(p, BPF_RET | BPF_K, 0, 0, SNAP);
}

/* The IPv4 part for a network header at offset b; A is not assumed. */
static void emit_ip(struct prog *p, unsigned b, const struct filter_key *k, size_t n, int exact)
{
	emit(p, BPF_LD | BPF_W | BPF_ABS, 0, 0, b + 16);
	if (!exact) {
		/* 224.0.0.0/4: (dst & 0xf0000000) == 0xe0000000 */
		emit(p, BPF_ALU | BPF_AND | BPF_K, 0, 0, 0xf0000000u);
		emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0xe0000000u);
		emit(p, BPF_RET | BPF_K, 0, 0, SNAP);
		emit(p, BPF_RET | BPF_K, 0, 0, 0);
		return;
	}
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i; j < n && mcr_addr_equal(k[j].group, k[i].group); j++)
			;
		emit_group(p, b, &k[i], j - i);
	}
	emit(p, BPF_RET | BPF_K, 0, 0, 0);
}

/*
 * One IPv6 group's block (18 + n instructions): the destination's four
 * words, then UDP to one of the ports, or an extension header first
 * (hop-by-hop, routing, fragment, destination options), accepted.
 */
static void emit_group6(struct prog *p, unsigned b, const struct filter_key *k, size_t n)
{
	static const uint8_t ext[4] = { 0, 43, 44, 60 };
	unsigned acc = 17 + (unsigned)n, next = 18 + (unsigned)n, at = 0;

	for (unsigned i = 0; i < 4; i++, at += 2) {
		emit(p, BPF_LD | BPF_W | BPF_ABS, 0, 0, b + 24 + 4 * i);
		emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, (uint8_t)(next - at - 2), word6(k, i));
	}
	emit(p, BPF_LD | BPF_B | BPF_ABS, 0, 0, b + 6);                       /* 8 */
	emit(p, BPF_JMP | BPF_JEQ | BPF_K, 5, 0, IPPROTO_UDP);               /* 9 */
	for (unsigned i = 0; i < 4; i++)                                      /* 10..13 */
		emit(p, BPF_JMP | BPF_JEQ | BPF_K, (uint8_t)(acc - 11 - i), 0, ext[i]);
	emit(p, BPF_RET | BPF_K, 0, 0, 0);                                    /* 14 */
	emit(p, BPF_LD | BPF_H | BPF_ABS, 0, 0, b + 40 + 2);                  /* 15 */
	for (size_t i = 0; i < n; i++)
		emit(p, BPF_JMP | BPF_JEQ | BPF_K, (uint8_t)(n - i), 0, k[i].port);
	emit(p, BPF_RET | BPF_K, 0, 0, 0);
	emit(p, BPF_RET | BPF_K, 0, 0, SNAP);
}

/* The IPv6 part for a network header at offset b. */
static void emit_ip6(struct prog *p, unsigned b, const struct filter_key *k, size_t n, int exact)
{
	if (!exact) {
		/* ff00::/8 */
		emit(p, BPF_LD | BPF_B | BPF_ABS, 0, 0, b + 24);
		emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, 0xff);
		emit(p, BPF_RET | BPF_K, 0, 0, SNAP);
		emit(p, BPF_RET | BPF_K, 0, 0, 0);
		return;
	}
	for (size_t i = 0, j; i < n; i = j) {
		for (j = i; j < n && mcr_addr_equal(k[j].group, k[i].group); j++)
			;
		emit_group6(p, b, &k[i], j - i);
	}
	emit(p, BPF_RET | BPF_K, 0, 0, 0);
}

/*
 * The network part for offset b, A holding the ethertype: IPv4 as before,
 * and with IPv6 keys (n6) a branch to their part first.  Keys k[0..n4) are
 * IPv4, k[n4..n4 + n6) IPv6.
 */
static void emit_net(struct prog *p, unsigned b, const struct filter_key *k, size_t n4, size_t n6,
		     int exact)
{
	size_t ja_at = 0;

	if (n6) {
		emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, ETHERTYPE_IPV6);
		ja_at = p->n;
		emit(p, BPF_JMP | BPF_JA, 0, 0, 0); /* patched below */
	}
	emit(p, BPF_JMP | BPF_JEQ | BPF_K, 1, 0, ETHERTYPE_IP);
	emit(p, BPF_RET | BPF_K, 0, 0, 0);
	emit_ip(p, b, k, n4, exact);
	if (!n6)
		return;
	if (ja_at < p->cap)
		p->v[ja_at].k = (uint32_t)(p->n - ja_at - 1);
	emit_ip6(p, b, k + n4, n6, exact);
}

/*
 * A frame of a VLAN with no interface here still reaches the parent
 * interface's sockets: the kernel strips and forgets its tag and only marks
 * it PACKET_OTHERHOST.  Drop those (and unicast frames for other hosts seen
 * in promiscuous mode), so a rule on eth0 never relays another VLAN's traffic.
 */
static void emit_host_guard(struct prog *p)
{
	emit(p, BPF_LD | BPF_W | BPF_ABS, 0, 0, (uint32_t)(SKF_AD_OFF + SKF_AD_PKTTYPE));
	emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, 1, PACKET_OTHERHOST);
	emit(p, BPF_RET | BPF_K, 0, 0, 0);
}

static void emit_all(struct prog *p, const struct filter_key *k, size_t n4, size_t n6, int exact)
{
	size_t ja_at;

	emit_host_guard(p);
	emit(p, BPF_LD | BPF_H | BPF_ABS, 0, 0, 12);
	emit(p, BPF_JMP | BPF_JEQ | BPF_K, 1, 0, ETHERTYPE_VLAN);
	ja_at = p->n;
	emit(p, BPF_JMP | BPF_JA, 0, 0, 0); /* patched below */
	emit(p, BPF_LD | BPF_H | BPF_ABS, 0, 0, 16);
	emit_net(p, 18, k, n4, n6, exact);
	if (ja_at < p->cap)
		p->v[ja_at].k = (uint32_t)(p->n - ja_at - 1);
	/* A still holds the ethertype read at offset 12. */
	emit_net(p, 14, k, n4, n6, exact);
}

static int fits(const struct filter_key *k, size_t n)
{
	size_t run = 0;

	for (size_t i = 0; i < n; i++) {
		run = (i && mcr_addr_equal(k[i].group, k[i - 1].group)) ? run + 1 : 1;
		if (run > MAX_PORTS_BLK)
			return 0;
	}
	return 1;
}

int filter_build(const struct filter_key *keys, size_t n, struct sock_fprog *fp, int *exact)
{
	struct filter_key *k = NULL;
	struct prog p = { 0 };
	size_t m = 0, n4 = 0;

	if (n) {
		k = malloc(n * sizeof(*k));
		if (!k)
			return -ENOMEM;
		memcpy(k, keys, n * sizeof(*k));
		qsort(k, n, sizeof(*k), cmp_key);
		for (size_t i = 0; i < n; i++) /* drop duplicate (group, port) */
			if (!m || cmp_key(&k[m - 1], &k[i]))
				k[m++] = k[i];
	}
	while (n4 < m && !mcr_addr_is6(k[n4].group)) /* sorted: IPv4 first */
		n4++;
	*exact = fits(k, m);
	emit_all(&p, k, n4, m - n4, *exact); /* dry run: count */
	if (*exact && p.n > BPF_MAXINSNS) {
		*exact = 0;
		p.n = 0;
		emit_all(&p, k, n4, m - n4, 0);
	}
	p.cap = p.n;
	p.v = calloc(p.cap, sizeof(*p.v));
	if (!p.v) {
		free(k);
		return -ENOMEM;
	}
	p.n = 0;
	emit_all(&p, k, n4, m - n4, *exact);
	free(k);
	fp->filter = p.v;
	fp->len = (unsigned short)p.n;
	return 0;
}

int filter_build_coarse(struct sock_fprog *fp, bool with6)
{
	struct prog p = { 0 };

	/* Coarse: the key count only says whether there is an IPv6 part. */
	emit_all(&p, NULL, 0, with6, 0);
	p.cap = p.n;
	p.v = calloc(p.cap, sizeof(*p.v));
	if (!p.v)
		return -ENOMEM;
	p.n = 0;
	emit_all(&p, NULL, 0, with6, 0);
	fp->filter = p.v;
	fp->len = (unsigned short)p.n;
	return 0;
}
