/* Forking, feeding and restarting the data-path workers. */
#include "pool.h"

#include <errno.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "evloop.h"
#include "log.h"
#include "lsan.h"
#include "wire.h"
#include "worker.h"

#define CHAN_BUF      (8 << 20)
#define MS            (1000LL * 1000)
/*
 * A worker that lived HEALTHY_NS was doing its job: its death (a kill, a
 * rare fault) restarts it at once.  One that dies sooner is crash-looping
 * (a fault at start-up or on every packet): it waits BACKOFF_MIN, doubled
 * at each short life in a row, up to BACKOFF_MAX.
 */
#define HEALTHY_NS    (1000 * MS)
#define BACKOFF_MIN   (100 * MS)
#define BACKOFF_MAX   (5000 * MS)

struct worker {
	pid_t pid;            /* 0: dead, waiting for restart_at */
	int chan;
	int cpu;
	unsigned restarts;
	unsigned short_lives; /* deaths in a row, each within HEALTHY_NS of its start */
	int64_t started, restart_at;
};

struct pool {
	unsigned n;
	struct worker w[MCR_MAX_WORKERS];
	struct rxring_size rx; /* the workers' receive rings */
	pool_start_fn on_start;
	void *start_arg;
	uid_t uid;
	gid_t gid;
	int timer;            /* timerfd: fires at the earliest restart_at */
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int spawn(struct pool *p, unsigned i)
{
	struct worker *w = &p->w[i];
	int sv[2], sz = CHAN_BUF;
	struct timeval tv = { .tv_sec = 2 };
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	if (setsockopt(sv[0], SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)) < 0)
		setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	/* A worker that stops reading must not stall the parent for long. */
	setsockopt(sv[0], SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return -errno;
	}
	if (pid == 0) {
		evloop_drop_inherited();
		close(sv[0]);
		int rc = worker_main(sv[1], i, w->cpu, p->uid, p->gid, p->rx);

		mcr_leak_check();
		_exit(rc);
	}
	close(sv[1]);
	w->pid = pid;
	w->chan = sv[0];
	w->started = now_ns();
	log_info("worker %u started: pid %d%s", i, (int)pid, w->cpu >= 0 ? "" : ", not pinned");
	if (p->on_start)
		p->on_start(p->start_arg, i);
	return 0;
}

/* The configured user, or nobody: workers never keep root's identity. */
static int resolve_user(struct pool *p, const char *user)
{
	struct passwd *pw = getpwnam(user);

	if (!pw) {
		log_warn("user \"%s\" not found; workers run as \"nobody\"", user);
		pw = getpwnam("nobody");
	}
	if (!pw) {
		log_err("neither \"%s\" nor \"nobody\" exists: refusing to run workers as root", user);
		return -ENOENT;
	}
	p->uid = pw->pw_uid;
	p->gid = pw->pw_gid;
	return 0;
}

int pool_new(struct pool **out, unsigned n, const char *user, struct rxring_size rx)
{
	struct pool *p = calloc(1, sizeof(*p));
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int err;

	if (!p)
		return -ENOMEM;
	p->timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (p->timer < 0 || (err = resolve_user(p, user))) {
		err = p->timer < 0 ? -errno : err;
		if (p->timer >= 0)
			close(p->timer);
		free(p);
		return err;
	}
	p->n = n > MCR_MAX_WORKERS ? MCR_MAX_WORKERS : n;
	p->rx = rx;
	/*
	 * Pinned one per CPU only when a CPU is left over: the kernel's receive
	 * backlog (ksoftirqd) must be able to run beside a busy worker, or it
	 * overflows; on 2 CPUs with 2 workers the scheduler places them better
	 * than pinning does.
	 */
	for (unsigned i = 0; i < p->n; i++)
		p->w[i] = (struct worker){ .chan = -1, .cpu = (long)p->n < cpus ? (int)i : -1,
					  .restart_at = INT64_MAX };
	*out = p;
	return 0;
}

void pool_on_start(struct pool *p, pool_start_fn fn, void *arg)
{
	p->on_start = fn;
	p->start_arg = arg;
}

int pool_start(struct pool *p)
{
	int err;

	for (unsigned i = 0; i < p->n; i++)
		if ((err = spawn(p, i))) {
			log_err("worker %u: %s", i, strerror(-err));
			pool_stop(p);
			return err;
		}
	return 0;
}

void pool_stop(struct pool *p)
{
	/* A worker stops on SIGTERM or when its channel closes, whichever comes first. */
	for (unsigned i = 0; i < p->n; i++) {
		if (p->w[i].pid > 0)
			kill(p->w[i].pid, SIGTERM);
		if (p->w[i].chan >= 0)
			close(p->w[i].chan);
		p->w[i].chan = -1;
	}
	for (unsigned i = 0; i < p->n; i++)
		if (p->w[i].pid > 0)
			waitpid(p->w[i].pid, NULL, 0);
	for (unsigned i = 0; i < p->n; i++) {
		p->w[i].pid = 0;
		p->w[i].restart_at = INT64_MAX; /* stopped: never restarted */
	}
}

void pool_free(struct pool *p)
{
	if (!p)
		return;
	pool_stop(p);
	close(p->timer);
	free(p);
}

int pool_timer_fd(const struct pool *p)
{
	return p->timer;
}

/* The timer fires at the earliest pending restart (disarmed if none). */
static void arm_timer(struct pool *p)
{
	int64_t at = INT64_MAX;
	struct itimerspec its = { 0 };

	for (unsigned i = 0; i < p->n; i++)
		if (!p->w[i].pid && p->w[i].restart_at < at)
			at = p->w[i].restart_at;
	if (at != INT64_MAX) {
		at = at > 0 ? at : 1; /* 0 would disarm it */
		its.it_value = (struct timespec){ at / 1000000000LL, at % 1000000000LL };
	}
	timerfd_settime(p->timer, TFD_TIMER_ABSTIME, &its, NULL);
}

/* 0 after a healthy life; else BACKOFF_MIN doubled per short life in a row. */
static int64_t backoff(struct worker *w, int64_t now)
{
	int64_t b = BACKOFF_MIN;

	w->short_lives = now - w->started >= HEALTHY_NS ? 0 : w->short_lives + 1;
	if (!w->short_lives)
		return 0;
	for (unsigned k = 1; k < w->short_lives && b < BACKOFF_MAX; k++)
		b *= 2;
	return b < BACKOFF_MAX ? b : BACKOFF_MAX;
}

static void died(struct pool *p, unsigned i, int status)
{
	struct worker *w = &p->w[i];
	int64_t now = now_ns(), wait;

	if (WIFSIGNALED(status))
		log_err("worker %u (pid %d) killed by signal %d", i, (int)w->pid, WTERMSIG(status));
	else
		log_err("worker %u (pid %d) exited with %d", i, (int)w->pid, WEXITSTATUS(status));
	close(w->chan);
	w->chan = -1;
	w->pid = 0;
	w->restarts++;
	wait = backoff(w, now);
	w->restart_at = now + wait;
	if (wait)
		log_warn("worker %u died %u times in a row within %lld ms of its start: "
			 "restarting it in %lld ms", i, w->short_lives, HEALTHY_NS / MS, wait / MS);
}

void pool_check(struct pool *p)
{
	uint64_t expirations;
	int status;
	pid_t pid;

	if (read(p->timer, &expirations, sizeof(expirations)) < 0 && errno != EAGAIN)
		log_debug("worker restart timer: %s", strerror(errno));
	/* Each worker by its pid: other children (the metrics process) are not ours to reap. */
	for (unsigned i = 0; i < p->n; i++)
		if (p->w[i].pid > 0 && (pid = waitpid(p->w[i].pid, &status, WNOHANG)) > 0)
			died(p, i, status);
	for (unsigned i = 0; i < p->n; i++)
		if (!p->w[i].pid && now_ns() >= p->w[i].restart_at && spawn(p, i))
			p->w[i].restart_at = now_ns() + BACKOFF_MAX;
	arm_timer(p);
}

unsigned pool_size(const struct pool *p)
{
	return p->n;
}

void pool_ids(const struct pool *p, uid_t *uid, gid_t *gid)
{
	*uid = p->uid;
	*gid = p->gid;
}

void pool_info(const struct pool *p, unsigned i, struct pool_worker_info *out)
{
	*out = (struct pool_worker_info){ .pid = p->w[i].pid, .cpu = p->w[i].cpu, .uid = p->uid,
					  .restarts = p->w[i].restarts };
}

/* A worker that cannot take a message is killed; its restart replays all. */
void pool_send(struct pool *p, unsigned i, const struct wire_msg *m, size_t len, int fd)
{
	struct worker *w = &p->w[i];
	int err;

	if (!w->pid || w->chan < 0)
		return; /* dead: the restart will replay the current state */
	err = wire_send(w->chan, m, len, fd);
	if (err) {
		log_err("worker %u: cannot send it an update (%s); restarting it", i, strerror(-err));
		kill(w->pid, SIGKILL);
	}
}
