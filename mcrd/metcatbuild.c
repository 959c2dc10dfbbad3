/* The metrics catalog as the parent builds it from its plan and pool (metcat.h). */
#include "metcat.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "plan.h"
#include "pool.h"
#include "querier.h"

/* FNV-1a over the fields the catalog takes from the plan and the pool. */
static uint64_t mix(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

#define MIX(h, v) ((h) = mix((h), &(v), sizeof(v)))

static uint64_t mix_rule(uint64_t h, const struct plan_rule *rr)
{
	h = mix(h, rr->cfg.name, strlen(rr->cfg.name) + 1);
	MIX(h, rr->cfg.in);
	MIX(h, rr->cfg.origin);
	MIX(h, rr->pending);
	MIX(h, rr->attached);
	MIX(h, rr->worker);
	MIX(h, rr->nworkers);
	MIX(h, rr->st_slot);
	MIX(h, rr->cfg.nout);
	MIX(h, rr->cfg.nmore);
	MIX(h, rr->cfg.more);
	MIX(h, rr->cfg.red.mode);
	MIX(h, rr->rst_slot);
	for (unsigned k = 0; rr->rst && k < mcr_rule_ninputs(&rr->cfg); k++) {
		bool active = !rr->in[k].pending;

		MIX(h, active);
	}
	for (unsigned k = 0; k < rr->cfg.nout; k++) {
		const struct plan_output *o = &rr->out[k];
		bool up = o->fd >= 0, l2 = o->txfd >= 0;

		MIX(h, *o->cfg);
		MIX(h, up);
		MIX(h, l2);
		MIX(h, o->st_slot);
		MIX(h, o->worker);
	}
	return h;
}

uint64_t metcat_fingerprint(const struct plan *p, const struct pool *pool,
			    const struct querier *q)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < plan_nrules(p); i++)
		h = mix_rule(h, plan_rule(p, i));
	for (size_t i = 0; i < plan_input_slots(p); i++) {
		const struct plan_input *in = plan_input(p, i);

		MIX(h, i);
		if (in)
			h = mix(h, in, sizeof(*in));
	}
	for (unsigned w = 0; w < pool_size(pool); w++) {
		struct pool_worker_info wi;

		pool_info(pool, w, &wi);
		MIX(h, wi.pid);
		MIX(h, wi.restarts);
	}
	for (unsigned i = 0; i < querier_nlinks(q); i++) {
		struct metcat_qlink ql;

		memset(&ql, 0, sizeof(ql)); /* padding too: it is hashed */
		querier_slot(q, i, ql.dev, &ql.family, &ql.slot);
		MIX(h, ql);
	}
	return h;
}

struct sizes {
	size_t nrules, nouts, nlinks, nworkers, nqlinks, nins, bytes;
};

/* The inputs the catalog lists of rr: all of them when it has several (and their counters). */
static unsigned cat_inputs(const struct plan_rule *rr)
{
	return rr->rst ? mcr_rule_ninputs(&rr->cfg) : 0;
}

static void count(const struct plan *p, const struct pool *pool, const struct querier *q,
		  struct sizes *s)
{
	memset(s, 0, sizeof(*s));
	s->nrules = plan_nrules(p);
	for (size_t i = 0; i < s->nrules; i++) {
		s->nouts += plan_rule(p, i)->cfg.nout;
		s->nins += cat_inputs(plan_rule(p, i));
	}
	for (size_t i = 0; i < plan_input_slots(p); i++)
		s->nlinks += plan_input(p, i) ? plan_nworkers(p) : 0;
	s->nworkers = pool_size(pool);
	s->nqlinks = querier_nlinks(q);
	s->bytes = sizeof(struct metcat_hdr) + s->nrules * sizeof(struct metcat_rule) +
		   s->nouts * sizeof(struct metcat_out) + s->nlinks * sizeof(struct metcat_link) +
		   s->nworkers * sizeof(struct metcat_worker) +
		   s->nqlinks * sizeof(struct metcat_qlink) + s->nins * sizeof(struct metcat_in);
}

static void put_inputs(const struct plan_rule *rr, struct metcat_rule *r, struct metcat_in *in,
		       uint32_t first)
{
	r->first_in = first;
	r->nin = cat_inputs(rr);
	r->rslot = rr->rst ? rr->rst_slot : UINT32_MAX;
	r->mode = rr->cfg.red.mode;
	for (unsigned k = 0; k < r->nin; k++) {
		const struct mcr_input *ci = mcr_rule_input(&rr->cfg, k);

		snprintf(in[k].dev, sizeof(in[k].dev), "%s", ci->dev);
		in[k].group = ci->group;
		in[k].source = ci->source;
		in[k].port = ci->port;
		in[k].active = !rr->in[k].pending;
	}
}

static void put_rule(const struct plan_rule *rr, struct metcat_rule *r, struct metcat_out *o,
		     uint32_t first)
{
	snprintf(r->name, sizeof(r->name), "%s", rr->cfg.name);
	snprintf(r->dev, sizeof(r->dev), "%s", rr->cfg.in.dev);
	r->group = rr->cfg.in.group;
	r->source = rr->cfg.in.source;
	r->port = rr->cfg.in.port;
	r->flags = (rr->pending ? 0 : METCAT_R_ACTIVE) | (rr->attached ? METCAT_R_ATTACHED : 0);
	r->origin = (uint8_t)rr->cfg.origin;
	r->worker = rr->worker;
	r->slot = rr->st_slot;
	r->first_out = first;
	r->nout = rr->cfg.nout;
	r->nworkers = rr->nworkers;
	for (unsigned k = 0; k < rr->cfg.nout; k++) {
		const struct plan_output *po = &rr->out[k];

		snprintf(o[k].dev, sizeof(o[k].dev), "%s", po->cfg->dev);
		o[k].group = po->cfg->group;
		o[k].port = po->cfg->port;
		o[k].up = po->fd >= 0;
		o[k].layer2 = po->txfd >= 0;
		o[k].slot = po->st_slot;
		o[k].worker = po->worker;
	}
}

static void fill(const struct plan *p, const struct pool *pool, const struct querier *q,
		 const struct metcat_status *st, const struct sizes *s, uint8_t *buf)
{
	struct metcat_hdr *h = (struct metcat_hdr *)(void *)buf;
	struct metcat_rule *r = (struct metcat_rule *)(h + 1);
	struct metcat_out *o = (struct metcat_out *)(r + s->nrules);
	struct metcat_link *l = (struct metcat_link *)(o + s->nouts);
	struct metcat_worker *w = (struct metcat_worker *)(l + s->nlinks);
	struct metcat_qlink *ql = (struct metcat_qlink *)(w + s->nworkers);
	struct metcat_in *ins = (struct metcat_in *)(ql + s->nqlinks);
	uint32_t first = 0, first_in = 0;

	*h = (struct metcat_hdr){ METCAT_MAGIC, METCAT_VERSION, (uint32_t)s->nrules,
				  (uint32_t)s->nouts, (uint32_t)s->nlinks, (uint32_t)s->nworkers, *st,
				  (uint32_t)s->nqlinks, (uint32_t)s->nins };
	for (size_t i = 0; i < s->nrules; i++) {
		const struct plan_rule *rr = plan_rule(p, i);

		put_rule(rr, &r[i], o + first, first);
		put_inputs(rr, &r[i], ins + first_in, first_in);
		first += rr->cfg.nout;
		first_in += r[i].nin;
	}
	for (size_t i = 0; i < plan_input_slots(p); i++) {
		const struct plan_input *in = plan_input(p, i);

		for (unsigned k = 0; in && k < plan_nworkers(p); k++, l++) {
			snprintf(l->dev, sizeof(l->dev), "%s", in->dev);
			l->worker = k;
			l->slot = in->wst_slot[k];
			l->open = in->wfd[k] >= 0;
		}
	}
	for (unsigned k = 0; k < s->nworkers; k++) {
		struct pool_worker_info wi;

		pool_info(pool, k, &wi);
		w[k] = (struct metcat_worker){ (int32_t)wi.pid, wi.restarts };
	}
	for (unsigned k = 0; k < s->nqlinks; k++)
		querier_slot(q, k, ql[k].dev, &ql[k].family, &ql[k].slot);
}

static int write_all(int fd, const uint8_t *b, size_t n)
{
	while (n) {
		ssize_t k = write(fd, b, n);

		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -errno;
		b += k;
		n -= (size_t)k;
	}
	return 0;
}

int metcat_build(const struct plan *p, const struct pool *pool, const struct querier *q,
		 const struct metcat_status *st, int *out)
{
	struct sizes s;
	uint8_t *buf;
	int fd, err;

	count(p, pool, q, &s);
	if (!(buf = calloc(1, s.bytes)))
		return -ENOMEM;
	fill(p, pool, q, st, &s, buf);
	fd = memfd_create("mcrd-metrics-catalog", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	err = fd < 0 ? -errno : write_all(fd, buf, s.bytes);
	/* Sealed: the reader may trust that what it checked stays as it was. */
	if (!err && fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL))
		err = -errno;
	free(buf);
	if (err && fd >= 0)
		close(fd);
	if (!err)
		*out = fd;
	return err;
}
