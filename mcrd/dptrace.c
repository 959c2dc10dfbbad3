/*
 * What a traced rule's outputs send (trace.h, TRACE_F_OUT), built at the
 * flush as the data path builds it: a layer-2 output's frame from its
 * template (frame.h) exactly as it goes into the transmit ring, but for the
 * IP ID; a socket output's datagram framed the same way, with what the
 * kernel fills in left out (source address 0.0.0.0 or ::, the datagram's
 * own source port).  A translated output (4 -> 6, 6 -> 4) is framed in its
 * own family, its UDP checksum shown as the kernel is handed it (the
 * pseudo-header sum: the device or kernel completes it).  Reached only
 * through a rule's non-NULL trace pointer.
 * A rule spread over workers (spread_outputs) is traced by its owner: the
 * outputs recorded are the owner's share, each under its number in the rule.
 */
#include <linux/if_packet.h>

#include "dpcore.h"
#include "frame.h"
#include "trace.h"

#define VNET_LEN (FRAME_HDR_LEN - 42u) /* the virtio-net header before the Ethernet one */

/* One frame at a time: a worker is one thread. */
static uint8_t frame_buf[FRAME_HDR_LEN6 + 65536];

/* The template of a socket output: what the kernel fills in left zero. */
static void socket_tmpl(struct frame_tmpl *t, const struct tb_output *o)
{
	static const uint8_t none[6];

	if (o->dst6.sin6_family == AF_INET6)
		frame_tmpl_init6(t, none, &in6addr_any, &o->dst6.sin6_addr, 0, o->dst6.sin6_port,
				 false);
	else
		frame_tmpl_init(t, none, (struct in_addr){ 0 }, o->dst.sin_addr, 0,
				o->dst.sin_port, false);
}

static void one_output(const struct tb_rule *rr, unsigned i, const struct rx_pkt *p)
{
	const struct tb_output *o = &rr->out[i];
	const struct frame_tmpl *t = &o->tmpl;
	struct frame_tmpl sock;
	uint8_t ttl = dp_out_ttl(p, o);
	uint32_t status = p->status;
	size_t len;

	if (!ttl || o->fd < 0)
		return; /* not sent */
	if (!o->tx || !dpl2_fits(o, p)) {
		socket_tmpl(&sock, o);
		t = &sock;
	}
	if (t->v6 != (p->pkt.family == AF_INET6))
		status = TP_STATUS_CSUMNOTREADY; /* no checksum of the other family to update */
	len = frame_build(frame_buf, t, &p->pkt, status, ttl, 0);
	trace_out(rr->trace, o->index, frame_buf + VNET_LEN, len - VNET_LEN);
}

void dptrace_run(struct datapath *dp, const struct tb_rule *rr, const unsigned *seg, unsigned n)
{
	for (unsigned k = 0; k < n && trace_out_next(rr->trace); k++)
		for (unsigned i = 0; i < rr->nout; i++)
			one_output(rr, i, &dp->rx[seg[k]]);
}
