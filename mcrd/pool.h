/*
 * The worker pool: processes running the data path, each with its own
 * io_uring, pinned to its own CPU when there are enough, running as an
 * unprivileged user with no capabilities.  The pool forks them, restarts
 * one that dies (with backoff while it keeps dying) and carries the
 * parent's messages to them; what they should hold is the caller's, told
 * through the start callback.
 */
#ifndef MCRD_POOL_H
#define MCRD_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "rxring.h"

struct pool;
struct wire_msg;

struct pool_worker_info {
	pid_t pid;            /* 0 while being restarted */
	int cpu;              /* -1: not pinned */
	uid_t uid;
	unsigned restarts;
};

/* A worker w was (re)started: send it everything it should hold. */
typedef void (*pool_start_fn)(void *arg, unsigned w);

/*
 * A pool of n workers (none running yet) as user (falling back to
 * "nobody" with a warning), whose receive rings are shaped by rx.  0 or -errno.
 */
int pool_new(struct pool **p, unsigned n, const char *user, struct rxring_size rx);
void pool_on_start(struct pool *p, pool_start_fn fn, void *arg);
/* Forks every worker.  0 or -errno (then none runs). */
int pool_start(struct pool *p);
/* SIGTERM every worker and wait for them; they are not restarted. */
void pool_stop(struct pool *p);
void pool_free(struct pool *p);
/*
 * Reaps dead workers and restarts them: at once after a healthy life (1 s
 * or more), else after a backoff of 0.1 s doubling per short life in a row
 * up to 5 s.  Call on SIGCHLD, when pool_timer_fd() is readable (a backoff
 * ended) and on the daemon's tick.
 */
void pool_check(struct pool *p);
/* Readable when a delayed restart is due: watch it and call pool_check(). */
int pool_timer_fd(const struct pool *p);
unsigned pool_size(const struct pool *p);
void pool_info(const struct pool *p, unsigned w, struct pool_worker_info *out);
/* The user and group the workers run as (the metrics process too). */
void pool_ids(const struct pool *p, uid_t *uid, gid_t *gid);
/*
 * Sends worker w message m (len bytes) with fd attached when fd >= 0.  A
 * dead worker gets nothing (its restart replays); one that cannot take the
 * message is killed and so restarted.
 */
void pool_send(struct pool *p, unsigned w, const struct wire_msg *m, size_t len, int fd);

#endif
