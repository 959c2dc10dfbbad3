/*
 * A rule trace's records as the data path writes them (mcrd/trace.h) and
 * the control protocol carries them to mcrctl (MCR_A_TRACE_DATA): each a
 * header and the frame's first caplen bytes from the Ethernet header on,
 * padded to 8 bytes.
 */
#ifndef MCR_TRACEREC_H
#define MCR_TRACEREC_H

#include <stddef.h>
#include <stdint.h>

enum mcr_trace_kind { MCR_TRACE_RX = 1, MCR_TRACE_OUT = 2 };

struct mcr_trace_rec {
	uint32_t len;                 /* of the record, header included, a multiple of 8 */
	uint32_t caplen;              /* bytes of the frame kept */
	uint32_t wirelen;             /* bytes of the frame on the wire */
	uint16_t kind;                /* enum mcr_trace_kind */
	uint16_t out;                 /* MCR_TRACE_OUT: the output's index in the rule */
	uint64_t ts_ns;               /* CLOCK_REALTIME */
	uint8_t frame[];
};

/*
 * The record at *off in data (len bytes), checked: its length a multiple
 * of 8 within what is left, the frame within it, caplen <= wirelen, a
 * known kind.  Moves *off past it.  1 and *r, 0 at the end, -EINVAL.
 */
int mcr_trace_next(const uint8_t *data, size_t len, size_t *off, const struct mcr_trace_rec **r);

#endif
