/* Internet checksums; the sums are byte-order independent (RFC 1071 2(B)). */
#include "csum.h"

#include <string.h>

uint32_t csum_add(uint32_t sum, const void *p, size_t len)
{
	const uint8_t *b = p;
	uint64_t s = sum;

	/* 32 bits at a time into a 64-bit accumulator: no carry is lost. */
	for (; len >= 4; b += 4, len -= 4) {
		uint32_t w;

		memcpy(&w, b, 4);
		s += w;
	}
	if (len >= 2) {
		uint16_t h;

		memcpy(&h, b, 2);
		s += h;
		b += 2;
		len -= 2;
	}
	if (len) {
		uint16_t h = 0;

		memcpy(&h, b, 1); /* the odd byte, padded: its place in memory decides */
		s += h;
	}
	while (s >> 32)
		s = (s & 0xffffffffu) + (s >> 32);
	return (uint32_t)s;
}

uint16_t csum_fold(uint32_t sum)
{
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

uint16_t csum_ip(const void *hdr, size_t hlen)
{
	return (uint16_t)~csum_fold(csum_add(0, hdr, hlen));
}

uint16_t csum_pseudo4(struct in_addr src, struct in_addr dst, uint16_t udp_len)
{
	uint16_t tail[2] = { htons(IPPROTO_UDP), htons(udp_len) };
	uint32_t s = csum_add(0, &src, 4);

	s = csum_add(s, &dst, 4);
	return csum_fold(csum_add(s, tail, sizeof(tail)));
}

uint16_t csum_replace(uint16_t check, const uint16_t *old, const uint16_t *new, size_t n)
{
	uint32_t s = (uint16_t)~check;

	for (size_t i = 0; i < n; i++)
		s += (uint16_t)~old[i] + (uint32_t)new[i];
	return (uint16_t)~csum_fold(s);
}

uint16_t csum_pseudo6(const struct in6_addr *src, const struct in6_addr *dst, uint16_t udp_len)
{
	uint16_t tail[4] = { 0, htons(udp_len), 0, htons(IPPROTO_UDP) };
	uint32_t s = csum_add(0, src, 16);

	s = csum_add(s, dst, 16);
	return csum_fold(csum_add(s, tail, sizeof(tail)));
}

bool csum_udp6_ok(const struct in6_addr *src, const struct in6_addr *dst, const void *udp,
		  uint16_t ulen)
{
	uint32_t s = csum_pseudo6(src, dst, ulen);

	return csum_fold(csum_add(s, udp, ulen)) == 0xffff;
}

bool csum_udp4_ok(struct in_addr src, struct in_addr dst, const void *udp, uint16_t ulen)
{
	uint32_t s = csum_pseudo4(src, dst, ulen);

	return csum_fold(csum_add(s, udp, ulen)) == 0xffff;
}
