/* Frame parser: every header is bounds-checked against the captured length. */
#include "packet.h"

#include <string.h>

#include "csum.h"

#define ETH_HLEN_    14
#define VLAN_HLEN_   4
#define ETHERTYPE_IP_   0x0800
#define ETHERTYPE_VLAN_ 0x8100
#define ETHERTYPE_IPV6_ 0x86dd
#define IP6_HLEN_    40
#define IP6_MAX_EXT_ 8   /* extension headers walked before giving up */
#define IP_MF_       0x2000
#define IP_OFFMASK_  0x1fff
#define UDP_HLEN_    8

static const char *const drop_names[MCR_DROP__MAX] = {
	[MCR_DROP_NONE] = "none",
	[MCR_DROP_TRUNCATED] = "truncated",
	[MCR_DROP_NOT_IPV4] = "not_ipv4",
	[MCR_DROP_BAD_IP_HEADER] = "bad_ip_header",
	[MCR_DROP_BAD_IP_LENGTH] = "bad_ip_length",
	[MCR_DROP_FRAGMENT] = "fragment",
	[MCR_DROP_NOT_UDP] = "not_udp",
	[MCR_DROP_BAD_UDP_LENGTH] = "bad_udp_length",
	[MCR_DROP_NO_RULE] = "no_rule",
	[MCR_DROP_NO_TX_SLOT] = "no_tx_slot",
	[MCR_DROP_SOCKET_QUEUE] = "socket_queue",
	[MCR_DROP_BAD_IP_CHECKSUM] = "bad_ip_checksum",
	[MCR_DROP_BAD_UDP_CHECKSUM] = "bad_udp_checksum",
	[MCR_DROP_TTL_EXPIRED] = "ttl_expired",
	[MCR_DROP_LOOP] = "loop",
	[MCR_DROP_NOT_RTP] = "not_rtp",
	[MCR_DROP_DUPLICATE] = "duplicate",
	[MCR_DROP_LATE] = "late",
	[MCR_DROP_BAD_EXT_HEADER] = "bad_ext_header",
	[MCR_DROP_JUMBOGRAM] = "jumbogram",
	[MCR_DROP_ZERO_UDP_CHECKSUM] = "zero_udp_checksum",
};

const char *mcr_drop_name(enum mcr_drop d)
{
	return (unsigned)d < MCR_DROP__MAX ? drop_names[d] : "unknown";
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/*
 * Walks the extension headers from *next at ip + *pos up to end: to the
 * upper-layer header's type (in *next) and offset (in *pos).  Hop-by-hop
 * only first (RFC 8200 4.1); a fragment header only as an atomic fragment
 * (offset 0, no more fragments: RFC 6946), which is a whole datagram.
 */
static enum mcr_drop walk_ext(const uint8_t *ip, size_t end, uint8_t *next, size_t *pos)
{
	for (unsigned n = 0;; n++) {
		const uint8_t *h = ip + *pos;
		size_t hlen;

		if (*next != 0 && *next != 43 && *next != 60 && *next != 44)
			return MCR_DROP_NONE;
		if (n == IP6_MAX_EXT_ || (*next == 0 && n) || *pos + 8 > end)
			return MCR_DROP_BAD_EXT_HEADER;
		if (*next == 44 && (get16(h + 2) & 0xfff9))
			return MCR_DROP_FRAGMENT;
		hlen = *next == 44 ? 8 : ((size_t)h[1] + 1) * 8;
		if (*pos + hlen > end)
			return MCR_DROP_BAD_EXT_HEADER;
		*next = h[0];
		*pos += hlen;
	}
}

/* IPv6 at f + off: fixed header, extension headers, UDP. */
static enum mcr_drop parse6(const uint8_t *f, size_t caplen, size_t off, struct mcr_pkt *p)
{
	const uint8_t *ip = f + off, *udp;
	size_t plen, pos = IP6_HLEN_, end, ulen;
	uint8_t next;
	enum mcr_drop d;

	if (caplen < off + IP6_HLEN_)
		return MCR_DROP_TRUNCATED;
	if (ip[0] >> 4 != 6)
		return MCR_DROP_NOT_IPV4;
	plen = get16(ip + 4);
	if (plen == 0)
		return MCR_DROP_JUMBOGRAM;
	/* As for IPv4: padding may follow the packet, the packet may not be cut. */
	end = IP6_HLEN_ + plen;
	if (off + end > caplen)
		return MCR_DROP_BAD_IP_LENGTH;
	next = ip[6];
	if ((d = walk_ext(ip, end, &next, &pos)))
		return d;
	if (next != IPPROTO_UDP)
		return MCR_DROP_NOT_UDP;
	if (pos + UDP_HLEN_ > end)
		return MCR_DROP_BAD_UDP_LENGTH;
	udp = ip + pos;
	ulen = get16(udp + 4);
	if (ulen < UDP_HLEN_ || ulen > end - pos)
		return MCR_DROP_BAD_UDP_LENGTH;
	/* A zero UDP checksum is not allowed over IPv6 (RFC 8200 8.1). */
	if (!get16(udp + 6))
		return MCR_DROP_ZERO_UDP_CHECKSUM;
	p->family = AF_INET6;
	p->ttl = ip[7];
	p->tos = (uint8_t)((ip[0] & 0x0f) << 4 | ip[1] >> 4);
	p->udp = udp;
	memcpy(&p->src6, ip + 8, 16);
	memcpy(&p->dst6, ip + 24, 16);
	p->sport = get16(udp);
	p->dport = get16(udp + 2);
	p->payload = udp + UDP_HLEN_;
	p->len = (uint16_t)(ulen - UDP_HLEN_);
	return MCR_DROP_NONE;
}

enum mcr_drop mcr_parse_frame(const uint8_t *f, size_t caplen, struct mcr_pkt *p)
{
	size_t off = ETH_HLEN_, ihl, tot, ulen;
	uint16_t type;
	const uint8_t *ip, *udp;

	if (caplen < ETH_HLEN_)
		return MCR_DROP_TRUNCATED;
	type = get16(f + 12);
	p->vlan = 0;
	if (type == ETHERTYPE_VLAN_) {
		if (caplen < ETH_HLEN_ + VLAN_HLEN_)
			return MCR_DROP_TRUNCATED;
		p->vlan = get16(f + 14) & 0x0fff;
		type = get16(f + 16);
		off += VLAN_HLEN_;
	}
	/* The one branch on the family a frame costs. */
	if (type == ETHERTYPE_IPV6_)
		return parse6(f, caplen, off, p);
	if (type != ETHERTYPE_IP_)
		return MCR_DROP_NOT_IPV4;
	if (caplen < off + 20)
		return MCR_DROP_TRUNCATED;
	ip = f + off;
	if (ip[0] >> 4 != 4)
		return MCR_DROP_NOT_IPV4;
	ihl = (size_t)(ip[0] & 0x0f) * 4;
	if (ihl < 20 || caplen < off + ihl)
		return MCR_DROP_BAD_IP_HEADER;
	tot = get16(ip + 2);
	/* Ethernet pads short frames, so the capture may exceed tot; never less. */
	if (tot < ihl || off + tot > caplen)
		return MCR_DROP_BAD_IP_LENGTH;
	if (get16(ip + 6) & (IP_MF_ | IP_OFFMASK_))
		return MCR_DROP_FRAGMENT;
	if (ip[9] != IPPROTO_UDP)
		return MCR_DROP_NOT_UDP;
	if (tot < ihl + UDP_HLEN_)
		return MCR_DROP_BAD_UDP_LENGTH;
	udp = ip + ihl;
	ulen = get16(udp + 4);
	if (ulen < UDP_HLEN_ || ulen > tot - ihl)
		return MCR_DROP_BAD_UDP_LENGTH;
	/* Last: a frame that is wrong in form is counted for its form. */
	if (csum_fold(csum_add(0, ip, ihl)) != 0xffff)
		return MCR_DROP_BAD_IP_CHECKSUM;
	p->family = AF_INET;
	p->ttl = ip[8];
	p->tos = ip[1];
	p->udp = udp;
	memcpy(&p->src, ip + 12, 4);
	memcpy(&p->dst, ip + 16, 4);
	p->sport = get16(udp);
	p->dport = get16(udp + 2);
	p->payload = udp + UDP_HLEN_;
	p->len = (uint16_t)(ulen - UDP_HLEN_);
	return MCR_DROP_NONE;
}
