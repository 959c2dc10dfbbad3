/*
 * Internet checksums (RFC 1071) and their incremental update (RFC 1624),
 * over data in network byte order.  Sums are kept unfolded in 32 bits
 * until csum_fold().
 */
#ifndef MCR_CSUM_H
#define MCR_CSUM_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Adds len bytes at p to sum (an odd last byte is padded with zero). */
uint32_t csum_add(uint32_t sum, const void *p, size_t len);
/* Folds a sum to 16 bits, not complemented. */
uint16_t csum_fold(uint32_t sum);
/* The checksum of an IPv4 header of hlen bytes (its checksum field included). */
uint16_t csum_ip(const void *hdr, size_t hlen);
/* The folded (not complemented) sum of the UDP/IPv4 pseudo-header. */
uint16_t csum_pseudo4(struct in_addr src, struct in_addr dst, uint16_t udp_len);
/* The folded (not complemented) sum of the UDP/IPv6 pseudo-header (RFC 8200 8.1). */
uint16_t csum_pseudo6(const struct in6_addr *src, const struct in6_addr *dst, uint16_t udp_len);
/* Whether a UDP/IPv4 datagram of ulen bytes at udp (header first) checks out. */
bool csum_udp4_ok(struct in_addr src, struct in_addr dst, const void *udp, uint16_t ulen);
/* Whether a UDP/IPv6 datagram of ulen bytes at udp checks out (RFC 8200 8.1 pseudo-header). */
bool csum_udp6_ok(const struct in6_addr *src, const struct in6_addr *dst, const void *udp,
		  uint16_t ulen);
/*
 * RFC 1624 eqn. 3: the checksum check after the 16-bit words old[0..n) of
 * the covered data became new[0..n).  A wrong checksum stays wrong by the
 * same amount: an update never makes a damaged datagram look intact.
 */
uint16_t csum_replace(uint16_t check, const uint16_t *old, const uint16_t *new, size_t n);

#endif
