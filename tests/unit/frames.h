/*
 * Hand-built Ethernet frames for the unit tests: Ethernet II, optionally one
 * 802.1Q tag, IPv4 (any IHL, options filled with NOPs) and UDP.  Tests build a
 * valid frame and then break the one field they are about.
 */
#ifndef MCR_TEST_FRAMES_H
#define MCR_TEST_FRAMES_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define FRAME_MAX      (18 + 60 + 8 + 2048)
#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_ARP  0x0806
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_8021Q 0x8100
#define NO_VLAN        (-1)
#define FRAME_SRC      "10.0.0.5"
#define FRAME_SPORT    40000
#define FRAME_TTL      64

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline uint16_t get16be(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t ipv4(const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return 0;
	return a.s_addr; /* network order */
}

/* Offset of the IPv4 header: 14, or 18 behind an 802.1Q tag. */
static inline size_t frame_l3(const uint8_t *f)
{
	return get16be(f + 12) == ETHERTYPE_8021Q ? 18 : 14;
}

static inline uint8_t *frame_ip(uint8_t *f)
{
	return f + frame_l3(f);
}

/* The UDP header (or whatever follows the IPv4 header). */
static inline uint8_t *frame_udp(uint8_t *f)
{
	uint8_t *ip = frame_ip(f);

	return ip + (ip[0] & 0x0f) * 4;
}

static inline void ip_checksum(uint8_t *ip)
{
	size_t hl = (size_t)(ip[0] & 0x0f) * 4;
	uint32_t sum = 0;

	put16(ip + 10, 0);
	for (size_t i = 0; i + 1 < hl; i += 2)
		sum += get16be(ip + i);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	put16(ip + 10, (uint16_t)~sum);
}

/*
 * A valid frame: vlan is NO_VLAN or the 802.1Q tag (PCP/DEI bits included),
 * ihl the IPv4 header length in 32-bit words (5..15), group the destination
 * (dotted quad), port the UDP destination port.  The payload is bytes
 * 0, 1, 2, ...  Returns the frame length (never padded).
 */
static inline size_t build_udp_frame(uint8_t *buf, int vlan, unsigned ihl, const char *group,
				     uint16_t port, size_t payload_len)
{
	static const uint8_t dmac[6] = { 0x01, 0x00, 0x5e, 0x01, 0x01, 0x01 };
	static const uint8_t smac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x05 };
	size_t off = 12, hl = ihl * 4u;
	uint8_t *ip, *udp;
	uint32_t src = ipv4(FRAME_SRC), dst = ipv4(group);

	memcpy(buf, dmac, 6);
	memcpy(buf + 6, smac, 6);
	if (vlan != NO_VLAN) {
		put16(buf + off, ETHERTYPE_8021Q);
		put16(buf + off + 2, (uint16_t)vlan);
		off += 4;
	}
	put16(buf + off, ETHERTYPE_IPV4);
	ip = buf + off + 2;
	memset(ip, 1, hl); /* options: NOP */
	ip[0] = (uint8_t)(0x40 | (ihl & 0x0f));
	ip[1] = 0;
	put16(ip + 2, (uint16_t)(hl + 8 + payload_len));
	put16(ip + 4, 0x1234);
	put16(ip + 6, 0x4000); /* DF: not a fragment */
	ip[8] = FRAME_TTL;
	ip[9] = IPPROTO_UDP;
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);
	ip_checksum(ip);
	udp = ip + hl;
	put16(udp, FRAME_SPORT);
	put16(udp + 2, port);
	put16(udp + 4, (uint16_t)(8 + payload_len));
	put16(udp + 6, 0);
	for (size_t i = 0; i < payload_len; i++)
		udp[8 + i] = (uint8_t)i;
	return (size_t)(udp + 8 + payload_len - buf);
}

/*
 * Ethernet (one tag unless vlan is NO_VLAN), IPv6 from 2001:db8::5 to
 * group, next header next (IPPROTO_UDP: UDP to port right behind; any other:
 * an 8-byte extension header of that type, then UDP), payload_len bytes.
 */
static inline size_t build_udp6_frame(uint8_t *buf, int vlan, const char *group, uint16_t port,
				      uint8_t next, size_t payload_len)
{
	size_t off = 12, ext = next == IPPROTO_UDP ? 0 : 8;
	uint8_t *ip, *udp;

	memset(buf, 0, 18 + 40 + ext + 8);
	memcpy(buf, "\x33\x33\x00\x00\x00\x01\x02\x00\x00\x00\x00\x05", 12);
	if (vlan != NO_VLAN) {
		put16(buf + off, ETHERTYPE_8021Q);
		put16(buf + off + 2, (uint16_t)vlan);
		off += 4;
	}
	put16(buf + off, ETHERTYPE_IPV6);
	ip = buf + off + 2;
	ip[0] = 0x60;
	put16(ip + 4, (uint16_t)(ext + 8 + payload_len));
	ip[6] = next;
	ip[7] = FRAME_TTL;
	inet_pton(AF_INET6, "2001:db8::5", ip + 8);
	inet_pton(AF_INET6, group, ip + 24);
	if (ext)
		ip[40] = IPPROTO_UDP;
	udp = ip + 40 + ext;
	put16(udp, FRAME_SPORT);
	put16(udp + 2, port);
	put16(udp + 4, (uint16_t)(8 + payload_len));
	put16(udp + 6, 0xabcd);
	for (size_t i = 0; i < payload_len; i++)
		udp[8 + i] = (uint8_t)i;
	return (size_t)(udp + 8 + payload_len - buf);
}

/* Rewrites the ethertype that announces the network layer (inside any tag). */
static inline void frame_set_ethertype(uint8_t *f, uint16_t type)
{
	put16(f + frame_l3(f) - 2, type);
}

#endif
