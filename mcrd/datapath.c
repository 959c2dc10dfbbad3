/*
 * One loop: submit, wait, reap every completion, read the receive rings
 * that were signalled, re-arm.
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

#define SQ_ENTRIES  4096
#define CQ_ENTRIES  32768
#define NSLOTS      65536     /* sends in flight at most: 65 packets at fan-out 1000 */
#define MAX_WATCH   256
#define DRAIN_NS    (1000 * 1000 * 1000LL)
#define RX_BATCH    256       /* packets matched before their sends go out */
#define WALK_MAX    512       /* frames read from one ring per loop turn */
#define GSO_MAX     32        /* segments per GSO send; 32 x 1472 B < 64 KiB */
#define GSO_BYTES   65507     /* a run is one IPv4 datagram before it is cut */
#define NGSO        4096      /* GSO sends in flight at most */

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

enum ud_kind { UD_RECV = 1, UD_SEND, UD_GSO, UD_WATCH, UD_CANCEL };
#define UD(kind, idx)  ((uint64_t)(kind) << 56 | (uint64_t)(idx))
#define UD_KIND(ud)    ((enum ud_kind)((ud) >> 56))
#define UD_IDX(ud)     ((uint32_t)(ud))

/* A frame in a receive ring: what a send points into. */
struct fref {
	struct rxring *ring;
	uint32_t idx;
};

struct tx_slot {
	struct msghdr mh;
	struct iovec iov;
	struct rt_rule *rule;
	struct rt_output *out;
	struct fref f;
};

/* One output's copy of a run of equal-size packets: one sendmsg. */
struct gso_slot {
	struct msghdr mh;
	struct iovec iov[GSO_MAX];
	struct fref f[GSO_MAX];
	_Alignas(struct cmsghdr) char cm[32]; /* CMSG_SPACE(sizeof(uint16_t)): 24 */
	struct rt_rule *rule;
	struct rt_output *out;
};

/* A matched packet waiting for flush_rx; rule NULL once it is sent. */
struct rx_pkt {
	struct rt_rule *rule;
	const uint8_t *payload;
	uint16_t len;
	struct fref f;
};

struct watch {
	int fd;
	unsigned events;
	dp_watch_fn fn;      /* NULL: slot free or being cancelled */
	void *arg;
	bool armed, cancelling;
};

struct datapath {
	struct io_uring ring;
	struct relay *relay;
	bool stop;

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

	struct watch watch[MAX_WATCH];
	unsigned nwatch;
};

static struct io_uring_sqe *get_sqe(struct datapath *dp)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&dp->ring);

	if (!sqe) {
		io_uring_submit(&dp->ring);
		sqe = io_uring_get_sqe(&dp->ring);
	}
	return sqe;
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

static void send_one(struct datapath *dp, struct rt_rule *rr, struct rt_output *o,
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
	io_uring_sqe_set_data64(sqe, UD(UD_SEND, idx));
	f.ring->refs[f.idx]++;
}

/*
 * The run rx[seg[0..n-1]] (the last may be shorter) to output o: one GSO
 * sendmsg, or one send per packet when the run is a single packet, the
 * output takes no GSO (or none of this size), or no GSO slot is free.
 */
static void send_run(struct datapath *dp, struct rt_rule *rr, struct rt_output *o,
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
	io_uring_sqe_set_data64(sqe, UD(UD_GSO, idx));
}

/*
 * The run of rx[i]'s rule from i on, in arrival order: equal sizes, the
 * last one maybe shorter (what UDP_SEGMENT accepts), at most GSO_MAX
 * packets and GSO_BYTES in all.
 */
static unsigned take_run(struct datapath *dp, unsigned i, unsigned *seg)
{
	struct rt_rule *rr = dp->rx[i].rule;
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
		struct rt_rule *rr = dp->rx[i].rule;
		unsigned n;

		if (!rr)
			continue;
		n = take_run(dp, i, seg);
		for (unsigned k = 0; k < rr->cfg.nout; k++)
			if (rr->out[k].fd >= 0)
				send_run(dp, rr, &rr->out[k], seg, n);
	}
	for (unsigned i = 0; i < dp->nrx; i++)
		frame_put(dp, dp->rx[i].f);
	dp->nrx = 0;
}

/* Matches one frame; a matched one keeps the caller's hold until flush_rx. */
static bool relay_packet(struct datapath *dp, struct rt_input *in, const uint8_t *frame,
			 size_t caplen, struct fref f)
{
	struct mcr_pkt p;
	enum mcr_drop d = mcr_parse_frame(frame, caplen, &p);
	struct rt_rule *rr;

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
static bool rx_walk(struct datapath *dp, struct rt_input *in)
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
	for (size_t i = 0; i < dp->relay->ninputs; i++) {
		struct rt_input *in = dp->relay->inputs[i];

		if (!in || !in->ring || !in->rx_ready || in->closing)
			continue;
		in->rx_ready = rx_walk(dp, in);
		dp->rx_more |= in->rx_ready;
	}
	flush_rx(dp);
}

/* The ring's poll fired: read it after this pass over the completions. */
static void on_recv(struct datapath *dp, uint32_t idx, const struct io_uring_cqe *cqe)
{
	struct rt_input *in = dp->relay->inputs[idx];

	if (!(cqe->flags & IORING_CQE_F_MORE))
		in->armed = false;
	if (cqe->res < 0) {
		if (cqe->res != -ECANCELED)
			log_warn("dev %s: receive failed: %s", in->dev, strerror(-cqe->res));
		return;
	}
	in->rx_ready = true;
}

static void on_send(struct datapath *dp, uint32_t idx, int res)
{
	struct tx_slot *s = &dp->slots[idx];
	struct rt_output *o = s->out;

	if (res >= 0) {
		o->st->packets++;
		o->st->bytes += (unsigned)res;
	} else {
		o->st->errors++;
		o->st->last_error = -res;
	}
	frame_put(dp, s->f);
	dp->free_slots[dp->nfree++] = idx;
	relay_send_done(dp->relay, s->rule); /* may free a removed rule */
}

/*
 * A GSO send's completion.  Refused runs go again packet by packet: for
 * good when the device cannot take GSO (EIO: no checksum offload, on
 * kernels that want it; EOPNOTSUPP), and for payloads of this size and
 * larger when one does not fit the route's MTU (EMSGSIZE, EINVAL): single
 * sends fragment those instead.
 */
static void on_gso(struct datapath *dp, uint32_t idx, int res)
{
	struct gso_slot *g = &dp->gslots[idx];
	struct rt_output *o = g->out;
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
				 "sending packet by packet", g->rule->cfg.name,
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
	relay_send_done(dp->relay, g->rule);
}

static void on_watch(struct datapath *dp, uint32_t idx, const struct io_uring_cqe *cqe)
{
	struct watch *w = &dp->watch[idx];

	if (!(cqe->flags & IORING_CQE_F_MORE))
		w->armed = false;
	if (cqe->res > 0 && w->fn)
		w->fn(w->arg, w->fd);
}

/* Sends may still point into the ring: then it outlives its input. */
static void ring_detach(struct datapath *dp, struct rt_input *in)
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

	for (size_t i = 0; i < dp->relay->ninputs; i++) {
		struct rt_input *in = dp->relay->inputs[i];

		if (!in || !in->closing)
			continue;
		if (!in->armed) {
			ring_detach(dp, in);
			relay_input_closed(dp->relay, i);
		} else if (!in->cancel_sent && (sqe = get_sqe(dp))) {
			io_uring_prep_cancel64(sqe, UD(UD_RECV, i), 0);
			io_uring_sqe_set_data64(sqe, UD(UD_CANCEL, i));
			in->cancel_sent = true;
		}
	}
}

static void arm(struct datapath *dp)
{
	struct io_uring_sqe *sqe;

	for (unsigned i = 0; i < dp->nwatch; i++) {
		struct watch *w = &dp->watch[i];

		if (!w->fn && w->cancelling && !w->armed) {
			w->cancelling = false; /* the slot is free again */
			continue;
		}
		if (w->armed || !w->fn || !(sqe = get_sqe(dp)))
			continue;
		io_uring_prep_poll_multishot(sqe, w->fd, w->events);
		io_uring_sqe_set_data64(sqe, UD(UD_WATCH, i));
		w->armed = true;
	}
	retire_inputs(dp);
	for (size_t i = 0; i < dp->relay->ninputs; i++) {
		struct rt_input *in = dp->relay->inputs[i];

		if (!in || in->armed || in->closing || !in->ring || !(sqe = get_sqe(dp)))
			continue;
		io_uring_prep_poll_multishot(sqe, in->fd, POLLIN);
		io_uring_sqe_set_data64(sqe, UD(UD_RECV, i));
		in->armed = true;
		in->cancel_sent = false;
		in->rx_ready = true; /* frames may have arrived while it was not armed */
	}
}

static unsigned reap(struct datapath *dp)
{
	struct io_uring_cqe *cqe;
	unsigned head, n = 0;

	io_uring_for_each_cqe(&dp->ring, head, cqe) {
		uint64_t ud = io_uring_cqe_get_data64(cqe);

		switch (UD_KIND(ud)) {
		case UD_RECV:
			on_recv(dp, UD_IDX(ud), cqe);
			break;
		case UD_SEND:
			on_send(dp, UD_IDX(ud), cqe->res);
			break;
		case UD_GSO:
			on_gso(dp, UD_IDX(ud), cqe->res);
			break;
		case UD_WATCH:
			/* A callback may remove rules (rx[] is empty here: rx_poll flushes it). */
			on_watch(dp, UD_IDX(ud), cqe);
			break;
		case UD_CANCEL:
			break;
		}
		n++;
	}
	io_uring_cq_advance(&dp->ring, n);
	rx_poll(dp);
	return n;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Let sends in flight finish so their packets leave and are counted. */
static void drain(struct datapath *dp)
{
	int64_t deadline = now_ns() + DRAIN_NS;
	struct __kernel_timespec ts = { .tv_nsec = 10 * 1000 * 1000 };
	struct io_uring_cqe *cqe;

	while (dp->slots && (dp->nfree < NSLOTS || dp->ngfree < NGSO) && now_ns() < deadline) {
		io_uring_submit_and_wait_timeout(&dp->ring, &cqe, 1, &ts, NULL);
		reap(dp);
	}
}

int datapath_run(struct datapath *dp)
{
	int err = 0;

	while (!dp->stop) {
		arm(dp);
		/* Frames left in a ring: look for completions, do not wait for them. */
		err = dp->rx_more ? io_uring_submit(&dp->ring)
				  : io_uring_submit_and_wait(&dp->ring, 1);
		if (err < 0 && err != -EINTR && err != -EAGAIN && err != -EBUSY) {
			log_err("io_uring: %s", strerror(-err));
			break;
		}
		err = 0;
		reap(dp);
	}
	drain(dp);
	return err;
}

void datapath_stop(struct datapath *dp)
{
	dp->stop = true;
}

int datapath_watch(struct datapath *dp, int fd, unsigned events, dp_watch_fn fn, void *arg)
{
	unsigned i;

	for (i = 0; i < dp->nwatch; i++)
		if (!dp->watch[i].fn && !dp->watch[i].armed && !dp->watch[i].cancelling)
			break;
	if (i == MAX_WATCH)
		return -ENOSPC;
	dp->watch[i] = (struct watch){ .fd = fd, .events = events, .fn = fn, .arg = arg };
	if (i == dp->nwatch)
		dp->nwatch++;
	return (int)i;
}

void datapath_unwatch(struct datapath *dp, int id)
{
	struct watch *w = &dp->watch[id];
	struct io_uring_sqe *sqe;

	w->fn = NULL;
	if (!w->armed)
		return;
	/* The slot stays reserved until the poll's last completion arrives. */
	w->cancelling = true;
	sqe = get_sqe(dp);
	if (sqe) {
		io_uring_prep_poll_remove(sqe, UD(UD_WATCH, id));
		io_uring_sqe_set_data64(sqe, UD(UD_CANCEL, id));
	}
}

static int ring_init(struct datapath *dp)
{
	struct io_uring_params p = { 0 };
	int err;

	p.flags = IORING_SETUP_CQSIZE | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
	p.cq_entries = CQ_ENTRIES;
	err = io_uring_queue_init_params(SQ_ENTRIES, &dp->ring, &p);
	if (err == -EINVAL) { /* kernels before 6.1: no deferred task running */
		memset(&p, 0, sizeof(p));
		p.flags = IORING_SETUP_CQSIZE;
		p.cq_entries = CQ_ENTRIES;
		err = io_uring_queue_init_params(SQ_ENTRIES, &dp->ring, &p);
	}
	return err;
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

int datapath_new(struct datapath **out, struct relay *r, bool data)
{
	struct datapath *dp = calloc(1, sizeof(*dp));
	int err;

	if (!dp)
		return -ENOMEM;
	dp->relay = r;
	err = ring_init(dp);
	if (err) {
		log_err("io_uring setup failed: %s", strerror(-err));
		free(dp);
		return err;
	}
	/* The parent's loop only watches fds: no send slots. */
	err = data ? slots_init(dp) : 0;
	if (!err && data)
		err = gslots_init(dp);
	if (err) {
		log_err("data path setup failed: %s", strerror(-err));
		datapath_free(dp);
		return err;
	}
	*out = dp;
	return 0;
}

void datapath_free(struct datapath *dp)
{
	if (!dp)
		return;
	io_uring_queue_exit(&dp->ring);
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
