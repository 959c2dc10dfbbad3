/* Helper-socket pool for IGMP and MLD joins. */
#include "membership.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "addr.h"
#include "log.h"

struct helper {
	int fd;
	int ifindex;
	int family;       /* AF_INET (IGMP) or AF_INET6 (MLD) */
	unsigned used;
	bool full;
};

struct join {
	int ifindex;
	struct mcr_addr group, source;
	unsigned refs;
	size_t helper;
};

struct membership {
	struct helper *h;
	size_t nh, caph;
	struct join *j;
	size_t nj, capj;
	unsigned limit;
};

static unsigned read_limit(void)
{
	FILE *f = fopen("/proc/sys/net/ipv4/igmp_max_memberships", "r");
	unsigned v = 20; /* the kernel default */

	if (f) {
		if (fscanf(f, "%u", &v) != 1 || v == 0)
			v = 20;
		fclose(f);
	}
	return v;
}

struct membership *membership_new(void)
{
	struct membership *m = calloc(1, sizeof(*m));

	if (m)
		m->limit = read_limit();
	return m;
}

static int grow(void **v, size_t *cap, size_t n, size_t elem)
{
	void *p;

	if (n < *cap)
		return 0;
	p = realloc(*v, (*cap ? *cap * 2 : 8) * elem);
	if (!p)
		return -ENOMEM;
	*v = p;
	*cap = *cap ? *cap * 2 : 8;
	return 0;
}

static void fill_sa(struct sockaddr_storage *ss, struct mcr_addr a)
{
	memset(ss, 0, sizeof(*ss));
	if (a.family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr = a.v6;
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_addr = a.v4;
	}
}

/*
 * MCAST_* take the interface by index, so no interface address is needed;
 * the same requests are IGMP joins on an IPv4 socket and MLD ones on IPv6.
 */
static int sockopt_join(int fd, int ifindex, struct mcr_addr g, struct mcr_addr s, bool join)
{
	int level = g.family == AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP, r;

	if (!mcr_addr_set(s)) {
		struct group_req gr = { .gr_interface = (uint32_t)ifindex };

		fill_sa(&gr.gr_group, g);
		r = setsockopt(fd, level, join ? MCAST_JOIN_GROUP : MCAST_LEAVE_GROUP, &gr,
			       sizeof(gr));
	} else {
		struct group_source_req gsr = { .gsr_interface = (uint32_t)ifindex };

		fill_sa(&gsr.gsr_group, g);
		fill_sa(&gsr.gsr_source, s);
		r = setsockopt(fd, level, join ? MCAST_JOIN_SOURCE_GROUP : MCAST_LEAVE_SOURCE_GROUP,
			       &gsr, sizeof(gsr));
	}
	return r < 0 ? -errno : 0;
}

static struct join *find_join(struct membership *m, int ifindex, struct mcr_addr g,
			      struct mcr_addr s)
{
	for (size_t i = 0; i < m->nj; i++)
		if (m->j[i].ifindex == ifindex && mcr_addr_equal(m->j[i].group, g) &&
		    mcr_addr_equal(m->j[i].source, s))
			return &m->j[i];
	return NULL;
}

/* A socket holds a group once: mixing ASM and SSM joins of it would fail. */
static bool helper_has_group(const struct membership *m, size_t h, struct mcr_addr g)
{
	for (size_t i = 0; i < m->nj; i++)
		if (m->j[i].helper == h && mcr_addr_equal(m->j[i].group, g))
			return true;
	return false;
}

static int helper_open(struct membership *m, int ifindex, int family, size_t *idx)
{
	int fd, zero = 0;

	if (grow((void **)&m->h, &m->caph, m->nh, sizeof(*m->h)))
		return -ENOMEM;
	fd = socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* Never bound and never read: the smallest buffer the kernel allows. */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &zero, sizeof(zero));
	m->h[m->nh] = (struct helper){ .fd = fd, .ifindex = ifindex, .family = family };
	*idx = m->nh++;
	return 0;
}

static int join_on_some_helper(struct membership *m, int ifindex, struct mcr_addr g,
			       struct mcr_addr s, size_t *out)
{
	for (;;) {
		size_t i;
		int err;

		for (i = 0; i < m->nh; i++) {
			struct helper *h = &m->h[i];

			if (h->fd >= 0 && h->ifindex == ifindex && h->family == g.family && !h->full &&
			    h->used < m->limit && !helper_has_group(m, i, g))
				break;
		}
		if (i == m->nh && (err = helper_open(m, ifindex, g.family, &i)))
			return err;
		err = sockopt_join(m->h[i].fd, ifindex, g, s, true);
		if (err == -ENOBUFS && m->h[i].used > 0) {
			m->h[i].full = true; /* the limit was lowered under us */
			continue;
		}
		if (err)
			return err;
		m->h[i].used++;
		*out = i;
		return 0;
	}
}

int membership_join(struct membership *m, int ifindex, struct mcr_addr g, struct mcr_addr s)
{
	struct join *j = find_join(m, ifindex, g, s);
	size_t h;
	int err;

	if (j) {
		j->refs++;
		return 0;
	}
	if (grow((void **)&m->j, &m->capj, m->nj, sizeof(*m->j)))
		return -ENOMEM;
	err = join_on_some_helper(m, ifindex, g, s, &h);
	if (err)
		return err;
	m->j[m->nj++] = (struct join){ ifindex, g, s, 1, h };
	return 0;
}

static void helper_release(struct membership *m, size_t h)
{
	if (--m->h[h].used == 0) {
		close(m->h[h].fd);
		m->h[h].fd = -1;
	}
	m->h[h].full = false;
}

int membership_leave(struct membership *m, int ifindex, struct mcr_addr g, struct mcr_addr s)
{
	struct join *j = find_join(m, ifindex, g, s);

	if (!j)
		return -ENOENT;
	if (--j->refs)
		return 0;
	sockopt_join(m->h[j->helper].fd, ifindex, g, s, false);
	helper_release(m, j->helper);
	*j = m->j[--m->nj];
	return 0;
}

void membership_forget_ifindex(struct membership *m, int ifindex)
{
	for (size_t i = 0; i < m->nj;) {
		if (m->j[i].ifindex == ifindex) {
			helper_release(m, m->j[i].helper);
			m->j[i] = m->j[--m->nj];
		} else {
			i++;
		}
	}
}

size_t membership_sockets(const struct membership *m)
{
	size_t n = 0;

	for (size_t i = 0; i < m->nh; i++)
		n += m->h[i].fd >= 0;
	return n;
}

void membership_free(struct membership *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->nj; i++)
		sockopt_join(m->h[m->j[i].helper].fd, m->j[i].ifindex, m->j[i].group,
			     m->j[i].source, false);
	for (size_t i = 0; i < m->nh; i++)
		if (m->h[i].fd >= 0)
			close(m->h[i].fd);
	free(m->h);
	free(m->j);
	free(m);
}
