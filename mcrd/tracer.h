/*
 * Rule traces from the parent's side (mcrctl rule trace): sessions that
 * each hold one trace buffer (trace.h), tell the traced rule's worker to
 * record into it, and hand the records out to mcrctl as it asks for them.
 *
 * A session ends when its buffer is full (count or bytes reached) and every
 * record was read, when its rule is removed, when mcrctl stops it, or when
 * nobody has read it for TRACER_IDLE_S.  Its worker is told again every
 * second, so a rule replaced by a reload or re-attached, or a restarted
 * worker, goes on recording.  At most TRACER_MAX traces run at once; a
 * freed buffer waits TRACER_QUARANTINE_S before another trace takes it
 * (there are TRACE_SLOTS of them, so traces can follow each other), so
 * that a worker still finishing a record never writes into a new trace.
 */
#ifndef MCRD_TRACER_H
#define MCRD_TRACER_H

#include <linux/netlink.h>
#include <stddef.h>
#include <stdint.h>

#include "ctl.h"

#define TRACER_MAX           4
#define TRACER_IDLE_S        10
#define TRACER_QUARANTINE_S  2
#define TRACER_COUNT_DEFAULT 100
#define TRACER_READ_MAX      (1u << 20) /* bytes of records per read */

struct tracer;
struct plan;
struct pool;

int tracer_new(struct tracer **t, const struct plan *p, struct pool *pool);
/* Stops every trace. */
void tracer_free(struct tracer *t);
/*
 * Starts tracing req->name (count 0: the default; bytes 0: the buffer).
 * 0 and *id, or -errno (-ENOENT, -EBUSY, -EINVAL) with the reason in err.
 */
int tracer_start(struct tracer *t, const struct mcr_trace_info *req, uint32_t *id, char *err,
		 size_t errlen);
/*
 * Appends the next records of trace id to nlh (MCR_A_TRACE_DATA, whole
 * records, at most TRACER_READ_MAX bytes, within len) and fills info; a
 * trace reported ended is gone.  0, or -ENOENT for an unknown id.
 */
int tracer_read(struct tracer *t, uint32_t id, struct nlmsghdr *nlh, size_t len,
		struct mcr_trace_info *info);
/* Stops trace id (its records left unread are dropped).  0 or -ENOENT. */
int tracer_stop(struct tracer *t, uint32_t id);
/* Once a second: ends what must end, tells workers again, frees idle sessions. */
void tracer_tick(struct tracer *t);

#endif
