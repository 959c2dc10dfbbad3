/*
 * The event loop both processes run: one io_uring that watches file
 * descriptors (multishot poll) and dispatches every completion by its kind.
 * The parent uses only the watches; a worker's data path registers its own
 * completion kinds (receive, send, GSO send) and two hooks around the wait.
 */
#ifndef MCRD_EVLOOP_H
#define MCRD_EVLOOP_H

#include <liburing.h>
#include <stdbool.h>
#include <stdint.h>

struct evloop;

typedef void (*ev_watch_fn)(void *arg, int fd);
/* A completion of a registered kind; idx is what the submitter packed with it. */
typedef void (*ev_cqe_fn)(void *arg, uint32_t idx, const struct io_uring_cqe *cqe);

/* Completions of kind EV_IGNORE (cancellations, say) are reaped and dropped. */
#define EV_IGNORE 0
#define EV_KINDS  8

static inline uint64_t ev_ud(unsigned kind, uint32_t idx)
{
	return (uint64_t)kind << 56 | idx;
}

struct ev_hooks {
	/* Before each wait: queue what must be armed.  True: work is left, do not block. */
	bool (*prepare)(void *arg);
	/* After each pass over the completion queue. */
	void (*reaped)(void *arg);
	void *arg;
};

/* sq/cq: ring sizes (the parent needs few, a worker many).  0 or -errno. */
int evloop_new(struct evloop **ev, unsigned sq_entries, unsigned cq_entries);
void evloop_free(struct evloop *ev);
/* In a forked child, first thing: unmaps and closes every loop of the parent. */
void evloop_drop_inherited(void);
/* A completion kind for fn; returns it (1..EV_KINDS-1) or -ENOSPC. */
int evloop_kind(struct evloop *ev, ev_cqe_fn fn, void *arg);
void evloop_set_hooks(struct evloop *ev, const struct ev_hooks *h);
/* A submission entry, submitting what is queued when the ring is full; NULL if none. */
struct io_uring_sqe *evloop_sqe(struct evloop *ev);
/*
 * Calls fn(arg, fd) from the loop whenever fd has one of events (POLLIN,
 * POLLOUT).  Returns a watch id >= 0, or -ENOSPC.
 */
int evloop_watch(struct evloop *ev, int fd, unsigned events, ev_watch_fn fn, void *arg);
/* Stops a watch; fn is not called again.  The caller may close the fd. */
void evloop_unwatch(struct evloop *ev, int id);
/* Runs until evloop_stop().  0 or -errno (io_uring failed). */
int evloop_run(struct evloop *ev);
void evloop_stop(struct evloop *ev);
/* Submits, waits up to timeout_ns for a completion, reaps; arms nothing new. */
void evloop_turn(struct evloop *ev, int64_t timeout_ns);

#endif
