/* Parsing and stepping of stream specifications. */
#include "stream.h"

#include "addr.h"
#include "esc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define MAX_FIELDS 4

/* Splits a copy of spec at ':' into at most MAX_FIELDS fields; -EINVAL if more. */
static int split(char *copy, char *field[MAX_FIELDS], int *n)
{
	char *p = copy;

	for (*n = 0; *n < MAX_FIELDS; (*n)++) {
		field[*n] = p;
		p = strchr(p, ':');
		if (!p) {
			(*n)++;
			return 0;
		}
		*p++ = '\0';
	}
	return -EINVAL;
}

__attribute__((format(printf, 3, 4)))
static int fail(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

int mcr_tool_stream_parse(const char *spec, struct mcr_tool_stream *out,
			  char *why, size_t whylen)
{
	char copy[128], *f[MAX_FIELDS];
	int n;

	memset(out, 0, sizeof(*out));
	if (strlen(spec) >= sizeof(copy))
		return fail(why, whylen, "too long");
	strcpy(copy, spec);
	if (split(copy, f, &n) || n < 3)
		return fail(why, whylen, "expected DEV:GROUP:PORT[:SOURCE]");
	if (!mcr_ifname_valid(f[0]))
		return fail(why, whylen, "\"%s\" is not a valid interface name",
			    mcr_esc_name(f[0]));
	strcpy(out->dev, f[0]);
	if (mcr_parse_ipv4(f[1], &out->group))
		return fail(why, whylen, "\"%s\" is not a valid IPv4 address",
			    mcr_esc_name(f[1]));
	if (mcr_parse_port(f[2], &out->port))
		return fail(why, whylen, "\"%s\" is not a port (1..65535)",
			    mcr_esc_name(f[2]));
	if (n == 4) {
		if (mcr_parse_ipv4(f[3], &out->source))
			return fail(why, whylen, "\"%s\" is not a valid IPv4 address",
				    mcr_esc_name(f[3]));
		if (!mcr_ipv4_is_multicast(out->group))
			return fail(why, whylen, "a SOURCE needs a multicast GROUP, not %s", f[1]);
		out->has_source = true;
	}
	return 0;
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

int mcr_tool_stream_step(const struct mcr_tool_stream *base, enum mcr_tool_step step,
			 unsigned i, struct mcr_tool_stream *out)
{
	uint32_t g = ntohl(base->group.s_addr);

	*out = *base;
	if (step == MCR_TOOL_STEP_PORT) {
		if (i > 65535u - base->port)
			return -ERANGE;
		out->port = (uint16_t)(base->port + i);
	} else {
		if (i > UINT32_MAX - g)
			return -ERANGE;
		out->group.s_addr = htonl(g + i);
		/* Stepping off the end of 239/8 must not turn into unicast. */
		if (mcr_ipv4_is_multicast(base->group) && !mcr_ipv4_is_multicast(out->group))
			return -ERANGE;
	}
	return 0;
}
