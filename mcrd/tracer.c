/* Rule trace sessions in the parent (tracer.h). */
#include "tracer.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "esc.h"
#include "log.h"
#include "plan.h"
#include "pool.h"
#include "trace.h"
#include "tracerec.h"
#include "wire.h"

#define DATA_ATTR_MAX 60000 /* records per MCR_A_TRACE_DATA: a 16-bit attribute length */

struct session {
	uint32_t id;              /* 0: free */
	char rule[MCR_NAME_MAX];
	uint32_t epoch;
	uint64_t read;            /* bytes of records handed out */
	int64_t last_ns;          /* of the last read (or the start) */
	const char *end;          /* why it stopped; NULL while it runs */
	int64_t free_at;          /* a free slot may be taken from then on */
};

struct tracer {
	const struct plan *plan;
	struct pool *pool;
	uint32_t next_id;
	struct session s[TRACE_SLOTS];
};

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int tracer_new(struct tracer **out, const struct plan *p, struct pool *pool)
{
	struct tracer *t = calloc(1, sizeof(*t));

	if (!t)
		return -ENOMEM;
	t->plan = p;
	t->pool = pool;
	*out = t;
	return 0;
}

/* Tells the rule's worker to record into slot i, or (off) to stop. */
static void tell(struct tracer *t, unsigned i, bool on)
{
	const struct plan_rule *rr = plan_find(t->plan, t->s[i].rule);
	struct wire_msg m = { .type = W_TRACE, .slot = on ? (int32_t)i : -1, .epoch = t->s[i].epoch };

	if (!rr)
		return;
	snprintf(m.name, sizeof(m.name), "%s", t->s[i].rule);
	pool_send(t->pool, rr->worker, &m, sizeof(m), -1);
}

static void end(struct tracer *t, unsigned i, const char *why)
{
	if (t->s[i].end)
		return;
	t->s[i].end = why;
	tell(t, i, false);
	log_info("trace %u of rule \"%s\" ended: %s", t->s[i].id, t->s[i].rule, why);
}

static void release(struct tracer *t, unsigned i)
{
	end(t, i, "stopped");
	trace_release(i);
	t->s[i].id = 0;
	t->s[i].free_at = now_ns() + TRACER_QUARANTINE_S * 1000000000LL;
}

void tracer_free(struct tracer *t)
{
	if (!t)
		return;
	for (unsigned i = 0; i < TRACE_SLOTS; i++)
		if (t->s[i].id)
			end(t, i, "mcrd stops");
	free(t);
}

static int find(const struct tracer *t, uint32_t id)
{
	for (unsigned i = 0; id && i < TRACE_SLOTS; i++)
		if (t->s[i].id == id)
			return (int)i;
	return -1;
}

static unsigned running(const struct tracer *t)
{
	unsigned n = 0;

	for (unsigned i = 0; i < TRACE_SLOTS; i++)
		n += t->s[i].id != 0;
	return n;
}

static int check_req(const struct mcr_trace_info *req, char *err, size_t errlen)
{
	if (req->count > TRACE_COUNT_MAX)
		return snprintf(err, errlen, "trace: count %u is more than %u", req->count,
				TRACE_COUNT_MAX), -EINVAL;
	if (req->bytes > TRACE_DATA_MAX)
		return snprintf(err, errlen, "trace: bytes %u is more than %zu", req->bytes,
				(size_t)TRACE_DATA_MAX), -EINVAL;
	if (req->flags & ~MCR_TRACE_F_OUT)
		return snprintf(err, errlen, "trace: unknown flags 0x%x", req->flags), -EINVAL;
	return 0;
}

int tracer_start(struct tracer *t, const struct mcr_trace_info *req, uint32_t *id, char *err,
		 size_t errlen)
{
	int64_t now = now_ns();
	unsigned i;
	int ret;

	if ((ret = check_req(req, err, errlen)))
		return ret;
	if (!plan_find(t->plan, req->name))
		return snprintf(err, errlen, "rule \"%s\" not found", req->name), -ENOENT;
	if (running(t) >= TRACER_MAX)
		return snprintf(err, errlen, "%d traces run already, the most there can be",
				TRACER_MAX), -EBUSY;
	for (i = 0; i < TRACE_SLOTS && (t->s[i].id || now < t->s[i].free_at); i++)
		;
	if (i == TRACE_SLOTS)
		return snprintf(err, errlen, "every trace buffer was freed less than %d s ago; "
				"try again", TRACER_QUARANTINE_S), -EBUSY;
	if (!++t->next_id)
		t->next_id = 1;
	t->s[i] = (struct session){ .id = t->next_id, .last_ns = now };
	snprintf(t->s[i].rule, sizeof(t->s[i].rule), "%s", req->name);
	t->s[i].epoch = trace_arm(i, req->count ? req->count : TRACER_COUNT_DEFAULT,
				  req->bytes ? req->bytes : (uint32_t)TRACE_DATA_MAX,
				  req->flags & MCR_TRACE_F_OUT ? TRACE_F_OUT : 0);
	tell(t, i, true);
	log_info("trace %u of rule \"%s\" started", t->s[i].id, t->s[i].rule);
	*id = t->s[i].id;
	return 0;
}

/* Whole records from off, at most max bytes of what is published. */
static size_t whole(const struct trace_buf *b, uint64_t off, uint64_t used, size_t max)
{
	size_t n = 0, o = 0;
	const struct mcr_trace_rec *r;

	while (n < max && mcr_trace_next(b->data + off, used - off, &o, &r) > 0 && o <= max)
		n = o;
	return n;
}

static int put_data(struct nlmsghdr *nlh, size_t len, struct trace_buf *b, struct session *s)
{
	uint64_t used = trace_used(b);
	size_t total = 0;

	while (total < TRACER_READ_MAX && s->read < used) {
		size_t n = whole(b, s->read, used, DATA_ATTR_MAX);

		if (!n || !mnl_attr_put_check(nlh, len, MCR_A_TRACE_DATA, n, b->data + s->read))
			break;
		s->read += n;
		total += n;
	}
	return 0;
}

int tracer_read(struct tracer *t, uint32_t id, struct nlmsghdr *nlh, size_t len,
		struct mcr_trace_info *info)
{
	int i = find(t, id);
	struct trace_buf *b;
	struct session *s;

	if (i < 0)
		return -ENOENT;
	s = &t->s[i];
	b = trace_buf((unsigned)i);
	s->last_ns = now_ns();
	put_data(nlh, len, b, s);
	memset(info, 0, sizeof(*info));
	info->id = id;
	snprintf(info->name, sizeof(info->name), "%s", s->rule);
	info->frames = b->frames;
	info->count = b->count;
	if (!s->end && __atomic_load_n(&b->full, __ATOMIC_ACQUIRE) && s->read == trace_used(b))
		end(t, (unsigned)i, b->frames >= b->count ? "count reached" : "bytes reached");
	if (s->end && s->read == trace_used(b)) {
		info->ended = true;
		snprintf(info->reason, sizeof(info->reason), "%s", s->end);
		release(t, (unsigned)i);
	}
	return 0;
}

int tracer_stop(struct tracer *t, uint32_t id)
{
	int i = find(t, id);

	if (i < 0)
		return -ENOENT;
	release(t, (unsigned)i);
	return 0;
}

void tracer_tick(struct tracer *t)
{
	int64_t now = now_ns();

	for (unsigned i = 0; i < TRACE_SLOTS; i++) {
		struct session *s = &t->s[i];

		if (!s->id)
			continue;
		if (now - s->last_ns > TRACER_IDLE_S * 1000000000LL) {
			log_info("trace %u of rule \"%s\": not read for %d s", s->id, s->rule,
				 TRACER_IDLE_S);
			release(t, i);
		} else if (!s->end && !plan_find(t->plan, s->rule)) {
			end(t, i, "rule removed");
		} else if (!s->end) {
			tell(t, i, true); /* a replaced rule, a restarted worker: record on */
		}
	}
}
