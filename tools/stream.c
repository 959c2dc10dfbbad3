/* Parsing and stepping of stream specifications. */
#include "stream.h"

#include "addr.h"
#include "esc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

__attribute__((format(printf, 3, 4)))
static int fail(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/*
 * Cuts the next field off *p: "[...]" (brackets dropped) followed by ':' or
 * the end, else up to the next ':' or, when rest is set, to the end.
 * NULL when nothing is left or a bracket is not closed where it should be.
 */
static char *next_field(char **p, bool rest)
{
	char *f = *p, *e;

	if (!f)
		return NULL;
	if (*f == '[') {
		e = strchr(++f, ']');
		if (!e || (e[1] && e[1] != ':'))
			return NULL;
		*e++ = '\0';
	} else {
		e = rest ? NULL : strchr(f, ':');
		if (!e) {
			*p = NULL;
			return f;
		}
	}
	*p = *e ? e + 1 : NULL;
	*e = '\0';
	return f;
}

/* "DEV:G" of a spec whose G has no brackets but a colon: an IPv6 group written bare. */
static bool bare_ipv6(const char *spec)
{
	const char *g = strchr(spec, ':');
	int colons = 0;

	if (!g || g[1] == '[')
		return false;
	for (const char *c = g; *c; c++)
		colons += *c == ':';
	return colons > 3 || strstr(g + 1, "::");
}

static int parse_source(const char *f, struct mcr_tool_stream *out, char *why, size_t whylen)
{
	char ab[MCR_ADDRSTRLEN];

	if (mcr_addr_parse(f, &out->source))
		return fail(why, whylen, "\"%s\" is not a valid IPv4 or IPv6 address",
			    mcr_esc_name(f));
	if (!mcr_addr_is_multicast(out->group))
		return fail(why, whylen, "a SOURCE needs a multicast GROUP, not %s",
			    mcr_addr_str(out->group, ab));
	if (out->source.family != out->group.family)
		return fail(why, whylen, "SOURCE %s is %s, the GROUP %s",
			    mcr_addr_str(out->source, ab), mcr_addr_family_name(out->source),
			    mcr_addr_family_name(out->group));
	out->has_source = true;
	return 0;
}

int mcr_tool_stream_parse(const char *spec, struct mcr_tool_stream *out,
			  char *why, size_t whylen)
{
	char copy[128], *p, *dev, *group, *port, *src;

	memset(out, 0, sizeof(*out));
	if (strlen(spec) >= sizeof(copy))
		return fail(why, whylen, "too long");
	strcpy(copy, spec);
	/* A device name has no ':', so DEV never needs brackets. */
	dev = copy;
	p = strchr(copy, ':');
	if (p)
		*p++ = '\0';
	group = next_field(&p, false);
	port = next_field(&p, false);
	src = next_field(&p, true);
	if (bare_ipv6(spec) && (!port || mcr_addr_parse(group, &out->group)))
		return fail(why, whylen, "an IPv6 GROUP goes in brackets: DEV:[GROUP]:PORT[:SOURCE]");
	if (!group || !port || p || (src && !*src))
		return fail(why, whylen, "expected DEV:GROUP:PORT[:SOURCE] (IPv6: DEV:[GROUP]:PORT)");
	if (!mcr_ifname_valid(dev))
		return fail(why, whylen, "\"%s\" is not a valid interface name", mcr_esc_name(dev));
	strcpy(out->dev, dev);
	if (mcr_addr_parse(group, &out->group))
		return fail(why, whylen, "\"%s\" is not a valid IPv4 or IPv6 address",
			    mcr_esc_name(group));
	if (mcr_parse_port(port, &out->port))
		return fail(why, whylen, "\"%s\" is not a port (1..65535)", mcr_esc_name(port));
	return src ? parse_source(src, out, why, whylen) : 0;
}

int mcr_tool_step_parse(const char *s, enum mcr_tool_step *out)
{
	if (!strcmp(s, "port"))
		*out = MCR_TOOL_STEP_PORT;
	else if (!strcmp(s, "group"))
		*out = MCR_TOOL_STEP_GROUP;
	else
		return -EINVAL;
	return 0;
}

/* Adds i to the last 32 bits of an IPv6 address; -ERANGE when they overflow. */
static int step6(struct in6_addr *a, unsigned i)
{
	uint32_t low;

	memcpy(&low, &a->s6_addr[12], sizeof(low));
	low = ntohl(low);
	if (i > UINT32_MAX - low)
		return -ERANGE;
	low = htonl(low + i);
	memcpy(&a->s6_addr[12], &low, sizeof(low));
	return 0;
}

int mcr_tool_stream_step(const struct mcr_tool_stream *base, enum mcr_tool_step step,
			 unsigned i, struct mcr_tool_stream *out)
{
	*out = *base;
	if (step == MCR_TOOL_STEP_PORT) {
		if (i > 65535u - base->port)
			return -ERANGE;
		out->port = (uint16_t)(base->port + i);
	} else if (mcr_addr_is6(base->group)) {
		return step6(&out->group.v6, i);
	} else {
		uint32_t g = ntohl(base->group.v4.s_addr);

		if (i > UINT32_MAX - g)
			return -ERANGE;
		out->group.v4.s_addr = htonl(g + i);
		/* Stepping off the end of 239/8 must not turn into unicast. */
		if (mcr_addr_is_multicast(base->group) && !mcr_addr_is_multicast(out->group))
			return -ERANGE;
	}
	return 0;
}

const char *mcr_tool_stream_str(const struct mcr_tool_stream *s, char *buf, size_t len)
{
	char gp[MCR_ADDRPORTSTRLEN], src[MCR_ADDRSTRLEN];

	snprintf(buf, len, "%s:%s%s%s%s%s", s->dev, mcr_addr_port_str(s->group, s->port, gp),
		 s->has_source ? ":" : "", s->has_source && mcr_addr_is6(s->source) ? "[" : "",
		 s->has_source ? mcr_addr_str(s->source, src) : "",
		 s->has_source && mcr_addr_is6(s->source) ? "]" : "");
	return buf;
}
