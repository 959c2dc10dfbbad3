/*
 * The worker pool: processes running the data path, each with its own
 * io_uring, pinned to its own CPU when there are enough, running as an
 * unprivileged user with no capabilities.  The parent hands them sockets
 * over a socketpair and restarts one that dies.
 */
#ifndef MCRD_POOL_H
#define MCRD_POOL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "relay.h"

struct pool_worker_info {
	pid_t pid;            /* 0 while being restarted */
	int cpu;              /* -1: not pinned */
	uid_t uid;
	unsigned restarts;
};

/*
 * Resolves user (falling back to "nobody" with a warning) and forks n
 * workers.  0 or -errno.
 */
int pool_start(struct pool **p, unsigned n, const char *user, struct relay *r);
/* SIGTERM every worker and wait for them. */
void pool_stop(struct pool *p);
/* Reap dead workers and restart them (with backoff); call on SIGCHLD and ticks. */
void pool_check(struct pool *p);
unsigned pool_size(const struct pool *p);
void pool_info(const struct pool *p, unsigned w, struct pool_worker_info *out);

/* Parent -> worker operations; a worker that cannot take one is restarted. */
void pool_egress_add(struct pool *p, int fd, bool gso); /* to every worker */
void pool_egress_add_to(struct pool *p, unsigned w, int fd, bool gso);
void pool_egress_del(struct pool *p, int fd);
void pool_input_add(struct pool *p, unsigned w, size_t slot, const struct rt_input *in);
void pool_input_del(struct pool *p, unsigned w, size_t slot);
void pool_rule_add(struct pool *p, const struct rt_rule *rr);
void pool_rule_del(struct pool *p, const struct rt_rule *rr);
void pool_output_set(struct pool *p, const struct rt_rule *rr, unsigned i);

#endif
