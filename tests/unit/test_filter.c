/*
 * filter_build(): the classic BPF program of an ingress socket, run here on
 * hand-built frames by a small interpreter with the kernel's semantics, and
 * checked the way the kernel checks a program before attaching it.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <linux/if_packet.h>

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../mcrd/filter.h"
#include "frames.h"
#include "packet.h"

/* ---- a classic BPF interpreter ---- */

static uint32_t load_bytes(const uint8_t *p, unsigned size)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < size; i++)
		v = v << 8 | p[i];
	return v;
}

/*
 * Runs the program over len bytes of pkt; returns its verdict (0: drop,
 * else how many bytes to keep).  A load outside the packet ends the program
 * with 0, as in the kernel.
 */
/* Ancillary data the kernel supplies: the packet type (PACKET_*). */
static uint32_t anc_pkttype = PACKET_MULTICAST;

static uint32_t ancillary(uint32_t k)
{
	switch ((int32_t)k - SKF_AD_OFF) {
	case SKF_AD_PKTTYPE:
		return anc_pkttype;
	}
	fail_msg("unexpected ancillary load at k=0x%x", k);
	return 0;
}

static uint32_t bpf_run(const struct sock_fprog *fp, const uint8_t *pkt, uint32_t len)
{
	uint32_t A = 0, X = 0, M[BPF_MEMWORDS] = { 0 };

	for (uint32_t pc = 0; pc < fp->len; pc++) {
		const struct sock_filter *f = &fp->filter[pc];
		uint32_t k = f->k, src = BPF_SRC(f->code) == BPF_X ? X : k;
		uint64_t off;
		unsigned size;
		bool cond = false;

		switch (BPF_CLASS(f->code)) {
		case BPF_LD:
		case BPF_LDX:
			switch (BPF_MODE(f->code)) {
			case BPF_ABS:
			case BPF_IND:
				assert_int_equal(BPF_CLASS(f->code), BPF_LD);
				size = BPF_SIZE(f->code) == BPF_W ? 4 : BPF_SIZE(f->code) == BPF_H ? 2 : 1;
				if (BPF_MODE(f->code) == BPF_ABS && k >= (uint32_t)SKF_AD_OFF) {
					A = ancillary(k);
					break;
				}
				off = (uint64_t)k + (BPF_MODE(f->code) == BPF_IND ? X : 0);
				if (off + size > len)
					return 0;
				A = load_bytes(pkt + off, size);
				break;
			case BPF_MSH:
				assert_int_equal(f->code, BPF_LDX | BPF_B | BPF_MSH);
				if (k >= len)
					return 0;
				X = 4u * (pkt[k] & 0x0f);
				break;
			case BPF_IMM:
			case BPF_MEM:
			case BPF_LEN: {
				uint32_t v = BPF_MODE(f->code) == BPF_IMM ? k
					     : BPF_MODE(f->code) == BPF_MEM ? M[k]
									  : len;

				if (BPF_CLASS(f->code) == BPF_LD)
					A = v;
				else
					X = v;
				break;
			}
			default:
				fail_msg("pc %u: bad load mode 0x%x", pc, f->code);
			}
			break;
		case BPF_ST:
			M[k] = A;
			break;
		case BPF_STX:
			M[k] = X;
			break;
		case BPF_ALU:
			switch (BPF_OP(f->code)) {
			case BPF_ADD: A += src; break;
			case BPF_SUB: A -= src; break;
			case BPF_MUL: A *= src; break;
			case BPF_DIV:
				if (!src)
					return 0;
				A /= src;
				break;
			case BPF_MOD:
				if (!src)
					return 0;
				A %= src;
				break;
			case BPF_OR: A |= src; break;
			case BPF_AND: A &= src; break;
			case BPF_XOR: A ^= src; break;
			case BPF_LSH: A = src < 32 ? A << src : 0; break;
			case BPF_RSH: A = src < 32 ? A >> src : 0; break;
			case BPF_NEG: A = 0u - A; break;
			default: fail_msg("pc %u: bad ALU op 0x%x", pc, f->code);
			}
			break;
		case BPF_JMP:
			if (BPF_OP(f->code) == BPF_JA) {
				pc += k;
				break;
			}
			switch (BPF_OP(f->code)) {
			case BPF_JEQ: cond = A == src; break;
			case BPF_JGT: cond = A > src; break;
			case BPF_JGE: cond = A >= src; break;
			case BPF_JSET: cond = (A & src) != 0; break;
			default: fail_msg("pc %u: bad jump 0x%x", pc, f->code);
			}
			pc += cond ? f->jt : f->jf;
			break;
		case BPF_RET:
			return BPF_RVAL(f->code) == BPF_A ? A : k;
		case BPF_MISC:
			if (BPF_MISCOP(f->code) == BPF_TAX)
				X = A;
			else
				A = X;
			break;
		}
	}
	fail_msg("ran off the end of the program");
	return 0;
}

/* What the kernel's bpf_check_classic() requires, and that the loads are plain. */
static void bpf_validate(const struct sock_fprog *fp)
{
	assert_non_null(fp->filter);
	assert_in_range(fp->len, 1, BPF_MAXINSNS);
	for (uint32_t pc = 0; pc < fp->len; pc++) {
		const struct sock_filter *f = &fp->filter[pc];
		uint32_t rest = fp->len - pc - 1; /* instructions after this one */

		switch (BPF_CLASS(f->code)) {
		case BPF_LD:
		case BPF_LDX:
			if (BPF_MODE(f->code) == BPF_MEM)
				assert_true(f->k < BPF_MEMWORDS);
			/* Only the packet-type ancillary load; nothing at or below SKF_LL_OFF. */
			if (BPF_MODE(f->code) == BPF_ABS && f->k >= (uint32_t)SKF_AD_OFF)
				assert_true(f->k == (uint32_t)(SKF_AD_OFF + SKF_AD_PKTTYPE));
			else if (BPF_MODE(f->code) == BPF_ABS || BPF_MODE(f->code) == BPF_IND)
				assert_true(f->k < (uint32_t)SKF_LL_OFF);
			break;
		case BPF_ST:
		case BPF_STX:
			assert_true(f->k < BPF_MEMWORDS);
			break;
		case BPF_ALU:
			if ((BPF_OP(f->code) == BPF_DIV || BPF_OP(f->code) == BPF_MOD) &&
			    BPF_SRC(f->code) == BPF_K)
				assert_int_not_equal(f->k, 0);
			break;
		case BPF_JMP:
			if (BPF_OP(f->code) == BPF_JA) {
				if (f->k >= rest)
					fail_msg("pc %u: ja +%u leaves the program of %u", pc, f->k,
						 fp->len);
			} else if (f->jt >= rest || f->jf >= rest) {
				fail_msg("pc %u: jump +%u/+%u leaves the program of %u", pc, f->jt,
					 f->jf, fp->len);
			}
			break;
		case BPF_RET:
		case BPF_MISC:
			break;
		}
	}
	assert_int_equal(BPF_CLASS(fp->filter[fp->len - 1].code), BPF_RET);
}

/*
 * The kernel's own check (bpf_check_classic): attaching to a UDP socket
 * needs no privilege.  ENOMEM is not about the program's structure: the
 * kernel charges the program, after converting it to eBPF, against
 * net.core.optmem_max (20 KiB by default before Linux 6.9), which a large
 * exact program can exceed; so only other refusals fail the test.
 */
static void kernel_accepts(const struct sock_fprog *fp)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0)
		return; /* no sockets here: the checks above still apply */
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, fp, sizeof(*fp)) < 0 && errno != ENOMEM)
		fail_msg("the kernel refuses the program (%u instructions): %s", fp->len,
			 strerror(errno));
	close(fd);
}

/* ---- helpers ---- */

static struct filter_key K(const char *group, uint16_t port)
{
	struct filter_key k;

	assert_int_equal(mcr_addr_parse(group, &k.group), 0);
	k.port = port;
	return k;
}

/* filter_build() and every structural check; the caller frees fp->filter. */
static void build(const struct filter_key *keys, size_t n, struct sock_fprog *fp, int *exact)
{
	*exact = -1;
	assert_int_equal(filter_build(keys, n, fp, exact), 0);
	assert_true(*exact == 0 || *exact == 1);
	bpf_validate(fp);
	kernel_accepts(fp);
}

/* Verdict for a frame to group:port (IHL 5, 16 bytes of payload). */
static uint32_t verdict(const struct sock_fprog *fp, int vlan, const char *group, uint16_t port)
{
	uint8_t f[FRAME_MAX];
	size_t n = build_udp_frame(f, vlan, 5, group, port, 16);

	return bpf_run(fp, f, (uint32_t)n);
}

/* Accepted, and the whole frame kept (any UDP datagram fits). */
#define assert_accepted(v) assert_true((v) >= 0xffffu)
#define assert_rejected(v) assert_int_equal((v), 0)

static const int vlans[] = { NO_VLAN, 100 };

/* Three keys on two groups; a frame to any other pair must not pass. */
static const char *const G1 = "239.1.1.1", *const G2 = "239.2.2.2";

static void build_basic(struct sock_fprog *fp)
{
	const struct filter_key keys[] = { K(G2, 6000), K(G1, 5002), K(G1, 5001) };
	int exact;

	build(keys, 3, fp, &exact);
	assert_int_equal(exact, 1);
}

/* ---- exact filtering ---- */

static void test_rule_traffic_accepted(void **state)
{
	struct sock_fprog fp;

	(void)state;
	build_basic(&fp);
	for (size_t v = 0; v < 2; v++) {
		assert_accepted(verdict(&fp, vlans[v], G1, 5001));
		assert_accepted(verdict(&fp, vlans[v], G1, 5002));
		assert_accepted(verdict(&fp, vlans[v], G2, 6000));
	}
	/* VID 0 (priority tag) and the largest VID. */
	assert_accepted(verdict(&fp, 0, G1, 5001));
	assert_accepted(verdict(&fp, 0xefff, G2, 6000));
	free(fp.filter);
}

/*
 * Frames the kernel marks PACKET_OTHERHOST (a VLAN without an interface
 * here, or another host's unicast in promiscuous mode) are rejected.
 */
static void test_otherhost_rejected(void **state)
{
	struct sock_fprog fp;

	(void)state;
	build_basic(&fp);
	anc_pkttype = PACKET_OTHERHOST;
	assert_int_equal(verdict(&fp, -1, G1, 5001), 0);
	assert_int_equal(verdict(&fp, 100, G1, 5001), 0);
	anc_pkttype = PACKET_HOST;
	assert_accepted(verdict(&fp, -1, G1, 5001));
	anc_pkttype = PACKET_MULTICAST;
	assert_accepted(verdict(&fp, -1, G1, 5001));
	free(fp.filter);
}

static void test_other_traffic_rejected(void **state)
{
	struct sock_fprog fp;

	(void)state;
	build_basic(&fp);
	for (size_t v = 0; v < 2; v++) {
		int vl = vlans[v];

		assert_rejected(verdict(&fp, vl, G1, 5003)); /* same group, other port */
		assert_rejected(verdict(&fp, vl, G1, 5000));
		assert_rejected(verdict(&fp, vl, G1, 6000)); /* the other group's port */
		assert_rejected(verdict(&fp, vl, G2, 5001));
		assert_rejected(verdict(&fp, vl, "239.1.1.2", 5001)); /* other group */
		assert_rejected(verdict(&fp, vl, "239.3.3.3", 6000));
		assert_rejected(verdict(&fp, vl, "1.1.1.239", 5001)); /* byte-swapped group */
		assert_rejected(verdict(&fp, vl, "10.0.0.1", 5001));  /* unicast */
		assert_rejected(verdict(&fp, vl, G1, 0x8913));        /* byte-swapped port */
	}
	free(fp.filter);
}

static void test_not_udp_rejected(void **state)
{
	const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_ICMP, IPPROTO_IGMP, IPPROTO_RAW };
	struct sock_fprog fp;
	uint8_t f[FRAME_MAX];

	(void)state;
	build_basic(&fp);
	for (size_t v = 0; v < 2; v++) {
		for (size_t i = 0; i < sizeof(protos); i++) {
			/* The destination port sits where TCP's does. */
			size_t n = build_udp_frame(f, vlans[v], 5, G1, 5001, 20);

			frame_ip(f)[9] = protos[i];
			assert_rejected(bpf_run(&fp, f, (uint32_t)n));
		}
	}
	free(fp.filter);
}

static void test_fragments_accepted(void **state)
{
	const uint16_t frag[] = { 0x2000, 0x2000 | 185, 185, 0x1fff };
	struct sock_fprog fp;
	uint8_t f[FRAME_MAX];

	(void)state;
	build_basic(&fp);
	for (size_t v = 0; v < 2; v++) {
		for (size_t i = 0; i < sizeof(frag) / sizeof(frag[0]); i++) {
			/* Later fragments carry no UDP header: any port, any protocol. */
			size_t n = build_udp_frame(f, vlans[v], 5, G2, 1234, 20);

			put16(frame_ip(f) + 6, frag[i]);
			assert_accepted(bpf_run(&fp, f, (uint32_t)n));
			frame_ip(f)[9] = IPPROTO_TCP;
			assert_accepted(bpf_run(&fp, f, (uint32_t)n));
			/* Not to a rule's group: rejected. */
			n = build_udp_frame(f, vlans[v], 5, "239.9.9.9", 6000, 20);
			put16(frame_ip(f) + 6, frag[i]);
			assert_rejected(bpf_run(&fp, f, (uint32_t)n));
		}
		/* DF is not a fragment: the port is still checked. */
		size_t n = build_udp_frame(f, vlans[v], 5, G2, 1234, 20);

		put16(frame_ip(f) + 6, 0x4000);
		assert_rejected(bpf_run(&fp, f, (uint32_t)n));
	}
	free(fp.filter);
}

static void test_ip_options(void **state)
{
	struct sock_fprog fp;
	uint8_t f[FRAME_MAX];

	(void)state;
	build_basic(&fp);
	for (size_t v = 0; v < 2; v++) {
		for (unsigned ihl = 6; ihl <= 15; ihl++) {
			size_t n = build_udp_frame(f, vlans[v], ihl, G1, 5002, 8);

			assert_accepted(bpf_run(&fp, f, (uint32_t)n));
			/*
			 * A port that is not a rule's, with a rule's port where
			 * it would be without options: still rejected.
			 */
			n = build_udp_frame(f, vlans[v], ihl, G1, 7000, 8);
			put16(frame_ip(f) + 20 + 2, 5001);
			assert_rejected(bpf_run(&fp, f, (uint32_t)n));
		}
	}
	free(fp.filter);
}

static void test_non_ip_rejected(void **state)
{
	const uint16_t types[] = { ETHERTYPE_ARP, ETHERTYPE_IPV6, 0x88a8, ETHERTYPE_8021Q, 0x0000,
				   0x0801 };
	struct sock_fprog fp;
	uint8_t f[FRAME_MAX];

	(void)state;
	build_basic(&fp);
	for (size_t v = 0; v < 2; v++) {
		for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
			/* Everything after the ethertype is a matching datagram. */
			size_t n = build_udp_frame(f, vlans[v], 5, G1, 5001, 20);

			frame_set_ethertype(f, types[i]);
			assert_rejected(bpf_run(&fp, f, (uint32_t)n));
		}
	}
	free(fp.filter);
}

static void test_truncated_rejected(void **state)
{
	struct sock_fprog fp;
	uint8_t f[FRAME_MAX];

	(void)state;
	build_basic(&fp);
	for (size_t v = 0; v < 2; v++) {
		for (unsigned ihl = 5; ihl <= 15; ihl += 5) {
			size_t n = build_udp_frame(f, vlans[v], ihl, G1, 5001, 100);
			/* Up to the end of the destination port the answer is unknown. */
			size_t need = frame_l3(f) + ihl * 4 + 4;

			for (size_t cap = 0; cap < need; cap++)
				if (bpf_run(&fp, f, (uint32_t)cap))
					fail_msg("%zu of %zu bytes accepted", cap, n);
			for (size_t cap = need; cap <= n; cap++)
				assert_accepted(bpf_run(&fp, f, (uint32_t)cap));
		}
		/* A fragment cut before its flags. */
		size_t n = build_udp_frame(f, vlans[v], 5, G1, 5001, 100);

		put16(frame_ip(f) + 6, 0x2000);
		for (size_t cap = 0; cap < frame_l3(f) + 8; cap++)
			assert_rejected(bpf_run(&fp, f, (uint32_t)cap));
		assert_accepted(bpf_run(&fp, f, (uint32_t)n));
	}
	free(fp.filter);
}

static void test_empty_key_set(void **state)
{
	struct sock_fprog fp;
	int exact;

	(void)state;
	build(NULL, 0, &fp, &exact);
	assert_int_equal(exact, 1);
	assert_rejected(verdict(&fp, NO_VLAN, G1, 5001));
	assert_rejected(verdict(&fp, 5, "224.0.0.1", 1));
	free(fp.filter);
}

/*
 * Which drop reason a malformed frame to a rule's (group, port) reaches:
 * none when the filter discards it in the kernel (counted nowhere), else
 * what the parser says.  mcrd(8), COUNTERS, documents this table.
 */
enum { CUT_DST = 1, CUT_PORT, TCP, IHL4, IHL4_FRAG, VERSION6, IPV6_TYPE };

static enum mcr_drop counted_as(const struct sock_fprog *fp, int vlan, int kind)
{
	uint8_t f[FRAME_MAX];
	size_t n = build_udp_frame(f, vlan, 5, G1, 5001, 100);
	struct mcr_pkt p;

	switch (kind) {
	case CUT_DST: n = frame_l3(f) + 12; break;
	case CUT_PORT: n = frame_l3(f) + 20 + 2; break;
	case TCP: frame_ip(f)[9] = IPPROTO_TCP; break;
	case IHL4: frame_ip(f)[0] = 0x44; break;
	case IHL4_FRAG:
		frame_ip(f)[0] = 0x44;
		put16(frame_ip(f) + 6, 0x2000);
		break;
	case VERSION6: frame_ip(f)[0] = 0x65; break;
	case IPV6_TYPE: frame_set_ethertype(f, ETHERTYPE_IPV6); break;
	}
	if (!bpf_run(fp, f, (uint32_t)n))
		return MCR_DROP__MAX; /* discarded in the kernel */
	return mcr_parse_frame(f, n, &p);
}

static void test_malformed_counted_as(void **state)
{
	struct sock_fprog exact, coarse;

	(void)state;
	build_basic(&exact);
	assert_int_equal(filter_build_coarse(&coarse, false), 0);
	for (size_t v = 0; v < 2; v++) {
		/* The exact filter: counted only what it cannot tell from good traffic. */
		assert_int_equal(counted_as(&exact, vlans[v], CUT_DST), MCR_DROP__MAX);
		assert_int_equal(counted_as(&exact, vlans[v], CUT_PORT), MCR_DROP__MAX);
		assert_int_equal(counted_as(&exact, vlans[v], TCP), MCR_DROP__MAX);
		assert_int_equal(counted_as(&exact, vlans[v], IHL4), MCR_DROP__MAX);
		assert_int_equal(counted_as(&exact, vlans[v], IHL4_FRAG), MCR_DROP_BAD_IP_HEADER);
		assert_int_equal(counted_as(&exact, vlans[v], VERSION6), MCR_DROP_NOT_IPV4);
		assert_int_equal(counted_as(&exact, vlans[v], IPV6_TYPE), MCR_DROP__MAX);
		/* The all-multicast fallback passes whatever shows a multicast destination. */
		assert_int_equal(counted_as(&coarse, vlans[v], CUT_DST), MCR_DROP__MAX);
		assert_int_equal(counted_as(&coarse, vlans[v], CUT_PORT), MCR_DROP_BAD_IP_LENGTH);
		assert_int_equal(counted_as(&coarse, vlans[v], TCP), MCR_DROP_NOT_UDP);
		assert_int_equal(counted_as(&coarse, vlans[v], IHL4), MCR_DROP_BAD_IP_HEADER);
		assert_int_equal(counted_as(&coarse, vlans[v], IHL4_FRAG), MCR_DROP_BAD_IP_HEADER);
		assert_int_equal(counted_as(&coarse, vlans[v], VERSION6), MCR_DROP_NOT_IPV4);
		assert_int_equal(counted_as(&coarse, vlans[v], IPV6_TYPE), MCR_DROP__MAX);
	}
	free(exact.filter);
	free(coarse.filter);
}

/* ---- many keys ---- */

static bool has_key(const struct filter_key *keys, size_t n, uint32_t group, uint16_t port)
{
	for (size_t i = 0; i < n; i++)
		if (keys[i].group.v4.s_addr == group && keys[i].port == port)
			return true;
	return false;
}

/*
 * Whatever the size: every key passes; when exact, neighbouring ports and
 * groups do not, and when not, any IPv4 multicast does.  Unicast never.
 */
static void check_semantics(const struct filter_key *keys, size_t n, const struct sock_fprog *fp,
			    int exact)
{
	char g[INET_ADDRSTRLEN], g2[INET_ADDRSTRLEN];

	for (size_t i = 0; i < n; i++) {
		uint32_t other = htonl(ntohl(keys[i].group.v4.s_addr) ^ 0x00800000u);
		uint16_t p2 = (uint16_t)(keys[i].port + 1);

		inet_ntop(AF_INET, &keys[i].group.v4, g, sizeof(g));
		inet_ntop(AF_INET, &other, g2, sizeof(g2));
		for (size_t v = 0; v < 2; v++) {
			assert_accepted(verdict(fp, vlans[v], g, keys[i].port));
			if (!exact) {
				assert_accepted(verdict(fp, vlans[v], g, p2));
				assert_accepted(verdict(fp, vlans[v], g2, keys[i].port));
				continue;
			}
			if (p2 && !has_key(keys, n, keys[i].group.v4.s_addr, p2))
				assert_rejected(verdict(fp, vlans[v], g, p2));
			if (!has_key(keys, n, other, keys[i].port))
				assert_rejected(verdict(fp, vlans[v], g2, keys[i].port));
		}
	}
	for (size_t v = 0; v < 2; v++) {
		assert_rejected(verdict(fp, vlans[v], "10.0.0.1", n ? keys[0].port : 1));
		assert_rejected(verdict(fp, vlans[v], "223.255.255.255", n ? keys[0].port : 1));
		assert_rejected(verdict(fp, vlans[v], "240.0.0.1", n ? keys[0].port : 1));
		assert_rejected(verdict(fp, vlans[v], "255.255.255.255", n ? keys[0].port : 1));
	}
}

static void check_fallback(const struct sock_fprog *fp)
{
	uint8_t f[FRAME_MAX];
	size_t n;

	for (size_t v = 0; v < 2; v++) {
		assert_accepted(verdict(fp, vlans[v], "224.0.0.1", 1));
		assert_accepted(verdict(fp, vlans[v], "239.255.255.255", 65535));
		assert_accepted(verdict(fp, vlans[v], "232.7.7.7", 4242));
		assert_rejected(verdict(fp, vlans[v], "10.0.0.1", 5001));
		assert_rejected(verdict(fp, vlans[v], "223.255.255.255", 5001));
		assert_rejected(verdict(fp, vlans[v], "240.0.0.0", 5001));
		assert_rejected(verdict(fp, vlans[v], "255.255.255.255", 5001));
		n = build_udp_frame(f, vlans[v], 5, "239.1.1.1", 5001, 0);
		frame_set_ethertype(f, ETHERTYPE_ARP);
		assert_rejected(bpf_run(fp, f, (uint32_t)n));
		assert_rejected(bpf_run(fp, f, frame_l3(f) + 19)); /* cut before the address */
	}
}

static void test_many_ports_per_group(void **state)
{
	struct filter_key keys[402];
	struct sock_fprog fp;
	int exact;

	(void)state;
	/* 200 ports on one group (spread, incl. the extremes), plus another group. */
	for (unsigned i = 0; i < 200; i++)
		keys[i] = K(G1, (uint16_t)(i == 0 ? 1 : i == 199 ? 65535 : 1000 + 3 * i));
	keys[200] = K(G2, 6000);
	build(keys, 201, &fp, &exact);
	assert_int_equal(exact, 1);
	check_semantics(keys, 201, &fp, exact);
	for (unsigned i = 1; i < 199; i++) {
		assert_rejected(verdict(&fp, NO_VLAN, G1, (uint16_t)(1000 + 3 * i + 1)));
		assert_rejected(verdict(&fp, 100, G1, (uint16_t)(1000 + 3 * i - 1)));
	}
	free(fp.filter);

	/* Two groups of 200: both exact. */
	for (unsigned i = 0; i < 200; i++)
		keys[200 + i] = K(G2, (uint16_t)(2000 + i));
	build(keys, 400, &fp, &exact);
	assert_int_equal(exact, 1);
	check_semantics(keys, 400, &fp, exact);
	free(fp.filter);

	/* More ports on a group than a block can hold: still correct. */
	keys[400] = K(G2, 3000);
	keys[401] = K(G2, 3001);
	build(keys, 402, &fp, &exact);
	check_semantics(keys, 402, &fp, exact);
	if (!exact)
		check_fallback(&fp);
	free(fp.filter);

	/* Far more ports than an 8-bit jump can skip over. */
	static struct filter_key lots[300];

	for (unsigned i = 0; i < 300; i++)
		lots[i] = K(G1, (uint16_t)(20000 + 2 * i));
	build(lots, 300, &fp, &exact);
	check_semantics(lots, 300, &fp, exact);
	if (!exact)
		check_fallback(&fp);
	free(fp.filter);
}

static void test_many_groups(void **state)
{
	enum { N = 1000 };
	static struct filter_key keys[N];
	struct sock_fprog fp;
	int exact;
	int seen_exact = 0, seen_fallback = 0;

	(void)state;
	for (unsigned i = 0; i < N; i++) {
		/* 239.0.i+1.0 */
		keys[i].group = mcr_addr4((struct in_addr){ htonl(0xef000000u | (i + 1) << 8) });
		keys[i].port = 5001;
	}
	build(keys, N, &fp, &exact);
	if (exact)
		check_semantics(keys, N, &fp, exact);
	else
		check_fallback(&fp);
	free(fp.filter);

	/* Every size up to well past the limit: a valid program, the right answers. */
	for (size_t n = 1; n <= 300; n += n < 190 ? 17 : 1) {
		build(keys, n, &fp, &exact);
		check_semantics(keys, n, &fp, exact);
		if (exact) {
			seen_exact++;
		} else {
			check_fallback(&fp);
			seen_fallback++;
		}
		free(fp.filter);
	}
	/* Both kinds were produced, so both were checked. */
	assert_true(seen_exact > 0);
	assert_true(seen_fallback > 0);

	/* 1000 keys on 5 groups is small enough to stay exact. */
	static const char *const five[] = { "239.0.0.1", "239.0.0.2", "239.0.0.3", "239.0.0.4",
					    "239.0.0.5" };

	for (unsigned i = 0; i < N; i++)
		keys[i] = K(five[i % 5], (uint16_t)(10000 + i / 5));
	build(keys, N, &fp, &exact);
	assert_int_equal(exact, 1);
	check_semantics(keys, N, &fp, exact);
	free(fp.filter);
}

static void test_duplicate_keys(void **state)
{
	enum { N = 1000 };
	static struct filter_key keys[N];
	const struct filter_key uniq[] = { K(G1, 5001), K(G1, 5002), K(G2, 6000) };
	struct sock_fprog fp, fp1;
	int exact, exact1;

	(void)state;
	for (unsigned i = 0; i < N; i++)
		keys[i] = uniq[i % 3];
	build(keys, N, &fp, &exact);
	/* 333 copies of a port would not fit one block: they were merged. */
	assert_int_equal(exact, 1);
	check_semantics(keys, N, &fp, exact);
	assert_rejected(verdict(&fp, NO_VLAN, G1, 6000));
	/* The same program as without the duplicates. */
	build(uniq, 3, &fp1, &exact1);
	assert_int_equal(fp.len, fp1.len);
	assert_memory_equal(fp.filter, fp1.filter, fp.len * sizeof(fp.filter[0]));
	free(fp.filter);
	free(fp1.filter);
}

/* The interpreter itself, on programs with a known answer. */
static void test_interpreter(void **state)
{
	struct sock_filter prog[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_LEN, 0),       /* A = len */
		BPF_STMT(BPF_ST, 3),                         /* M[3] = len */
		BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0),      /* X = 4 * (p[0] & 15) */
		BPF_STMT(BPF_LD | BPF_H | BPF_IND, 0),       /* A = p[X..X+1] */
		BPF_STMT(BPF_ALU | BPF_ADD | BPF_X, 0),      /* A += X */
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x0105, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, 1),
		BPF_STMT(BPF_LD | BPF_MEM, 3),
		BPF_STMT(BPF_RET | BPF_A, 0),
	};
	struct sock_fprog fp = { sizeof(prog) / sizeof(prog[0]), prog };
	uint8_t pkt[8] = { 0x01, 0, 0, 0, 0x01, 0x01, 0, 0 };

	(void)state;
	bpf_validate(&fp);
	assert_int_equal(bpf_run(&fp, pkt, 8), 8);    /* 0x0101 + 4 >= 0x0105 */
	pkt[5] = 0;
	assert_int_equal(bpf_run(&fp, pkt, 8), 1);    /* 0x0100 + 4 < 0x0105 */
	assert_int_equal(bpf_run(&fp, pkt, 5), 0);    /* the halfword is cut */
	assert_int_equal(bpf_run(&fp, pkt, 0), 0);    /* MSH out of the packet */
}

static uint32_t verdict6(const struct sock_fprog *fp, int vlan, const char *group, uint16_t port,
			 uint8_t next)
{
	uint8_t f[FRAME_MAX];
	size_t n = build_udp6_frame(f, vlan, group, port, next, 16);

	return bpf_run(fp, f, (uint32_t)n);
}

/*
 * IPv6 keys next to IPv4 ones: UDP to their pairs passes, and anything to
 * their groups behind an extension header (for the parser to count); the
 * IPv4 keys work as before.
 */
static void test_ipv6(void **state)
{
	const struct filter_key keys[] = { K("ff3e::8000:1", 5001), K(G1, 5001), K("ff02::fb", 5353),
					   K("ff3e::8000:1", 5002), K("ff05::1:3", 6000) };
	struct sock_fprog fp;
	int exact;

	(void)state;
	build(keys, 5, &fp, &exact);
	assert_int_equal(exact, 1);
	for (size_t v = 0; v < 2; v++) {
		assert_accepted(verdict(&fp, vlans[v], G1, 5001));
		assert_rejected(verdict(&fp, vlans[v], G1, 5002));
		assert_accepted(verdict6(&fp, vlans[v], "ff3e::8000:1", 5001, IPPROTO_UDP));
		assert_accepted(verdict6(&fp, vlans[v], "ff3e::8000:1", 5002, IPPROTO_UDP));
		assert_accepted(verdict6(&fp, vlans[v], "ff02::fb", 5353, IPPROTO_UDP));
		assert_accepted(verdict6(&fp, vlans[v], "ff05::1:3", 6000, IPPROTO_UDP));
		/* Other ports, groups differing in any word, other protocols. */
		assert_rejected(verdict6(&fp, vlans[v], "ff3e::8000:1", 5003, IPPROTO_UDP));
		assert_rejected(verdict6(&fp, vlans[v], "ff02::fb", 5001, IPPROTO_UDP));
		assert_rejected(verdict6(&fp, vlans[v], "ff3f::8000:1", 5001, IPPROTO_UDP));
		assert_rejected(verdict6(&fp, vlans[v], "ff3e:0:1::8000:1", 5001, IPPROTO_UDP));
		assert_rejected(verdict6(&fp, vlans[v], "ff3e::1:0:8000:1", 5001, IPPROTO_UDP));
		assert_rejected(verdict6(&fp, vlans[v], "ff3e::8000:2", 5001, IPPROTO_UDP));
		assert_rejected(verdict6(&fp, vlans[v], "ff3e::8000:1", 5001, 6));
		assert_rejected(verdict6(&fp, vlans[v], "ff3e::8000:1", 5001, 58));
		/* Extension headers first: whatever the port, the parser decides. */
		assert_accepted(verdict6(&fp, vlans[v], "ff3e::8000:1", 9, 0));
		assert_accepted(verdict6(&fp, vlans[v], "ff3e::8000:1", 5001, 43));
		assert_accepted(verdict6(&fp, vlans[v], "ff3e::8000:1", 5001, 44));
		assert_accepted(verdict6(&fp, vlans[v], "ff05::1:3", 5001, 60));
		assert_rejected(verdict6(&fp, vlans[v], "ff05::1:4", 6000, 60));
	}
	free(fp.filter);
	/* Without IPv6 keys, IPv6 is rejected. */
	build(keys + 1, 1, &fp, &exact);
	assert_rejected(verdict6(&fp, NO_VLAN, "ff3e::8000:1", 5001, IPPROTO_UDP));
	assert_accepted(verdict(&fp, NO_VLAN, G1, 5001));
	free(fp.filter);
}

/* Too many IPv6 keys: the fallback takes IPv6 to any group (ff00::/8) too. */
static void test_ipv6_fallback(void **state)
{
	struct filter_key *keys = calloc(2000, sizeof(*keys));
	struct sock_fprog fp;
	char g[64];
	int exact;

	(void)state;
	assert_non_null(keys);
	for (unsigned i = 0; i < 2000; i++) {
		snprintf(g, sizeof(g), "ff3e::%x", i + 1);
		keys[i] = K(g, 5001);
	}
	build(keys, 2000, &fp, &exact);
	assert_int_equal(exact, 0);
	assert_accepted(verdict6(&fp, NO_VLAN, "ff3e::1", 5001, IPPROTO_UDP));
	assert_accepted(verdict6(&fp, 100, "ff02::1234", 7, IPPROTO_UDP));
	assert_rejected(verdict6(&fp, NO_VLAN, "2001:db8::1", 5001, IPPROTO_UDP));
	assert_accepted(verdict(&fp, NO_VLAN, G1, 1));
	free(fp.filter);
	free(keys);
	/* The optmem fallback alone, with and without IPv6. */
	assert_int_equal(filter_build_coarse(&fp, true), 0);
	bpf_validate(&fp);
	assert_accepted(verdict6(&fp, 100, "ff05::1", 7, IPPROTO_UDP));
	assert_accepted(verdict(&fp, NO_VLAN, G1, 1));
	free(fp.filter);
	assert_int_equal(filter_build_coarse(&fp, false), 0);
	assert_rejected(verdict6(&fp, NO_VLAN, "ff05::1", 7, IPPROTO_UDP));
	free(fp.filter);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_interpreter),
		cmocka_unit_test(test_rule_traffic_accepted),
		cmocka_unit_test(test_otherhost_rejected),
		cmocka_unit_test(test_other_traffic_rejected),
		cmocka_unit_test(test_not_udp_rejected),
		cmocka_unit_test(test_fragments_accepted),
		cmocka_unit_test(test_ip_options),
		cmocka_unit_test(test_non_ip_rejected),
		cmocka_unit_test(test_truncated_rejected),
		cmocka_unit_test(test_malformed_counted_as),
		cmocka_unit_test(test_empty_key_set),
		cmocka_unit_test(test_many_ports_per_group),
		cmocka_unit_test(test_many_groups),
		cmocka_unit_test(test_duplicate_keys),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_ipv6_fallback),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
