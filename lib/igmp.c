/*
 * IGMP messages (igmp.h).  What a router accepts, decided here once:
 *
 * - IPv4, no fragment, TTL 1 (RFC 3376 4: every IGMP message is sent with
 *   TTL 1; one with another TTL was routed, or forged off the link).
 * - The Router Alert option (RFC 2113) on every v2 and v3 message (RFC
 *   2236 2, RFC 3376 4); v1 messages (a v1 report, a query with code 0)
 *   predate it and are accepted without.
 * - The IGMP checksum over the whole message.
 * - Source: RFC 3376 9.2 accepts reports from 0.0.0.0 (a host with no
 *   address yet); otherwise the source must be a unicast address
 *   (not 0.x, loopback, multicast or broadcast).  A query must come from
 *   a unicast address: its source elects the querier.  Whether the source
 *   is on one of the link's subnets is not checked (the interface table
 *   holds no prefix lengths); TTL 1 keeps routed senders out.
 * - Destination: multicast; a v3 report to 224.0.0.22, a leave to
 *   224.0.0.2 (or the group, as some hosts do), a v1/v2 report to its
 *   group, a general query to 224.0.0.1.
 * - Lengths: a v1/v2 message is 8 bytes (more is cut by RFC 2236 2.5 only
 *   for queries, which are then v3 from 12 bytes), a v3 query 12 + 4 per
 *   source, a v3 report its records exactly (IP total length bounds it).
 */
#include "igmp.h"

#include <string.h>

#include "csum.h"

#define IPOPT_ROUTER_ALERT 0x94

static const char *const names[IGMP_R__MAX] = {
	[IGMP_OK] = "ok",
	[IGMP_R_TRUNCATED] = "truncated",
	[IGMP_R_IP_HEADER] = "ip_header",
	[IGMP_R_NOT_IGMP] = "not_igmp",
	[IGMP_R_TTL] = "ttl",
	[IGMP_R_NO_ROUTER_ALERT] = "no_router_alert",
	[IGMP_R_CHECKSUM] = "checksum",
	[IGMP_R_LENGTH] = "length",
	[IGMP_R_TYPE] = "type",
	[IGMP_R_SOURCE] = "source",
	[IGMP_R_DEST] = "dest",
	[IGMP_R_GROUP] = "group",
};

const char *igmp_reject_name(unsigned r)
{
	return r < IGMP_R__MAX ? names[r] : "unknown";
}

static uint32_t host(struct in_addr a)
{
	return ntohl(a.s_addr);
}

static bool is_mcast(struct in_addr a)
{
	return (host(a) >> 28) == 0xe;
}

static bool is_unicast(struct in_addr a)
{
	uint32_t h = host(a);

	return (h >> 24) != 0 && (h >> 24) != 127 && (h >> 28) < 0xe;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static struct in_addr get_addr(const uint8_t *p)
{
	struct in_addr a;

	memcpy(&a, p, 4);
	return a;
}

/* Walks the IP options (bounded by hlen); *ra when Router Alert is among them.  -1: malformed. */
static int ip_options(const uint8_t *o, size_t n, bool *ra)
{
	size_t i = 0;

	while (i < n) {
		if (o[i] == 0) /* end of list */
			return 0;
		if (o[i] == 1) { /* no-op */
			i++;
			continue;
		}
		if (i + 1 >= n || o[i + 1] < 2 || o[i + 1] > n - i)
			return -1;
		if (o[i] == IPOPT_ROUTER_ALERT && o[i + 1] == 4)
			*ra = true;
		i += o[i + 1];
	}
	return 0;
}

/* The IPv4 header: fills src, dst; the IGMP message at *igmp of *ilen bytes. */
static enum igmp_reject ip_header(const uint8_t *p, size_t len, struct igmp_msg *m, bool *ra,
				  const uint8_t **igmp, size_t *ilen)
{
	size_t hl, tot;

	if (len < 20)
		return IGMP_R_TRUNCATED;
	hl = (size_t)(p[0] & 0xf) * 4;
	tot = get16(p + 2);
	if (p[0] >> 4 != 4 || hl < 20 || hl > len || tot < hl || tot > len)
		return IGMP_R_IP_HEADER;
	if (get16(p + 6) & 0x3fff) /* MF or an offset */
		return IGMP_R_IP_HEADER;
	if (p[9] != IPPROTO_IGMP)
		return IGMP_R_NOT_IGMP;
	if (ip_options(p + 20, hl - 20, ra))
		return IGMP_R_IP_HEADER;
	m->src = get_addr(p + 12);
	m->dst = get_addr(p + 16);
	if (p[8] != 1)
		return IGMP_R_TTL;
	*igmp = p + hl;
	*ilen = tot - hl;
	return *ilen < 8 ? IGMP_R_TRUNCATED : IGMP_OK;
}

/* The records of a v3 report fill exactly len bytes, each of a known type. */
static enum igmp_reject v3_records(struct igmp_msg *m, const uint8_t *g, size_t len)
{
	size_t off = 0;

	m->nrec = get16(g + 6);
	m->recs = g + 8;
	m->recs_len = len - 8;
	for (unsigned i = 0; i < m->nrec; i++) {
		const uint8_t *r = m->recs + off;
		size_t rl;

		if (m->recs_len - off < 8)
			return IGMP_R_LENGTH;
		rl = 8 + 4 * ((size_t)get16(r + 2) + r[1]);
		if (rl > m->recs_len - off)
			return IGMP_R_LENGTH;
		if (r[0] < IGMP_MODE_IS_INCLUDE || r[0] > IGMP_BLOCK_OLD)
			return IGMP_R_TYPE;
		if (!is_mcast(get_addr(r + 4)))
			return IGMP_R_GROUP;
		off += rl;
	}
	return off == m->recs_len ? IGMP_OK : IGMP_R_LENGTH;
}

static enum igmp_reject query(struct igmp_msg *m, const uint8_t *g, size_t len, bool ra)
{
	m->version = len >= 12 ? 3 : g[1] ? 2 : 1;
	if (len > 8 && len < 12)
		return IGMP_R_LENGTH;
	if (m->version > 1 && !ra)
		return IGMP_R_NO_ROUTER_ALERT;
	if (!is_unicast(m->src))
		return IGMP_R_SOURCE;
	if (m->group.s_addr ? !is_mcast(m->group) : m->dst.s_addr != htonl(0xe0000001))
		return IGMP_R_GROUP;
	if (!is_mcast(m->dst))
		return IGMP_R_DEST;
	m->max_resp_ds = m->version == 3 ? igmp_code_decode(g[1]) : g[1] ? g[1] : 100;
	if (m->version < 3)
		return IGMP_OK;
	m->suppress = g[8] & 0x8;
	m->qrv = g[8] & 0x7;
	m->qqi = igmp_code_decode(g[9]);
	m->nsrc = get16(g + 10);
	m->srcs = g + 12;
	return len == 12 + 4 * (size_t)m->nsrc ? IGMP_OK : IGMP_R_LENGTH;
}

static enum igmp_reject report(struct igmp_msg *m, const uint8_t *g, size_t len, bool ra)
{
	uint32_t d = host(m->dst);

	m->version = m->type == IGMP_V1_REPORT ? 1 : m->type == IGMP_V3_REPORT ? 3 : 2;
	if (m->version < 3 && len != 8)
		return IGMP_R_LENGTH;
	if (m->version > 1 && !ra)
		return IGMP_R_NO_ROUTER_ALERT;
	if (m->src.s_addr && !is_unicast(m->src))
		return IGMP_R_SOURCE;
	if (m->version == 3)
		return d != 0xe0000016 ? IGMP_R_DEST : v3_records(m, g, len);
	if (!is_mcast(m->group))
		return IGMP_R_GROUP;
	if (m->type == IGMP_V2_LEAVE)
		return d == 0xe0000002 || m->dst.s_addr == m->group.s_addr ? IGMP_OK : IGMP_R_DEST;
	return m->dst.s_addr == m->group.s_addr ? IGMP_OK : IGMP_R_DEST;
}

enum igmp_reject igmp_parse(const uint8_t *pkt, size_t len, struct igmp_msg *m)
{
	const uint8_t *g = NULL;
	size_t ilen = 0;
	bool ra = false;
	enum igmp_reject r;

	memset(m, 0, sizeof(*m));
	r = ip_header(pkt, len, m, &ra, &g, &ilen);
	if (r)
		return r;
	if (csum_fold(csum_add(0, g, ilen)) != 0xffff)
		return IGMP_R_CHECKSUM;
	m->type = g[0];
	m->group = get_addr(g + 4);
	switch (m->type) {
	case IGMP_QUERY:
		return query(m, g, ilen, ra);
	case IGMP_V1_REPORT:
	case IGMP_V2_REPORT:
	case IGMP_V2_LEAVE:
	case IGMP_V3_REPORT:
		return report(m, g, ilen, ra);
	default:
		return IGMP_R_TYPE;
	}
}

bool igmp_record_next(const struct igmp_msg *m, size_t *off, struct igmp_record *r)
{
	const uint8_t *p = m->recs + *off;

	if (*off + 8 > m->recs_len)
		return false;
	r->type = p[0];
	r->nsrc = get16(p + 2);
	r->group = get_addr(p + 4);
	r->srcs = p + 8;
	*off += 8 + 4 * ((size_t)r->nsrc + p[1]);
	return true;
}

unsigned igmp_fpcode_encode(unsigned v, unsigned mant)
{
	unsigned exp = 0, m, top = 1u << mant;

	if (v < top << 3)
		return v;
	if (v > (2 * top - 1) << 10) /* the largest: every bit of exp and mant set */
		return (top << 4) - 1;
	m = v >> 3;
	while (m >= 2 * top) {
		m >>= 1;
		exp++;
	}
	return top << 3 | exp << mant | (m & (top - 1));
}

unsigned igmp_fpcode_decode(unsigned code, unsigned mant)
{
	unsigned top = 1u << mant;

	if (code < top << 3)
		return code;
	return ((code & (top - 1)) | top) << ((code >> mant & 0x7) + 3);
}

size_t igmp_build_query(uint8_t *buf, struct in_addr group, unsigned max_resp_ds, bool suppress,
			uint8_t qrv, unsigned qqi)
{
	uint16_t c;

	memset(buf, 0, 12);
	buf[0] = IGMP_QUERY;
	buf[1] = igmp_code_encode(max_resp_ds);
	memcpy(buf + 4, &group, 4);
	buf[8] = (uint8_t)((suppress ? 0x8 : 0) | (qrv <= 7 ? qrv : 0));
	buf[9] = igmp_code_encode(qqi);
	c = (uint16_t)~csum_fold(csum_add(0, buf, 12));
	memcpy(buf + 2, &c, 2); /* the sum is in memory order (csum.c) */
	return 12;
}
