/*
 * The parent's side of the Prometheus endpoint (`metrics` in mcrd.conf):
 * the listening socket, bound at start-up so that a bad address stops mcrd
 * with a clear message; the metrics process (metricsd.h), forked once the
 * workers run and restarted with backoff if it dies; and the catalog that
 * names the counters, rebuilt and handed over at the one-second tick
 * whenever what it holds has changed.  The parent never serves HTTP.
 */
#ifndef MCRD_METRICS_H
#define MCRD_METRICS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "metcat.h"

struct metrics;
struct plan;
struct pool;

/* Binds and listens on addr ("HOST:PORT", hostport.h).  0 or -errno, logged. */
int metrics_open(struct metrics **m, const char *addr);
/* Forks the metrics process, as uid/gid.  0 or -errno. */
int metrics_start(struct metrics *m, uid_t uid, gid_t gid);
/* A reload was applied (or refused). */
void metrics_reloaded(struct metrics *m, bool applied);
/* Once a second: restarts a dead metrics process when due, sends a changed catalog. */
void metrics_tick(struct metrics *m, const struct plan *p, const struct pool *pool,
		  const struct querier *q);
/* SIGCHLD: reaps the metrics process if it died. */
void metrics_check(struct metrics *m);
/* Stops the metrics process and closes the socket.  NULL is fine. */
void metrics_close(struct metrics *m);

#endif
