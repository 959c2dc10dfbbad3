/*
 * Sends through an output's UDP socket: one IORING_OP_SENDMSG per packet,
 * or per run of a rule's equal-size packets with UDP GSO (UDP_SEGMENT),
 * pointing into the receive ring's slot (no copy), with the TTL and TOS
 * of each send as control messages.  A send slot's frame reference is
 * dropped when its completion arrives.
 */
#include "dpcore.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "log.h"

#define NSLOTS 65536     /* sends in flight at most: 65 packets at fan-out 1000 */
#define NGSO   4096      /* GSO sends in flight at most */

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif

#define CM_TTL_TOS (2 * CMSG_SPACE(sizeof(int)))

struct tx_slot {
	struct msghdr mh;
	struct iovec iov;
	_Alignas(struct cmsghdr) char cm[CM_TTL_TOS];
	struct tb_rule *rule;
	struct tb_output *out;
	struct fref f;
};

/* One output's copy of a run of equal-size packets: one sendmsg. */
struct gso_slot {
	struct msghdr mh;
	struct iovec iov[GSO_MAX];
	struct fref f[GSO_MAX];
	_Alignas(struct cmsghdr) char cm[CMSG_SPACE(sizeof(uint16_t)) + CM_TTL_TOS];
	struct tb_rule *rule;
	struct tb_output *out;
	uint8_t ttl, tos;
};

struct dp_sock {
	int k_send, k_gso;
	struct tx_slot *slots;
	uint32_t *free_slots;
	unsigned nfree;
	struct gso_slot *gslots;
	uint32_t *free_gslots;
	unsigned ngfree;
};

/* The IP_TTL and IP_TOS messages from cm on, ready made; returns what follows. */
static struct cmsghdr *cm_ttl_tos_init(struct msghdr *mh, struct cmsghdr *cm)
{
	static const int types[2] = { IP_TTL, IP_TOS };

	for (int i = 0; i < 2; i++) {
		cm->cmsg_level = IPPROTO_IP;
		cm->cmsg_type = types[i];
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		cm = CMSG_NXTHDR(mh, cm);
	}
	return cm;
}

/*
 * The values of the two messages cm_ttl_tos_init() made at cm, and their
 * kind by the destination's family: IPv6 has the same two as hop limit and
 * traffic class.
 */
static void cm_ttl_tos_set(struct msghdr *mh, struct cmsghdr *cm, sa_family_t family, uint8_t ttl,
			   uint8_t tos)
{
	bool v6 = family == AF_INET6;
	int v = ttl;

	cm->cmsg_level = v6 ? IPPROTO_IPV6 : IPPROTO_IP;
	cm->cmsg_type = v6 ? IPV6_HOPLIMIT : IP_TTL;
	memcpy(CMSG_DATA(cm), &v, sizeof(v));
	cm = CMSG_NXTHDR(mh, cm);
	v = tos;
	cm->cmsg_level = v6 ? IPPROTO_IPV6 : IPPROTO_IP;
	cm->cmsg_type = v6 ? IPV6_TCLASS : IP_TOS;
	memcpy(CMSG_DATA(cm), &v, sizeof(v));
}

static void send_one(struct datapath *dp, struct tb_rule *rr, struct tb_output *o,
		     const void *payload, size_t len, struct fref f, uint8_t ttl, uint8_t tos)
{
	struct dp_sock *ds = dp->sock;
	struct io_uring_sqe *sqe;
	struct tx_slot *s;
	uint32_t idx;

	if (!ds->nfree || !(sqe = dp_sqe(dp))) {
		o->st->dropped++;
		return;
	}
	idx = ds->free_slots[--ds->nfree];
	s = &ds->slots[idx];
	s->iov.iov_base = (void *)payload;
	s->iov.iov_len = len;
	s->mh.msg_name = &o->dst;
	s->mh.msg_namelen = o->dst_len;
	cm_ttl_tos_set(&s->mh, CMSG_FIRSTHDR(&s->mh), o->dst.sin_family, ttl, tos);
	s->rule = rr;
	s->out = o;
	s->f = f;
	rr->inflight++;
	io_uring_prep_sendmsg(sqe, o->fd, &s->mh, 0);
	io_uring_sqe_set_data64(sqe, ev_ud((unsigned)ds->k_send, idx));
	f.ring->refs[f.idx]++;
}

/*
 * The run rx[seg[0..n-1]] (the last may be shorter) to output o: one GSO
 * sendmsg, or one send per packet when the run is a single packet, the
 * output takes no GSO (or none of this size), or no GSO slot is free.
 */
void dpsock_send(struct datapath *dp, struct tb_rule *rr, struct tb_output *o,
		 const unsigned *seg, unsigned n)
{
	struct dp_sock *ds = dp->sock;
	const struct rx_pkt *p0 = &dp->rx[seg[0]];
	uint8_t ttl = dp_out_ttl(p0, o), tos = p0->pkt.tos;
	struct io_uring_sqe *sqe;
	struct gso_slot *g;
	struct cmsghdr *cm;
	uint32_t idx;

	if (!ttl)
		return; /* counted as ttl_expired when it was matched */
	if (n == 1 || !dp_gso_takes(o, p0->pkt.len) || !ds->ngfree || !(sqe = dp_sqe(dp))) {
		for (unsigned i = 0; i < n; i++) {
			const struct rx_pkt *p = &dp->rx[seg[i]];

			send_one(dp, rr, o, p->pkt.payload, p->pkt.len, p->f, ttl, tos);
		}
		return;
	}
	idx = ds->free_gslots[--ds->ngfree];
	g = &ds->gslots[idx];
	for (unsigned i = 0; i < n; i++) {
		const struct rx_pkt *p = &dp->rx[seg[i]];

		g->iov[i] = (struct iovec){ (void *)p->pkt.payload, p->pkt.len };
		g->f[i] = p->f;
		p->f.ring->refs[p->f.idx]++;
	}
	g->mh.msg_name = &o->dst;
	g->mh.msg_namelen = o->dst_len;
	g->mh.msg_iovlen = n;
	cm = CMSG_FIRSTHDR(&g->mh);
	*(uint16_t *)(void *)CMSG_DATA(cm) = p0->pkt.len;
	cm_ttl_tos_set(&g->mh, CMSG_NXTHDR(&g->mh, cm), o->dst.sin_family, ttl, tos);
	g->ttl = ttl;
	g->tos = tos;
	g->rule = rr;
	g->out = o;
	rr->inflight++;
	io_uring_prep_sendmsg(sqe, o->fd, &g->mh, 0);
	io_uring_sqe_set_data64(sqe, ev_ud((unsigned)ds->k_gso, idx));
}

static void on_send(void *arg, uint32_t idx, const struct io_uring_cqe *cqe)
{
	struct datapath *dp = arg;
	struct dp_sock *ds = dp->sock;
	int res = cqe->res;
	struct tx_slot *s = &ds->slots[idx];
	struct tb_output *o = s->out;

	if (res >= 0) {
		o->st->packets++;
		o->st->bytes += (unsigned)res;
	} else {
		o->st->errors++;
		o->st->last_error = -res;
	}
	dp_frame_put(dp, s->f);
	ds->free_slots[ds->nfree++] = idx;
	table_send_done(dp->table, s->rule); /* may free a removed rule */
}

bool dp_gso_takes(const struct tb_output *o, uint16_t len)
{
	return o->gso && (!o->gso_limit || len < o->gso_limit);
}

void dp_gso_cap(struct tb_output *o, uint16_t len)
{
	/* Runs of a larger size may still be in flight: only ever lower it. */
	if (!o->gso_limit || len < o->gso_limit)
		o->gso_limit = len;
}

void dp_gso_off(const struct tb_rule *rr, struct tb_output *o, int err)
{
	char a[MCR_ADDRPORTSTRLEN];
	struct mcr_addr d = o->dst.sin_family == AF_INET6 ? mcr_addr6(&o->dst6.sin6_addr)
							  : mcr_addr4(o->dst.sin_addr);

	if (!o->gso)
		return;
	o->gso = false;
	log_warn("rule \"%s\": output %s: UDP GSO refused (%s); sending packet by packet",
		 rr->name, mcr_addr_port_str(d, ntohs(o->dst.sin_port), a), strerror(err));
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
	struct dp_sock *ds = dp->sock;
	int res = cqe->res;
	struct gso_slot *g = &ds->gslots[idx];
	struct tb_output *o = g->out;
	unsigned n = (unsigned)g->mh.msg_iovlen;

	if (res >= 0) {
		o->st->packets += n;
		o->st->gso += n;
		o->st->bytes += (unsigned)res;
	} else if (res == -EIO || res == -EOPNOTSUPP || res == -EINVAL || res == -EMSGSIZE) {
		uint16_t len = (uint16_t)g->iov[0].iov_len;

		if (res == -EINVAL || res == -EMSGSIZE)
			dp_gso_cap(o, len);
		else
			dp_gso_off(g->rule, o, -res);
		for (unsigned i = 0; i < n; i++)
			send_one(dp, g->rule, o, g->iov[i].iov_base, g->iov[i].iov_len, g->f[i],
				 g->ttl, g->tos);
	} else {
		o->st->errors += n;
		o->st->last_error = -res;
	}
	for (unsigned i = 0; i < n; i++)
		dp_frame_put(dp, g->f[i]);
	ds->free_gslots[ds->ngfree++] = idx;
	table_send_done(dp->table, g->rule);
}

bool dpsock_idle(const struct datapath *dp)
{
	return dp->sock->nfree == NSLOTS && dp->sock->ngfree == NGSO;
}

/* Send slots carry their control messages ready made. */
static int slots_init(struct dp_sock *ds)
{
	ds->slots = calloc(NSLOTS, sizeof(*ds->slots));
	ds->free_slots = calloc(NSLOTS, sizeof(*ds->free_slots));
	if (!ds->slots || !ds->free_slots)
		return -ENOMEM;
	for (unsigned i = 0; i < NSLOTS; i++) {
		struct tx_slot *s = &ds->slots[i];

		s->mh.msg_iov = &s->iov;
		s->mh.msg_iovlen = 1;
		s->mh.msg_control = s->cm;
		s->mh.msg_controllen = sizeof(s->cm);
		cm_ttl_tos_init(&s->mh, CMSG_FIRSTHDR(&s->mh));
		ds->free_slots[ds->nfree++] = NSLOTS - 1 - i;
	}
	return 0;
}

static int gslots_init(struct dp_sock *ds)
{
	ds->gslots = calloc(NGSO, sizeof(*ds->gslots));
	ds->free_gslots = calloc(NGSO, sizeof(*ds->free_gslots));
	if (!ds->gslots || !ds->free_gslots)
		return -ENOMEM;
	for (unsigned i = 0; i < NGSO; i++) {
		struct gso_slot *g = &ds->gslots[i];
		struct cmsghdr *cm;

		g->mh.msg_iov = g->iov;
		g->mh.msg_control = g->cm;
		g->mh.msg_controllen = sizeof(g->cm);
		cm = CMSG_FIRSTHDR(&g->mh);
		cm->cmsg_level = IPPROTO_UDP; /* SOL_UDP */
		cm->cmsg_type = UDP_SEGMENT;
		cm->cmsg_len = CMSG_LEN(sizeof(uint16_t));
		cm_ttl_tos_init(&g->mh, CMSG_NXTHDR(&g->mh, cm));
		ds->free_gslots[ds->ngfree++] = NGSO - 1 - i;
	}
	return 0;
}

int dpsock_new(struct datapath *dp)
{
	struct dp_sock *ds = calloc(1, sizeof(*ds));

	if (!(dp->sock = ds))
		return -ENOMEM;
	if (slots_init(ds) || gslots_init(ds))
		return -ENOMEM;
	if ((ds->k_send = evloop_kind(dp->ev, on_send, dp)) < 0 ||
	    (ds->k_gso = evloop_kind(dp->ev, on_gso, dp)) < 0)
		return -ENOSPC;
	return 0;
}

void dpsock_free(struct datapath *dp)
{
	struct dp_sock *ds = dp->sock;

	if (!ds)
		return;
	free(ds->slots);
	free(ds->free_slots);
	free(ds->gslots);
	free(ds->free_gslots);
	free(ds);
	dp->sock = NULL;
}
