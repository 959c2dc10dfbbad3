/* Parsing a captured Ethernet frame down to the UDP payload, with drop reasons. */
#ifndef MCR_PACKET_H
#define MCR_PACKET_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

/* Why a frame was not relayed.  Names are part of the stats interface. */
enum mcr_drop {
	MCR_DROP_NONE = 0,
	MCR_DROP_TRUNCATED,      /* frame shorter than its headers, or cut by the buffer */
	MCR_DROP_NOT_IPV4,       /* ethertype neither IPv4 nor IPv6, or the IP version not its own */
	MCR_DROP_BAD_IP_HEADER,  /* IHL < 5 or header longer than the frame */
	MCR_DROP_BAD_IP_LENGTH,  /* total length < header or > captured bytes */
	MCR_DROP_FRAGMENT,       /* an IPv4 fragment (MF set or offset != 0), an IPv6 Fragment header */
	MCR_DROP_NOT_UDP,
	MCR_DROP_BAD_UDP_LENGTH, /* UDP length < 8 or > IP payload */
	MCR_DROP_NO_RULE,        /* valid UDP, but no rule for (group, port, source) */
	MCR_DROP_NO_TX_SLOT,     /* egress queue full: a copy for one output dropped */
	MCR_DROP_SOCKET_QUEUE,   /* kernel dropped before we read it (PACKET_STATISTICS) */
	MCR_DROP_BAD_IP_CHECKSUM, /* IPv4 header checksum wrong */
	MCR_DROP_BAD_UDP_CHECKSUM, /* UDP checksum wrong, caught before a socket output */
	MCR_DROP_TTL_EXPIRED,    /* TTL would reach 0 on every output (router semantics) */
	MCR_DROP_LOOP,           /* seen again within the loop guard's window */
	/* Rules with several inputs (redundancy). */
	MCR_DROP_NOT_RTP,        /* merge: not an RTP packet */
	MCR_DROP_DUPLICATE,      /* a copy another input delivered (merge), or a standby's (failover) */
	MCR_DROP_LATE,           /* merge: behind the stream by more than the window */
	/* IPv6 only (bad payload length is bad_ip_length, a fragment fragment). */
	MCR_DROP_BAD_EXT_HEADER, /* extension header cut, beyond the payload, or too many */
	MCR_DROP_JUMBOGRAM,      /* payload length 0 (RFC 2675 jumbogram): never relayed */
	MCR_DROP_ZERO_UDP_CHECKSUM, /* UDP checksum 0, which IPv6 forbids (RFC 8200 8.1) */
	MCR_DROP__MAX
};

struct mcr_pkt {
	uint8_t family;        /* AF_INET: src, dst; AF_INET6: src6, dst6 */
	struct in_addr src, dst;
	struct in6_addr src6, dst6;
	uint16_t sport, dport; /* host order */
	uint8_t ttl;           /* IPv6: the hop limit */
	uint8_t tos;           /* DSCP and ECN (IPv6: the traffic class) */
	uint16_t vlan;         /* 802.1Q VID from the frame, 0 if untagged */
	const uint8_t *udp;    /* the UDP header (its checksum as received) */
	const uint8_t *payload;
	uint16_t len;          /* UDP payload length, exact (from the UDP header) */
};

/* "truncated", "not_ipv4", ...; "unknown" for out-of-range values. */
const char *mcr_drop_name(enum mcr_drop d);
/*
 * Parse an Ethernet II frame (at most one 802.1Q tag) of caplen captured
 * bytes: IPv4 (header checksum included), or IPv6 through its hop-by-hop,
 * routing and destination-options headers (an atomic fragment too).
 * Returns MCR_DROP_NONE and fills p, or the reason to drop it.  Never reads
 * past frame + caplen.
 */
enum mcr_drop mcr_parse_frame(const uint8_t *frame, size_t caplen, struct mcr_pkt *p);

#endif
