/*
 * A layer-2 egress frame: virtio-net header, Ethernet, IPv4 (20 bytes, no
 * options) or IPv6 (40 bytes, no extension header), UDP, payload, built
 * from an output's template and the datagram as received (of the
 * template's family: a translated output takes its socket).
 *
 * The UDP checksum: a datagram whose checksum the receiving device or
 * kernel has verified (TP_STATUS_CSUM_VALID), or that was never on a wire
 * and carries none yet (TP_STATUS_CSUMNOTREADY: sent from this host), goes
 * out with the checksum left to the device (virtio NEEDS_CSUM), as a UDP
 * socket's would.  Any other is updated incrementally from its own
 * checksum (RFC 1624), so a datagram damaged on the way in stays visibly
 * damaged on the way out instead of leaving with a fresh valid checksum;
 * a zero (absent) IPv4 checksum stays absent (IPv6 has none: the parser
 * drops them).
 */
#ifndef MCRD_FRAME_H
#define MCRD_FRAME_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "packet.h"

#define FRAME_HDR_LEN  (10u + 14u + 20u + 8u) /* virtio-net + Ethernet + IPv4 + UDP */
#define FRAME_HDR_LEN6 (10u + 14u + 40u + 8u) /* virtio-net + Ethernet + IPv6 + UDP */

/* What an output puts in every frame; addresses and ports in network order. */
struct frame_tmpl {
	uint8_t eth[14];         /* destination (from the group), source, type */
	bool v6;                 /* IPv6: saddr6 and daddr6 */
	struct in_addr saddr;    /* the output's address; ignored with keep_source */
	struct in_addr daddr;    /* the output group */
	struct in6_addr saddr6, daddr6;
	uint16_t sport;          /* network order; 0: the datagram's own */
	uint16_t dport;
	bool keep_source;        /* the datagram's source address and port */
};

/* The template of an output: its interface's MAC, address, the group and ports. */
void frame_tmpl_init(struct frame_tmpl *t, const uint8_t mac[6], struct in_addr saddr,
		     struct in_addr group, uint16_t sport, uint16_t dport, bool keep_source);
/* The same for an IPv6 group: Ethernet 33:33 and the group's low 32 bits (RFC 2464). */
void frame_tmpl_init6(struct frame_tmpl *t, const uint8_t mac[6], const struct in6_addr *saddr,
		      const struct in6_addr *group, uint16_t sport, uint16_t dport, bool keep_source);

/* What t's frames carry before the payload: FRAME_HDR_LEN or FRAME_HDR_LEN6. */
static inline size_t frame_hdr_len(const struct frame_tmpl *t)
{
	return t->v6 ? FRAME_HDR_LEN6 : FRAME_HDR_LEN;
}

/* The IP and UDP headers alone (what counts against the MTU). */
static inline size_t frame_ip_len(const struct frame_tmpl *t)
{
	return frame_hdr_len(t) - 24u;
}

/*
 * Writes the frame for datagram p (parsed by mcr_parse_frame) into buf,
 * which holds at least frame_hdr_len(t) + p->len bytes; rx_status is the
 * receive ring's tp_status of the frame it came in; ttl is the TTL or hop
 * limit, ipid the IPv4 ID (IPv6: unused).  Returns its length.
 */
size_t frame_build(uint8_t *buf, const struct frame_tmpl *t, const struct mcr_pkt *p,
		   uint32_t rx_status, uint8_t ttl, uint16_t ipid);
/*
 * The headers of a GSO frame (frame_hdr_len(t) bytes, into buf) for a run
 * of datagrams like p0 (same source, TTL and TOS; checksums trusted) whose
 * payloads, total bytes together, follow it: the kernel, or the device,
 * cuts it into datagrams of p0->len bytes of payload (the last may be
 * shorter), each with its own UDP length and checksum and IPv4 length,
 * ID (ipid, ipid + 1, ...) and header checksum.  Returns the length.
 */
size_t frame_build_gso(uint8_t *buf, const struct frame_tmpl *t, const struct mcr_pkt *p0,
		       uint8_t ttl, uint16_t ipid, size_t total);
/* Whether the datagram's UDP checksum may be trusted as the receiver saw it. */
bool frame_csum_trusted(uint32_t rx_status);

#endif
