/* Helper-socket pool for IGMP joins. */
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
	unsigned used;
	bool full;
};

struct join {
	int ifindex;
	struct in_addr group, source;
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

static void fill_sin(struct sockaddr_storage *ss, struct in_addr a)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	sin->sin_family = AF_INET;
	sin->sin_addr = a;
}

/* MCAST_* take the interface by index, so no interface address is needed. */
static int sockopt_join(int fd, int ifindex, struct in_addr g, struct in_addr s, bool join)
{
	int r;

	if (s.s_addr == INADDR_ANY) {
		struct group_req gr = { .gr_interface = (uint32_t)ifindex };

		fill_sin(&gr.gr_group, g);
		r = setsockopt(fd, IPPROTO_IP, join ? MCAST_JOIN_GROUP : MCAST_LEAVE_GROUP, &gr,
			       sizeof(gr));
	} else {
		struct group_source_req gsr = { .gsr_interface = (uint32_t)ifindex };

		fill_sin(&gsr.gsr_group, g);
		fill_sin(&gsr.gsr_source, s);
		r = setsockopt(fd, IPPROTO_IP,
			       join ? MCAST_JOIN_SOURCE_GROUP : MCAST_LEAVE_SOURCE_GROUP, &gsr,
			       sizeof(gsr));
	}
	return r < 0 ? -errno : 0;
}

static struct join *find_join(struct membership *m, int ifindex, struct in_addr g,
			      struct in_addr s)
{
	for (size_t i = 0; i < m->nj; i++)
		if (m->j[i].ifindex == ifindex && m->j[i].group.s_addr == g.s_addr &&
		    m->j[i].source.s_addr == s.s_addr)
			return &m->j[i];
	return NULL;
}

/* A socket holds a group once: mixing ASM and SSM joins of it would fail. */
static bool helper_has_group(const struct membership *m, size_t h, struct in_addr g)
{
	for (size_t i = 0; i < m->nj; i++)
		if (m->j[i].helper == h && m->j[i].group.s_addr == g.s_addr)
			return true;
	return false;
}

static int helper_open(struct membership *m, int ifindex, size_t *idx)
{
	int fd, zero = 0;

	if (grow((void **)&m->h, &m->caph, m->nh, sizeof(*m->h)))
		return -ENOMEM;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* Never bound and never read: the smallest buffer the kernel allows. */
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &zero, sizeof(zero));
	m->h[m->nh] = (struct helper){ .fd = fd, .ifindex = ifindex };
	*idx = m->nh++;
	return 0;
}

static int join_on_some_helper(struct membership *m, int ifindex, struct in_addr g,
			       struct in_addr s, size_t *out)
{
	for (;;) {
		size_t i;
		int err;

		for (i = 0; i < m->nh; i++) {
			struct helper *h = &m->h[i];

			if (h->fd >= 0 && h->ifindex == ifindex && !h->full && h->used < m->limit &&
			    !helper_has_group(m, i, g))
				break;
		}
		if (i == m->nh && (err = helper_open(m, ifindex, &i)))
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

int membership_join(struct membership *m, int ifindex, struct in_addr g, struct in_addr s)
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

int membership_leave(struct membership *m, int ifindex, struct in_addr g, struct in_addr s)
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
