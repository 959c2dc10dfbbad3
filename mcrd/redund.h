/*
 * A rule whose inputs carry one stream (issue 20): which of their
 * datagrams is relayed.
 *
 * merge (SMPTE 2022-7): every datagram must be RTP.  The first copy of
 * each sequence number, from any input, is relayed; later copies are
 * duplicates.  A sequence number behind the highest relayed is still
 * relayed (a gap filled from another input, or reordering) while its
 * slot was passed at most the window ago, else it is late.  The stream
 * is followed anew (resync) when the sender restarts: on one input, a
 * packet that breaks that input's own sequence (a new SSRC, a jump
 * forward beyond 3000 or back out of the window) and the next one in
 * sequence after it; or any packet after a second with nothing relayed.
 *
 * failover: any UDP payload.  The first input listed is relayed while it
 * delivers; after failover_ms of silence, the next one that delivers
 * (the earliest listed that is live); an earlier input is taken back once
 * it has delivered for revert_ms with no gap of failover_ms (0: never).
 *
 * Pure logic on (input, payload, time): no clock and no I/O, so the data
 * path and the unit tests drive it alike.  Every worker serving a rule
 * runs its own and decides from the same packets; only the rule's owner
 * writes the shared counters.
 */
#ifndef MCRD_REDUND_H
#define MCRD_REDUND_H

#include <stddef.h>
#include <stdint.h>

#include "packet.h"
#include "rule.h"
#include "stats.h"

struct redund;

/* For a rule's mode and its nin inputs (2..MCR_MAX_INPUTS).  0, -EINVAL or -ENOMEM. */
int redund_new(struct redund **out, const struct mcr_redund *cfg, unsigned nin);
void redund_free(struct redund *r);
/* Its counters: the rule's shared slot (its owner), or NULL: kept privately. */
void redund_set_stats(struct redund *r, struct redund_stats *st);
/*
 * A datagram of input in (its UDP payload) at now_ns (monotonic):
 * MCR_DROP_NONE to relay it, or MCR_DROP_NOT_RTP, _DUPLICATE, _LATE.
 */
enum mcr_drop redund_take(struct redund *r, unsigned in, const uint8_t *payload, size_t len,
			  int64_t now_ns);
/*
 * The RTP fixed header of payload (version 2, the CSRC list and header
 * extension within len, not an RTCP type): 0 with seq and ssrc, or -EINVAL.
 */
int redund_rtp(const uint8_t *payload, size_t len, uint16_t *seq, uint32_t *ssrc);

#endif
