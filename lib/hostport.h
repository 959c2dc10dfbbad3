/*
 * "HOST:PORT" listening addresses, as the `metrics` setting takes them:
 * an IPv4 address ("127.0.0.1:9810", "0.0.0.0:9810") or a bracketed IPv6
 * one ("[::1]:9810", "[::]:9810"), and a port 1..65535.  Literal
 * addresses only: a name would need the resolver at start-up.
 */
#ifndef MCR_HOSTPORT_H
#define MCR_HOSTPORT_H

#include <sys/socket.h>

#define MCR_HOSTPORT_MAX 64   /* longest accepted text, NUL included */

/*
 * 0 and the address in *ss (*len bytes), or -EINVAL with why the text is
 * not one (a static string, for "metrics: ...: <why>").
 */
int mcr_parse_hostport(const char *s, struct sockaddr_storage *ss, socklen_t *len,
		       const char **why);

#endif
