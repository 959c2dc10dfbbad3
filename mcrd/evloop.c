/*
 * One loop: arm the watches, let the hooks queue their work, submit, wait,
 * dispatch every completion by the kind in the top byte of its user data.
 */
#include "evloop.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define MAX_WATCH 256

enum { KIND_WATCH = EV_KINDS - 1 };

#define UD_KIND(ud) ((unsigned)((ud) >> 56))
#define UD_IDX(ud)  ((uint32_t)(ud))
/*
 * A watch's completions carry its slot and the slot's generation, bumped
 * when the watch stops: the slot is free at once, and the late completions
 * of the old poll (cancelled, but maybe already queued) are told apart and
 * dropped.  A client flood that opens and closes watches by the hundred
 * between two passes of the loop therefore never runs out of slots.
 */
#define WATCH_IDX(slot, gen) ((uint32_t)(gen) << 16 | (slot))
#define WATCH_SLOT(idx)      ((idx) & 0xffff)
#define WATCH_GEN(idx)       ((uint16_t)((idx) >> 16))

struct watch {
	int fd;
	unsigned events;
	ev_watch_fn fn;      /* NULL: slot free */
	void *arg;
	uint16_t gen;
	bool armed;
};

struct kind {
	ev_cqe_fn fn;
	void *arg;
};

struct evloop {
	struct io_uring ring;
	bool stop;
	struct ev_hooks hooks;
	struct kind kinds[EV_KINDS];
	unsigned nkinds;
	struct watch watch[MAX_WATCH];
	unsigned nwatch;
	struct evloop *next_live; /* this process's loops, for a forked child to drop */
};

static struct evloop *live;

struct io_uring_sqe *evloop_sqe(struct evloop *ev)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&ev->ring);

	if (!sqe) {
		io_uring_submit(&ev->ring);
		sqe = io_uring_get_sqe(&ev->ring);
	}
	return sqe;
}

/* Cancels the poll whose completions carry idx (slot and generation). */
static void queue_remove(struct evloop *ev, uint32_t idx)
{
	struct io_uring_sqe *sqe = evloop_sqe(ev);

	if (sqe) {
		io_uring_prep_poll_remove(sqe, ev_ud(KIND_WATCH, idx));
		io_uring_sqe_set_data64(sqe, ev_ud(EV_IGNORE, 0));
	}
}

static void on_watch(void *arg, uint32_t idx, const struct io_uring_cqe *cqe)
{
	struct evloop *ev = arg;
	struct watch *w = &ev->watch[WATCH_SLOT(idx)];

	if (WATCH_GEN(idx) != w->gen) {
		/*
		 * Of a watch stopped since.  Still armed: its remove met this
		 * event under way (-EALREADY, with DEFER_TASKRUN) and failed,
		 * and the poll would keep the closed file open: remove it again.
		 */
		if (cqe->flags & IORING_CQE_F_MORE)
			queue_remove(ev, idx);
		return;
	}
	if (!(cqe->flags & IORING_CQE_F_MORE))
		w->armed = false;
	if (cqe->res > 0 && w->fn)
		w->fn(w->arg, w->fd);
}

static void arm_watches(struct evloop *ev)
{
	struct io_uring_sqe *sqe;

	for (unsigned i = 0; i < ev->nwatch; i++) {
		struct watch *w = &ev->watch[i];

		if (w->armed || !w->fn || !(sqe = evloop_sqe(ev)))
			continue;
		io_uring_prep_poll_multishot(sqe, w->fd, w->events);
		io_uring_sqe_set_data64(sqe, ev_ud(KIND_WATCH, WATCH_IDX(i, w->gen)));
		w->armed = true;
	}
}

static void reap(struct evloop *ev)
{
	struct io_uring_cqe *cqe;
	unsigned head, n = 0;

	io_uring_for_each_cqe(&ev->ring, head, cqe) {
		uint64_t ud = io_uring_cqe_get_data64(cqe);
		const struct kind *k = &ev->kinds[UD_KIND(ud) % EV_KINDS];

		if (k->fn)
			k->fn(k->arg, UD_IDX(ud), cqe);
		n++;
	}
	io_uring_cq_advance(&ev->ring, n);
	if (ev->hooks.reaped)
		ev->hooks.reaped(ev->hooks.arg);
}

/* Arms everything; true when a hook has work left (then the loop must not block). */
static bool prepare(struct evloop *ev)
{
	arm_watches(ev);
	return ev->hooks.prepare && ev->hooks.prepare(ev->hooks.arg);
}

int evloop_run(struct evloop *ev)
{
	int err = 0;

	while (!ev->stop) {
		bool busy = prepare(ev);

		err = busy ? io_uring_submit(&ev->ring) : io_uring_submit_and_wait(&ev->ring, 1);
		if (err < 0 && err != -EINTR && err != -EAGAIN && err != -EBUSY) {
			log_err("io_uring: %s", strerror(-err));
			return err;
		}
		err = 0;
		reap(ev);
	}
	return 0;
}

void evloop_turn(struct evloop *ev, int64_t timeout_ns)
{
	struct __kernel_timespec ts = { .tv_sec = timeout_ns / 1000000000LL,
					.tv_nsec = timeout_ns % 1000000000LL };
	struct io_uring_cqe *cqe;

	/* Nothing is re-armed: this serves to let what is in flight finish. */
	io_uring_submit_and_wait_timeout(&ev->ring, &cqe, 1, &ts, NULL);
	reap(ev);
}

void evloop_stop(struct evloop *ev)
{
	ev->stop = true;
}

int evloop_kind(struct evloop *ev, ev_cqe_fn fn, void *arg)
{
	if (ev->nkinds + 1 >= KIND_WATCH)
		return -ENOSPC;
	ev->kinds[++ev->nkinds] = (struct kind){ fn, arg };
	return (int)ev->nkinds;
}

void evloop_set_hooks(struct evloop *ev, const struct ev_hooks *h)
{
	ev->hooks = *h;
}

int evloop_watch(struct evloop *ev, int fd, unsigned events, ev_watch_fn fn, void *arg)
{
	unsigned i;

	for (i = 0; i < ev->nwatch; i++)
		if (!ev->watch[i].fn)
			break;
	if (i == MAX_WATCH)
		return -ENOSPC;
	ev->watch[i] = (struct watch){ .fd = fd, .events = events, .fn = fn, .arg = arg,
				       .gen = ev->watch[i].gen };
	if (i == ev->nwatch)
		ev->nwatch++;
	return (int)i;
}

void evloop_unwatch(struct evloop *ev, int id)
{
	struct watch *w = &ev->watch[id];

	w->fn = NULL;
	if (w->armed)
		queue_remove(ev, WATCH_IDX(id, w->gen));
	w->armed = false;
	w->gen++; /* free now: what the old poll still completes is dropped */
}

static int ring_init(struct evloop *ev, unsigned sq, unsigned cq)
{
	struct io_uring_params p = { 0 };
	int err;

	p.flags = IORING_SETUP_CQSIZE | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
	p.cq_entries = cq;
	err = io_uring_queue_init_params(sq, &ev->ring, &p);
	if (err == -EINVAL) { /* kernels before 6.1: no deferred task running */
		memset(&p, 0, sizeof(p));
		p.flags = IORING_SETUP_CQSIZE;
		p.cq_entries = cq;
		err = io_uring_queue_init_params(sq, &ev->ring, &p);
	}
	return err;
}

int evloop_new(struct evloop **out, unsigned sq, unsigned cq)
{
	struct evloop *ev = calloc(1, sizeof(*ev));
	int err;

	if (!ev)
		return -ENOMEM;
	err = ring_init(ev, sq, cq);
	if (err) {
		log_err("io_uring setup failed: %s", strerror(-err));
		free(ev);
		return err;
	}
	ev->kinds[KIND_WATCH] = (struct kind){ on_watch, ev };
	ev->next_live = live;
	live = ev;
	*out = ev;
	return 0;
}

void evloop_free(struct evloop *ev)
{
	struct evloop **pp;

	if (!ev)
		return;
	for (pp = &live; *pp; pp = &(*pp)->next_live)
		if (*pp == ev) {
			*pp = ev->next_live;
			break;
		}
	io_uring_queue_exit(&ev->ring);
	free(ev);
}

/*
 * A forked child (a worker, the metrics process) must not keep the parent's
 * rings mapped: one that wrote SQEs into them and moved the tail would have
 * the privileged parent run them at its next submit.  Unmapped here rather
 * than marked MADV_DONTFORK, which valgrind does not model (its child then
 * believes the range taken and aborts on the next large mmap).
 */
void evloop_drop_inherited(void)
{
	while (live) {
		struct evloop *ev = live;

		live = ev->next_live;
		io_uring_queue_exit(&ev->ring);
		free(ev);
	}
}
