/* Addresses (IPv4 and IPv6), port and interface-name parsing shared by mcrd and mcrctl. */
#ifndef MCR_ADDR_H
#define MCR_ADDR_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#define MCR_ADDRSTRLEN 46 /* INET6_ADDRSTRLEN: either family */

/*
 * An address of either family.  AF_UNSPEC is "no address" (an input
 * without a source: any source).  The bytes of the union beyond the
 * family's are zero, so two equal addresses are equal in memory too.
 */
struct mcr_addr {
	uint8_t family; /* AF_INET, AF_INET6 or AF_UNSPEC */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	};
};

static inline struct mcr_addr mcr_addr4(struct in_addr a)
{
	struct mcr_addr r = { .family = AF_INET };

	r.v4 = a;
	return r;
}

static inline struct mcr_addr mcr_addr6(const struct in6_addr *a)
{
	struct mcr_addr r = { .family = AF_INET6 };

	r.v6 = *a;
	return r;
}

static inline bool mcr_addr_set(struct mcr_addr a)
{
	return a.family != AF_UNSPEC;
}

static inline bool mcr_addr_is6(struct mcr_addr a)
{
	return a.family == AF_INET6;
}

/* 0.0.0.0 and :: as AF_UNSPEC: a source given as "any". */
static inline struct mcr_addr mcr_addr_any_unset(struct mcr_addr a)
{
	if ((a.family == AF_INET && a.v4.s_addr == INADDR_ANY) ||
	    (a.family == AF_INET6 && IN6_IS_ADDR_UNSPECIFIED(&a.v6)))
		return (struct mcr_addr){ .family = AF_UNSPEC };
	return a;
}

/* Dotted quad only ("1.2.3.4"); 0 or -EINVAL. */
int mcr_parse_ipv4(const char *s, struct in_addr *out);
/*
 * A dotted quad or an IPv6 address in RFC 4291 text form (no brackets, no
 * zone "%eth0", no IPv4-mapped "::ffff:1.2.3.4": the IPv4 form says it);
 * 0 or -EINVAL.
 */
int mcr_addr_parse(const char *s, struct mcr_addr *out);
/* Decimal 1..65535; 0 or -EINVAL / -ERANGE. */
int mcr_parse_port(const char *s, uint16_t *out);
/* Decimal lo..hi; 0, -EINVAL (not digits only) or -ERANGE (any number outside). */
int mcr_parse_uint(const char *s, unsigned long lo, unsigned long hi, unsigned long *out);
/* A name the kernel would accept for a network interface. */
bool mcr_ifname_valid(const char *name);
bool mcr_ipv4_is_multicast(struct in_addr a);
/* Formats into buf (MCR_ADDRSTRLEN bytes) and returns it. */
const char *mcr_ipv4_str(struct in_addr a, char *buf);

/* Same family and address (two AF_UNSPEC are equal). */
bool mcr_addr_equal(struct mcr_addr a, struct mcr_addr b);
/* Total order: by family, then address bytes in network order. */
int mcr_addr_cmp(struct mcr_addr a, struct mcr_addr b);
bool mcr_addr_is_multicast(struct mcr_addr a);
/*
 * The IPv6 multicast scope (RFC 7346: 1 interface-local, 2 link-local,
 * 5 site-local, 8 organisation-local, 14 global), or -1 when a is not IPv6
 * multicast.
 */
int mcr_addr_mc_scope(struct mcr_addr a);
/*
 * Why multicast group g cannot be relayed for its scope ("is interface-local:
 * it never leaves the host", "has a reserved scope"), or NULL.
 */
const char *mcr_addr_scope_problem(struct mcr_addr g);
/* A unicast host: not unspecified, multicast, broadcast or loopback. */
bool mcr_addr_is_host(struct mcr_addr a);
/* Formats into buf (MCR_ADDRSTRLEN bytes), "*" for AF_UNSPEC, and returns it. */
const char *mcr_addr_str(struct mcr_addr a, char *buf);
#define MCR_ADDRPORTSTRLEN (MCR_ADDRSTRLEN + 8)
/* "G:P", or "[G]:P" for IPv6, into buf (MCR_ADDRPORTSTRLEN bytes); returns buf. */
const char *mcr_addr_port_str(struct mcr_addr a, uint16_t port, char *buf);
/* For messages: "IPv4", "IPv6" or "none". */
const char *mcr_addr_family_name(struct mcr_addr a);

#endif
