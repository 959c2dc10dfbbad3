/* Strict parsers: reject what inet_aton/strtoul would silently accept. */
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
