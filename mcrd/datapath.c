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
 * sent after (flush_rx): a run of a rule's packets of one payload size goes
 * to each output as a single UDP GSO sendmsg (UDP_SEGMENT), so the kernel
 * builds, routes and queues one buffer per run instead of one per packet.
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

#include "addr.h"
#include "log.h"
#include "packet.h"
#include "rxring.h"

#define NSLOTS      65536     /* sends in flight at most: 65 packets at fan-out 1000 */
#define DRAIN_NS    (1000 * 1000 * 1000LL)
#define RX_BATCH    256       /* packets matched before their sends go out */
#define WALK_MAX    512       /* frames read from one ring per loop turn */
#define GSO_MAX     32        /* segments per GSO send; 32 x 1472 B < 64 KiB */
#define GSO_BYTES   65507     /* a run is one IPv4 datagram before it is cut */
#define NGSO        4096      /* GSO sends in flight at most */

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif


/* A frame in a receive ring: what a send points into. */
struct fref {
	struct rxring *ring;
	uint32_t idx;
};

struct tx_slot {
	struct msghdr mh;
	struct iovec iov;
	struct tb_rule *rule;
	struct tb_output *out;
	struct fref f;
};

/* One output's copy of a run of equal-size packets: one sendmsg. */
struct gso_slot {
	struct msghdr mh;
	struct iovec iov[GSO_MAX];
	struct fref f[GSO_MAX];
	_Alignas(struct cmsghdr) char cm[32]; /* CMSG_SPACE(sizeof(uint16_t)): 24 */
	struct tb_rule *rule;
	struct tb_output *out;
};

/* A matched packet waiting for flush_rx; rule NULL once it is sent. */
struct rx_pkt {
	struct tb_rule *rule;
	const uint8_t *payload;
	uint16_t len;
	struct fref f;
};

struct datapath {
	struct evloop *ev;
	struct table *table;
	int k_recv, k_send, k_gso;    /* our completion kinds */

	struct rxring *dead;          /* rings of closed inputs, sends still in flight */
	bool rx_more;                 /* a ring has frames left for the next turn */

	struct tx_slot *slots;
	uint32_t *free_slots;
	unsigned nfree;

	struct gso_slot *gslots;
	uint32_t *free_gslots;
	unsigned ngfree;
	struct rx_pkt rx[RX_BATCH];
	unsigned nrx;
};

static struct io_uring_sqe *get_sqe(struct datapath *dp)
{
	return evloop_sqe(dp->ev);
}

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

static void frame_put(struct datapath *dp, struct fref f)
{
	rxring_put(f.ring, f.idx);
	if (f.ring->dead && !f.ring->held)
		dead_ring_reap(dp, f.ring);
}

static void send_one(struct datapath *dp, struct tb_rule *rr, struct tb_output *o,
		     const uint8_t *payload, size_t len, struct fref f)
{
	struct io_uring_sqe *sqe;
	struct tx_slot *s;
	uint32_t idx;

	if (!dp->nfree || !(sqe = get_sqe(dp))) {
		rr->st->drops[MCR_DROP_NO_TX_SLOT]++;
		return;
	}
	idx = dp->free_slots[--dp->nfree];
	s = &dp->slots[idx];
	s->iov.iov_base = (void *)payload;
	s->iov.iov_len = len;
	s->mh.msg_name = &o->dst;
	s->mh.msg_namelen = sizeof(o->dst);
	s->rule = rr;
	s->out = o;
	s->f = f;
	rr->inflight++;
	io_uring_prep_sendmsg(sqe, o->fd, &s->mh, 0);
	io_uring_sqe_set_data64(sqe, ev_ud((unsigned)dp->k_send, idx));
	f.ring->refs[f.idx]++;
}

/*
 * The run rx[seg[0..n-1]] (the last may be shorter) to output o: one GSO
 * sendmsg, or one send per packet when the run is a single packet, the
 * output takes no GSO (or none of this size), or no GSO slot is free.
 */
static void send_run(struct datapath *dp, struct tb_rule *rr, struct tb_output *o,
		     const unsigned *seg, unsigned n)
{
	struct io_uring_sqe *sqe;
	struct gso_slot *g;
	struct cmsghdr *cm;
	uint32_t idx;

	if (n == 1 || !o->gso || (o->gso_limit && dp->rx[seg[0]].len >= o->gso_limit) ||
	    !dp->ngfree || !(sqe = get_sqe(dp))) {
		for (unsigned i = 0; i < n; i++)
			send_one(dp, rr, o, dp->rx[seg[i]].payload, dp->rx[seg[i]].len,
				 dp->rx[seg[i]].f);
		return;
	}
	idx = dp->free_gslots[--dp->ngfree];
	g = &dp->gslots[idx];
	for (unsigned i = 0; i < n; i++) {
		const struct rx_pkt *p = &dp->rx[seg[i]];

		g->iov[i] = (struct iovec){ (void *)p->payload, p->len };
		g->f[i] = p->f;
		p->f.ring->refs[p->f.idx]++;
	}
	g->mh.msg_name = &o->dst;
	g->mh.msg_namelen = sizeof(o->dst);
	g->mh.msg_iovlen = n;
	cm = CMSG_FIRSTHDR(&g->mh);
	*(uint16_t *)(void *)CMSG_DATA(cm) = dp->rx[seg[0]].len;
	g->rule = rr;
	g->out = o;
	rr->inflight++;
	io_uring_prep_sendmsg(sqe, o->fd, &g->mh, 0);
	io_uring_sqe_set_data64(sqe, ev_ud((unsigned)dp->k_gso, idx));
}

/*
 * The run of rx[i]'s rule from i on, in arrival order: equal sizes, the
 * last one maybe shorter (what UDP_SEGMENT accepts), at most GSO_MAX
 * packets and GSO_BYTES in all.
 */
static unsigned take_run(struct datapath *dp, unsigned i, unsigned *seg)
{
	struct tb_rule *rr = dp->rx[i].rule;
	uint16_t len = dp->rx[i].len;
	unsigned n = 0, bytes = 0;

	for (unsigned j = i; j < dp->nrx && n < GSO_MAX; j++) {
		if (dp->rx[j].rule != rr)
			continue;
		if (dp->rx[j].len > len || bytes + dp->rx[j].len > GSO_BYTES)
			break;
		seg[n++] = j;
		bytes += dp->rx[j].len;
		dp->rx[j].rule = NULL;
		if (dp->rx[j].len < len)
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
				send_run(dp, rr, &rr->out[k], seg, n);
	}
	for (unsigned i = 0; i < dp->nrx; i++)
		frame_put(dp, dp->rx[i].f);
	dp->nrx = 0;
}

/* Matches one frame; a matched one keeps the caller's hold until flush_rx. */
static bool relay_packet(struct datapath *dp, struct tb_input *in, const uint8_t *frame,
			 size_t caplen, struct fref f)
{
	struct mcr_pkt p;
	enum mcr_drop d = mcr_parse_frame(frame, caplen, &p);
	struct tb_rule *rr;

	if (d) {
		in->st->drops[d]++;
		return false;
	}
	rr = mcr_match_lookup(&in->match, p.dst, p.dport, p.src);
	if (!rr) {
		in->st->drops[MCR_DROP_NO_RULE]++;
		return false;
	}
	rr->st->packets++;
	rr->st->bytes += p.len;
	dp->rx[dp->nrx++] = (struct rx_pkt){ rr, p.payload, (uint16_t)p.len, f };
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
		else if (relay_packet(dp, in, (const uint8_t *)h + h->tp_mac, h->tp_snaplen, f))
			continue; /* rx[] holds it now */
		frame_put(dp, f);
	}
	return n == WALK_MAX;
}

/* The inputs whose rings were signalled, or left with frames last turn. */
static void rx_poll(struct datapath *dp)
{
	dp->rx_more = false;
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

static void on_send(void *arg, uint32_t idx, const struct io_uring_cqe *cqe)
{
	struct datapath *dp = arg;
	int res = cqe->res;
	struct tx_slot *s = &dp->slots[idx];
	struct tb_output *o = s->out;

	if (res >= 0) {
		o->st->packets++;
		o->st->bytes += (unsigned)res;
	} else {
		o->st->errors++;
		o->st->last_error = -res;
	}
	frame_put(dp, s->f);
	dp->free_slots[dp->nfree++] = idx;
	table_send_done(dp->table, s->rule); /* may free a removed rule */
}

/*
 * A GSO send's completion.  Refused runs go again packet by packet: for
 * good when the device cannot take GSO (EIO: no checksum offload, on
 * kernels that want it; EOPNOTSUPP), and for payloads of this size and
 * larger when one does not fit the route's MTU (EMSGSIZE, EINVAL): single
 * sends fragment those instead.
 */
static void on_gso(void *arg, uint32_t idx, const struct io_uring_cqe *cqe)
{
	struct datapath *dp = arg;
	int res = cqe->res;
	struct gso_slot *g = &dp->gslots[idx];
	struct tb_output *o = g->out;
	unsigned n = (unsigned)g->mh.msg_iovlen;

	if (res >= 0) {
		o->st->packets += n;
		o->st->bytes += (unsigned)res;
	} else if (res == -EIO || res == -EOPNOTSUPP || res == -EINVAL || res == -EMSGSIZE) {
		uint16_t len = (uint16_t)g->iov[0].iov_len;

		if (res == -EINVAL || res == -EMSGSIZE) {
			/* Runs of this size may still be in flight: only ever lower it. */
			if (!o->gso_limit || len < o->gso_limit)
				o->gso_limit = len;
		} else if (o->gso) {
			char a[MCR_ADDRSTRLEN];

			o->gso = false;
			log_warn("rule \"%s\": output %s:%u: UDP GSO refused (%s); "
				 "sending packet by packet", g->rule->name,
				 mcr_ipv4_str(o->dst.sin_addr, a), ntohs(o->dst.sin_port),
				 strerror(-res));
		}
		for (unsigned i = 0; i < n; i++)
			send_one(dp, g->rule, o, g->iov[i].iov_base, g->iov[i].iov_len, g->f[i]);
	} else {
		o->st->errors += n;
		o->st->last_error = -res;
	}
	for (unsigned i = 0; i < n; i++)
		frame_put(dp, g->f[i]);
	dp->free_gslots[dp->ngfree++] = idx;
	table_send_done(dp->table, g->rule);
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
		} else if (!in->cancel_sent && (sqe = get_sqe(dp))) {
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

		if (!in || in->armed || in->closing || !in->ring || !(sqe = get_sqe(dp)))
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

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void datapath_drain(struct datapath *dp)
{
	int64_t deadline = now_ns() + DRAIN_NS;

	while ((dp->nfree < NSLOTS || dp->ngfree < NGSO) && now_ns() < deadline)
		evloop_turn(dp->ev, 10 * 1000 * 1000);
}

static int slots_init(struct datapath *dp)
{
	dp->slots = calloc(NSLOTS, sizeof(*dp->slots));
	dp->free_slots = calloc(NSLOTS, sizeof(*dp->free_slots));
	if (!dp->slots || !dp->free_slots)
		return -ENOMEM;
	for (unsigned i = 0; i < NSLOTS; i++) {
		dp->slots[i].mh.msg_iov = &dp->slots[i].iov;
		dp->slots[i].mh.msg_iovlen = 1;
		dp->free_slots[dp->nfree++] = NSLOTS - 1 - i;
	}
	return 0;
}

/* GSO slots carry their UDP_SEGMENT control message ready made. */
static int gslots_init(struct datapath *dp)
{
	dp->gslots = calloc(NGSO, sizeof(*dp->gslots));
	dp->free_gslots = calloc(NGSO, sizeof(*dp->free_gslots));
	if (!dp->gslots || !dp->free_gslots)
		return -ENOMEM;
	for (unsigned i = 0; i < NGSO; i++) {
		struct gso_slot *g = &dp->gslots[i];
		struct cmsghdr *cm;

		g->mh.msg_iov = g->iov;
		g->mh.msg_control = g->cm;
		g->mh.msg_controllen = CMSG_SPACE(sizeof(uint16_t));
		cm = CMSG_FIRSTHDR(&g->mh);
		cm->cmsg_level = IPPROTO_UDP; /* SOL_UDP */
		cm->cmsg_type = UDP_SEGMENT;
		cm->cmsg_len = CMSG_LEN(sizeof(uint16_t));
		dp->free_gslots[dp->ngfree++] = NGSO - 1 - i;
	}
	return 0;
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
	err = slots_init(dp);
	if (!err)
		err = gslots_init(dp);
	if (!err && ((dp->k_recv = evloop_kind(ev, on_recv, dp)) < 0 ||
		     (dp->k_send = evloop_kind(ev, on_send, dp)) < 0 ||
		     (dp->k_gso = evloop_kind(ev, on_gso, dp)) < 0))
		err = -ENOSPC;
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
	free(dp->slots);
	free(dp->free_slots);
	free(dp->gslots);
	free(dp->free_gslots);
	free(dp);
}
