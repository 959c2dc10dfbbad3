/* The metrics catalog as the metrics process reads it: checked before use (metcat.h). */
#include "metcat.h"

#include <errno.h>
#include <sys/socket.h>
#include <string.h>

#include "config.h"
#include "counters.h"

static bool terminated(const char *s, size_t n)
{
	return memchr(s, 0, n) != NULL;
}

/* One input, or several with their counters and a run of ins in range. */
static bool inputs_ok(const struct metcat_hdr *h, const struct metcat_rule *r)
{
	return !r->nin || (r->nin >= 2 && r->nin <= MCR_MAX_INPUTS && r->rslot < CNT_REDUND &&
			   r->first_in <= h->nins && r->nin <= h->nins - r->first_in);
}

static int check_records(const struct metcat *c)
{
	const struct metcat_hdr *h = c->hdr;

	for (uint32_t i = 0; i < h->nrules; i++) {
		const struct metcat_rule *r = &c->rule[i];

		if (!terminated(r->name, sizeof(r->name)) || !terminated(r->dev, sizeof(r->dev)) ||
		    r->slot >= CNT_RULES || r->first_out > h->nouts || r->nout > h->nouts - r->first_out ||
		    r->nworkers > h->nworkers || !inputs_ok(h, r))
			return -EINVAL;
	}
	for (uint32_t i = 0; i < h->nouts; i++)
		if (!terminated(c->out[i].dev, sizeof(c->out[i].dev)) || c->out[i].slot >= CNT_OUTS ||
		    c->out[i].worker >= h->nworkers)
			return -EINVAL;
	for (uint32_t i = 0; i < h->nlinks; i++)
		if (!terminated(c->link[i].dev, sizeof(c->link[i].dev)) ||
		    c->link[i].slot >= CNT_LINKS || c->link[i].worker >= h->nworkers)
			return -EINVAL;
	for (uint32_t i = 0; i < h->nqlinks; i++)
		if (!terminated(c->qlink[i].dev, sizeof(c->qlink[i].dev)) ||
		    c->qlink[i].slot >= CNT_QLINKS ||
		    (c->qlink[i].family != AF_INET && c->qlink[i].family != AF_INET6))
			return -EINVAL;
	for (uint32_t i = 0; i < h->nins; i++)
		if (!terminated(c->in[i].dev, sizeof(c->in[i].dev)))
			return -EINVAL;
	return 0;
}

int metcat_check(const void *map, size_t len, struct metcat *c)
{
	const struct metcat_hdr *h = map;
	size_t need;

	if (!map || len < sizeof(*h) || h->magic != METCAT_MAGIC || h->version != METCAT_VERSION ||
	    h->nrules > CNT_RULES || h->nouts > CNT_OUTS || h->nlinks > CNT_LINKS ||
	    h->nworkers > MCR_MAX_WORKERS || h->nqlinks > CNT_QLINKS ||
	    h->nins > CNT_REDUND * MCR_MAX_INPUTS)
		return -EINVAL;
	need = sizeof(*h) + h->nrules * sizeof(struct metcat_rule) +
	       h->nouts * sizeof(struct metcat_out) + h->nlinks * sizeof(struct metcat_link) +
	       h->nworkers * sizeof(struct metcat_worker) + h->nqlinks * sizeof(struct metcat_qlink) +
	       h->nins * sizeof(struct metcat_in);
	if (len != need)
		return -EINVAL;
	c->hdr = h;
	c->rule = (const struct metcat_rule *)(h + 1);
	c->out = (const struct metcat_out *)(c->rule + h->nrules);
	c->link = (const struct metcat_link *)(c->out + h->nouts);
	c->worker = (const struct metcat_worker *)(c->link + h->nlinks);
	c->qlink = (const struct metcat_qlink *)(c->worker + h->nworkers);
	c->in = (const struct metcat_in *)(c->qlink + h->nqlinks);
	return check_records(c);
}
