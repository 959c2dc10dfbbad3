/* Egress socket table. */
#include "egress.h"

#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "devfeat.h"

#define EGRESS_SNDBUF (4 << 20)

struct esock {
	int ifindex;
	bool gso;
	int fd;
	int family;
};

struct egress {
	struct esock *v;
	size_t n, cap;
	egress_fn on_open, on_close;
	void *arg;
};

struct egress *egress_new(egress_fn on_open, egress_fn on_close, void *arg)
{
	struct egress *e = calloc(1, sizeof(*e));

	if (e) {
		e->on_open = on_open;
		e->on_close = on_close;
		e->arg = arg;
	}
	return e;
}

static void esock_close(struct egress *e, const struct esock *s)
{
	if (e->on_close)
		e->on_close(e->arg, s->fd, s->gso);
	close(s->fd);
}

void egress_free(struct egress *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < e->n; i++)
		esock_close(e, &e->v[i]);
	free(e->v);
	free(e);
}

void egress_foreach(const struct egress *e, egress_fn fn, void *arg)
{
	for (size_t i = 0; i < e->n; i++)
		fn(arg, e->v[i].fd, e->v[i].gso);
}

static int setopt(int fd, int level, int name, int val)
{
	return setsockopt(fd, level, name, &val, sizeof(val)) < 0 ? -errno : 0;
}

/*
 * Bound to the device, multicast out of it by index, no loopback copy, no
 * DF (fragment locally rather than fail on a smaller output MTU).  Every
 * send carries its TTL and TOS (datapath.c); the socket's own TTL is 1.
 */
/* The IPv6 twin of open_sock's options: hop limit 1, no loop, no PMTU discovery. */
static int open_sock6(const char *dev, int ifindex)
{
	struct sockaddr_in6 any = { .sin6_family = AF_INET6 };
	int fd, err = 0;

	fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev, (socklen_t)strlen(dev) + 1) < 0 ||
	    (err = setopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1)) ||
	    (err = setopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, ifindex)) ||
	    (err = setopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, 1)) ||
	    (err = setopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 1)) ||
	    (err = setopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0)) ||
	    (err = setopt(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, IPV6_PMTUDISC_DONT))) {
		err = err ? err : -errno;
		close(fd);
		return err;
	}
	if (setopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, EGRESS_SNDBUF))
		setopt(fd, SOL_SOCKET, SO_SNDBUF, EGRESS_SNDBUF);
	setopt(fd, SOL_SOCKET, SO_RCVBUF, 0);
	if (bind(fd, (struct sockaddr *)&any, sizeof(any)) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

static int open_sock(const char *dev, int ifindex)
{
	struct ip_mreqn mr = { .imr_ifindex = ifindex };
	struct sockaddr_in any = { .sin_family = AF_INET };
	int fd, err;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, dev, (socklen_t)strlen(dev) + 1) < 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mr, sizeof(mr)) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	if ((err = setopt(fd, IPPROTO_IP, IP_MULTICAST_TTL, 1)) ||
	    (err = setopt(fd, IPPROTO_IP, IP_TTL, 1)) ||
	    (err = setopt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, 0)) ||
	    (err = setopt(fd, IPPROTO_IP, IP_MULTICAST_ALL, 0)) ||
	    (err = setopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DONT))) {
		close(fd);
		return err;
	}
	if (setopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, EGRESS_SNDBUF))
		setopt(fd, SOL_SOCKET, SO_SNDBUF, EGRESS_SNDBUF);
	setopt(fd, SOL_SOCKET, SO_RCVBUF, 0); /* never read */
	/* Bound now, not at the first send: layer-2 egress uses the same port. */
	if (bind(fd, (struct sockaddr *)&any, sizeof(any)) < 0) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

uint16_t egress_port(int fd)
{
	struct sockaddr_in6 a; /* sin_port and sin6_port share their place */
	socklen_t len = sizeof(a);

	return getsockname(fd, (struct sockaddr *)&a, &len) < 0 ? 0 : a.sin6_port;
}

int egress_get(struct egress *e, const char *dev, int ifindex, enum egress_gso gso, int family)
{
	bool g;
	int fd;

	for (size_t i = 0; i < e->n; i++)
		if (e->v[i].ifindex == ifindex && e->v[i].family == family)
			return e->v[i].fd;
	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 16;
		struct esock *v = realloc(e->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		e->v = v;
		e->cap = cap;
	}
	fd = family == AF_INET6 ? open_sock6(dev, ifindex) : open_sock(dev, ifindex);
	if (fd < 0)
		return fd;
	g = gso == EGRESS_GSO_YES || (gso == EGRESS_GSO_DEVICE && devfeat_udp_seg(dev) == 0);
	e->v[e->n++] = (struct esock){ ifindex, g, fd, family };
	if (e->on_open)
		e->on_open(e->arg, fd, g);
	return fd;
}

void egress_forget_ifindex(struct egress *e, int ifindex)
{
	for (size_t i = 0; i < e->n;) {
		if (e->v[i].ifindex == ifindex) {
			esock_close(e, &e->v[i]);
			e->v[i] = e->v[--e->n];
		} else {
			i++;
		}
	}
}

size_t egress_sockets(const struct egress *e)
{
	return e->n;
}
