/* Literal HOST:PORT listening addresses (hostport.h). */
#include "hostport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "addr.h"

static int fail(const char **why, const char *reason)
{
	*why = reason;
	return -EINVAL;
}

int mcr_parse_hostport(const char *s, struct sockaddr_storage *ss, socklen_t *len,
		       const char **why)
{
	char host[INET6_ADDRSTRLEN];
	const char *colon, *h = s;
	size_t hl;
	uint16_t port;

	memset(ss, 0, sizeof(*ss));
	if (!s || strlen(s) >= MCR_HOSTPORT_MAX)
		return fail(why, "not an address and port (HOST:PORT)");
	if (*s == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':')
			return fail(why, "an IPv6 address goes in brackets: [ADDR]:PORT");
		h = s + 1;
		hl = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon || colon == s)
			return fail(why, "not an address and port (HOST:PORT)");
		hl = (size_t)(colon - s);
	}
	if (mcr_parse_port(colon + 1, &port))
		return fail(why, "the port must be 1..65535");
	if (hl >= sizeof(host))
		return fail(why, "not an IPv4 or IPv6 address");
	memcpy(host, h, hl);
	host[hl] = 0;
	if (*s == '[') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;

		if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1)
			return fail(why, "not an IPv6 address in the brackets");
		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		*len = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		if (mcr_parse_ipv4(host, &a->sin_addr))
			return fail(why, strchr(host, ':') ? "an IPv6 address goes in brackets: [ADDR]:PORT"
							   : "not an IPv4 address");
		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		*len = sizeof(*a);
	}
	return 0;
}
