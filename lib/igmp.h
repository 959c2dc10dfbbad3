/*
 * IGMP (v1, v2, v3) messages as a multicast router sees them on a link:
 * one parser over the IPv4 datagram (header first), every rejection a
 * reason, and the builder of the queries a querier sends.
 */
#ifndef MCR_IGMP_H
#define MCR_IGMP_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IGMP_QUERY        0x11
#define IGMP_V1_REPORT    0x12
#define IGMP_V2_REPORT    0x16
#define IGMP_V2_LEAVE     0x17
#define IGMP_V3_REPORT    0x22

/* IGMPv3 group record types (RFC 3376 4.2.12). */
enum igmp_rec {
	IGMP_MODE_IS_INCLUDE = 1, IGMP_MODE_IS_EXCLUDE, IGMP_CHANGE_TO_INCLUDE,
	IGMP_CHANGE_TO_EXCLUDE, IGMP_ALLOW_NEW, IGMP_BLOCK_OLD,
};

/* Why a message was ignored.  Names are part of the counters' interface. */
enum igmp_reject {
	IGMP_OK = 0,
	IGMP_R_TRUNCATED,     /* shorter than its IPv4 header or the IGMP message's fixed part */
	IGMP_R_IP_HEADER,     /* not IPv4, IHL < 5, total length wrong, fragment, options malformed */
	IGMP_R_NOT_IGMP,      /* IP protocol is not 2 */
	IGMP_R_TTL,           /* IP TTL is not 1 */
	IGMP_R_NO_ROUTER_ALERT, /* a v2 or v3 message without the IP Router Alert option */
	IGMP_R_CHECKSUM,      /* IGMP checksum wrong */
	IGMP_R_LENGTH,        /* message length wrong for its type (or records overrun it) */
	IGMP_R_TYPE,          /* unknown IGMP type, or unknown v3 record type */
	IGMP_R_SOURCE,        /* source address not a possible neighbour (see igmp.c) */
	IGMP_R_DEST,          /* destination not multicast, or not the one its type uses */
	IGMP_R_GROUP,         /* group address not multicast (or not zero in a general query) */
	IGMP_R__MAX
};

struct igmp_msg {
	uint8_t type;         /* IGMP_QUERY, ... */
	uint8_t version;      /* 1..3: of the message (a query's by its length and code) */
	struct in_addr src, dst, group;
	/* Query: max response time in 1/10 s (v3: decoded), QRV, QQI in s, S flag, sources. */
	unsigned max_resp_ds;
	uint8_t qrv;
	unsigned qqi;
	bool suppress;
	uint16_t nsrc;
	const uint8_t *srcs;  /* nsrc addresses, 4 bytes each, network order */
	/* v3 report: nrec records at recs (checked: igmp_record_next walks them). */
	uint16_t nrec;
	const uint8_t *recs;
	size_t recs_len;
};

/* One v3 group record. */
struct igmp_record {
	uint8_t type;         /* enum igmp_rec */
	struct in_addr group;
	uint16_t nsrc;
	const uint8_t *srcs;
};

/* "truncated", "ip_header", ...; "unknown" out of range. */
const char *igmp_reject_name(unsigned r);
/*
 * Parses an IPv4 datagram of len bytes carrying IGMP.  Never reads past
 * pkt + len.  IGMP_OK with m filled, or why it is to be ignored.
 */
enum igmp_reject igmp_parse(const uint8_t *pkt, size_t len, struct igmp_msg *m);
/* The v3 record at *off (start at 0) of a parsed report; false at the end. */
bool igmp_record_next(const struct igmp_msg *m, size_t *off, struct igmp_record *r);
/* Source i of a query or record (i < nsrc). */
static inline struct in_addr igmp_src(const uint8_t *srcs, unsigned i)
{
	struct in_addr a;

	__builtin_memcpy(&a, srcs + 4 * (size_t)i, 4);
	return a;
}

/*
 * RFC 3376 4.1.1 / RFC 3810 5.1.3 floating-point codes: a value below
 * 2^(mant + 3) as it is, else 1|exp(3)|mant(mant bits) standing for
 * (mant | 1 << mant) << (exp + 3).  IGMPv3 codes have 4 mantissa bits (a
 * byte), MLDv2's Maximum Response Code 12 (16 bits).
 */
unsigned igmp_fpcode_encode(unsigned v, unsigned mant);
unsigned igmp_fpcode_decode(unsigned code, unsigned mant);

/* The v3 "code" byte for a time in 1/10 s (exponential form above 127). */
static inline uint8_t igmp_code_encode(unsigned ds)
{
	return (uint8_t)igmp_fpcode_encode(ds, 4);
}

static inline unsigned igmp_code_decode(uint8_t code)
{
	return igmp_fpcode_decode(code, 4);
}
/*
 * An IGMPv3 query (12 bytes, no sources) into buf: general with group
 * 0.0.0.0, group-specific otherwise.  Its checksum filled.  Returns 12.
 */
size_t igmp_build_query(uint8_t *buf, struct in_addr group, unsigned max_resp_ds, bool suppress,
			uint8_t qrv, unsigned qqi);

#endif
