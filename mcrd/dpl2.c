/*
 * Sends through an output's transmit ring (txring.h): each packet is
 * written as a whole frame into the ring of the output's interface, and
 * every ring written during a flush gets one kick (a send with no data,
 * queued on the io_uring with the rest).  Frames are counted as sent when
 * they are queued; a kick that fails counts an error on every output of
 * its ring.
 *
 * A run of a rule's datagrams (datapath.c: equal size, TTL and TOS) may
 * instead leave an output with GSO as one frame, sent on the spot through
 * the ring's GSO socket with one sendmsg(): the kernel, or the NIC, cuts
 * it into datagrams on the way out (frame_build_gso).
 */
#include "dpcore.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "frame.h"

#define RETRY_NS 200000 /* 0.2 ms: a ring refused for memory waits for frames to leave */

struct dp_l2 {
	int k_kick, k_retry;
	struct txring *dirty;         /* rings with frames to kick */
	bool retry_armed;             /* a timeout to kick refused rings again is queued */
	struct __kernel_timespec retry_ts;
	uint8_t gso_hdr[FRAME_HDR_LEN6]; /* a GSO frame's headers, then its payloads: */
	struct iovec gso_iov[1 + GSO_MAX];
};

/* Queues a kick of r (one send for every frame it holds) on the ring. */
static void kick(struct datapath *dp, struct txring *r)
{
	struct io_uring_sqe *sqe;

	if (r->kicking || !(sqe = dp_sqe(dp)))
		return; /* the kick in flight, or the next flush, takes them */
	io_uring_prep_send(sqe, r->fd, NULL, 0, MSG_DONTWAIT);
	io_uring_sqe_set_data64(sqe, ev_ud((unsigned)dp->l2->k_kick, r->idx));
	r->kicking = true;
	r->queued = 0;
}

void dpl2_flush(struct datapath *dp)
{
	struct dp_l2 *l = dp->l2;

	while (l->dirty) {
		struct txring *r = l->dirty;

		l->dirty = r->next_dirty;
		r->dirty = false;
		kick(dp, r);
	}
}

/* Hands r's frames to the kernel now, in this thread. */
static void kick_now(struct txring *r)
{
	if (send(r->fd, NULL, 0, MSG_DONTWAIT) >= 0)
		r->queued = 0;
}

/*
 * A full ring is kicked at once: the frames queued behind the kick in
 * flight must leave before their slots come round.
 */
static struct txring *ring_room(struct txring *r)
{
	if (txring_slot(r))
		return r;
	if (r->queued)
		kick_now(r);
	return txring_slot(r) ? r : NULL;
}

bool dpl2_fits(const struct tb_output *o, const struct rx_pkt *p)
{
	return frame_hdr_len(&o->tmpl) + p->pkt.len <= txring_max_len(o->tx) &&
	       frame_ip_len(&o->tmpl) + p->pkt.len <= o->mtu;
}

void dpl2_send(struct datapath *dp, struct tb_output *o, const struct rx_pkt *p, uint8_t ttl)
{
	struct txring *r = ring_room(o->tx);
	size_t len;

	if (!r) {
		o->st->dropped++;
		return;
	}
	len = frame_build(txring_slot(r), &o->tmpl, &p->pkt, p->status, ttl, r->ipid++);
	txring_commit(r, (unsigned)len);
	o->st->packets++;
	o->st->bytes += p->pkt.len;
	if (!r->dirty) {
		r->dirty = true;
		r->next_dirty = dp->l2->dirty;
		dp->l2->dirty = r;
	}
	if (r->queued >= r->nframes / 2)
		kick(dp, r);
}

/* Whether the run's datagrams may share one set of headers as a GSO frame on o. */
static bool gso_ok(const struct datapath *dp, const struct tb_output *o, const unsigned *seg,
		   unsigned n)
{
	const struct rx_pkt *p0 = &dp->rx[seg[0]];
	bool own_port = o->tmpl.keep_source || !o->tmpl.sport;

	if (n < 2 || !dp_gso_takes(o, p0->pkt.len) || o->tx->gso_fd < 0 || !dpl2_fits(o, p0))
		return false;
	for (unsigned i = 0; i < n; i++) {
		const struct mcr_pkt *p = &dp->rx[seg[i]].pkt;

		/* The device gives each datagram a fresh checksum: trusted ones only. */
		if (!frame_csum_trusted(dp->rx[seg[i]].status))
			return false;
		if (own_port && p->sport != p0->pkt.sport)
			return false;
		if (o->tmpl.keep_source && (o->tmpl.v6 ? memcmp(&p->src6, &p0->pkt.src6, 16)
						       : p->src.s_addr != p0->pkt.src.s_addr))
			return false;
	}
	return true;
}

/* Frames in r the kernel has not taken would leave after a GSO frame sent now. */
static bool ring_drained(struct txring *r)
{
	if (!txring_unsent(r))
		return true;
	kick_now(r);
	return !txring_unsent(r);
}

/*
 * A GSO send failed with err: false when the run is to go frame by frame
 * (no buffer now; a payload too large for one datagram of the MTU; or no
 * GSO here, for good: a kernel before 6.2 takes none from a packet socket).
 */
static bool gso_failed(const struct tb_rule *rr, struct tb_output *o, uint16_t len, int err,
		       unsigned n)
{
	switch (err) {
	case EAGAIN:
	case ENOBUFS:
		return false;
	case EMSGSIZE:
		dp_gso_cap(o, len);
		return false;
	case EINVAL:
	case EOPNOTSUPP:
	case EPROTONOSUPPORT:
	case EIO:
		dp_gso_off(rr, o, err);
		return false;
	default:
		o->st->errors += n;
		o->st->last_error = err;
		return true;
	}
}

bool dpl2_send_run(struct datapath *dp, const struct tb_rule *rr, struct tb_output *o,
		   const unsigned *seg, unsigned n, uint8_t ttl)
{
	struct dp_l2 *l = dp->l2;
	struct txring *r = o->tx;
	const struct mcr_pkt *p0 = &dp->rx[seg[0]].pkt;
	struct msghdr mh = { .msg_iov = l->gso_iov, .msg_iovlen = 1 + n };
	size_t total = 0;

	if (!gso_ok(dp, o, seg, n) || !ring_drained(r))
		return false;
	for (unsigned i = 0; i < n; i++) {
		const struct mcr_pkt *p = &dp->rx[seg[i]].pkt;

		l->gso_iov[1 + i] = (struct iovec){ (void *)p->payload, p->len };
		total += p->len;
	}
	l->gso_iov[0] = (struct iovec){ l->gso_hdr,
					frame_build_gso(l->gso_hdr, &o->tmpl, p0, ttl, r->ipid, total) };
	if (sendmsg(r->gso_fd, &mh, MSG_DONTWAIT) < 0)
		return gso_failed(rr, o, p0->len, errno, n);
	r->ipid = (uint16_t)(r->ipid + n);
	o->st->packets += n;
	o->st->gso += n;
	o->st->bytes += total;
	return true;
}

static void arm_retry(struct datapath *dp)
{
	struct dp_l2 *l = dp->l2;
	struct io_uring_sqe *sqe;

	if (l->retry_armed || !(sqe = dp_sqe(dp)))
		return;
	l->retry_ts = (struct __kernel_timespec){ .tv_nsec = RETRY_NS };
	io_uring_prep_timeout(sqe, &l->retry_ts, 0, 0);
	io_uring_sqe_set_data64(sqe, ev_ud((unsigned)l->k_retry, 0));
	l->retry_armed = true;
}

/* A kick failed (the device went down, say): every output on the ring counts it. */
static void tx_error(struct datapath *dp, const struct txring *r, int err)
{
	for (size_t i = 0; i < dp->table->nrules; i++) {
		struct tb_rule *rr = dp->table->rules[i];

		for (unsigned k = 0; k < rr->nout; k++)
			if (rr->out[k].tx == r) {
				rr->out[k].st->errors++;
				rr->out[k].st->last_error = err;
			}
	}
}

/*
 * A kick completed.  The kernel sent what it could; a ring it found no
 * memory for (every frame still in flight) is kicked again shortly, and
 * frames queued meanwhile get their kick now.
 */
static void on_kick(void *arg, uint32_t idx, const struct io_uring_cqe *cqe)
{
	struct datapath *dp = arg;
	struct txring *r = idx < dp->table->ntx ? dp->table->tx[idx] : NULL;

	if (!r)
		return;
	r->kicking = false;
	if (r->dead) {
		table_tx_kicked(dp->table, idx);
		return;
	}
	if (cqe->res == -EAGAIN || cqe->res == -ENOBUFS) {
		r->retry = true;
		arm_retry(dp);
	} else if (cqe->res < 0) {
		tx_error(dp, r, -cqe->res);
	}
	if (r->queued)
		kick(dp, r);
}

/* The retry timeout fired: kick the rings that were refused. */
static void on_retry(void *arg, uint32_t idx, const struct io_uring_cqe *cqe)
{
	struct datapath *dp = arg;

	(void)idx;
	(void)cqe;
	dp->l2->retry_armed = false;
	for (size_t i = 0; i < dp->table->ntx; i++) {
		struct txring *r = dp->table->tx[i];

		if (r && r->retry && !r->dead) {
			r->retry = false;
			kick(dp, r);
		}
	}
}

int dpl2_new(struct datapath *dp)
{
	struct dp_l2 *l = calloc(1, sizeof(*l));

	if (!(dp->l2 = l))
		return -ENOMEM;
	if ((l->k_kick = evloop_kind(dp->ev, on_kick, dp)) < 0 ||
	    (l->k_retry = evloop_kind(dp->ev, on_retry, dp)) < 0)
		return -ENOSPC;
	return 0;
}

void dpl2_free(struct datapath *dp)
{
	free(dp->l2);
	dp->l2 = NULL;
}
