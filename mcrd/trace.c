/* Rule trace buffers in shared memory (trace.h). */
#include "trace.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static uint8_t *bufs;

int trace_init(void)
{
	/* Untouched pages cost nothing: only a running trace's records are paid for. */
	void *p = mmap(NULL, (size_t)TRACE_SLOTS * TRACE_BUF_BYTES, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		return -ENOMEM;
	bufs = p;
	return 0;
}

void trace_unmap(void)
{
	if (bufs)
		munmap(bufs, (size_t)TRACE_SLOTS * TRACE_BUF_BYTES);
	bufs = NULL;
}

struct trace_buf *trace_buf(unsigned slot)
{
	return (struct trace_buf *)(void *)(bufs + (size_t)slot * TRACE_BUF_BYTES);
}

uint32_t trace_arm(unsigned slot, uint32_t count, uint32_t max_bytes, uint32_t flags)
{
	struct trace_buf *t = trace_buf(slot);
	uint32_t epoch = t->epoch + 1;

	/* The old epoch first: a worker still holding it stops writing. */
	__atomic_store_n(&t->epoch, 0, __ATOMIC_RELEASE);
	t->count = count;
	t->max_bytes = max_bytes > TRACE_DATA_MAX ? (uint32_t)TRACE_DATA_MAX : max_bytes;
	t->flags = flags;
	t->frames = 0;
	t->out_pkts = 0;
	t->full = 0;
	__atomic_store_n(&t->used, 0, __ATOMIC_RELEASE);
	__atomic_store_n(&t->epoch, epoch ? epoch : 1, __ATOMIC_RELEASE);
	return epoch ? epoch : 1;
}

/*
 * Shared anonymous memory keeps a page once written: a finished trace's
 * pages are removed (for every process mapping them), so traces leave
 * nothing resident.  A late write from a worker only brings a zero page back.
 */
void trace_release(unsigned slot)
{
	struct trace_buf *t = trace_buf(slot);
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t end = (size_t)((sizeof(*t) + trace_used(t) + page - 1) / page * page);

	/* The first page holds the header (its epoch): it stays. */
	if (end > page)
		madvise((uint8_t *)t + page, end - page, MADV_REMOVE);
}

uint64_t trace_used(const struct trace_buf *t)
{
	return __atomic_load_n(&t->used, __ATOMIC_ACQUIRE);
}

static bool live(const struct trace_ref *t)
{
	return __atomic_load_n(&t->buf->epoch, __ATOMIC_ACQUIRE) == t->epoch && !t->buf->full;
}

/* Appends one record, or stops the trace when it would not fit. */
static void put(struct trace_buf *b, uint16_t kind, uint16_t out, uint64_t ts, const uint8_t *frame,
		size_t caplen, size_t wirelen)
{
	size_t keep = caplen > TRACE_SNAPLEN ? TRACE_SNAPLEN : caplen;
	uint32_t len = (uint32_t)((sizeof(struct mcr_trace_rec) + keep + 7) & ~(size_t)7);
	uint64_t used = b->used;
	struct mcr_trace_rec *r;

	if (used + len > b->max_bytes) {
		b->full = 1;
		return;
	}
	r = (struct mcr_trace_rec *)(void *)(b->data + used);
	*r = (struct mcr_trace_rec){ len, (uint32_t)keep, (uint32_t)wirelen, kind, out, ts };
	memcpy(r->frame, frame, keep);
	__atomic_store_n(&b->used, used + len, __ATOMIC_RELEASE);
}

void trace_rx(const struct trace_ref *t, const struct tpacket2_hdr *h, const uint8_t *frame,
	      size_t caplen)
{
	struct trace_buf *b = t->buf;

	if (!live(t) || b->frames >= b->count)
		return;
	put(b, MCR_TRACE_RX, 0, h->tp_sec * 1000000000ull + h->tp_nsec, frame, caplen, h->tp_len);
	/* Done, unless the outputs' frames of these packets are still to come. */
	if (!b->full && ++b->frames >= b->count && !(b->flags & TRACE_F_OUT))
		b->full = 1;
}

bool trace_out_next(const struct trace_ref *t)
{
	struct trace_buf *b = t->buf;

	if (!(b->flags & TRACE_F_OUT) || !live(t))
		return false;
	if (b->out_pkts >= b->frames) {
		if (b->frames >= b->count)
			b->full = 1; /* every recorded packet's outputs are in */
		return false;
	}
	b->out_pkts++;
	return true;
}

void trace_out(const struct trace_ref *t, unsigned i, const uint8_t *frame, size_t len)
{
	struct timespec ts;

	if (!live(t))
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	put(t->buf, MCR_TRACE_OUT, (uint16_t)i, ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec, frame,
	    len, len);
}
