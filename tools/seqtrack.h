/* Per-stream accounting of received payloads: loss, duplicates, reordering. */
#ifndef MCR_TOOL_SEQTRACK_H
#define MCR_TOOL_SEQTRACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rtp.h"

/* Duplicates are detected for seqs below this (a 16 MiB bitmap per stream id). */
#define MCR_TOOL_SEQ_CAP (1ull << 27)

struct mcr_tool_counts {
	uint64_t received;   /* datagrams, whatever they contain */
	uint64_t bytes;      /* their UDP payload bytes */
	uint64_t unique;     /* distinct (stream id, seq) pairs */
	uint64_t lost;       /* expected - unique; see mcr_tool_tracker_counts */
	uint64_t duplicated; /* a seq seen before */
	uint64_t reordered;  /* a new seq below the highest seen so far */
	uint64_t corrupted;  /* mcr_payload_check said -EBADMSG */
	uint64_t foreign;    /* not an mcrgen payload (-EPROTO) */
	uint64_t dropped;    /* the kernel's drops on the socket (a full receive buffer) */
	uint64_t max_silence_ns; /* longest gap between two receive batches */
	uint64_t rtp_breaks; /* --rtp: an RTP sequence number not the previous one + 1 */
};

/* One mcrgen stream id seen on a socket; each has its own sequence space. */
struct mcr_tool_seqid {
	uint32_t stream;
	uint64_t highest;   /* meaningful once unique > 0 */
	uint64_t unique;
	uint64_t in_expect; /* unique seqs below the expected count */
	uint64_t *bits;     /* seen-bitmap, grown on demand up to MCR_TOOL_SEQ_CAP */
	size_t nwords;
};

struct mcr_tool_tracker {
	struct mcr_tool_counts c; /* c.lost is only valid via mcr_tool_tracker_counts */
	bool has_expect;
	uint64_t expect;          /* packets expected per stream id (seqs 0..expect-1) */
	struct mcr_tool_seqid *ids;
	size_t nids, capids, last;
	uint64_t last_ns;         /* when the last batch arrived (0: none yet) */
	bool rtp;                 /* payloads come after an RTP header: checked and taken off */
	struct mcr_rtp_track rtpseq;
};

/* Without has_expect a stream id is expected to have sent highest seq + 1. */
void mcr_tool_tracker_init(struct mcr_tool_tracker *t, bool has_expect, uint64_t expect);
void mcr_tool_tracker_free(struct mcr_tool_tracker *t);
/* Verifies and counts one datagram.  0, or -ENOMEM growing the bitmap. */
int mcr_tool_tracker_add(struct mcr_tool_tracker *t, const uint8_t *buf, size_t len);
/*
 * Notes that datagrams arrived at now (ns, monotonic): the longest silence
 * between arrivals shows how long a stream stopped, e.g. across a fault.
 */
void mcr_tool_tracker_seen(struct mcr_tool_tracker *t, uint64_t now);
/* The counters with lost computed; with -n, a silent stream lost all of it. */
void mcr_tool_tracker_counts(const struct mcr_tool_tracker *t, struct mcr_tool_counts *out);
void mcr_tool_counts_add(struct mcr_tool_counts *sum, const struct mcr_tool_counts *c);

#endif
