/*
 * Inside a worker's data path (datapath.c, dpsock.c, dpl2.c): the batch of
 * matched packets that both send paths read, and the state they share.
 * Nothing outside the data path includes this.
 */
#ifndef MCRD_DPCORE_H
#define MCRD_DPCORE_H

#include <liburing.h>
#include <stdbool.h>
#include <stdint.h>

#include "evloop.h"
#include "packet.h"
#include "rxring.h"
#include "table.h"
#include "txring.h"

#define RX_BATCH 256 /* packets matched before their sends go out */
#define GSO_MAX  32  /* segments per GSO send; 32 x 1472 B < 64 KiB */

/* A frame in a receive ring: what a send points into. */
struct fref {
	struct rxring *ring;
	uint32_t idx;
};

/* A matched packet waiting for the flush; rule NULL once it is sent. */
struct rx_pkt {
	struct tb_rule *rule;
	struct fref f;
	uint32_t status;      /* the receive ring's tp_status: checksum state */
	struct mcr_pkt pkt;   /* its headers and payload */
};

struct dp_sock;               /* dpsock.c: UDP socket sends */
struct dp_l2;                 /* dpl2.c: transmit ring sends */

struct datapath {
	struct evloop *ev;
	struct table *table;
	int k_recv;                   /* our receive completion kind */
	struct rxring *dead;          /* rings of closed inputs, sends still in flight */
	bool rx_more;                 /* a ring has frames left for the next turn */
	struct dp_sock *sock;
	struct dp_l2 *l2;
	struct rx_pkt rx[RX_BATCH];
	unsigned nrx;
	int64_t now_ns;               /* CLOCK_MONOTONIC at this pass over the rings */
};

static inline struct io_uring_sqe *dp_sqe(struct datapath *dp)
{
	return evloop_sqe(dp->ev);
}

/* Drops a send's hold on a received frame (datapath.c). */
void dp_frame_put(struct datapath *dp, struct fref f);

/*
 * The TTL p leaves output o with: o's fixed TTL, or p's TTL minus one
 * capped by o's ttl.  0: it must not leave (router semantics, TTL spent).
 */
static inline uint8_t dp_out_ttl(const struct rx_pkt *p, const struct tb_output *o)
{
	unsigned t;

	if (o->ttl_fixed)
		return o->ttl;
	t = p->pkt.ttl ? p->pkt.ttl - 1u : 0;
	return (uint8_t)(o->ttl && t > o->ttl ? o->ttl : t);
}

/* UDP socket sends (dpsock.c). */
int dpsock_new(struct datapath *dp);
void dpsock_free(struct datapath *dp);
/* The run rx[seg[0..n)] of one rule (equal TTL and TOS) to o's socket. */
void dpsock_send(struct datapath *dp, struct tb_rule *rr, struct tb_output *o,
		 const unsigned *seg, unsigned n);
/* Every send has completed. */
bool dpsock_idle(const struct datapath *dp);
/* Whether o sends payloads of len bytes in GSO runs (dp_gso_cap, dp_gso_off). */
bool dp_gso_takes(const struct tb_output *o, uint16_t len);
/* A run of len-byte payloads was too large for o: from that size up, single sends. */
void dp_gso_cap(struct tb_output *o, uint16_t len);
/* o refused GSO for good (err): it sends packet by packet from now on, and says so once. */
void dp_gso_off(const struct tb_rule *rr, struct tb_output *o, int err);

/* A traced rule's run rx[seg[0..n)] as its outputs send it, into its trace (dptrace.c). */
void dptrace_run(struct datapath *dp, const struct tb_rule *rr, const unsigned *seg, unsigned n);

/* Transmit ring sends (dpl2.c). */
int dpl2_new(struct datapath *dp);
void dpl2_free(struct datapath *dp);
/* Whether p fits o's ring and interface MTU (else it takes o's socket). */
bool dpl2_fits(const struct tb_output *o, const struct rx_pkt *p);
/* p to o as a frame of o's transmit ring, leaving with ttl. */
void dpl2_send(struct datapath *dp, struct tb_output *o, const struct rx_pkt *p, uint8_t ttl);
/*
 * The run rx[seg[0..n)] of rule rr to o as one GSO frame (dpl2.c says
 * when); false: send it frame by frame.
 */
bool dpl2_send_run(struct datapath *dp, const struct tb_rule *rr, struct tb_output *o,
		   const unsigned *seg, unsigned n, uint8_t ttl);
/* Kicks every ring written since the last flush. */
void dpl2_flush(struct datapath *dp);

#endif
