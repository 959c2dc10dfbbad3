/* Interfaces as the control protocol shows them, and their changes for monitors. */
#include "links.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iface.h"

size_t links_names(const struct plan *p, char (*names)[IFNAMSIZ], size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < plan_nrules(p); i++) {
		const struct mcr_rule *cfg = &plan_rule(p, i)->cfg;

		for (int k = -(int)mcr_rule_ninputs(cfg); k < (int)cfg->nout; k++) {
			const char *dev = k < 0 ? mcr_rule_input(cfg, (unsigned)-k - 1)->dev
					       : cfg->out[k].dev;
			size_t j;

			for (j = 0; j < n && strcmp(names[j], dev); j++)
				;
			if (j == n && n < max)
				snprintf(names[n++], IFNAMSIZ, "%s", dev);
		}
	}
	return n;
}

static unsigned rules_using(const struct plan *p, const char *dev)
{
	unsigned n = 0;

	for (size_t i = 0; i < plan_nrules(p); i++) {
		const struct mcr_rule *cfg = &plan_rule(p, i)->cfg;
		bool uses = false;

		for (unsigned k = 0; k < mcr_rule_ninputs(cfg) && !uses; k++)
			uses = !strcmp(mcr_rule_input(cfg, k)->dev, dev);
		for (unsigned k = 0; k < cfg->nout && !uses; k++)
			uses = !strcmp(cfg->out[k].dev, dev);
		n += uses;
	}
	return n;
}

void links_fill(const struct plan *p, const char *dev, bool stats, struct mcr_link_info *l)
{
	struct iface_info ii;

	memset(l, 0, sizeof(*l));
	snprintf(l->name, sizeof(l->name), "%s", dev);
	if (iface_lookup(dev, &ii)) {
		snprintf(l->state, sizeof(l->state), "absent");
	} else {
		l->ifindex = (uint32_t)ii.ifindex;
		snprintf(l->state, sizeof(l->state), "%s", (ii.flags & IFF_UP) ? "up" : "down");
		for (unsigned i = 0; i < ii.naddr && l->naddr < 8; i++)
			l->addr[l->naddr++] = ii.addr[i];
		for (unsigned i = 0; i < ii.naddr6 && l->naddr6 < 8; i++)
			l->addr6[l->naddr6++] = ii.addr6[i];
	}
	l->rules = rules_using(p, dev);
	l->has_stats = stats;
	if (stats) {
		struct link_stats ls;

		plan_link_stats(p, dev, &ls);
		l->frames = ls.frames;
		memcpy(l->drops, ls.drops, sizeof(l->drops));
	}
}

static bool link_same(const struct mcr_link_info *s, const struct mcr_link_info *l)
{
	return s->ifindex == l->ifindex && !strcmp(s->state, l->state) && s->naddr == l->naddr &&
	       !memcmp(s->addr, l->addr, l->naddr * sizeof(l->addr[0])) &&
	       s->naddr6 == l->naddr6 && !memcmp(s->addr6, l->addr6, l->naddr6 * sizeof(l->addr6[0]));
}

static const struct mcr_link_info *seen_find(const struct links *lk, const char *name)
{
	for (size_t i = 0; i < lk->nseen; i++)
		if (!strcmp(lk->seen[i].name, name))
			return &lk->seen[i];
	return NULL;
}

int links_update(struct links *lk, const struct plan *p,
		 void (*announce)(void *arg, const struct mcr_link_info *l), void *arg)
{
	static char names[LINKS_MAX][IFNAMSIZ];
	size_t n = links_names(p, names, LINKS_MAX);
	struct mcr_link_info *next = calloc(n ? n : 1, sizeof(*next));

	if (!next)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct mcr_link_info *old = seen_find(lk, names[i]);

		links_fill(p, names[i], false, &next[i]);
		if (announce && (!old || !link_same(old, &next[i])))
			announce(arg, &next[i]);
	}
	free(lk->seen);
	lk->seen = next;
	lk->nseen = n;
	return 0;
}

void links_free(struct links *lk)
{
	free(lk->seen);
	lk->seen = NULL;
	lk->nseen = 0;
}
