/*
 * MLD (v1, RFC 2710; v2, RFC 3810) messages as a multicast router sees
 * them on a link: one parser over the IPv6 packet (header first), every
 * rejection a reason, and the builder of the queries a querier sends.
 * The IPv6 counterpart of igmp.h; the reasons keep IGMP's order so that
 * a link's reject counters mean the same slot in either family.
 */
#ifndef MCR_MLD_H
#define MCR_MLD_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "igmp.h" /* the floating-point codes */

#define MLD_QUERY     130
#define MLD_V1_REPORT 131
#define MLD_V1_DONE   132
#define MLD_V2_REPORT 143

/* MLDv2 record types are IGMPv3's (RFC 3810 5.2.12): enum igmp_rec. */

/* Why a message was ignored.  Names are part of the counters' interface. */
enum mld_reject {
	MLD_OK = 0,
	MLD_R_TRUNCATED,      /* shorter than its IPv6 header, an extension header or MLD's fixed part */
	MLD_R_IP_HEADER,      /* not IPv6, payload length wrong, fragment, extension header malformed */
	MLD_R_NOT_MLD,        /* no ICMPv6 after the extension headers */
	MLD_R_HOP_LIMIT,      /* hop limit is not 1 */
	MLD_R_NO_ROUTER_ALERT, /* no Router Alert (MLD, value 0) in a hop-by-hop header */
	MLD_R_CHECKSUM,       /* ICMPv6 checksum (over the pseudo-header) wrong */
	MLD_R_LENGTH,         /* message length wrong for its type (or records overrun it) */
	MLD_R_TYPE,           /* an ICMPv6 type that is not MLD, or an unknown v2 record type */
	MLD_R_SOURCE,         /* source not link-local (nor :: in a report) */
	MLD_R_DEST,           /* destination not multicast, or not the one its type uses */
	MLD_R_GROUP,          /* group address not multicast (or not :: in a general query) */
	MLD_R__MAX
};

struct mld_msg {
	uint8_t type;         /* MLD_QUERY, ... */
	uint8_t version;      /* 1 or 2: of the message (a query's by its length) */
	struct in6_addr src, dst, group;
	/* Query: max response delay in ms (v2: decoded), QRV, QQI in s, S flag, sources. */
	unsigned max_resp_ms;
	uint8_t qrv;
	unsigned qqi;
	bool suppress;
	uint16_t nsrc;
	const uint8_t *srcs;  /* nsrc addresses, 16 bytes each */
	/* v2 report: nrec records at recs (checked: mld_record_next walks them). */
	uint16_t nrec;
	const uint8_t *recs;
	size_t recs_len;
};

/* One v2 multicast address record. */
struct mld_record {
	uint8_t type;         /* enum igmp_rec */
	struct in6_addr group;
	uint16_t nsrc;
	const uint8_t *srcs;
};

/* "truncated", "ip_header", ...; "unknown" out of range. */
const char *mld_reject_name(unsigned r);
/*
 * Parses an IPv6 packet of len bytes carrying MLD.  Never reads past
 * pkt + len.  MLD_OK with m filled, or why it is to be ignored.
 */
enum mld_reject mld_parse(const uint8_t *pkt, size_t len, struct mld_msg *m);
/* The v2 record at *off (start at 0) of a parsed report; false at the end. */
bool mld_record_next(const struct mld_msg *m, size_t *off, struct mld_record *r);
/* Source i of a query or record (i < nsrc). */
static inline struct in6_addr mld_src(const uint8_t *srcs, unsigned i)
{
	struct in6_addr a;

	__builtin_memcpy(&a, srcs + 16 * (size_t)i, 16);
	return a;
}

/* The v2 Maximum Response Code for a time in ms (exponential form from 32768). */
static inline uint16_t mld_code_encode(unsigned ms)
{
	return (uint16_t)igmp_fpcode_encode(ms, 12);
}

static inline unsigned mld_code_decode(uint16_t code)
{
	return igmp_fpcode_decode(code, 12);
}
/*
 * An MLDv2 query (28 bytes, no sources) into buf: general with group ::,
 * multicast-address-specific otherwise.  Its checksum is left 0: the
 * kernel fills an ICMPv6 socket's (mld_checksum does it for a test).
 * Returns 28.
 */
size_t mld_build_query(uint8_t *buf, const struct in6_addr *group, unsigned max_resp_ms,
		       bool suppress, uint8_t qrv, unsigned qqi);
/* Sets the ICMPv6 checksum of the len-byte message at msg sent from src to dst. */
void mld_checksum(uint8_t *msg, size_t len, const struct in6_addr *src,
		  const struct in6_addr *dst);

#endif
