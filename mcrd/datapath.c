/*
 * Each turn of the worker's event loop (evloop.c): arm the rings' polls,
 * submit, wait, reap every completion, then read the receive rings that
 * were signalled.
 *
 * Frames are read in place in each input's TPACKET_V2 ring (rxring.h) and
 * a frame's slot is shared by every send of that packet: its reference
 * count covers the sends in flight and the slot goes back to the kernel
 * when the last one completes.  When ring slots or send slots run out the
 * packet (or that output's copy) is dropped and counted; nothing queues
 * without bound.
 *
 * The packets of one pass over the completion queue are matched first and
 * sent after (flush_rx), each output through its transmit ring (dpl2.c:
 * the frame built here, one kick per ring per flush) or its UDP socket
 * (dpsock.c: a run of a rule's packets of one payload size as one UDP GSO
 * sendmsg where the output allows it).
 */
#include "datapath.h"

#include <errno.h>
#include <liburing.h>
#include <linux/if_packet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "csum.h"
#include "dpcore.h"
#include "frame.h"
#include "log.h"
#include "loopguard.h"
#include "redund.h"

#define DRAIN_NS    (1000 * 1000 * 1000LL)
#define WALK_MAX    512       /* frames read from one ring per loop turn */
#define GSO_BYTES   65507     /* a run is one IPv4 datagram before it is cut */

/* A ring whose input is gone is unmapped with its last frame back. */
static void dead_ring_reap(struct datapath *dp, struct rxring *r)
{
	struct rxring **pp = &dp->dead;

	while (*pp && *pp != r)
		pp = &(*pp)->next_dead;
	if (*pp)
		*pp = r->next_dead;
	rxring_free(r);
}

void dp_frame_put(struct datapath *dp, struct fref f)
{
	rxring_put(f.ring, f.idx);
	if (f.ring->dead && !f.ring->held)
		dead_ring_reap(dp, f.ring);
}

/*
 * The run seg[0..n) to output o: one GSO frame where it can, else frames
 * where they fit, the socket for the rest.
 */
static void send_out(struct datapath *dp, struct tb_rule *rr, struct tb_output *o,
		     const unsigned *seg, unsigned n)
{
	unsigned rest[GSO_MAX], nrest = 0;
	uint8_t ttl0;

	if (!o->tx) {
		dpsock_send(dp, rr, o, seg, n);
		return;
	}
	/* One TTL for the run (take_run); 0: counted as ttl_expired when matched. */
	ttl0 = dp_out_ttl(&dp->rx[seg[0]], o);
	if (ttl0 && dpl2_send_run(dp, rr, o, seg, n, ttl0))
		return;
	for (unsigned i = 0; i < n; i++) {
		const struct rx_pkt *p = &dp->rx[seg[i]];
		uint8_t ttl = dp_out_ttl(p, o);

		if (!ttl)
			continue; /* counted as ttl_expired when it was matched */
		if (dpl2_fits(o, p))
			dpl2_send(dp, o, p, ttl);
		else
			rest[nrest++] = seg[i];
	}
	if (nrest)
		dpsock_send(dp, rr, o, rest, nrest);
}

/*
 * The run of rx[i]'s rule from i on, in arrival order: equal sizes, the
 * last one maybe shorter (what UDP_SEGMENT accepts), at most GSO_MAX
 * packets and GSO_BYTES in all.
 */
static unsigned take_run(struct datapath *dp, unsigned i, unsigned *seg)
{
	const struct rx_pkt *p0 = &dp->rx[i];
	struct tb_rule *rr = p0->rule;
	uint16_t len = p0->pkt.len;
	unsigned n = 0, bytes = 0;

	for (unsigned j = i; j < dp->nrx && n < GSO_MAX; j++) {
		struct rx_pkt *p = &dp->rx[j];

		if (p->rule != rr)
			continue;
		/* One sendmsg: one TTL and TOS for all. */
		if (p->pkt.len > len || bytes + p->pkt.len > GSO_BYTES || p->pkt.ttl != p0->pkt.ttl ||
		    p->pkt.tos != p0->pkt.tos)
			break;
		seg[n++] = j;
		bytes += p->pkt.len;
		p->rule = NULL;
		if (p->pkt.len < len)
			break;
	}
	return n;
}

/* Sends every matched packet, then lets go of the batch's hold on frames. */
static void flush_rx(struct datapath *dp)
{
	unsigned seg[GSO_MAX];

	for (unsigned i = 0; i < dp->nrx; i++) {
		struct tb_rule *rr = dp->rx[i].rule;
		unsigned n;

		if (!rr)
			continue;
		n = take_run(dp, i, seg);
		for (unsigned k = 0; k < rr->nout; k++)
			if (rr->out[k].fd >= 0)
				send_out(dp, rr, &rr->out[k], seg, n);
		if (rr->trace)
			dptrace_run(dp, rr, seg, n);
	}
	dpl2_flush(dp);
	for (unsigned i = 0; i < dp->nrx; i++)
		dp_frame_put(dp, dp->rx[i].f);
	dp->nrx = 0;
}

/*
 * A UDP socket gives every datagram a fresh checksum: one whose checksum
 * nobody has verified (not TP_STATUS_CSUM_VALID, and not sent from this
 * host) is checked first, so a damaged datagram is dropped, not laundered.
 */
static bool udp_damaged(const struct tb_rule *rr, const struct mcr_pkt *p, uint32_t status)
{
	if (!rr->verify_udp || frame_csum_trusted(status) || !(p->udp[6] | p->udp[7]))
		return false;
	if (p->family == AF_INET6)
		return !csum_udp6_ok(&p->src6, &p->dst6, p->udp, (uint16_t)(p->len + 8));
	return !csum_udp4_ok(p->src, p->dst, p->udp, (uint16_t)(p->len + 8));
}

/* Now, to the scheduler tick: enough for the loop guard's window. */
static int64_t coarse_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/*
 * A rule's counters are written by its owner alone: the other workers of a
 * rule spread over several see the same datagrams and decide alike.
 */
static void rule_drop(struct tb_rule *rr, enum mcr_drop d)
{
	if (rr->primary)
		rr->st->drops[d]++;
}

/*
 * A datagram whose TTL is spent (1 or 0) leaves no router-semantics output:
 * counted once; dropped unless some output of the rule sets a fixed TTL.
 */
static bool ttl_spent(struct tb_rule *rr, const struct mcr_pkt *p)
{
	if (p->ttl > 1 || !rr->ttl_router)
		return false;
	rule_drop(rr, MCR_DROP_TTL_EXPIRED);
	return !rr->ttl_fixed;
}

/* Matches one frame; a matched one keeps the caller's hold until flush_rx. */
static bool relay_packet(struct datapath *dp, struct tb_input *in, const uint8_t *frame,
			 size_t caplen, struct fref f, uint32_t status)
{
	struct rx_pkt *x = &dp->rx[dp->nrx];
	enum mcr_drop d = mcr_parse_frame(frame, caplen, &x->pkt);
	const struct tb_rin *ri;
	struct tb_rule *rr;

	if (d) {
		in->st->drops[d]++;
		return false;
	}
	if (x->pkt.family == AF_INET)
		ri = mcr_match_lookup(&in->match, x->pkt.dst, x->pkt.dport, x->pkt.src);
	else
		ri = mcr_match6_lookup(&in->match6, &x->pkt.dst6, x->pkt.dport, &x->pkt.src6);
	if (!ri) {
		in->st->drops[MCR_DROP_NO_RULE]++;
		return false;
	}
	rr = ri->rule;
	if (rr->trace)
		trace_rx(rr->trace, rxring_frame(f.ring, f.idx), frame, caplen);
	if (udp_damaged(rr, &x->pkt, status)) {
		rule_drop(rr, MCR_DROP_BAD_UDP_CHECKSUM);
		return false;
	}
	if (ttl_spent(rr, &x->pkt))
		return false;
	if (rr->guard && loopguard_seen(rr->guard, x->pkt.payload, x->pkt.len, coarse_ns())) {
		rule_drop(rr, MCR_DROP_LOOP);
		return false;
	}
	/* Last: a copy damaged or spent on one path must not hide another's. */
	if (rr->red && (d = redund_take(rr->red, ri->idx, x->pkt.payload, x->pkt.len, dp->now_ns))) {
		rule_drop(rr, d);
		return false;
	}
	if (rr->primary) {
		rr->st->packets++;
		rr->st->bytes += x->pkt.len;
	}
	x->rule = rr;
	x->f = f;
	x->status = status;
	dp->nrx++;
	if (dp->nrx == RX_BATCH)
		flush_rx(dp);
	return true;
}

/*
 * Reads the frames the kernel has filled, WALK_MAX at most so that one busy
 * input cannot hold up completions or other inputs.  True if more wait.
 */
static bool rx_walk(struct datapath *dp, struct tb_input *in)
{
	struct rxring *r = in->ring;
	struct tpacket2_hdr *h;
	unsigned n;

	for (n = 0; n < WALK_MAX && (h = rxring_next(r)); n++) {
		struct fref f = { r, rxring_take(r) };

		in->st->frames++;
		/* Longer than the slot (an MTU raised after start), or a bad offset. */
		if (h->tp_snaplen < h->tp_len || h->tp_mac < sizeof(*h) ||
		    h->tp_mac + (size_t)h->tp_snaplen > r->frame_size)
			in->st->drops[MCR_DROP_TRUNCATED]++;
		else if (relay_packet(dp, in, (const uint8_t *)h + h->tp_mac, h->tp_snaplen, f,
				      h->tp_status))
			continue; /* rx[] holds it now */
		dp_frame_put(dp, f);
	}
	return n == WALK_MAX;
}

/* The inputs whose rings were signalled, or left with frames last turn. */
static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void rx_poll(struct datapath *dp)
{
	dp->rx_more = false;
	dp->now_ns = now_ns();
	for (size_t i = 0; i < dp->table->ninputs; i++) {
		struct tb_input *in = dp->table->inputs[i];

		if (!in || !in->ring || !in->rx_ready || in->closing)
			continue;
		in->rx_ready = rx_walk(dp, in);
		dp->rx_more |= in->rx_ready;
	}
	flush_rx(dp);
}

/* The ring's poll fired: read it after this pass over the completions. */
static void on_recv(void *arg, uint32_t idx, const struct io_uring_cqe *cqe)
{
	struct datapath *dp = arg;
	struct tb_input *in = dp->table->inputs[idx];

	if (!(cqe->flags & IORING_CQE_F_MORE))
		in->armed = false;
	if (cqe->res < 0) {
		if (cqe->res != -ECANCELED)
			log_warn("dev %s: receive failed: %s", in->dev, strerror(-cqe->res));
		return;
	}
	in->rx_ready = true;
}

/* Sends may still point into the ring: then it outlives its input. */
static void ring_detach(struct datapath *dp, struct tb_input *in)
{
	struct rxring *r = in->ring;

	in->ring = NULL;
	if (!r || !r->held) {
		rxring_free(r);
		return;
	}
	r->dead = true;
	r->next_dead = dp->dead;
	dp->dead = r;
}

/* Inputs without rules: cancel the ring's poll, close once it has ended. */
static void retire_inputs(struct datapath *dp)
{
	struct io_uring_sqe *sqe;

	for (size_t i = 0; i < dp->table->ninputs; i++) {
		struct tb_input *in = dp->table->inputs[i];

		if (!in || !in->closing)
			continue;
		if (!in->armed) {
			ring_detach(dp, in);
			table_input_closed(dp->table, i);
		} else if (!in->cancel_sent && (sqe = dp_sqe(dp))) {
			io_uring_prep_cancel64(sqe, ev_ud((unsigned)dp->k_recv, (uint32_t)i), 0);
			io_uring_sqe_set_data64(sqe, ev_ud(EV_IGNORE, 0));
			in->cancel_sent = true;
		}
	}
}

/* Before the wait: retire closed inputs, arm the others.  True: frames are left. */
static bool dp_prepare(void *arg)
{
	struct datapath *dp = arg;
	struct io_uring_sqe *sqe;

	retire_inputs(dp);
	for (size_t i = 0; i < dp->table->ninputs; i++) {
		struct tb_input *in = dp->table->inputs[i];

		if (!in || in->armed || in->closing || !in->ring || !(sqe = dp_sqe(dp)))
			continue;
		io_uring_prep_poll_multishot(sqe, in->fd, POLLIN);
		io_uring_sqe_set_data64(sqe, ev_ud((unsigned)dp->k_recv, (uint32_t)i));
		in->armed = true;
		in->cancel_sent = false;
		in->rx_ready = true; /* frames may have arrived while it was not armed */
	}
	return dp->rx_more;
}

/*
 * After a pass over the completions: read the signalled rings.  A watch
 * callback of that pass may have removed rules; rx[] was empty then, as
 * every pass ends here with a flush.
 */
static void dp_reaped(void *arg)
{
	rx_poll(arg);
}

void datapath_drain(struct datapath *dp)
{
	int64_t deadline = now_ns() + DRAIN_NS;

	while (!dpsock_idle(dp) && now_ns() < deadline)
		evloop_turn(dp->ev, 10 * 1000 * 1000);
}

int datapath_new(struct datapath **out, struct evloop *ev, struct table *t)
{
	struct datapath *dp = calloc(1, sizeof(*dp));
	struct ev_hooks hooks = { dp_prepare, dp_reaped, dp };
	int err;

	if (!dp)
		return -ENOMEM;
	dp->ev = ev;
	dp->table = t;
	hooks.arg = dp;
	err = (dp->k_recv = evloop_kind(ev, on_recv, dp)) < 0 ? -ENOSPC : 0;
	if (!err)
		err = dpsock_new(dp);
	if (!err)
		err = dpl2_new(dp);
	if (err) {
		log_err("data path setup failed: %s", strerror(-err));
		datapath_free(dp);
		return err;
	}
	evloop_set_hooks(ev, &hooks);
	*out = dp;
	return 0;
}

void datapath_free(struct datapath *dp)
{
	if (!dp)
		return;
	while (dp->dead) {
		struct rxring *next = dp->dead->next_dead;

		rxring_free(dp->dead);
		dp->dead = next;
	}
	dpsock_free(dp);
	dpl2_free(dp);
	free(dp);
}
