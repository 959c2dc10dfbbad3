/* Sequence accounting: a seen-bitmap per stream id tells duplicates from reordering. */
#include "seqtrack.h"

#include "payload.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MIN_WORDS 1024 /* first bitmap: 64 Ki seqs, 8 KiB */

void mcr_tool_tracker_init(struct mcr_tool_tracker *t, bool has_expect, uint64_t expect)
{
	memset(t, 0, sizeof(*t));
	t->has_expect = has_expect;
	t->expect = expect;
}

void mcr_tool_tracker_free(struct mcr_tool_tracker *t)
{
	for (size_t i = 0; i < t->nids; i++)
		free(t->ids[i].bits);
	free(t->ids);
	t->ids = NULL;
	t->nids = t->capids = 0;
}

static struct mcr_tool_seqid *find_id(struct mcr_tool_tracker *t, uint32_t stream)
{
	struct mcr_tool_seqid *v;

	/* Usually one stream id per socket: check the last one first. */
	if (t->nids && t->ids[t->last].stream == stream)
		return &t->ids[t->last];
	for (size_t i = 0; i < t->nids; i++)
		if (t->ids[i].stream == stream) {
			t->last = i;
			return &t->ids[i];
		}
	if (t->nids == t->capids) {
		size_t cap = t->capids ? 2 * t->capids : 4;

		v = realloc(t->ids, cap * sizeof(*v));
		if (!v)
			return NULL;
		t->ids = v;
		t->capids = cap;
	}
	t->last = t->nids++;
	v = &t->ids[t->last];
	memset(v, 0, sizeof(*v));
	v->stream = stream;
	return v;
}

/* Makes the bitmap cover seq (which is below the cap). */
static int grow(struct mcr_tool_seqid *id, uint64_t seq)
{
	size_t need = (size_t)(seq / 64) + 1, n = id->nwords ? 2 * id->nwords : MIN_WORDS;
	uint64_t *bits;

	if (n < need)
		n = need;
	if (n > MCR_TOOL_SEQ_CAP / 64)
		n = MCR_TOOL_SEQ_CAP / 64;
	bits = realloc(id->bits, n * sizeof(*bits));
	if (!bits)
		return -ENOMEM;
	memset(bits + id->nwords, 0, (n - id->nwords) * sizeof(*bits));
	id->bits = bits;
	id->nwords = n;
	return 0;
}

/* Marks seq seen; 1 if it already was.  Seqs past the cap always count as new. */
static int test_and_set(struct mcr_tool_seqid *id, uint64_t seq)
{
	uint64_t mask = 1ull << (seq % 64);
	size_t w = (size_t)(seq / 64);
	int err;

	if (seq >= MCR_TOOL_SEQ_CAP)
		return 0;
	if (w >= id->nwords && (err = grow(id, seq)))
		return err;
	if (id->bits[w] & mask)
		return 1;
	id->bits[w] |= mask;
	return 0;
}

static int count_seq(struct mcr_tool_tracker *t, uint32_t stream, uint64_t seq)
{
	struct mcr_tool_seqid *id = find_id(t, stream);
	int seen;

	if (!id)
		return -ENOMEM;
	seen = test_and_set(id, seq);
	if (seen < 0)
		return seen;
	if (seen) {
		t->c.duplicated++;
		return 0;
	}
	if (id->unique && seq < id->highest)
		t->c.reordered++;
	if (!id->unique || seq > id->highest)
		id->highest = seq;
	id->unique++;
	t->c.unique++;
	if (t->has_expect && seq < t->expect)
		id->in_expect++;
	return 0;
}

int mcr_tool_tracker_add(struct mcr_tool_tracker *t, const uint8_t *buf, size_t len)
{
	uint32_t stream;
	uint64_t seq;
	uint16_t rseq;
	int err;

	t->c.received++;
	t->c.bytes += len;
	if (t->rtp && mcr_rtp_strip(&buf, &len, &rseq)) {
		t->c.foreign++;
		return 0;
	}
	if (t->rtp) {
		mcr_rtp_track_add(&t->rtpseq, rseq);
		t->c.rtp_breaks = t->rtpseq.breaks;
	}
	err = mcr_payload_check(buf, len, &stream, &seq);
	if (err == -EPROTO) {
		t->c.foreign++;
		return 0;
	}
	if (err) {
		t->c.corrupted++;
		return 0;
	}
	return count_seq(t, stream, seq);
}

void mcr_tool_tracker_seen(struct mcr_tool_tracker *t, uint64_t now)
{
	if (t->last_ns && now > t->last_ns && now - t->last_ns > t->c.max_silence_ns)
		t->c.max_silence_ns = now - t->last_ns;
	t->last_ns = now;
}

void mcr_tool_tracker_counts(const struct mcr_tool_tracker *t, struct mcr_tool_counts *out)
{
	*out = t->c;
	out->lost = t->has_expect && !t->nids ? t->expect : 0;
	for (size_t i = 0; i < t->nids; i++) {
		const struct mcr_tool_seqid *id = &t->ids[i];
		uint64_t want = t->has_expect ? t->expect : id->highest + 1;
		uint64_t got = t->has_expect ? id->in_expect : id->unique;

		/* got > want only if seqs past the cap were duplicated. */
		out->lost += want > got ? want - got : 0;
	}
}

void mcr_tool_counts_add(struct mcr_tool_counts *sum, const struct mcr_tool_counts *c)
{
	sum->received += c->received;
	sum->bytes += c->bytes;
	sum->unique += c->unique;
	sum->lost += c->lost;
	sum->duplicated += c->duplicated;
	sum->reordered += c->reordered;
	sum->corrupted += c->corrupted;
	sum->foreign += c->foreign;
	sum->dropped += c->dropped;
	sum->rtp_breaks += c->rtp_breaks;
	if (c->max_silence_ns > sum->max_silence_ns)
		sum->max_silence_ns = c->max_silence_ns;
}
