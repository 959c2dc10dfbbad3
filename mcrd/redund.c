/*
 * Merge and failover between a rule's inputs (redund.h).  The merge keeps
 * a history of the last 32768 sequence numbers (half the 16-bit space):
 * a bit per number relayed, and when its slot was passed or taken.
 */
#include "redund.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define HIST        32768u               /* sequence numbers remembered */
#define MAX_DROPOUT 3000                 /* a larger jump forward is a restart (RFC 3550 A.1) */
#define BACKFILL    1000                 /* numbers before a sync a slower path may still bring */
#define IDLE_NS     1000000000LL         /* nothing relayed this long: follow what comes */
#define MS          1000000LL

/* ---- RTP ---- */

int redund_rtp(const uint8_t *p, size_t len, uint16_t *seq, uint32_t *ssrc)
{
	size_t hdr;

	if (len < 12 || (p[0] >> 6) != 2)
		return -EINVAL;
	/* RTCP multiplexed on the port (RFC 5761): types 64..95 with the marker bit. */
	if ((p[1] & 0x7f) >= 64 && (p[1] & 0x7f) <= 95)
		return -EINVAL;
	hdr = 12 + 4u * (p[0] & 0x0f);
	if ((p[0] & 0x10) && len >= hdr + 4)
		hdr += 4 + 4u * ((size_t)p[hdr + 2] << 8 | p[hdr + 3]);
	else if (p[0] & 0x10)
		return -EINVAL;
	if (len < hdr || ((p[0] & 0x20) && (!p[len - 1] || p[len - 1] > len - hdr)))
		return -EINVAL;
	*seq = (uint16_t)(p[2] << 8 | p[3]);
	*ssrc = (uint32_t)p[8] << 24 | (uint32_t)p[9] << 16 | (uint32_t)p[10] << 8 | p[11];
	return 0;
}

/* ---- merge ---- */

struct merge_in {
	bool valid;          /* has delivered an RTP packet */
	bool cand;           /* its last one broke its own sequence and was refused */
	bool ok;             /* has a packet accepted since the last sync: top is valid */
	uint16_t last;       /* its last sequence number and SSRC, accepted or not */
	uint32_t ssrc;
	uint16_t top;        /* its highest accepted sequence number */
};

struct merge {
	bool synced;
	uint32_t ssrc;
	uint16_t top;        /* the highest sequence number relayed */
	uint32_t span;       /* slots passed since the sync, at most HIST */
	int64_t last_ns;     /* the last relay */
	int64_t window_ns;
	struct merge_in in[MCR_MAX_INPUTS];
	uint64_t seen[HIST / 64];
	int64_t opened[HIST]; /* when the slot was passed (or taken) */
};

enum verdict { V_ADVANCE, V_FILL, V_DUP, V_REFUSE };

struct redund {
	uint8_t mode;
	unsigned nin;
	struct redund_stats own;   /* the counters of a worker that does not own the rule */
	struct redund_stats *st;
	union {
		struct merge *m;
		struct failover *f;
	};
};

static bool seen(const struct merge *m, uint16_t s)
{
	return m->seen[(s % HIST) / 64] >> (s % 64) & 1;
}

static void mark(struct merge *m, uint16_t s, bool on)
{
	uint64_t bit = 1ULL << (s % 64);

	if (on)
		m->seen[(s % HIST) / 64] |= bit;
	else
		m->seen[(s % HIST) / 64] &= ~bit;
}

/* Sequence numbers from..from+n-1 relayed, n < HIST. */
static unsigned count_seen(const struct merge *m, uint16_t from, unsigned n)
{
	unsigned c = 0;

	while (n) {
		unsigned off = from % 64, k = 64 - off < n ? 64 - off : n;
		uint64_t w = m->seen[(from % HIST) / 64] >> off;

		c += (unsigned)__builtin_popcountll(k == 64 ? w : w & ((1ULL << k) - 1));
		from = (uint16_t)(from + k);
		n -= k;
	}
	return c;
}

/* Where s falls against the history. */
static enum verdict classify(const struct merge *m, uint16_t s, uint32_t ssrc, int64_t now)
{
	int d = (int16_t)(uint16_t)(s - m->top);

	if (ssrc != m->ssrc)
		return V_REFUSE;
	if (d > 0)
		return d <= MAX_DROPOUT ? V_ADVANCE : V_REFUSE;
	if ((uint32_t)-d >= m->span || now - m->opened[s % HIST] > m->window_ns)
		return V_REFUSE; /* before the sync, or later than the window */
	return seen(m, s) ? V_DUP : V_FILL;
}

/*
 * The stream from (s, ssrc) on input i: the history starts again.  The
 * BACKFILL numbers before s count as passed now, not relayed: a slower
 * path may still bring them within the window (a stream's first packets
 * that the faster path lacked).  The other inputs' own sequences are
 * forgotten: compared with what they carried before, their next packets
 * would look like a restart of their own.
 */
static void merge_sync(struct merge *m, unsigned i, uint16_t s, uint32_t ssrc, int64_t now)
{
	m->synced = true;
	m->ssrc = ssrc;
	m->top = s;
	m->span = BACKFILL + 1;
	memset(m->seen, 0, sizeof(m->seen));
	for (unsigned k = 0; k <= BACKFILL; k++)
		m->opened[(uint16_t)(s - k) % HIST] = now;
	mark(m, s, true);
	for (unsigned k = 0; k < MCR_MAX_INPUTS; k++) {
		m->in[k].ok = m->in[k].cand = false;
		m->in[k].valid = m->in[k].valid && k == i;
	}
	m->in[i].ok = true;
	m->in[i].top = s;
	m->last_ns = now;
}

/* s is the new top: the slots skipped are passed now, not relayed. */
static void advance(struct merge *m, uint16_t s, int64_t now)
{
	unsigned d = (uint16_t)(s - m->top);

	for (unsigned k = 1; k <= d; k++) {
		uint16_t x = (uint16_t)(m->top + k);

		m->opened[x % HIST] = now;
		mark(m, x, k == d);
	}
	m->top = s;
	m->span = m->span + d < HIST ? m->span + d : HIST;
}

/*
 * Input i accepted s: the numbers it skipped since its last that another
 * input had already supplied are gaps filled for it; those supplied later
 * are counted as they come (merge_fill).
 */
static void input_advance(struct merge *m, struct redund_stats *st, unsigned i, uint16_t s)
{
	struct merge_in *in = &m->in[i];
	uint16_t from = (uint16_t)(in->top + 1), oldest = (uint16_t)(m->top - m->span + 1);
	int gap = (int16_t)(uint16_t)(s - from);

	if (!in->ok) {
		in->ok = true;
		in->top = s;
		return;
	}
	if ((int16_t)(uint16_t)(s - in->top) <= 0)
		return; /* reordered on this input */
	if ((int16_t)(uint16_t)(from - oldest) < 0) { /* older than the history */
		gap -= (uint16_t)(oldest - from);
		from = oldest;
	}
	if (gap > 0)
		st->in[i].filled += count_seen(m, from, (unsigned)gap);
	in->top = s;
}

/* s relayed behind the top: each other input already past it had missed it. */
static void merge_fill(struct merge *m, struct redund_stats *st, unsigned i, uint16_t s)
{
	for (unsigned k = 0; k < MCR_MAX_INPUTS; k++)
		if (k != i && m->in[k].ok && (int16_t)(uint16_t)(m->in[k].top - s) > 0)
			st->in[k].filled++;
}

/* A packet refused: late, or the second of a restarted sender's, or the first after a silence. */
static enum mcr_drop merge_refused(struct redund *r, unsigned i, uint16_t s, uint32_t ssrc,
				   int64_t now)
{
	struct merge *m = r->m;
	struct merge_in *in = &m->in[i];
	bool cont = in->valid && ssrc == in->ssrc &&
		    (uint16_t)(s - in->last - 1) < MAX_DROPOUT; /* 1..MAX_DROPOUT ahead */

	if (in->cand && ssrc == in->ssrc && s == (uint16_t)(in->last + 1)) {
		/* The restart's first packet, refused, is a gap another input may fill. */
		r->st->resyncs++;
		merge_sync(m, i, in->last, ssrc, now);
		mark(m, in->last, false);
		advance(m, s, now);
		m->in[i].top = s;
		return MCR_DROP_NONE;
	}
	if (!m->synced || now - m->last_ns > IDLE_NS) {
		r->st->resyncs += m->synced;
		merge_sync(m, i, s, ssrc, now);
		return MCR_DROP_NONE;
	}
	/* A late copy from a slower path keeps its own sequence: never a restart. */
	in->cand = in->valid && !cont;
	r->st->in[i].late++;
	return MCR_DROP_LATE;
}

static enum mcr_drop merge_take(struct redund *r, unsigned i, uint16_t s, uint32_t ssrc,
				int64_t now)
{
	struct merge *m = r->m;
	enum verdict v = m->synced ? classify(m, s, ssrc, now) : V_REFUSE;
	enum mcr_drop d = MCR_DROP_NONE;

	if (v == V_REFUSE) {
		d = merge_refused(r, i, s, ssrc, now);
	} else {
		m->in[i].cand = false;
		if (v == V_ADVANCE)
			advance(m, s, now);
		if (v == V_FILL) {
			mark(m, s, true);
			merge_fill(m, r->st, i, s);
		}
		if (v == V_DUP) {
			r->st->in[i].duplicates++;
			d = MCR_DROP_DUPLICATE;
		} else {
			m->last_ns = now;
		}
		input_advance(m, r->st, i, s);
	}
	m->in[i].valid = true;
	m->in[i].last = s;
	m->in[i].ssrc = ssrc;
	return d;
}

/* ---- failover ---- */

struct failover_in {
	bool valid;
	int64_t last_ns;     /* its last datagram */
	int64_t healthy_ns;  /* since when it has had no gap of failover_ms */
};

struct failover {
	bool started;
	unsigned active;
	int64_t start_ns;    /* the rule's first datagram: the first input's grace */
	int64_t fail_ns, revert_ns;
	struct failover_in in[MCR_MAX_INPUTS];
};

static bool live(const struct failover *f, unsigned i, int64_t now)
{
	return f->in[i].valid && now - f->in[i].last_ns <= f->fail_ns;
}

/* Input i delivers: is it the one to relay now? */
static bool failover_wants(const struct failover *f, unsigned i, int64_t now)
{
	int64_t act_last = f->in[f->active].valid ? f->in[f->active].last_ns : f->start_ns;

	if (now - act_last > f->fail_ns) {
		for (unsigned k = 0; k < i; k++)
			if (k != f->active && live(f, k, now))
				return false; /* an earlier input takes over with its next datagram */
		return true;
	}
	return i < f->active && f->revert_ns && now - f->in[i].healthy_ns >= f->revert_ns;
}

static enum mcr_drop failover_take(struct redund *r, unsigned i, int64_t now)
{
	struct failover *f = r->f;
	struct failover_in *in = &f->in[i];

	if (!in->valid || now - in->last_ns > f->fail_ns)
		in->healthy_ns = now;
	if (!f->started) {
		f->started = true;
		f->start_ns = now;
	}
	if (i != f->active && failover_wants(f, i, now)) {
		f->active = i;
		r->st->switches++;
		r->st->active = i;
	}
	in->valid = true;
	in->last_ns = now;
	if (i == f->active)
		return MCR_DROP_NONE;
	r->st->in[i].duplicates++;
	return MCR_DROP_DUPLICATE;
}

/* ---- both ---- */

int redund_new(struct redund **out, const struct mcr_redund *cfg, unsigned nin)
{
	struct redund *r;

	if (nin < 2 || nin > MCR_MAX_INPUTS || (cfg->mode != MCR_REDUNDANCY_MERGE &&
						cfg->mode != MCR_REDUNDANCY_FAILOVER))
		return -EINVAL;
	if (!(r = calloc(1, sizeof(*r))))
		return -ENOMEM;
	r->mode = cfg->mode;
	r->nin = nin;
	r->st = &r->own;
	if (cfg->mode == MCR_REDUNDANCY_MERGE && (r->m = calloc(1, sizeof(*r->m))))
		r->m->window_ns = cfg->window_ms * MS;
	if (cfg->mode == MCR_REDUNDANCY_FAILOVER && (r->f = calloc(1, sizeof(*r->f)))) {
		r->f->fail_ns = cfg->failover_ms * MS;
		r->f->revert_ns = cfg->revert_ms * MS;
	}
	if (!r->m) { /* f shares its place */
		free(r);
		return -ENOMEM;
	}
	*out = r;
	return 0;
}

void redund_free(struct redund *r)
{
	if (!r)
		return;
	if (r->mode == MCR_REDUNDANCY_MERGE)
		free(r->m);
	else
		free(r->f);
	free(r);
}

void redund_set_stats(struct redund *r, struct redund_stats *st)
{
	r->st = st ? st : &r->own;
	if (r->mode == MCR_REDUNDANCY_FAILOVER)
		r->st->active = r->f->active;
}

enum mcr_drop redund_take(struct redund *r, unsigned in, const uint8_t *payload, size_t len,
			  int64_t now_ns)
{
	uint16_t seq;
	uint32_t ssrc;

	if (in >= r->nin)
		return MCR_DROP_NO_RULE;
	r->st->in[in].packets++;
	if (r->mode == MCR_REDUNDANCY_FAILOVER)
		return failover_take(r, in, now_ns);
	if (redund_rtp(payload, len, &seq, &ssrc))
		return MCR_DROP_NOT_RTP;
	return merge_take(r, in, seq, ssrc, now_ns);
}
