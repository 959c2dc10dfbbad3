/* The plan's ops as wire messages to the pool's workers. */
#include "feed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wire.h"

static void egress_add(void *arg, int w, int fd, bool gso)
{
	const struct feed *f = arg;
	struct wire_msg m = { .type = W_EGRESS_ADD, .flags = gso ? W_F_GSO : 0, .slot = fd };

	for (unsigned i = 0; i < f->nworkers; i++)
		if (w < 0 || (unsigned)w == i)
			pool_send(f->pool, i, &m, sizeof(m), fd);
}

static void egress_del(void *arg, int fd)
{
	const struct feed *f = arg;
	struct wire_msg m = { .type = W_EGRESS_DEL, .slot = fd };

	for (unsigned i = 0; i < f->nworkers; i++)
		pool_send(f->pool, i, &m, sizeof(m), -1);
}

static void input_add(void *arg, unsigned w, size_t slot, const struct plan_input *in)
{
	const struct feed *f = arg;
	struct wire_msg m = { .type = W_INPUT_ADD, .slot = (int32_t)slot,
			      .stats = in->wst_slot[w] };

	snprintf(m.in.dev, sizeof(m.in.dev), "%s", in->dev);
	pool_send(f->pool, w, &m, sizeof(m), in->wfd[w]);
}

static void input_del(void *arg, unsigned w, size_t slot)
{
	const struct feed *f = arg;
	struct wire_msg m = { .type = W_INPUT_DEL, .slot = (int32_t)slot };

	pool_send(f->pool, w, &m, sizeof(m), -1);
}

/* What worker needs of output i: sockets, destination, layer-2 template. */
static struct wire_out wire_out_of(const struct plan_rule *rr, unsigned i)
{
	const struct plan_output *o = &rr->out[i];
	struct wire_out w = { .index = i, .egress = o->fd, .tx = o->txfd, .stats = o->st_slot,
			      .group = o->cfg->group.v4, .port = o->cfg->port, .mtu = o->l2.mtu,
			      .saddr = o->l2.saddr, .sport = o->l2.sport, .ttl = o->cfg->ttl,
			      .group6 = o->cfg->group.v6, .saddr6 = o->l2.saddr6,
			      .flags = (mcr_addr_is6(o->cfg->group) ? WO_IPV6 : 0) |
				       (o->cfg->keep_source ? WO_KEEP_SOURCE : 0) |
				       (o->cfg->ttl_fixed ? WO_TTL_FIXED : 0) };

	memcpy(w.mac, o->l2.mac, sizeof(w.mac));
	return w;
}

/* The rule-wide flags, as worker w is to apply them. */
static uint16_t rule_flags_of(const struct plan_rule *rr, unsigned w)
{
	uint16_t f = (uint16_t)((w == rr->worker ? W_F_PRIMARY : 0) | (rr->verify ? W_F_VERIFY : 0));

	for (unsigned i = 0; i < rr->cfg.nout; i++)
		f |= rr->cfg.out[i].ttl_fixed ? W_F_TTL_FIXED : W_F_TTL_ROUTER;
	return f;
}

/* The rule's inputs and where each is attached (-1: not). */
static void put_inputs(struct wire_msg *m, const struct plan_rule *rr)
{
	m->nin = mcr_rule_ninputs(&rr->cfg);
	for (unsigned i = 0; i < m->nin; i++)
		m->in_slot[i] = rr->in[i].attached ? rr->in[i].slot : -1;
}

/* Worker w's share of the rule: the outputs it sends. */
static void rule_add(void *arg, const struct plan_rule *rr, unsigned w)
{
	const struct feed *f = arg;
	size_t len = sizeof(struct wire_msg) + rr->cfg.nout * sizeof(struct wire_out);
	struct wire_msg *m = calloc(1, len);

	if (!m)
		return; /* the worker lacks the rule until its next restart */
	m->type = W_RULE_ADD;
	m->flags = rule_flags_of(rr, w);
	m->loop_ms = f->loop_ms;
	m->stats = rr->st_slot;
	snprintf(m->name, sizeof(m->name), "%s", rr->cfg.name);
	m->in = rr->cfg.in;
	put_inputs(m, rr);
	memcpy(m->more, rr->cfg.more, sizeof(m->more));
	m->red = rr->cfg.red;
	m->rstats = rr->rst_slot;
	for (unsigned i = 0; i < rr->cfg.nout; i++)
		if (rr->out[i].worker == w)
			m->out[m->nout++] = wire_out_of(rr, i);
	len = sizeof(struct wire_msg) + m->nout * sizeof(struct wire_out);
	pool_send(f->pool, w, m, len, -1);
	free(m);
}

static void rule_inputs(void *arg, const struct plan_rule *rr, unsigned w)
{
	const struct feed *f = arg;
	struct wire_msg m = { .type = W_RULE_INPUTS };

	snprintf(m.name, sizeof(m.name), "%s", rr->cfg.name);
	put_inputs(&m, rr);
	pool_send(f->pool, w, &m, sizeof(m), -1);
}

static void rule_del(void *arg, const struct plan_rule *rr, unsigned w)
{
	const struct feed *f = arg;
	struct wire_msg m = { .type = W_RULE_DEL };

	snprintf(m.name, sizeof(m.name), "%s", rr->cfg.name);
	pool_send(f->pool, w, &m, sizeof(m), -1);
}

static void rule_flags(void *arg, const struct plan_rule *rr)
{
	const struct feed *f = arg;
	struct wire_msg m = { .type = W_RULE_FLAGS };

	snprintf(m.name, sizeof(m.name), "%s", rr->cfg.name);
	for (unsigned k = 0; k < rr->nworkers; k++) {
		unsigned w = (rr->worker + k) % f->nworkers;

		m.flags = rule_flags_of(rr, w);
		pool_send(f->pool, w, &m, sizeof(m), -1);
	}
}

static void output_set(void *arg, const struct plan_rule *rr, unsigned i)
{
	const struct feed *f = arg;
	_Alignas(struct wire_msg) char buf[sizeof(struct wire_msg) + sizeof(struct wire_out)];
	struct wire_msg *m = (struct wire_msg *)(void *)buf;

	memset(buf, 0, sizeof(buf));
	m->type = W_OUTPUT_SET;
	m->out_index = i;
	m->nout = 1;
	m->out[0] = wire_out_of(rr, i);
	snprintf(m->name, sizeof(m->name), "%s", rr->cfg.name);
	pool_send(f->pool, rr->out[i].worker, m, sizeof(buf), -1);
}

static void tx_add(void *arg, unsigned w, int fd, int gso_fd, const struct txring_geom *g)
{
	const struct feed *f = arg;
	struct wire_msg m = { .type = W_TX_ADD, .slot = fd, .tx_frame_size = g->frame_size,
			      .tx_frames = g->nframes };
	struct wire_msg mg = { .type = W_TX_GSO, .slot = fd };

	pool_send(f->pool, w, &m, sizeof(m), fd);
	if (gso_fd >= 0)
		pool_send(f->pool, w, &mg, sizeof(mg), gso_fd);
}

static void tx_del(void *arg, unsigned w, int fd)
{
	const struct feed *f = arg;
	struct wire_msg m = { .type = W_TX_DEL, .slot = fd };

	pool_send(f->pool, w, &m, sizeof(m), -1);
}

const struct plan_ops feed_ops = {
	.egress_add = egress_add,
	.egress_del = egress_del,
	.input_add = input_add,
	.input_del = input_del,
	.rule_add = rule_add,
	.rule_inputs = rule_inputs,
	.rule_del = rule_del,
	.output_set = output_set,
	.rule_flags = rule_flags,
	.tx_add = tx_add,
	.tx_del = tx_del,
};
