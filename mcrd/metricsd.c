/*
 * The metrics process (metricsd.h): privilege drop (and the counters made
 * read-only, the trace buffers unmapped), then one poll loop over the HTTP
 * server, the parent's channel (new catalogs) and its signals.
 */
#include "metricsd.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "counters.h"
#include "expo.h"
#include "httpd.h"
#include "log.h"
#include "metcat.h"
#include "privs.h"
#include "trace.h"
#include "version.h"

#define CHAN_FD   3
#define LISTEN_FD 4

struct md {
	void *map;            /* the current catalog's mapping, NULL: none yet */
	size_t len;
	struct metcat cat;
	bool stop;
};

static int render(void *arg, char **body, size_t *len)
{
	const struct md *m = arg;
	struct expo e;
	int err;

	if (!m->map)
		return -EAGAIN;
	expo_init(&e, EXPO_MAX);
	err = expo_render(&e, &m->cat, MCRD_VERSION);
	if (err) {
		expo_free(&e);
		return err;
	}
	*body = e.buf;
	*len = e.len;
	return 0;
}

/* The catalog in fd, sealed by the parent: mapped, checked, swapped in. */
static void take_catalog(struct md *m, int fd)
{
	int seals = fcntl(fd, F_GET_SEALS);
	struct metcat cat;
	struct stat st;
	void *map;

	if (seals < 0 || (seals & (F_SEAL_WRITE | F_SEAL_SHRINK)) != (F_SEAL_WRITE | F_SEAL_SHRINK) ||
	    fstat(fd, &st) < 0 || st.st_size <= 0 ||
	    (map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0)) == MAP_FAILED) {
		log_err("metrics: cannot map a catalog: %s", strerror(errno));
		return;
	}
	if (metcat_check(map, (size_t)st.st_size, &cat)) {
		log_err("metrics: refused a malformed catalog of %lld bytes", (long long)st.st_size);
		munmap(map, (size_t)st.st_size);
		return;
	}
	if (m->map)
		munmap(m->map, m->len);
	m->map = map;
	m->len = (size_t)st.st_size;
	m->cat = cat;
}

static void on_channel(struct md *m, int chan)
{
	char ctl[CMSG_SPACE(sizeof(int))], b;
	struct iovec iov = { &b, 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			     .msg_controllen = sizeof(ctl) };
	ssize_t n;

	while ((n = recvmsg(chan, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC)) > 0) {
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c))
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
				int fd;

				memcpy(&fd, CMSG_DATA(c), sizeof(fd));
				take_catalog(m, fd);
				close(fd); /* the mapping holds it */
			}
		mh.msg_controllen = sizeof(ctl);
	}
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
		m->stop = true; /* the parent is gone */
}

/* Only the channel, the listening socket and stdio survive, at fixed numbers. */
static int keep_only(int chan, int lfd)
{
	int c = fcntl(chan, F_DUPFD, 100), l = fcntl(lfd, F_DUPFD, 100);

	if (c < 0 || l < 0 || dup2(c, CHAN_FD) < 0 || dup2(l, LISTEN_FD) < 0)
		return -1;
	close_range(LISTEN_FD + 1, ~0U, 0);
	return 0;
}

static int signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

static void loop(struct md *m, struct httpd *h, int sfd)
{
	while (!m->stop) {
		struct pollfd p[3] = { { httpd_fd(h), POLLIN, 0 }, { CHAN_FD, POLLIN, 0 },
				       { sfd, POLLIN, 0 } };

		if (poll(p, 3, httpd_timeout_ms(h)) < 0 && errno != EINTR)
			break;
		if (p[1].revents)
			on_channel(m, CHAN_FD);
		if (p[2].revents)
			m->stop = true;
		httpd_run(h);
	}
}

int metricsd_main(int chan, int lfd, uid_t uid, gid_t gid)
{
	static struct md m;
	struct httpd *h;
	int sfd, err;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	prctl(PR_SET_NAME, "mcrd-metrics");
	if (keep_only(chan, lfd)) {
		log_err("metrics: cannot set up its descriptors: %s", strerror(errno));
		return 1;
	}
	if ((err = privs_drop(uid, gid))) {
		log_err("metrics: cannot drop privileges: %s", strerror(-err));
		return 1;
	}
	/* It reads the counters and nothing else of the shared memory. */
	trace_unmap();
	if ((err = counters_readonly())) {
		log_err("metrics: cannot make the counters read-only: %s", strerror(-err));
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	if ((sfd = signals()) < 0 || (err = httpd_start(&h, LISTEN_FD, render, &m))) {
		log_err("metrics: cannot start the HTTP server");
		return 1;
	}
	loop(&m, h, sfd);
	httpd_stop(h);
	if (m.map)
		munmap(m.map, m.len);
	close(sfd);
	return 0;
}
