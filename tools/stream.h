/* A traffic stream: device, group (or unicast address), port, optional source. */
#ifndef MCR_TOOL_STREAM_H
#define MCR_TOOL_STREAM_H

#include "addr.h"

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MCR_TOOL_MAX_STREAMS 4096 /* per --streams expansion */

struct mcr_tool_stream {
	char dev[IFNAMSIZ];
	struct mcr_addr group;  /* multicast group or unicast address, IPv4 or IPv6 */
	uint16_t port;          /* host order */
	bool has_source;
	struct mcr_addr source; /* source-specific join when has_source; group's family */
};

/* How --streams derives stream i from the first one. */
enum mcr_tool_step { MCR_TOOL_STEP_PORT, MCR_TOOL_STEP_GROUP };

/*
 * Parses "DEV:GROUP:PORT[:SOURCE]", an IPv6 GROUP in brackets
 * ("d0:[ff0e::2]:7000"), an IPv6 SOURCE with or without them.  0, or
 * -EINVAL with the reason written to why (e.g. "\"300.1.1.1\" is not a valid
 * IPv4 or IPv6 address").
 */
int mcr_tool_stream_parse(const char *spec, struct mcr_tool_stream *out,
			  char *why, size_t whylen);
/* "port" or "group"; 0 or -EINVAL. */
int mcr_tool_step_parse(const char *s, enum mcr_tool_step *out);
/*
 * Stream i of a --streams expansion (an IPv6 group steps in its last 32
 * bits); -ERANGE past port 65535, the address range or out of multicast.
 */
int mcr_tool_stream_step(const struct mcr_tool_stream *base, enum mcr_tool_step step,
			 unsigned i, struct mcr_tool_stream *out);
/* "DEV:G:P[:S]" with brackets around IPv6 (into buf of len bytes); returns buf. */
const char *mcr_tool_stream_str(const struct mcr_tool_stream *s, char *buf, size_t len);

#endif
