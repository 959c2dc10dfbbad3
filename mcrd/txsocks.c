/* Transmit ring sockets, counted per (interface, worker). */
#include "txsocks.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "log.h"

struct txsock {
	int ifindex;
	unsigned w;
	int fd, gfd;
	unsigned refs;
	struct txring_geom g;
};

struct txsocks {
	struct txsock *v;
	size_t n, cap;
	txsocks_open_fn on_open;
	txsocks_close_fn on_close;
	void *arg;
};

struct txsocks *txsocks_new(void)
{
	return calloc(1, sizeof(struct txsocks));
}

void txsocks_notify(struct txsocks *t, txsocks_open_fn on_open, txsocks_close_fn on_close,
		    void *arg)
{
	t->on_open = on_open;
	t->on_close = on_close;
	t->arg = arg;
}

void txsocks_free(struct txsocks *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++) {
		close(t->v[i].fd);
		if (t->v[i].gfd >= 0)
			close(t->v[i].gfd);
	}
	free(t->v);
	free(t);
}

static int grow(struct txsocks *t)
{
	size_t cap = t->cap ? t->cap * 2 : 16;
	struct txsock *v;

	if (t->n < t->cap)
		return 0;
	if (!(v = realloc(t->v, cap * sizeof(*v))))
		return -ENOMEM;
	t->v = v;
	t->cap = cap;
	return 0;
}

int txsocks_get(struct txsocks *t, int ifindex, unsigned w, unsigned mtu)
{
	struct txsock *s;
	int fd, err;

	for (size_t i = 0; i < t->n; i++)
		if (t->v[i].ifindex == ifindex && t->v[i].w == w) {
			t->v[i].refs++;
			return t->v[i].fd;
		}
	if ((err = grow(t)))
		return err;
	s = &t->v[t->n];
	txring_geometry(mtu, &s->g);
	if ((fd = txring_open(ifindex, &s->g)) < 0)
		return fd;
	s->ifindex = ifindex;
	s->w = w;
	s->fd = fd;
	if ((s->gfd = txring_gso_open(ifindex)) < 0)
		log_warn("worker %u: no GSO socket on ifindex %d (%s): its ring sends every datagram",
			 w, ifindex, strerror(-s->gfd));
	s->refs = 1;
	t->n++;
	if (t->on_open)
		t->on_open(t->arg, w, fd, s->gfd, &s->g);
	return fd;
}

void txsocks_put(struct txsocks *t, int fd)
{
	for (size_t i = 0; i < t->n; i++) {
		struct txsock *s = &t->v[i];

		if (s->fd != fd || --s->refs)
			continue;
		if (t->on_close)
			t->on_close(t->arg, s->w, fd);
		close(fd);
		if (s->gfd >= 0)
			close(s->gfd);
		*s = t->v[--t->n];
		return;
	}
}

void txsocks_renew(struct txsocks *t, unsigned w)
{
	for (size_t i = 0; i < t->n; i++) {
		struct txsock *s = &t->v[i];
		int fd;

		if (s->w != w)
			continue;
		fd = txring_open(s->ifindex, &s->g);
		if (fd < 0 || dup3(fd, s->fd, O_CLOEXEC) < 0) {
			/* The old ring stays: its frames may be stale, but it still sends. */
			log_err("worker %u: cannot renew the transmit ring on ifindex %d: %s", w,
				s->ifindex, strerror(fd < 0 ? -fd : errno));
			if (fd >= 0)
				close(fd);
		} else {
			close(fd);
		}
		if (t->on_open)
			t->on_open(t->arg, w, s->fd, s->gfd, &s->g);
	}
}
