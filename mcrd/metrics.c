/* The parent's side of /metrics (metrics.h). */
#include "metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "esc.h"
#include "hostport.h"
#include "evloop.h"
#include "log.h"
#include "lsan.h"
#include "metricsd.h"

#define BACKLOG     64
#define STABLE_NS   (10000LL * 1000 * 1000) /* a process this old had not crash-looped */
#define BACKOFF_MAX (60000LL * 1000 * 1000)

struct metrics {
	int lfd, chan;
	pid_t pid;            /* 0: not running */
	uid_t uid;
	gid_t gid;
	bool sent;            /* the running process has the catalog of fingerprint fp */
	uint64_t fp;
	struct metcat_status st;
	uint64_t st_gen;      /* bumped by each reload: part of the fingerprint */
	unsigned recent;      /* deaths in a row, each soon after its start */
	int64_t started, restart_at;
	char addr[MCR_ESC_NAME];
};

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int listen_on(const char *addr, int *out)
{
	struct sockaddr_storage ss;
	socklen_t len;
	const char *why;
	int fd, one = 1, err;

	if (mcr_parse_hostport(addr, &ss, &len, &why)) {
		log_err("metrics \"%s\": %s", mcr_esc_name(addr), why);
		return -EINVAL;
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, BACKLOG) < 0) {
		err = -errno;
		log_err("metrics: cannot listen on %s: %s", mcr_esc_name(addr), strerror(-err));
		if (fd >= 0)
			close(fd);
		return err;
	}
	*out = fd;
	return 0;
}

int metrics_open(struct metrics **out, const char *addr)
{
	struct metrics *m = calloc(1, sizeof(*m));
	int err;

	if (!m)
		return -ENOMEM;
	*m = (struct metrics){ .lfd = -1, .chan = -1, .restart_at = INT64_MAX };
	if ((err = listen_on(addr, &m->lfd))) {
		free(m);
		return err;
	}
	mcr_esc(addr, m->addr, sizeof(m->addr));
	m->st.start_time = m->st.reload_time = time(NULL);
	*out = m;
	return 0;
}

static int spawn(struct metrics *m)
{
	int sv[2];
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return -errno;
	}
	if (pid == 0) {
		int rc;

		evloop_drop_inherited();
		close(sv[0]);
		rc = metricsd_main(sv[1], m->lfd, m->uid, m->gid);
		mcr_leak_check();
		_exit(rc);
	}
	close(sv[1]);
	fcntl(sv[0], F_SETFL, O_NONBLOCK); /* a stuck reader never stalls the parent */
	m->chan = sv[0];
	m->pid = pid;
	m->sent = false;
	m->started = mono_ns();
	m->restart_at = INT64_MAX;
	log_info("metrics: serving http://%s/metrics (pid %d)", m->addr, (int)pid);
	return 0;
}

int metrics_start(struct metrics *m, uid_t uid, gid_t gid)
{
	m->uid = uid;
	m->gid = gid;
	return spawn(m);
}

void metrics_reloaded(struct metrics *m, bool applied)
{
	if (!m)
		return;
	if (applied) {
		m->st.reloads_ok++;
		m->st.reload_time = time(NULL);
	} else {
		m->st.reloads_refused++;
	}
	m->st.last_refused = !applied;
	m->st_gen++;
}

/* The catalog fd to the metrics process, without waiting.  0 or -errno. */
static int send_fd(int chan, int fd)
{
	char ctl[CMSG_SPACE(sizeof(int))] = { 0 }, b = 'C';
	struct iovec iov = { &b, 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			     .msg_controllen = sizeof(ctl) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(chan, &mh, MSG_NOSIGNAL | MSG_DONTWAIT) == 1 ? 0 : -errno;
}

static void publish(struct metrics *m, const struct plan *p, const struct pool *pool,
		    const struct querier *q)
{
	uint64_t fp = metcat_fingerprint(p, pool, q) ^ (m->st_gen * 0x9e3779b97f4a7c15ull);
	int fd, err;

	if (m->sent && fp == m->fp)
		return;
	if ((err = metcat_build(p, pool, q, &m->st, &fd))) {
		log_warn("metrics: cannot build the catalog: %s", strerror(-err));
		return;
	}
	err = send_fd(m->chan, fd);
	close(fd);
	if (err && err != -EAGAIN)
		log_warn("metrics: cannot hand over the catalog: %s", strerror(-err));
	if (!err) {
		m->fp = fp;
		m->sent = true;
	}
}

void metrics_tick(struct metrics *m, const struct plan *p, const struct pool *pool,
		  const struct querier *q)
{
	int err;

	if (!m)
		return;
	if (!m->pid && mono_ns() >= m->restart_at && (err = spawn(m))) {
		log_err("metrics: cannot restart the metrics process: %s", strerror(-err));
		m->restart_at = mono_ns() + BACKOFF_MAX;
	}
	if (m->pid)
		publish(m, p, pool, q);
}

/* Restarted 1 s after a death; while it keeps dying, 2, 4 ... up to 60 s. */
static void died(struct metrics *m, int status)
{
	int64_t now = mono_ns(), backoff;

	if (WIFSIGNALED(status))
		log_err("metrics: the metrics process (pid %d) was killed by signal %d", (int)m->pid,
			WTERMSIG(status));
	else
		log_err("metrics: the metrics process (pid %d) exited with %d", (int)m->pid,
			WEXITSTATUS(status));
	close(m->chan);
	m->chan = -1;
	m->pid = 0;
	m->recent = now - m->started > STABLE_NS ? 0 : m->recent + 1;
	backoff = 1000LL * 1000 * 1000 << (m->recent < 6 ? m->recent : 6);
	m->restart_at = now + (backoff > BACKOFF_MAX ? BACKOFF_MAX : backoff);
}

void metrics_check(struct metrics *m)
{
	int status;

	if (m && m->pid > 0 && waitpid(m->pid, &status, WNOHANG) == m->pid)
		died(m, status);
}

void metrics_close(struct metrics *m)
{
	if (!m)
		return;
	if (m->pid > 0) {
		kill(m->pid, SIGTERM);
		waitpid(m->pid, NULL, 0);
	}
	if (m->chan >= 0)
		close(m->chan);
	close(m->lfd);
	free(m);
}
