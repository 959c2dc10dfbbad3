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

static int sender_setup(int fd, const char *dev, int ttl, int tos, struct in_addr src)
{
	struct ip_mreqn mr = { 0 };
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr = src };
	char ab[MCR_ADDRSTRLEN];
	int err;

	err = bind_dev(fd, "", dev, &mr.imr_ifindex);
	if (err)
		return err;
	if (setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mr, sizeof(mr)) ||
	    setint(fd, IPPROTO_IP, IP_MULTICAST_TTL, ttl) ||
	    setint(fd, IPPROTO_IP, IP_TTL, ttl) || setint(fd, IPPROTO_IP, IP_TOS, tos) ||
	    setint(fd, IPPROTO_IP, IP_MULTICAST_LOOP, 0)) {
		err = -errno;
		mcr_tool_err("device \"%s\": cannot set multicast options: %s", dev, strerror(errno));
		return err;
	}
	set_buf(fd, SO_SNDBUFFORCE, SO_SNDBUF, MCR_TOOL_SNDBUF);
	if (src.s_addr != htonl(INADDR_ANY) && bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		err = -errno;
		mcr_tool_err("source %s: %s", mcr_ipv4_str(src, ab), strerror(errno));
		return err;
	}
	return 0;
}

int mcr_tool_sender_open(const char *dev, int ttl, int tos, struct in_addr src)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), err;

	if (fd < 0) {
		err = -errno;
		mcr_tool_err("socket: %s", strerror(errno));
		return err;
	}
	err = sender_setup(fd, dev, ttl, tos, src);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

/* Joins by interface index, so an unnumbered device works too. */
static int join(int fd, const struct mcr_tool_stream *s, int ifindex)
{
	struct group_source_req gsr = { .gsr_interface = (uint32_t)ifindex };
	struct sockaddr_in *g = (struct sockaddr_in *)&gsr.gsr_group;
	struct sockaddr_in *src = (struct sockaddr_in *)&gsr.gsr_source;
	struct ip_mreqn mr = { .imr_multiaddr = s->group, .imr_ifindex = ifindex };

	if (!s->has_source)
		return setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, sizeof(mr)) ? -errno : 0;
	g->sin_family = AF_INET;
	g->sin_addr = s->group;
	src->sin_family = AF_INET;
	src->sin_addr = s->source;
	return setsockopt(fd, IPPROTO_IP, MCAST_JOIN_SOURCE_GROUP, &gsr, sizeof(gsr)) ? -errno : 0;
}

static int receiver_setup(int fd, const struct mcr_tool_stream *s, const char *ctx)
{
	bool mcast = mcr_ipv4_is_multicast(s->group);
	struct sockaddr_in sa = {
		.sin_family = AF_INET,
		.sin_port = htons(s->port),
		.sin_addr.s_addr = mcast ? s->group.s_addr : htonl(INADDR_ANY),
	};
	int ifindex, err;

	if ((err = setint(fd, SOL_SOCKET, SO_REUSEADDR, 1))) {
		mcr_tool_err("%sSO_REUSEADDR: %s", ctx, strerror(-err));
		return err;
	}
	if ((err = bind_dev(fd, ctx, s->dev, &ifindex)))
		return err;
	/* Otherwise Linux hands this socket every group joined on the host for the port. */
	if ((err = setint(fd, IPPROTO_IP, IP_MULTICAST_ALL, 0))) {
		mcr_tool_err("%sIP_MULTICAST_ALL: %s", ctx, strerror(-err));
		return err;
	}
	set_buf(fd, SO_RCVBUFFORCE, SO_RCVBUF, MCR_TOOL_RCVBUF);
	if ((err = mcr_tool_hdrs_enable(fd))) {
		mcr_tool_err("%sIP_RECVTTL/IP_RECVTOS: %s", ctx, strerror(-err));
		return err;
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
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
	char ctx[96], gb[MCR_ADDRSTRLEN], sb[MCR_ADDRSTRLEN];
	int fd, err;

	snprintf(ctx, sizeof(ctx), "stream %s:%s:%u%s%s: ", s->dev, mcr_ipv4_str(s->group, gb),
		 s->port, s->has_source ? ":" : "", s->has_source ? mcr_ipv4_str(s->source, sb) : "");
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
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
