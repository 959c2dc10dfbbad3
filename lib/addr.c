/* Strict parsers (reject what inet_aton/strtoul would silently accept) and address helpers. */
#include "addr.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int mcr_parse_ipv4(const char *s, struct in_addr *out)
{
	/* inet_pton(AF_INET) takes exactly four decimal octets. */
	if (!s || inet_pton(AF_INET, s, out) != 1)
		return -EINVAL;
	return 0;
}

int mcr_addr_parse(const char *s, struct mcr_addr *out)
{
	struct mcr_addr a = { .family = AF_INET };

	if (!s)
		return -EINVAL;
	if (inet_pton(AF_INET, s, &a.v4) == 1) {
		*out = a;
		return 0;
	}
	a = (struct mcr_addr){ .family = AF_INET6 };
	/* inet_pton(AF_INET6) refuses brackets and zones; the mapped form we refuse. */
	if (inet_pton(AF_INET6, s, &a.v6) != 1 || IN6_IS_ADDR_V4MAPPED(&a.v6))
		return -EINVAL;
	*out = a;
	return 0;
}

int mcr_parse_uint(const char *s, unsigned long lo, unsigned long hi, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (!s || !isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (*end)
		return -EINVAL;
	/* Digits only, so errno can only be ERANGE: too large, whatever hi is. */
	if (errno || v < lo || v > hi)
		return -ERANGE;
	*out = v;
	return 0;
}

int mcr_parse_port(const char *s, uint16_t *out)
{
	unsigned long v;
	int err = mcr_parse_uint(s, 1, 65535, &v);

	if (err)
		return err;
	*out = (uint16_t)v;
	return 0;
}

bool mcr_ifname_valid(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n >= IFNAMSIZ || !strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	/*
	 * Stricter than the kernel: printable ASCII only, and no quote or
	 * backslash, so that the default rule name (dev:group:port) is a valid
	 * name and every text and JSON output prints the name as it is.
	 */
	for (size_t i = 0; i < n; i++)
		if (name[i] == '/' || name[i] == ':' || name[i] == '"' || name[i] == '\\' ||
		    !isgraph((unsigned char)name[i]))
			return false;
	return true;
}

bool mcr_ipv4_is_multicast(struct in_addr a)
{
	return IN_MULTICAST(ntohl(a.s_addr));
}

const char *mcr_ipv4_str(struct in_addr a, char *buf)
{
	inet_ntop(AF_INET, &a, buf, MCR_ADDRSTRLEN);
	return buf;
}

bool mcr_addr_equal(struct mcr_addr a, struct mcr_addr b)
{
	return mcr_addr_cmp(a, b) == 0;
}

int mcr_addr_cmp(struct mcr_addr a, struct mcr_addr b)
{
	int c;

	if (a.family != b.family)
		return a.family < b.family ? -1 : 1;
	if (a.family == AF_INET)
		c = memcmp(&a.v4, &b.v4, sizeof(a.v4));
	else if (a.family == AF_INET6)
		c = memcmp(&a.v6, &b.v6, sizeof(a.v6));
	else
		c = 0;
	return c < 0 ? -1 : c > 0;
}

bool mcr_addr_is_multicast(struct mcr_addr a)
{
	if (a.family == AF_INET)
		return mcr_ipv4_is_multicast(a.v4);
	return a.family == AF_INET6 && IN6_IS_ADDR_MULTICAST(&a.v6);
}

int mcr_addr_mc_scope(struct mcr_addr a)
{
	if (a.family != AF_INET6 || !IN6_IS_ADDR_MULTICAST(&a.v6))
		return -1;
	return a.v6.s6_addr[1] & 0x0f;
}

const char *mcr_addr_scope_problem(struct mcr_addr g)
{
	int scope = mcr_addr_mc_scope(g);

	if (scope == 1)
		return "is interface-local: it never leaves the host";
	if (scope == 0 || scope == 15)
		return "has a reserved scope";
	return NULL;
}

bool mcr_addr_is_host(struct mcr_addr a)
{
	uint32_t h;

	if (a.family == AF_INET6)
		return !IN6_IS_ADDR_UNSPECIFIED(&a.v6) && !IN6_IS_ADDR_LOOPBACK(&a.v6) &&
		       !IN6_IS_ADDR_MULTICAST(&a.v6) && !IN6_IS_ADDR_V4MAPPED(&a.v6);
	if (a.family != AF_INET)
		return false;
	h = ntohl(a.v4.s_addr);
	return h != INADDR_ANY && h != INADDR_BROADCAST && (h >> 24) != 127 && !IN_MULTICAST(h);
}

const char *mcr_addr_str(struct mcr_addr a, char *buf)
{
	if (a.family == AF_INET)
		inet_ntop(AF_INET, &a.v4, buf, MCR_ADDRSTRLEN);
	else if (a.family == AF_INET6)
		inet_ntop(AF_INET6, &a.v6, buf, MCR_ADDRSTRLEN);
	else
		snprintf(buf, MCR_ADDRSTRLEN, "*");
	return buf;
}

const char *mcr_addr_family_name(struct mcr_addr a)
{
	return a.family == AF_INET ? "IPv4" : a.family == AF_INET6 ? "IPv6" : "none";
}

const char *mcr_addr_port_str(struct mcr_addr a, uint16_t port, char *buf)
{
	char g[MCR_ADDRSTRLEN];

	snprintf(buf, MCR_ADDRPORTSTRLEN, mcr_addr_is6(a) ? "[%s]:%u" : "%s:%u",
		 mcr_addr_str(a, g), port);
	return buf;
}
