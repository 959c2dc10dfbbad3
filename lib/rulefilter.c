/* The "rule show" filter: its wire form and its match (rulefilter.h). */
#include "rulefilter.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <string.h>

#include "addr.h"
#include "ctl.h"
#include "ctlattr.h"
#include "esc.h"

int mcr_ctl_put_filter(struct nlmsghdr *nlh, size_t len, const struct mcr_rule_filter *f)
{
	uint32_t start = nlh->nlmsg_len;

	if ((f->name[0] && !ctl_put_str(nlh, len, MCR_A_FILTER_NAME, f->name, sizeof(f->name))) ||
	    (f->dev[0] && !ctl_put_str(nlh, len, MCR_A_FILTER_DEV, f->dev, sizeof(f->dev))) ||
	    (f->has_group &&
	     !ctl_put_addr(nlh, len, MCR_A_FILTER_GROUP, MCR_A_FILTER_GROUP6, f->group)) ||
	    (f->has_origin && !mnl_attr_put_u8_check(nlh, len, MCR_A_FILTER_ORIGIN, f->origin))) {
		nlh->nlmsg_len = start;
		return -EMSGSIZE;
	}
	return 0;
}

int mcr_ctl_get_filter(const struct nlmsghdr *nlh, struct mcr_rule_filter *f, char *err,
		       size_t errlen)
{
	const struct nlattr *a;

	memset(f, 0, sizeof(*f));
	/* The message check validated type, length and string bounds. */
	if ((a = mcr_ctl_attr(nlh, MCR_A_FILTER_NAME)))
		strcpy(f->name, mnl_attr_get_str(a));
	if ((a = mcr_ctl_attr(nlh, MCR_A_FILTER_DEV))) {
		char e[MCR_ESC_NAME];

		if (!mcr_ifname_valid(mnl_attr_get_str(a)))
			return ctl_fail(err, errlen, -EINVAL,
					"dev filter \"%s\" is not a valid interface name",
					mcr_esc(mnl_attr_get_str(a), e, sizeof(e)));
		strcpy(f->dev, mnl_attr_get_str(a));
	}
	if (ctl_get_addr(mcr_ctl_attr(nlh, MCR_A_FILTER_GROUP), mcr_ctl_attr(nlh, MCR_A_FILTER_GROUP6),
			 &f->group, "rule filter", "group", err, errlen))
		return -EINVAL;
	f->has_group = mcr_addr_set(f->group);
	if ((a = mcr_ctl_attr(nlh, MCR_A_FILTER_ORIGIN))) {
		f->origin = mnl_attr_get_u8(a);
		if (f->origin != MCR_ORIGIN_CONFIG && f->origin != MCR_ORIGIN_RUNTIME)
			return ctl_fail(err, errlen, -EINVAL, "origin filter %u is not config (0) "
					"or runtime (1)", f->origin);
		f->has_origin = true;
	}
	return 0;
}

bool mcr_rule_filter_match(const struct mcr_rule_filter *f, const struct mcr_rule *r)
{
	bool dev = !f->dev[0], group = !f->has_group;

	if ((f->name[0] && strcmp(f->name, r->name)) || (f->has_origin && f->origin != r->origin))
		return false;
	for (unsigned i = 0; i < mcr_rule_ninputs(r) && i < MCR_MAX_INPUTS; i++) {
		dev = dev || !strcmp(mcr_rule_input(r, i)->dev, f->dev);
		group = group || mcr_addr_equal(mcr_rule_input(r, i)->group, f->group);
	}
	for (unsigned i = 0; i < r->nout && !(dev && group); i++) {
		dev = dev || !strcmp(r->out[i].dev, f->dev);
		group = group || mcr_addr_equal(r->out[i].group, f->group);
	}
	return dev && group;
}
