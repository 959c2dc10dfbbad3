/*
 * Demand-driven relaying in the plan (issue 18): an output with
 * listeners = true waits ("no listeners") while its link has no member of
 * its group, so its worker holds no socket for it and sends nothing; an
 * input with join = "demand" is detached (no socket, group left) while
 * no output of its rule wants the stream.  Who is a member is the
 * querier's (querier.c), asked through plan_config.wants; the plan is
 * reconciled when that changes.
 */
#include "plan.h"

#include "iface.h"

const char plan_no_listeners[] = "no listeners";

/*
 * The source the link's hosts see: with source keep the input's (any, for
 * an any-source input); otherwise the output's own address: IPv4 its
 * primary one; IPv6 its first address that is not link-local (the kernel
 * picks among several by RFC 6724, which is not redone here: with none,
 * or for a host filtering on another, any source is assumed).
 */
static struct mcr_addr seen_source(const struct plan_rule *rr, const struct plan_output *o,
				   const struct iface_info *ii)
{
	if (o->cfg->keep_source) /* never across families (mcr_rule_check) */
		return rr->cfg.in.source;
	if (o->cfg->group.family == AF_INET)
		return ii->naddr ? mcr_addr4(ii->addr[0]) : (struct mcr_addr){ .family = AF_UNSPEC };
	for (unsigned i = 0; i < ii->naddr6; i++)
		if (!IN6_IS_ADDR_LINKLOCAL(&ii->addr6[i]))
			return mcr_addr6(&ii->addr6[i]);
	return (struct mcr_addr){ .family = AF_UNSPEC };
}

bool plan_output_wanted(const struct plan_config *c, const struct plan_rule *rr,
			const struct plan_output *o, const struct iface_info *ii)
{
	if (!o->cfg->listeners || !c->wants)
		return true;
	return c->wants(c->wants_arg, ii->ifindex, o->cfg->group, seen_source(rr, o, ii));
}

bool plan_rule_wanted(const struct plan *p, const struct plan_rule *rr)
{
	for (unsigned i = 0; i < rr->cfg.nout; i++) {
		struct iface_info ii;

		if (!rr->out[i].cfg->listeners)
			return true;
		if (!iface_lookup(rr->out[i].cfg->dev, &ii) &&
		    plan_output_wanted(&p->c, rr, &rr->out[i], &ii))
			return true;
	}
	return false;
}
