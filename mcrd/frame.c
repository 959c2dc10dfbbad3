/* Layer-2 egress frames (frame.h).  Every multi-byte field in network order. */
#include "frame.h"

#include <endian.h>
#include <linux/if_packet.h>
#include <linux/virtio_net.h>
#include <string.h>

#include "csum.h"

/* Linux 6.2 takes UDP GSO from a virtio-net header; older uapi headers lack the name. */
#ifndef VIRTIO_NET_HDR_GSO_UDP_L4
#define VIRTIO_NET_HDR_GSO_UDP_L4 5
#endif

#define VNET_LEN 10u
#define ETH_LEN  14u
#define IP_LEN   20u
#define IP6_LEN  40u
#define UDP_LEN  8u

void frame_tmpl_init(struct frame_tmpl *t, const uint8_t mac[6], struct in_addr saddr,
		     struct in_addr group, uint16_t sport, uint16_t dport, bool keep_source)
{
	uint32_t g = ntohl(group.s_addr);

	memset(t, 0, sizeof(*t));
	/* RFC 1112 6.4: 01:00:5e and the group's low 23 bits. */
	t->eth[0] = 0x01;
	t->eth[1] = 0x00;
	t->eth[2] = 0x5e;
	t->eth[3] = (uint8_t)(g >> 16 & 0x7f);
	t->eth[4] = (uint8_t)(g >> 8);
	t->eth[5] = (uint8_t)g;
	memcpy(t->eth + 6, mac, 6);
	t->eth[12] = 0x08;
	t->eth[13] = 0x00;
	t->saddr = saddr;
	t->daddr = group;
	t->sport = sport;
	t->dport = dport;
	t->keep_source = keep_source;
}

void frame_tmpl_init6(struct frame_tmpl *t, const uint8_t mac[6], const struct in6_addr *saddr,
		      const struct in6_addr *group, uint16_t sport, uint16_t dport, bool keep_source)
{
	memset(t, 0, sizeof(*t));
	t->eth[0] = 0x33;
	t->eth[1] = 0x33;
	memcpy(t->eth + 2, &group->s6_addr[12], 4);
	memcpy(t->eth + 6, mac, 6);
	t->eth[12] = 0x86;
	t->eth[13] = 0xdd;
	t->v6 = true;
	t->saddr6 = *saddr;
	t->daddr6 = *group;
	t->sport = sport;
	t->dport = dport;
	t->keep_source = keep_source;
}

bool frame_csum_trusted(uint32_t rx_status)
{
	return rx_status & (TP_STATUS_CSUM_VALID | TP_STATUS_CSUMNOTREADY);
}

/*
 * A single frame's hdr_len is the whole frame: the kernel copies it into
 * the skb instead of taking the ring's pages as fragments.  A fragment of
 * user memory marks the skb zero-copy, which a veth, a bridge or a local
 * receiver must copy anyway (skb_copy_ubufs: a page allocated per frame);
 * the copy into a linear skb is cheaper, and measured so (doc/datapath.md).
 * A GSO frame's hdr_len is its headers: its payload, up to 64 KiB, goes
 * into page fragments, and gso_size is the payload of each datagram cut
 * from it.
 */
static void put_vnet(uint8_t *v, bool offload, size_t hdr_len, unsigned iplen, uint16_t gso_size)
{
	struct virtio_net_hdr h = { .gso_type = gso_size ? VIRTIO_NET_HDR_GSO_UDP_L4
							 : VIRTIO_NET_HDR_GSO_NONE,
				    .hdr_len = htole16((uint16_t)hdr_len),
				    .gso_size = htole16(gso_size) };

	if (offload) {
		h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		h.csum_start = htole16((uint16_t)(ETH_LEN + iplen));
		h.csum_offset = htole16(6);
	}
	memcpy(v, &h, VNET_LEN);
}

/*
 * The UDP checksum of the frame whose IPv4 header ip and UDP header ip + 20
 * are written, for a UDP length of ulen: with offload the pseudo-header's
 * sum the device completes, else p's own checksum updated (ulen is p's).
 */
static uint16_t udp_check(const uint8_t *ip, const struct mcr_pkt *p, bool offload, size_t ulen)
{
	uint16_t check, old[6], new[6];
	struct in_addr s, d;

	if (offload) {
		memcpy(&s, ip + 12, 4);
		memcpy(&d, ip + 16, 4);
		return csum_pseudo4(s, d, (uint16_t)ulen);
	}
	memcpy(&check, p->udp + 6, 2);
	if (!check)
		return 0;
	memcpy(old, &p->src, 4);
	memcpy(old + 2, &p->dst, 4);
	memcpy(old + 4, p->udp, 4);     /* source and destination ports */
	memcpy(new, ip + 12, 8);        /* the addresses just written */
	memcpy(new + 4, ip + IP_LEN, 4);
	check = csum_replace(check, old, new, 6);
	return check ? check : 0xffff;
}

/*
 * The same for IPv6 (ip at the IPv6 header).  The parser drops a zero
 * IPv6 UDP checksum, so the datagram's is always one to update.
 */
static uint16_t udp_check6(const uint8_t *ip, const struct mcr_pkt *p, bool offload, size_t ulen)
{
	uint16_t check, old[18], new[18];
	struct in6_addr s, d;

	if (offload) {
		memcpy(&s, ip + 8, 16);
		memcpy(&d, ip + 24, 16);
		return csum_pseudo6(&s, &d, (uint16_t)ulen);
	}
	memcpy(&check, p->udp + 6, 2);
	memcpy(old, &p->src6, 16);
	memcpy(old + 8, &p->dst6, 16);
	memcpy(old + 16, p->udp, 4);    /* source and destination ports */
	memcpy(new, ip + 8, 32);        /* the addresses just written */
	memcpy(new + 16, ip + IP6_LEN, 4);
	check = csum_replace(check, old, new, 18);
	return check ? check : 0xffff;
}

/* The UDP header at uh of a datagram p as the output sends it, ulen long. */
static void put_udp(uint8_t *uh, const struct frame_tmpl *t, const struct mcr_pkt *p, size_t ulen)
{
	uint16_t sport = t->keep_source || !t->sport ? htons(p->sport) : t->sport;
	uint16_t len = htons((uint16_t)ulen);

	memcpy(uh, &sport, 2);
	memcpy(uh + 2, &t->dport, 2);
	memcpy(uh + 4, &len, 2);
}

/*
 * IPv6 headers after the virtio-net one, for plen bytes of UDP payload:
 * version, traffic class (the datagram's), no flow label; hop limit hlim.
 */
static size_t hdr_build6(uint8_t *buf, const struct frame_tmpl *t, const struct mcr_pkt *p,
			 bool offload, uint8_t hlim, size_t plen)
{
	uint8_t *ip = buf + VNET_LEN + ETH_LEN, *uh = ip + IP6_LEN;
	const struct in6_addr *src = t->keep_source ? &p->src6 : &t->saddr6;
	uint32_t vtc = htonl((6u << 28) | ((uint32_t)p->tos << 20));
	uint16_t ulen = htons((uint16_t)(UDP_LEN + plen));
	uint16_t check;

	memcpy(buf + VNET_LEN, t->eth, ETH_LEN);
	memcpy(ip, &vtc, 4);
	memcpy(ip + 4, &ulen, 2);       /* payload length: the UDP datagram */
	ip[6] = IPPROTO_UDP;
	ip[7] = hlim;
	memcpy(ip + 8, src, 16);
	memcpy(ip + 24, &t->daddr6, 16);
	put_udp(uh, t, p, UDP_LEN + plen);
	check = udp_check6(ip, p, offload, UDP_LEN + plen);
	memcpy(uh + 6, &check, 2);
	return VNET_LEN + ETH_LEN + IP6_LEN + UDP_LEN;
}

/* IPv4 headers after the virtio-net one, for plen bytes of UDP payload. */
static size_t hdr_build4(uint8_t *buf, const struct frame_tmpl *t, const struct mcr_pkt *p,
			 bool offload, uint8_t ttl, uint16_t ipid, size_t plen)
{
	uint8_t *ip = buf + VNET_LEN + ETH_LEN, *uh = ip + IP_LEN;
	struct in_addr src = t->keep_source ? p->src : t->saddr;
	uint16_t tot = htons((uint16_t)(IP_LEN + UDP_LEN + plen));
	uint16_t check;

	memcpy(buf + VNET_LEN, t->eth, ETH_LEN);
	ip[0] = 0x45;
	ip[1] = p->tos;
	memcpy(ip + 2, &tot, 2);
	ipid = htons(ipid);
	memcpy(ip + 4, &ipid, 2);
	ip[6] = ip[7] = 0;              /* no DF: fragmented like a UDP socket's */
	ip[8] = ttl;
	ip[9] = IPPROTO_UDP;
	ip[10] = ip[11] = 0;
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &t->daddr, 4);
	check = csum_ip(ip, IP_LEN);
	memcpy(ip + 10, &check, 2);
	put_udp(uh, t, p, UDP_LEN + plen);
	check = udp_check(ip, p, offload, UDP_LEN + plen);
	memcpy(uh + 6, &check, 2);
	return VNET_LEN + ETH_LEN + IP_LEN + UDP_LEN;
}

/*
 * Every header of a frame of t's family for plen bytes of UDP payload, the
 * virtio-net one last: hdr_len covers copy bytes past the headers, and
 * gso_size cuts it (0: one datagram).  Returns the headers' length.
 */
static size_t hdr_build(uint8_t *buf, const struct frame_tmpl *t, const struct mcr_pkt *p,
			bool offload, uint8_t ttl, uint16_t ipid, size_t plen, size_t copy,
			uint16_t gso_size)
{
	size_t hl = t->v6 ? hdr_build6(buf, t, p, offload, ttl, plen)
			  : hdr_build4(buf, t, p, offload, ttl, ipid, plen);

	put_vnet(buf, offload, hl - VNET_LEN + copy, t->v6 ? IP6_LEN : IP_LEN, gso_size);
	return hl;
}

size_t frame_build(uint8_t *buf, const struct frame_tmpl *t, const struct mcr_pkt *p,
		   uint32_t rx_status, uint8_t ttl, uint16_t ipid)
{
	size_t hl = hdr_build(buf, t, p, frame_csum_trusted(rx_status), ttl, ipid, p->len, p->len, 0);

	memcpy(buf + hl, p->payload, p->len);
	return hl + p->len;
}

size_t frame_build_gso(uint8_t *buf, const struct frame_tmpl *t, const struct mcr_pkt *p0,
		       uint8_t ttl, uint16_t ipid, size_t total)
{
	return hdr_build(buf, t, p0, true, ttl, ipid, total, 0, p0->len);
}
