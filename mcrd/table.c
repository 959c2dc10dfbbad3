/*
 * The worker's table, changed only by the parent's messages.  An input is
 * closed by the data path (its poll must end first); a removed rule lives
 * on as dead until its last send in flight completes.
 */
#include "table.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "counters.h"
#include "log.h"
#include "loopguard.h"
#include "rxring.h"

void table_init(struct table *t, struct rxring_size rx)
{
	memset(t, 0, sizeof(*t));
	t->rx = rx;
	for (int i = 0; i < WIRE_MAX_INPUTS; i++)
		t->pslot[i] = -1;
}

static int egress_fd(const struct table *t, int32_t parent_fd)
{
	return parent_fd >= 0 && (size_t)parent_fd < t->nemap ? t->emap[parent_fd].fd : -1;
}

static struct txring *tx_find(const struct table *t, int32_t pfd)
{
	for (size_t i = 0; pfd >= 0 && i < t->ntx; i++)
		if (t->tx[i] && !t->tx[i]->dead && t->tx[i]->pfd == pfd)
			return t->tx[i];
	return NULL;
}

/* What the data path checks per packet of rr, for the rule as a whole. */
static void rule_set_flags(struct tb_rule *rr, uint16_t f)
{
	rr->primary = f & W_F_PRIMARY;
	if (rr->red)
		redund_set_stats(rr->red, rr->primary ? rr->rst : NULL);
	rr->verify_udp = f & W_F_VERIFY;
	rr->ttl_router = f & W_F_TTL_ROUTER;
	rr->ttl_fixed = f & W_F_TTL_FIXED;
}

/* Points an output at our copies of the parent's sockets (or none) and its template. */
static void out_bind(const struct table *t, struct tb_output *o, const struct wire_out *w)
{
	o->index = w->index;
	if (w->flags & WO_IPV6) {
		o->dst6 = (struct sockaddr_in6){ .sin6_family = AF_INET6, .sin6_addr = w->group6,
						 .sin6_port = htons(w->port) };
		o->dst_len = sizeof(o->dst6);
	} else {
		o->dst = (struct sockaddr_in){ .sin_family = AF_INET, .sin_addr = w->group,
					       .sin_port = htons(w->port) };
		o->dst_len = sizeof(o->dst);
	}
	o->fd = egress_fd(t, w->egress);
	o->gso = o->fd >= 0 && t->emap[w->egress].gso;
	o->gso_limit = 0;
	o->tx = o->fd >= 0 ? tx_find(t, w->tx) : NULL;
	o->mtu = w->mtu;
	o->ttl = w->ttl;
	o->ttl_fixed = w->flags & WO_TTL_FIXED;
	if (o->tx && (w->flags & WO_IPV6))
		frame_tmpl_init6(&o->tmpl, w->mac, &w->saddr6, &w->group6, w->sport, htons(w->port),
				 w->flags & WO_KEEP_SOURCE);
	else if (o->tx)
		frame_tmpl_init(&o->tmpl, w->mac, w->saddr, w->group, w->sport, htons(w->port),
				w->flags & WO_KEEP_SOURCE);
}

/* Every output using our socket fd: moved to nfd (-1: stopped). */
static void outputs_move(struct table *t, int fd, int nfd, bool gso)
{
	for (size_t i = 0; i < t->nrules; i++) {
		for (unsigned o = 0; o < t->rules[i]->nout; o++)
			if (t->rules[i]->out[o].fd == fd) {
				t->rules[i]->out[o].fd = nfd;
				t->rules[i]->out[o].gso = nfd >= 0 && gso;
				if (nfd < 0)
					t->rules[i]->out[o].tx = NULL;
			}
	}
}

static int emap_grow(struct table *t, size_t pfd)
{
	size_t n = pfd + 64;
	struct tb_esock *v;

	if (pfd < t->nemap)
		return 0;
	if (!(v = realloc(t->emap, n * sizeof(*v))))
		return -ENOMEM;
	for (size_t i = t->nemap; i < n; i++)
		v[i] = (struct tb_esock){ -1, false };
	t->emap = v;
	t->nemap = n;
	return 0;
}

static void egress_add(struct table *t, int32_t pfd, int fd, bool gso)
{
	if (pfd < 0 || fd < 0 || emap_grow(t, (size_t)pfd)) {
		if (fd >= 0)
			close(fd);
		return;
	}
	if (t->emap[pfd].fd >= 0) {
		/* Already held: outputs move to the new copy before the old closes. */
		outputs_move(t, t->emap[pfd].fd, fd, gso);
		close(t->emap[pfd].fd);
	}
	t->emap[pfd] = (struct tb_esock){ fd, gso };
}

/* The parent stops the outputs using a socket before it deletes it. */
static void egress_del(struct table *t, int32_t pfd)
{
	int fd = egress_fd(t, pfd);

	if (fd < 0)
		return;
	outputs_move(t, fd, -1, false);
	close(fd);
	t->emap[pfd].fd = -1;
}

/* The match table of our input slot, from every rule input attached there. */
static int rebuild_match(struct table *t, int slot)
{
	struct tb_input *in = slot >= 0 ? t->inputs[slot] : NULL;
	struct mcr_match m;
	struct mcr_match6 m6;
	size_t n = 0, n6 = 0;

	if (!in)
		return 0;
	for (size_t i = 0; i < t->nrules; i++)
		for (unsigned k = 0; k < t->rules[i]->nin; k++)
			if (t->rules[i]->in[k].slot == slot)
				*(mcr_addr_is6(t->rules[i]->in[k].key.group) ? &n6 : &n) += 1;
	if (mcr_match_init(&m, n))
		return -ENOMEM;
	if (mcr_match6_init(&m6, n6)) {
		mcr_match_free(&m);
		return -ENOMEM;
	}
	for (size_t i = 0; i < t->nrules; i++) {
		struct tb_rule *rr = t->rules[i];

		for (unsigned k = 0; k < rr->nin; k++) {
			struct tb_rin *ri = &rr->in[k];
			const struct mcr_input *c = &ri->key;

			if (ri->slot == slot && mcr_addr_is6(c->group))
				mcr_match6_insert(&m6, &c->group.v6, c->port, &c->source.v6, ri);
			else if (ri->slot == slot)
				mcr_match_insert(&m, c->group.v4, c->port, c->source.v4, ri);
		}
	}
	mcr_match_free(&in->match);
	mcr_match6_free(&in->match6);
	in->match = m; /* the data path reads them on the next completion */
	in->match6 = m6;
	return 0;
}

/* Our slot for the parent's input slot ps, or -1. */
static int our_slot(const struct table *t, int32_t ps)
{
	return ps >= 0 && ps < WIRE_MAX_INPUTS ? t->pslot[ps] : -1;
}

/* Every match table rr's inputs are in (each once). */
static void rebuild_rule_inputs(struct table *t, const struct tb_rule *rr)
{
	for (unsigned k = 0; k < rr->nin; k++) {
		unsigned j;

		for (j = 0; j < k && rr->in[j].slot != rr->in[k].slot; j++)
			;
		if (j == k)
			rebuild_match(t, rr->in[k].slot);
	}
}

static struct tb_input *input_new(const struct table *t, const struct wire_msg *m, int fd)
{
	struct tb_input *in = calloc(1, sizeof(*in));
	int err;

	if (!in || mcr_match_init(&in->match, 0)) {
		free(in);
		return NULL;
	}
	if (mcr_match6_init(&in->match6, 0)) {
		mcr_match_free(&in->match);
		free(in);
		return NULL;
	}
	snprintf(in->dev, sizeof(in->dev), "%s", m->in.dev);
	in->fd = fd;
	in->st = counters_link(m->stats);
	/* Without its ring the input is kept (its rules stay consistent) but reads nothing. */
	err = rxring_map(&in->ring, fd, t->rx);
	if (err)
		log_err("dev %s: cannot map the receive ring: %s; its rules receive nothing",
			in->dev, strerror(-err));
	else
		log_debug("dev %s: receive ring of %u frames of %u bytes", in->dev,
			  in->ring->nframes, in->ring->frame_size);
	return in;
}

static void input_add(struct table *t, const struct wire_msg *m, int fd)
{
	struct tb_input *in;
	size_t i;

	for (i = 0; i < t->ninputs && t->inputs[i]; i++)
		;
	if (fd < 0 || m->slot < 0 || m->slot >= WIRE_MAX_INPUTS || i == WIRE_MAX_INPUTS ||
	    !(in = input_new(t, m, fd))) {
		if (fd >= 0)
			close(fd);
		return;
	}
	t->inputs[i] = in;
	if (i == t->ninputs)
		t->ninputs++;
	t->pslot[m->slot] = (int)i;
}

/* The data path cancels its receive and closes it. */
static void input_del(struct table *t, int32_t slot)
{
	int i = slot >= 0 && slot < WIRE_MAX_INPUTS ? t->pslot[slot] : -1;

	if (i >= 0 && t->inputs[i])
		t->inputs[i]->closing = true;
	if (i >= 0)
		t->pslot[slot] = -1;
}

void table_input_closed(struct table *t, size_t idx)
{
	struct tb_input *in = t->inputs[idx];

	rxring_free(in->ring);
	if (in->fd >= 0)
		close(in->fd);
	mcr_match_free(&in->match);
	mcr_match6_free(&in->match6);
	free(in);
	t->inputs[idx] = NULL;
	while (t->ninputs && !t->inputs[t->ninputs - 1])
		t->ninputs--;
}

static struct tb_rule *rule_find(const struct table *t, const char *name, size_t *idx)
{
	for (size_t i = 0; i < t->nrules; i++)
		if (!strcmp(t->rules[i]->name, name)) {
			if (idx)
				*idx = i;
			return t->rules[i];
		}
	return NULL;
}

static void rule_free(struct tb_rule *rr)
{
	loopguard_free(rr->guard);
	free(rr->trace);
	redund_free(rr->red);
	free(rr->out);
	free(rr);
}

static int rules_grow(struct table *t)
{
	size_t cap = t->caprules ? t->caprules * 2 : 64;
	struct tb_rule **v;

	if (t->nrules < t->caprules)
		return 0;
	if (!(v = realloc(t->rules, cap * sizeof(*v))))
		return -ENOMEM;
	t->rules = v;
	t->caprules = cap;
	return 0;
}

/* The rule's inputs from m: keys, and our slots where attached. */
static void rule_inputs_set(const struct table *t, struct tb_rule *rr, const struct wire_msg *m)
{
	for (unsigned k = 0; k < rr->nin; k++)
		rr->in[k].slot = our_slot(t, m->in_slot[k]);
}

static struct tb_rule *rule_new(const struct table *t, const struct wire_msg *m)
{
	struct tb_rule *rr = calloc(1, sizeof(*rr));

	if (!rr || !(rr->out = calloc(m->nout ? m->nout : 1, sizeof(*rr->out)))) {
		free(rr);
		return NULL;
	}
	snprintf(rr->name, sizeof(rr->name), "%s", m->name);
	rr->nin = m->nin;
	for (unsigned k = 0; k < rr->nin; k++)
		rr->in[k] = (struct tb_rin){ rr, k, -1, k ? m->more[k - 1] : m->in };
	rule_inputs_set(t, rr, m);
	rr->nout = m->nout;
	rr->st = counters_rule(m->stats);
	if (rr->nin > 1 && redund_new(&rr->red, &m->red, rr->nin)) {
		log_err("rule \"%s\": no memory for its %u inputs' state; not relayed here",
			rr->name, rr->nin);
		rule_free(rr);
		return NULL;
	}
	if (rr->red)
		rr->rst = counters_redund(m->rstats);
	for (unsigned i = 0; i < m->nout; i++) {
		out_bind(t, &rr->out[i], &m->out[i]);
		rr->out[i].st = counters_out(m->out[i].stats);
	}
	rule_set_flags(rr, m->flags);
	if (rr->ttl_fixed && m->loop_ms && !(rr->guard = loopguard_new(m->loop_ms))) {
		rule_free(rr);
		return NULL;
	}
	return rr;
}

static void rule_add(struct table *t, const struct wire_msg *m, size_t len)
{
	struct tb_rule *rr;

	if (m->nin < 1 || m->nin > MCR_MAX_INPUTS || m->nout > MCR_MAX_OUTPUTS ||
	    len < sizeof(*m) + m->nout * sizeof(struct wire_out) || rule_find(t, m->name, NULL) ||
	    rules_grow(t) || !(rr = rule_new(t, m)))
		return;
	t->rules[t->nrules++] = rr;
	rebuild_rule_inputs(t, rr);
}

/* Which inputs of a rule are attached changed: the match tables of before and after. */
static void rule_inputs(struct table *t, const struct wire_msg *m)
{
	struct tb_rule *rr = rule_find(t, m->name, NULL);
	struct tb_rule before;

	if (!rr || m->nin != rr->nin)
		return;
	before = *rr;
	rule_inputs_set(t, rr, m);
	rebuild_rule_inputs(t, &before);
	rebuild_rule_inputs(t, rr);
}

static void rule_del(struct table *t, const char *name)
{
	struct tb_rule *rr;
	size_t i;

	if (!(rr = rule_find(t, name, &i)))
		return;
	memmove(&t->rules[i], &t->rules[i + 1], (t->nrules - i - 1) * sizeof(rr));
	t->nrules--;
	rebuild_rule_inputs(t, rr);
	rr->dead = true;
	if (!rr->inflight) {
		rule_free(rr);
	} else {
		rr->next_dead = t->dead;
		t->dead = rr;
	}
}

void table_send_done(struct table *t, struct tb_rule *rr)
{
	struct tb_rule **p;

	if (--rr->inflight || !rr->dead)
		return;
	for (p = &t->dead; *p && *p != rr; p = &(*p)->next_dead)
		;
	if (*p)
		*p = rr->next_dead;
	rule_free(rr);
}

/* The output of rr with index i (the rule's numbering), or NULL. */
static struct tb_output *out_find(struct tb_rule *rr, uint32_t i)
{
	for (unsigned k = 0; k < rr->nout; k++)
		if (rr->out[k].index == i)
			return &rr->out[k];
	return NULL;
}

static void output_set(struct table *t, const struct wire_msg *m, size_t len)
{
	struct tb_rule *rr = rule_find(t, m->name, NULL);
	struct tb_output *o;

	if (!rr || m->nout != 1 || len < sizeof(*m) + sizeof(struct wire_out) ||
	    !(o = out_find(rr, m->out_index)))
		return;
	out_bind(t, o, &m->out[0]);
}

static void rule_flags(struct table *t, const struct wire_msg *m)
{
	struct tb_rule *rr = rule_find(t, m->name, NULL);

	if (rr)
		rule_set_flags(rr, m->flags);
}

/* Every output sending through ring r: through the socket from now on. */
static void tx_detach(struct table *t, const struct txring *r)
{
	for (size_t i = 0; i < t->nrules; i++) {
		for (unsigned o = 0; o < t->rules[i]->nout; o++)
			if (t->rules[i]->out[o].tx == r)
				t->rules[i]->out[o].tx = NULL;
	}
}

static void tx_free_slot(struct table *t, size_t i)
{
	txring_free(t->tx[i]);
	t->tx[i] = NULL;
	while (t->ntx && !t->tx[t->ntx - 1])
		t->ntx--;
}

/* A ring with a kick in flight lives on (dead) until the kick completes. */
static void tx_del(struct table *t, int32_t pfd)
{
	struct txring *r = tx_find(t, pfd);

	if (!r)
		return;
	tx_detach(t, r);
	r->dead = true;
	if (!r->kicking)
		tx_free_slot(t, r->idx);
}

void table_tx_kicked(struct table *t, size_t idx)
{
	if (idx < t->ntx && t->tx[idx] && t->tx[idx]->dead && !t->tx[idx]->kicking)
		tx_free_slot(t, idx);
}

static void tx_add(struct table *t, const struct wire_msg *m, int fd)
{
	struct txring_geom g = { m->tx_frame_size, m->tx_frames };
	struct txring *r;
	size_t i;
	int err;

	tx_del(t, m->slot); /* a renewed ring under the same number */
	for (i = 0; i < t->ntx && t->tx[i]; i++)
		;
	if (i == TB_MAX_TX || g.frame_size < 2048 || g.frame_size > (1u << 17) || !g.nframes ||
	    g.nframes > 65536) {
		log_err("cannot take transmit ring %d: %s", m->slot,
			i == TB_MAX_TX ? "too many rings" : "bad shape");
		close(fd);
		return;
	}
	if ((err = txring_map(&r, fd, &g))) {
		/* Its outputs send through their sockets instead. */
		log_err("cannot map transmit ring %d: %s", m->slot, strerror(-err));
		close(fd);
		return;
	}
	r->pfd = m->slot;
	r->idx = (unsigned)i;
	t->tx[i] = r;
	if (i == t->ntx)
		t->ntx++;
}

/* The GSO socket of ring pfd (txring.h): a ring without one sends every datagram. */
static void tx_gso(struct table *t, int32_t pfd, int fd)
{
	struct txring *r = tx_find(t, pfd);

	if (!r) {
		close(fd);
		return;
	}
	if (r->gso_fd >= 0)
		close(r->gso_fd);
	r->gso_fd = fd;
}

/* The rule records into a trace buffer from its next packet on, or stops. */
static void trace_set(struct table *t, const struct wire_msg *m)
{
	struct tb_rule *rr = rule_find(t, m->name, NULL);

	if (!rr)
		return;
	if (m->slot < 0 || m->slot >= TRACE_SLOTS) {
		free(rr->trace);
		rr->trace = NULL;
		return;
	}
	if (!rr->trace && !(rr->trace = malloc(sizeof(*rr->trace))))
		return; /* untraced: the trace shows nothing */
	*rr->trace = (struct trace_ref){ trace_buf((unsigned)m->slot), m->epoch };
}

void table_apply(struct table *t, const struct wire_msg *m, size_t len, int fd)
{
	switch (m->type) {
	case W_EGRESS_ADD:
		egress_add(t, m->slot, fd, m->flags & W_F_GSO);
		return;
	case W_INPUT_ADD:
		input_add(t, m, fd);
		return;
	case W_EGRESS_DEL:
		egress_del(t, m->slot);
		break;
	case W_INPUT_DEL:
		input_del(t, m->slot);
		break;
	case W_RULE_ADD:
		rule_add(t, m, len);
		break;
	case W_RULE_DEL:
		rule_del(t, m->name);
		break;
	case W_OUTPUT_SET:
		output_set(t, m, len);
		break;
	case W_TX_ADD:
		if (fd >= 0)
			tx_add(t, m, fd);
		return;
	case W_TX_GSO:
		if (fd >= 0)
			tx_gso(t, m->slot, fd);
		return;
	case W_TX_DEL:
		tx_del(t, m->slot);
		break;
	case W_RULE_FLAGS:
		rule_flags(t, m);
		break;
	case W_TRACE:
		trace_set(t, m);
		break;
	case W_RULE_INPUTS:
		rule_inputs(t, m);
		break;
	}
	if (fd >= 0)
		close(fd); /* a socket attached to a message that takes none */
}

void table_free(struct table *t)
{
	for (size_t i = 0; i < t->ninputs; i++)
		if (t->inputs[i])
			table_input_closed(t, i);
	for (size_t i = 0; i < t->nrules; i++)
		rule_free(t->rules[i]);
	while (t->dead) {
		struct tb_rule *next = t->dead->next_dead;

		rule_free(t->dead);
		t->dead = next;
	}
	for (size_t i = 0; i < t->nemap; i++)
		if (t->emap[i].fd >= 0)
			close(t->emap[i].fd);
	for (size_t i = 0; i < t->ntx; i++)
		txring_free(t->tx[i]);
	free(t->emap);
	free(t->rules);
	memset(t, 0, sizeof(*t));
}
