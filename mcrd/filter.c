/*
 * Filter layout, per link-layer variant (untagged at 14, 802.1Q at 18):
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

static int cmp_key(const void *a, const void *b)
{
	const struct filter_key *x = a, *y = b;

	if (x->group.s_addr != y->group.s_addr)
		return x->group.s_addr < y->group.s_addr ? -1 : 1;
	return (int)x->port - (int)y->port;
}

/* One group's block: keys[0..n) share the group; ports are distinct. */
static void emit_group(struct prog *p, unsigned b, const struct filter_key *k, size_t n)
{
	uint8_t blk = (uint8_t)(8 + n); /* instructions after the group test */

	emit(p, BPF_JMP | BPF_JEQ | BPF_K, 0, blk, ntohl(k[0].group.s_addr));
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
		for (j = i; j < n && k[j].group.s_addr == k[i].group.s_addr; j++)
			;
		emit_group(p, b, &k[i], j - i);
	}
	emit(p, BPF_RET | BPF_K, 0, 0, 0);
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

static void emit_all(struct prog *p, const struct filter_key *k, size_t n, int exact)
{
	size_t ja_at;

	emit_host_guard(p);
	emit(p, BPF_LD | BPF_H | BPF_ABS, 0, 0, 12);
	emit(p, BPF_JMP | BPF_JEQ | BPF_K, 1, 0, ETHERTYPE_VLAN);
	ja_at = p->n;
	emit(p, BPF_JMP | BPF_JA, 0, 0, 0); /* patched below */
	emit(p, BPF_LD | BPF_H | BPF_ABS, 0, 0, 16);
	emit(p, BPF_JMP | BPF_JEQ | BPF_K, 1, 0, ETHERTYPE_IP);
	emit(p, BPF_RET | BPF_K, 0, 0, 0);
	emit_ip(p, 18, k, n, exact);
	if (ja_at < p->cap)
		p->v[ja_at].k = (uint32_t)(p->n - ja_at - 1);
	/* A still holds the ethertype read at offset 12. */
	emit(p, BPF_JMP | BPF_JEQ | BPF_K, 1, 0, ETHERTYPE_IP);
	emit(p, BPF_RET | BPF_K, 0, 0, 0);
	emit_ip(p, 14, k, n, exact);
}

static int fits(const struct filter_key *k, size_t n)
{
	size_t run = 0;

	for (size_t i = 0; i < n; i++) {
		run = (i && k[i].group.s_addr == k[i - 1].group.s_addr) ? run + 1 : 1;
		if (run > MAX_PORTS_BLK)
			return 0;
	}
	return 1;
}

int filter_build(const struct filter_key *keys, size_t n, struct sock_fprog *fp, int *exact)
{
	struct filter_key *k = NULL;
	struct prog p = { 0 };
	size_t m = 0;

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
	*exact = fits(k, m);
	emit_all(&p, k, m, *exact); /* dry run: count */
	if (*exact && p.n > BPF_MAXINSNS) {
		*exact = 0;
		p.n = 0;
		emit_all(&p, k, m, 0);
	}
	p.cap = p.n;
	p.v = calloc(p.cap, sizeof(*p.v));
	if (!p.v) {
		free(k);
		return -ENOMEM;
	}
	p.n = 0;
	emit_all(&p, k, m, *exact);
	free(k);
	fp->filter = p.v;
	fp->len = (unsigned short)p.n;
	return 0;
}

int filter_build_coarse(struct sock_fprog *fp)
{
	struct prog p = { 0 };

	emit_all(&p, NULL, 0, 0);
	p.cap = p.n;
	p.v = calloc(p.cap, sizeof(*p.v));
	if (!p.v)
		return -ENOMEM;
	p.n = 0;
	emit_all(&p, NULL, 0, 0);
	fp->filter = p.v;
	fp->len = (unsigned short)p.n;
	return 0;
}
