/*
 * The io_uring data path: frames read in place from every ingress socket's
 * receive ring (rxring.h) when its poll fires, rule lookup, and one batched
 * sendmsg per output (or per GSO run) that points into the ring slot (no
 * copy per output).
 */
#ifndef MCRD_DATAPATH_H
#define MCRD_DATAPATH_H

#include <stdbool.h>

#include "relay.h"

struct datapath;

typedef void (*dp_watch_fn)(void *arg, int fd);

/*
 * data: receive and send for r's inputs and rules (a worker), or only
 * watch fds (the parent).  0 or -errno (io_uring unavailable, no memory).
 */
int datapath_new(struct datapath **dp, struct relay *r, bool data);
void datapath_free(struct datapath *dp);
/*
 * Calls fn(arg, fd) from the data path loop whenever fd has one of events
 * (POLLIN, POLLOUT).  Returns a watch id >= 0, or -ENOSPC.
 */
int datapath_watch(struct datapath *dp, int fd, unsigned events, dp_watch_fn fn, void *arg);
/* Stops a watch; fn is not called again.  The caller may close the fd. */
void datapath_unwatch(struct datapath *dp, int id);
/* Runs until datapath_stop(); then waits briefly for sends in flight. 0 or -errno. */
int datapath_run(struct datapath *dp);
void datapath_stop(struct datapath *dp);

#endif
