/*
 * The Prometheus text exposition format (version 0.0.4) of mcrd's
 * counters: metric families named and labelled after Prometheus
 * conventions (mcrd_rule_packets_total{rule="cam1"}, ...), every label
 * value escaped as the format says (\\, \" and \n).  The names come from a
 * catalog (metcat.h), the values from the shared counters (counters.h),
 * read as they are at the moment of rendering.
 */
#ifndef MCRD_EXPO_H
#define MCRD_EXPO_H

#include <stddef.h>
#include <stdint.h>

#include "metcat.h"
#include "packet.h"

#define EXPO_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define EXPO_MAX          (64u << 20) /* a larger exposition is refused, not cut */

/* A growing text buffer bounded by max; err is set once something did not fit. */
struct expo {
	char *buf;
	size_t len, cap, max;
	int err;              /* 0, -ENOMEM, or -EFBIG past max */
};

void expo_init(struct expo *e, size_t max);
void expo_free(struct expo *e);
/* Appends every metric of c (and build info for version).  0 or e->err. */
int expo_render(struct expo *e, const struct metcat *c, const char *version);
/* Appends v escaped as a label value (without the quotes). */
void expo_label_value(struct expo *e, const char *v);
/*
 * Where a drop reason is counted: on rules (no_tx_slot, bad_udp_checksum,
 * ttl_expired, loop) or on input interfaces (the others).  Every reason is
 * exactly one of the two.
 */
bool expo_rule_reason(enum mcr_drop d);

#endif
