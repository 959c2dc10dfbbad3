/* Socket setup for the traffic tools; every failure names the device or stream. */
#include "sockets.h"

#include "hdrseen.h"

#include "addr.h"
#include "cli.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int setint(int fd, int level, int opt, int val)
{
	return setsockopt(fd, level, opt, &val, sizeof(val)) ? -errno : 0;
}

/* The *FORCE variants exceed [rw]mem_max (needs CAP_NET_ADMIN); else best effort. */
static void set_buf(int fd, int force_opt, int opt, int bytes)
{
	if (setint(fd, SOL_SOCKET, force_opt, bytes))
		setint(fd, SOL_SOCKET, opt, bytes);
}

/* if_nametoindex + SO_BINDTODEVICE; on failure prints `device "X": reason`. */
static int bind_dev(int fd, const char *ctx, const char *dev, int *ifindex)
{
	int err;

	*ifindex = (int)if_nametoindex(dev);
	err = *ifindex ? 0 : -ENODEV;
	if (!err && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev, (socklen_t)strlen(dev) + 1))
		err = -errno;
	if (err)
		mcr_tool_err("%sdevice \"%s\": %s", ctx, dev, strerror(-err));
	return err;
}

socklen_t mcr_tool_sa_make(struct mcr_addr a, uint16_t port, int ifindex, union mcr_tool_sa *out)
{
	memset(out, 0, sizeof(*out));
	if (mcr_addr_is6(a)) {
		out->in6.sin6_family = AF_INET6;
		out->in6.sin6_addr = a.v6;
		out->in6.sin6_port = htons(port);
		/* Link-local groups and addresses need it; the kernel ignores it for the others. */
		out->in6.sin6_scope_id = (uint32_t)ifindex;
		return sizeof(out->in6);
	}
	out->in.sin_family = AF_INET;
	out->in.sin_addr = a.v4;
	out->in.sin_port = htons(port);
	return sizeof(out->in);
}

void mcr_tool_sa_get(const union mcr_tool_sa *sa, struct mcr_addr *a, uint16_t *port)
{
	*a = (struct mcr_addr){ .family = AF_UNSPEC };
	*port = 0;
	if (sa->sa.sa_family == AF_INET6) {
		*a = mcr_addr6(&sa->in6.sin6_addr);
		*port = ntohs(sa->in6.sin6_port);
	} else if (sa->sa.sa_family == AF_INET) {
		*a = mcr_addr4(sa->in.sin_addr);
		*port = ntohs(sa->in.sin_port);
	}
}

struct intopt {
	int level, opt, val;
};

/* Sets each option in turn; 0, or the first failure's -errno. */
static int set_all(int fd, const struct intopt *o, size_t n)
{
	int err = 0;

	for (size_t i = 0; i < n && !err; i++)
		err = setint(fd, o[i].level, o[i].opt, o[i].val);
	return err;
}

/* Outgoing interface, TTL / hop limit, TOS / traffic class, no loopback. */
static int sender_opts(int fd, int family, int ifindex, int ttl, int tos)
{
	const struct intopt v6[] = {
		{ IPPROTO_IPV6, IPV6_MULTICAST_IF, ifindex },
		{ IPPROTO_IPV6, IPV6_MULTICAST_HOPS, ttl },
		{ IPPROTO_IPV6, IPV6_UNICAST_HOPS, ttl },
		{ IPPROTO_IPV6, IPV6_TCLASS, tos },
		{ IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0 },
	};
	const struct intopt v4[] = {
		{ IPPROTO_IP, IP_MULTICAST_TTL, ttl },
		{ IPPROTO_IP, IP_TTL, ttl },
		{ IPPROTO_IP, IP_TOS, tos },
		{ IPPROTO_IP, IP_MULTICAST_LOOP, 0 },
	};
	struct ip_mreqn mr = { .imr_ifindex = ifindex };

	if (family == AF_INET6)
		return set_all(fd, v6, sizeof(v6) / sizeof(v6[0]));
	if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mr, sizeof(mr)))
		return -errno;
	return set_all(fd, v4, sizeof(v4) / sizeof(v4[0]));
}

static int sender_setup(int fd, const char *dev, int family, int ttl, int tos,
			struct mcr_addr src, int *ifindex)
{
	union mcr_tool_sa sa;
	socklen_t len;
	char ab[MCR_ADDRSTRLEN];
	int err;

	err = bind_dev(fd, "", dev, ifindex);
	if (err)
		return err;
	if ((err = sender_opts(fd, family, *ifindex, ttl, tos))) {
		mcr_tool_err("device \"%s\": cannot set multicast options: %s", dev, strerror(-err));
		return err;
	}
	set_buf(fd, SO_SNDBUFFORCE, SO_SNDBUF, MCR_TOOL_SNDBUF);
	if (!mcr_addr_set(src))
		return 0;
	len = mcr_tool_sa_make(src, 0, *ifindex, &sa);
	if (bind(fd, &sa.sa, len)) {
		err = -errno;
		mcr_tool_err("source %s: %s", mcr_addr_str(src, ab), strerror(errno));
		return err;
	}
	return 0;
}

int mcr_tool_sender_open(const char *dev, int family, int ttl, int tos, struct mcr_addr src,
			 int *ifindex)
{
	int fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0), err;

	if (fd < 0) {
		err = -errno;
		mcr_tool_err("socket: %s", strerror(errno));
		return err;
	}
	err = sender_setup(fd, dev, family, ttl, tos, src, ifindex);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

/* Joins by interface index, so an unnumbered device works too; MLD for IPv6. */
static int join(int fd, const struct mcr_tool_stream *s, int ifindex)
{
	struct group_source_req gsr = { .gsr_interface = (uint32_t)ifindex };
	struct group_req gr = { .gr_interface = (uint32_t)ifindex };
	int level = mcr_addr_is6(s->group) ? IPPROTO_IPV6 : IPPROTO_IP;
	union mcr_tool_sa sa;
	socklen_t len;

	len = mcr_tool_sa_make(s->group, 0, 0, &sa);
	if (!s->has_source) {
		memcpy(&gr.gr_group, &sa, len);
		return setsockopt(fd, level, MCAST_JOIN_GROUP, &gr, sizeof(gr)) ? -errno : 0;
	}
	memcpy(&gsr.gsr_group, &sa, len);
	len = mcr_tool_sa_make(s->source, 0, 0, &sa);
	memcpy(&gsr.gsr_source, &sa, len);
	return setsockopt(fd, level, MCAST_JOIN_SOURCE_GROUP, &gsr, sizeof(gsr)) ? -errno : 0;
}

/*
 * Only this stream's datagrams: without *_MULTICAST_ALL off Linux hands
 * the socket every group joined on the host for the port, and an IPv6
 * socket would take IPv4 too.
 */
static int receiver_opts(int fd, bool v6, const char *ctx)
{
	int err;

	if (v6 && !(err = setint(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1)))
		err = setint(fd, IPPROTO_IPV6, IPV6_MULTICAST_ALL, 0);
	else if (!v6)
		err = setint(fd, IPPROTO_IP, IP_MULTICAST_ALL, 0);
	if (err) {
		mcr_tool_err("%s%s: %s", ctx, v6 ? "IPV6_V6ONLY/IPV6_MULTICAST_ALL" : "IP_MULTICAST_ALL",
			     strerror(-err));
		return err;
	}
	set_buf(fd, SO_RCVBUFFORCE, SO_RCVBUF, MCR_TOOL_RCVBUF);
	if ((err = mcr_tool_hdrs_enable(fd, v6)))
		mcr_tool_err("%s%s: %s", ctx, v6 ? "IPV6_RECVHOPLIMIT/IPV6_RECVTCLASS" :
			     "IP_RECVTTL/IP_RECVTOS", strerror(-err));
	return err;
}

static int receiver_setup(int fd, const struct mcr_tool_stream *s, const char *ctx)
{
	bool mcast = mcr_addr_is_multicast(s->group), v6 = mcr_addr_is6(s->group);
	struct mcr_addr any = v6 ? mcr_addr6(&in6addr_any) : mcr_addr4((struct in_addr){ 0 });
	union mcr_tool_sa sa;
	socklen_t len;
	int ifindex, err;

	if ((err = setint(fd, SOL_SOCKET, SO_REUSEADDR, 1))) {
		mcr_tool_err("%sSO_REUSEADDR: %s", ctx, strerror(-err));
		return err;
	}
	if ((err = bind_dev(fd, ctx, s->dev, &ifindex)) || (err = receiver_opts(fd, v6, ctx)))
		return err;
	len = mcr_tool_sa_make(mcast ? s->group : any, s->port, ifindex, &sa);
	if (bind(fd, &sa.sa, len)) {
		err = -errno;
		mcr_tool_err("%sbind: %s", ctx, strerror(errno));
		return err;
	}
	if (mcast && (err = join(fd, s, ifindex)))
		mcr_tool_err("%sjoin failed: %s", ctx, strerror(-err));
	return err;
}

int mcr_tool_receiver_open(const struct mcr_tool_stream *s)
{
	char ctx[192], sb[160];
	int fd, err;

	snprintf(ctx, sizeof(ctx), "stream %s: ", mcr_tool_stream_str(s, sb, sizeof(sb)));
	fd = socket(mcr_addr_is6(s->group) ? AF_INET6 : AF_INET,
		    SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err = -errno;
		mcr_tool_err("%ssocket: %s", ctx, strerror(errno));
		return err;
	}
	err = receiver_setup(fd, s, ctx);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}
