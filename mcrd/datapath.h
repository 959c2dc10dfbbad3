/*
 * The worker's data path: frames read in place from every ingress
 * socket's receive ring (rxring.h) when its poll fires, rule lookup in the
 * worker's table, and one batched sendmsg per output (or per GSO run) that
 * points into the ring slot (no copy per output).  It runs inside the
 * worker's event loop, with completion kinds of its own.
 */
#ifndef MCRD_DATAPATH_H
#define MCRD_DATAPATH_H

#include "evloop.h"
#include "table.h"

struct datapath;

/* Receive and send for t's inputs and rules inside ev.  0 or -errno. */
int datapath_new(struct datapath **dp, struct evloop *ev, struct table *t);
/*
 * Frees the send slots and the rings of closed inputs.  Call after the
 * event loop is gone: no completion may arrive any more.
 */
void datapath_free(struct datapath *dp);
/* After the loop stopped: waits up to a second for sends in flight. */
void datapath_drain(struct datapath *dp);

#endif
