/*
 * RTP for the test tools, so that a relay merging RTP streams (mcrd's
 * redundancy = "merge") can be tested with mcrgen's checked, numbered
 * payloads: mcrgen --rtp puts an RTP fixed header (RFC 3550: version 2,
 * no CSRC, no extension) before each payload, mcrsink --rtp takes it off
 * and checks the RTP sequence; skip sets say which packets a path leaves
 * out (mcrgen --skip, --skip2).
 */
#ifndef MCR_TOOL_RTP_H
#define MCR_TOOL_RTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MCR_RTP_HDR_LEN 12
#define MCR_RTP_PT      33 /* MPEG-TS: what 2022-7 streams often carry */
#define MCR_SKIP_MAX    32 /* items of one skip set */

/* Writes the 12-byte header (version 2, payload type 33, no marker). */
void mcr_rtp_put(uint8_t *buf, uint16_t seq, uint32_t ts, uint32_t ssrc);
/*
 * The payload after a version-2 header of len bytes (CSRCs skipped), and
 * its sequence number: 0, or -EPROTO.
 */
int mcr_rtp_strip(const uint8_t **buf, size_t *len, uint16_t *seq);

/* Where an RTP sequence breaks: a number that is not the previous one + 1. */
struct mcr_rtp_track {
	bool have;
	uint16_t last;
	uint64_t breaks;
};
void mcr_rtp_track_add(struct mcr_rtp_track *t, uint16_t seq);

/*
 * Packet numbers (from 0) a path does not send: a comma-separated list of
 * A, A-B, A%M or A-B%M (every packet whose number modulo M is in A..B).
 */
struct mcr_skip_item {
	uint64_t lo, hi, mod; /* mod 0: the numbers lo..hi themselves */
};
struct mcr_skip {
	unsigned n;
	struct mcr_skip_item it[MCR_SKIP_MAX];
};
/* 0, or -EINVAL after printing why (opt names the option). */
int mcr_skip_parse(const char *opt, const char *arg, struct mcr_skip *s);
bool mcr_skip_has(const struct mcr_skip *s, uint64_t k);

#endif
