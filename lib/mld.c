/*
 * MLD messages (mld.h).  What a router accepts, decided here once:
 *
 * - IPv6, hop limit 1 (RFC 2710 3, RFC 3810 5: every MLD message is sent
 *   with hop limit 1; one with another was routed, or forged off the link).
 * - A hop-by-hop header, first, with the Router Alert option for MLD
 *   (RFC 2711, value 0) on every message, v1 or v2.  Destination options
 *   may follow it; a fragment header or any other extension is refused.
 * - The ICMPv6 checksum over the pseudo-header (RFC 8200 8.1) and the
 *   whole message.
 * - Source: link-local (fe80::/10); a report may also come from :: (RFC
 *   3590: a host with no link-local address yet, as Linux accepts).  A
 *   query must come from link-local: its source elects the querier.
 * - Destination: multicast; a v2 report to ff02::16, a done to ff02::2
 *   (or the group), a v1 report to its group, a general query to ff02::1.
 * - Lengths: a v1 message is 24 bytes, a v2 query 28 + 16 per source
 *   (25..27 is neither), a v2 report its records exactly.
 */
#include "mld.h"

#include <string.h>

#include "csum.h"
#include "igmp.h"

#define NH_HOPOPTS  0
#define NH_ICMPV6   58
#define NH_DSTOPTS  60
#define OPT_PAD1    0
#define OPT_RA      5

static const char *const names[MLD_R__MAX] = {
	[MLD_OK] = "ok",
	[MLD_R_TRUNCATED] = "truncated",
	[MLD_R_IP_HEADER] = "ip_header",
	[MLD_R_NOT_MLD] = "not_mld",
	[MLD_R_HOP_LIMIT] = "hop_limit",
	[MLD_R_NO_ROUTER_ALERT] = "no_router_alert",
	[MLD_R_CHECKSUM] = "checksum",
	[MLD_R_LENGTH] = "length",
	[MLD_R_TYPE] = "type",
	[MLD_R_SOURCE] = "source",
	[MLD_R_DEST] = "dest",
	[MLD_R_GROUP] = "group",
};

const char *mld_reject_name(unsigned r)
{
	return r < MLD_R__MAX ? names[r] : "unknown";
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static struct in6_addr get_addr(const uint8_t *p)
{
	struct in6_addr a;

	memcpy(&a, p, 16);
	return a;
}

static bool is_mcast(const struct in6_addr *a)
{
	return a->s6_addr[0] == 0xff;
}

static bool is_unspec(const struct in6_addr *a)
{
	static const struct in6_addr any;

	return !memcmp(a, &any, 16);
}

static bool is_all(const struct in6_addr *a, uint8_t last)
{
	static const uint8_t pfx[15] = { 0xff, 0x02 };

	return !memcmp(a->s6_addr, pfx, 15) && a->s6_addr[15] == last;
}

/* The options of a hop-by-hop header (n bytes); *ra for Router Alert value 0.  -1: malformed. */
static int hop_options(const uint8_t *o, size_t n, bool *ra)
{
	size_t i = 0;

	while (i < n) {
		if (o[i] == OPT_PAD1) {
			i++;
			continue;
		}
		if (i + 1 >= n || o[i + 1] > n - i - 2)
			return -1;
		if (o[i] == OPT_RA && o[i + 1] == 2 && get16(o + i + 2) == 0)
			*ra = true;
		i += 2 + (size_t)o[i + 1];
	}
	return 0;
}

/* The extension headers from p (end at p + n): the ICMPv6 message's offset in *off. */
static enum mld_reject ext_headers(const uint8_t *p, size_t n, uint8_t nh, bool *ra, size_t *off)
{
	size_t o = 40;

	for (bool first = true; nh != NH_ICMPV6; first = false) {
		size_t hl;

		if (nh != NH_DSTOPTS && !(nh == NH_HOPOPTS && first))
			return nh == 44 ? MLD_R_IP_HEADER : MLD_R_NOT_MLD;
		if (n - o < 8)
			return MLD_R_TRUNCATED;
		hl = ((size_t)p[o + 1] + 1) * 8;
		if (hl > n - o)
			return MLD_R_IP_HEADER;
		if (nh == NH_HOPOPTS && hop_options(p + o + 2, hl - 2, ra))
			return MLD_R_IP_HEADER;
		nh = p[o];
		o += hl;
	}
	*off = o;
	return MLD_OK;
}

/* The IPv6 header and its extensions: fills src, dst; the ICMPv6 message at *icmp of *ilen bytes. */
static enum mld_reject ip_header(const uint8_t *p, size_t len, struct mld_msg *m, bool *ra,
				 const uint8_t **icmp, size_t *ilen)
{
	size_t plen, off = 0;
	enum mld_reject r;

	if (len < 40)
		return MLD_R_TRUNCATED;
	plen = get16(p + 4);
	if (p[0] >> 4 != 6 || plen == 0 || 40 + plen > len)
		return MLD_R_IP_HEADER;
	r = ext_headers(p, 40 + plen, p[6], ra, &off);
	if (r)
		return r;
	m->src = get_addr(p + 8);
	m->dst = get_addr(p + 24);
	if (p[7] != 1)
		return MLD_R_HOP_LIMIT;
	*icmp = p + off;
	*ilen = 40 + plen - off;
	return *ilen < 24 ? MLD_R_TRUNCATED : MLD_OK;
}

static uint32_t pseudo_sum(const struct in6_addr *src, const struct in6_addr *dst, size_t len)
{
	uint16_t tail[4] = { 0, htons((uint16_t)len), 0, htons(NH_ICMPV6) };
	uint32_t s = csum_add(0, src, 16);

	s = csum_add(s, dst, 16);
	return csum_add(s, tail, sizeof(tail));
}

/* The records of a v2 report fill exactly len bytes, each of a known type. */
static enum mld_reject v2_records(struct mld_msg *m, const uint8_t *g, size_t len)
{
	size_t off = 0;

	m->nrec = get16(g + 6);
	m->recs = g + 8;
	m->recs_len = len - 8;
	for (unsigned i = 0; i < m->nrec; i++) {
		const uint8_t *r = m->recs + off;
		struct in6_addr ga;
		size_t rl;

		if (m->recs_len - off < 20)
			return MLD_R_LENGTH;
		rl = 20 + 16 * (size_t)get16(r + 2) + 4 * (size_t)r[1];
		if (rl > m->recs_len - off)
			return MLD_R_LENGTH;
		if (r[0] < IGMP_MODE_IS_INCLUDE || r[0] > IGMP_BLOCK_OLD)
			return MLD_R_TYPE;
		ga = get_addr(r + 4);
		if (!is_mcast(&ga))
			return MLD_R_GROUP;
		off += rl;
	}
	return off == m->recs_len ? MLD_OK : MLD_R_LENGTH;
}

static enum mld_reject query(struct mld_msg *m, const uint8_t *g, size_t len)
{
	m->version = len >= 28 ? 2 : 1;
	if (len > 24 && len < 28)
		return MLD_R_LENGTH;
	if (!IN6_IS_ADDR_LINKLOCAL(&m->src))
		return MLD_R_SOURCE;
	if (is_unspec(&m->group) ? !is_all(&m->dst, 1) : !is_mcast(&m->group))
		return MLD_R_GROUP;
	if (!is_mcast(&m->dst))
		return MLD_R_DEST;
	m->max_resp_ms = m->version == 2 ? mld_code_decode(get16(g + 4)) : get16(g + 4);
	if (m->version == 1)
		return MLD_OK;
	m->suppress = g[24] & 0x8;
	m->qrv = g[24] & 0x7;
	m->qqi = igmp_code_decode(g[25]);
	m->nsrc = get16(g + 26);
	m->srcs = g + 28;
	return len == 28 + 16 * (size_t)m->nsrc ? MLD_OK : MLD_R_LENGTH;
}

static enum mld_reject report(struct mld_msg *m, const uint8_t *g, size_t len)
{
	m->version = m->type == MLD_V2_REPORT ? 2 : 1;
	if (m->version == 1 && len != 24)
		return MLD_R_LENGTH;
	if (!IN6_IS_ADDR_LINKLOCAL(&m->src) && !is_unspec(&m->src))
		return MLD_R_SOURCE;
	if (m->version == 2) {
		memset(&m->group, 0, sizeof(m->group));
		return !is_all(&m->dst, 0x16) ? MLD_R_DEST : v2_records(m, g, len);
	}
	if (!is_mcast(&m->group))
		return MLD_R_GROUP;
	if (m->type == MLD_V1_DONE)
		return is_all(&m->dst, 2) || !memcmp(&m->dst, &m->group, 16) ? MLD_OK : MLD_R_DEST;
	return !memcmp(&m->dst, &m->group, 16) ? MLD_OK : MLD_R_DEST;
}

enum mld_reject mld_parse(const uint8_t *pkt, size_t len, struct mld_msg *m)
{
	const uint8_t *g = NULL;
	size_t ilen = 0;
	bool ra = false;
	enum mld_reject r;

	memset(m, 0, sizeof(*m));
	r = ip_header(pkt, len, m, &ra, &g, &ilen);
	if (r)
		return r;
	m->type = g[0];
	if (m->type != MLD_QUERY && m->type != MLD_V1_REPORT && m->type != MLD_V1_DONE &&
	    m->type != MLD_V2_REPORT)
		return MLD_R_TYPE;
	if (!ra)
		return MLD_R_NO_ROUTER_ALERT;
	if (csum_fold(csum_add(pseudo_sum(&m->src, &m->dst, ilen), g, ilen)) != 0xffff)
		return MLD_R_CHECKSUM;
	m->group = get_addr(g + 8);
	return m->type == MLD_QUERY ? query(m, g, ilen) : report(m, g, ilen);
}

bool mld_record_next(const struct mld_msg *m, size_t *off, struct mld_record *r)
{
	const uint8_t *p = m->recs + *off;

	if (*off + 20 > m->recs_len)
		return false;
	r->type = p[0];
	r->nsrc = get16(p + 2);
	r->group = get_addr(p + 4);
	r->srcs = p + 20;
	*off += 20 + 16 * (size_t)r->nsrc + 4 * (size_t)p[1];
	return true;
}

size_t mld_build_query(uint8_t *buf, const struct in6_addr *group, unsigned max_resp_ms,
		       bool suppress, uint8_t qrv, unsigned qqi)
{
	uint16_t code = htons(mld_code_encode(max_resp_ms));

	memset(buf, 0, 28);
	buf[0] = MLD_QUERY;
	memcpy(buf + 4, &code, 2);
	memcpy(buf + 8, group, 16);
	buf[24] = (uint8_t)((suppress ? 0x8 : 0) | (qrv <= 7 ? qrv : 0));
	buf[25] = igmp_code_encode(qqi);
	return 28;
}

void mld_checksum(uint8_t *msg, size_t len, const struct in6_addr *src,
		  const struct in6_addr *dst)
{
	uint16_t c;

	msg[2] = msg[3] = 0;
	c = (uint16_t)~csum_fold(csum_add(pseudo_sum(src, dst, len), msg, len));
	memcpy(msg + 2, &c, 2); /* the sum is in memory order (csum.c) */
}
