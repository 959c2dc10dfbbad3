/* The plan's ops as wire messages to the pool's workers. */
#include "feed.h"

#include <stdio.h>
#include <stdlib.h>

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

static void rule_add(void *arg, const struct plan_rule *rr)
{
	const struct feed *f = arg;
	size_t len = sizeof(struct wire_msg) + rr->cfg.nout * sizeof(struct wire_out);
	struct wire_msg *m = calloc(1, len);

	if (!m)
		return; /* the worker lacks the rule until its next restart */
	m->type = W_RULE_ADD;
	m->slot = rr->in_slot;
	m->stats = rr->st_slot;
	m->nout = rr->cfg.nout;
	snprintf(m->name, sizeof(m->name), "%s", rr->cfg.name);
	m->in = rr->cfg.in;
	for (unsigned i = 0; i < rr->cfg.nout; i++)
		m->out[i] = (struct wire_out){ .egress = rr->out[i].fd, .stats = rr->out[i].st_slot,
					       .group = rr->cfg.out[i].group,
					       .port = rr->cfg.out[i].port };
	pool_send(f->pool, rr->worker, m, len, -1);
	free(m);
}

static void rule_del(void *arg, const struct plan_rule *rr)
{
	const struct feed *f = arg;
	struct wire_msg m = { .type = W_RULE_DEL };

	snprintf(m.name, sizeof(m.name), "%s", rr->cfg.name);
	pool_send(f->pool, rr->worker, &m, sizeof(m), -1);
}

static void output_set(void *arg, const struct plan_rule *rr, unsigned i)
{
	const struct feed *f = arg;
	struct wire_msg m = { .type = W_OUTPUT_SET, .out_index = i, .egress = rr->out[i].fd };

	snprintf(m.name, sizeof(m.name), "%s", rr->cfg.name);
	pool_send(f->pool, rr->worker, &m, sizeof(m), -1);
}

const struct plan_ops feed_ops = {
	.egress_add = egress_add,
	.egress_del = egress_del,
	.input_add = input_add,
	.input_del = input_del,
	.rule_add = rule_add,
	.rule_del = rule_del,
	.output_set = output_set,
};
