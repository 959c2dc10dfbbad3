/*
 * Rule traces: the frames a rule receives (and, on request, what each of
 * its outputs sends) copied into a buffer in memory shared by the parent
 * and the workers, for `mcrctl rule trace` to write as pcap.
 *
 * There are TRACE_SLOTS buffers, mapped before the first fork like the
 * counters; a running trace holds one, and a freed one waits a moment
 * before another takes it (tracer.h), so there are more buffers than
 * traces may run at once.  The parent arms one for a rule (limits, a fresh epoch) and
 * tells the rule's worker, whose data path then appends records to it:
 * one producer, append only, each record published by a release store of
 * `used`, so the parent reads what is published while the worker goes on.
 * The worker stops by itself once `count` frames received are recorded or
 * the next record would pass `max_bytes`; nothing wraps, nothing is
 * overwritten.  A rule that is not traced has a NULL pointer and pays one
 * test of it per packet.
 */
#ifndef MCRD_TRACE_H
#define MCRD_TRACE_H

#include <linux/if_packet.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tracerec.h"

#define TRACE_SLOTS      16           /* buffers; at most TRACER_MAX traces run at once */
#define TRACE_BUF_BYTES  (8u << 20)   /* each: records and header */
#define TRACE_COUNT_MAX  100000
#define TRACE_SNAPLEN    16384        /* bytes kept of a frame */

#define TRACE_F_OUT 0x1               /* also what each output sends */

/* Records are struct mcr_trace_rec (tracerec.h), 8-byte aligned, back to back. */

/* The shared header of a buffer; its records follow. */
struct trace_buf {
	/* The parent's, set before a worker is told of the trace. */
	uint32_t epoch;               /* which trace: a worker holding another writes nothing */
	uint32_t count;               /* frames received to record */
	uint32_t max_bytes;           /* of records */
	uint32_t flags;               /* TRACE_F_* */
	/* The producer's. */
	uint32_t frames;              /* frames received recorded */
	uint32_t out_pkts;            /* packets whose outputs' frames are recorded */
	uint32_t full;                /* it stopped: count or bytes reached */
	uint32_t pad;
	uint64_t used;                /* bytes of records published (release) */
	uint8_t data[];
};

#define TRACE_DATA_MAX (TRACE_BUF_BYTES - sizeof(struct trace_buf))

/* Maps the buffers; before the first fork.  0 or -ENOMEM. */
int trace_init(void);
/* Unmaps them, in a process that has no business with them (the metrics process). */
void trace_unmap(void);
struct trace_buf *trace_buf(unsigned slot);
/* Parent: resets buffer slot for a new trace; returns its epoch. */
uint32_t trace_arm(unsigned slot, uint32_t count, uint32_t max_bytes, uint32_t flags);
/* Parent: the bytes of records published so far (acquire). */
uint64_t trace_used(const struct trace_buf *t);
/* Parent: gives the memory of slot's records back (the trace is over). */
void trace_release(unsigned slot);

/* What a worker's rule holds while traced. */
struct trace_ref {
	struct trace_buf *buf;
	uint32_t epoch;
};

/* Worker: a frame rule received (h its ring header, frame caplen bytes at the MAC header). */
void trace_rx(const struct trace_ref *t, const struct tpacket2_hdr *h, const uint8_t *frame,
	      size_t caplen);
/*
 * Worker, at the flush: whether the frames of the next packet sent are to
 * be recorded (TRACE_F_OUT, for as many packets as frames received were);
 * then each output's frame (len bytes from the Ethernet header on).
 */
bool trace_out_next(const struct trace_ref *t);
void trace_out(const struct trace_ref *t, unsigned i, const uint8_t *frame, size_t len);

#endif
