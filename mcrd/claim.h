/*
 * Claims on rule inputs, shared by every mcrd in one network namespace: an
 * abstract Unix socket bound to a name made of the input (dev, group, port,
 * source).  Abstract names live per network namespace, which is exactly
 * where two relays of one input would duplicate its packets, and the kernel
 * drops a claim with its socket, so a claim never outlives its daemon.
 */
#ifndef MCRD_CLAIM_H
#define MCRD_CLAIM_H

#include "rule.h"

/* The claim's fd, -EADDRINUSE when another process holds it, or -errno. */
int claim_input(const struct mcr_input *in);

#endif
