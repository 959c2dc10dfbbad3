/* The link codec: MCR_A_LINK, one interface a rule uses. */
#include "ctl.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <string.h>

#include "ctlattr.h"

#define LINK_STATE_MAX sizeof(((struct mcr_link_info *)0)->state)
#define LINK_ADDR_MAX  (sizeof(((struct mcr_link_info *)0)->addr) / sizeof(struct in_addr))

int mcr_ctl_put_link(struct nlmsghdr *nlh, size_t len, const struct mcr_link_info *l)
{
	uint32_t start = nlh->nlmsg_len;
	struct nlattr *n;
	unsigned naddr = l->naddr < LINK_ADDR_MAX ? l->naddr : (unsigned)LINK_ADDR_MAX;

	if (len > MCR_CTL_MSG_MAX)
		len = MCR_CTL_MSG_MAX;
	if (!(n = mnl_attr_nest_start_check(nlh, len, MCR_A_LINK)) ||
	    !ctl_put_str(nlh, len, MCR_LINK_NAME, l->name, sizeof(l->name)) ||
	    !mnl_attr_put_u32_check(nlh, len, MCR_LINK_IFINDEX, l->ifindex) ||
	    !ctl_put_str(nlh, len, MCR_LINK_STATE, l->state, sizeof(l->state)))
		goto full;
	for (unsigned i = 0; i < naddr; i++)
		if (!mnl_attr_put_u32_check(nlh, len, MCR_LINK_ADDR, l->addr[i].s_addr))
			goto full;
	for (unsigned i = 0; i < l->naddr6 && i < LINK_ADDR_MAX; i++)
		if (!mnl_attr_put_check(nlh, len, MCR_LINK_ADDR6, sizeof(l->addr6[i]), &l->addr6[i]))
			goto full;
	if (!mnl_attr_put_u32_check(nlh, len, MCR_LINK_RULES, l->rules))
		goto full;
	if (l->has_stats && (!mnl_attr_put_u64_check(nlh, len, MCR_LINK_FRAMES, l->frames) ||
			     !ctl_put_drops(nlh, len, MCR_LINK_DROPS, l->drops)))
		goto full;
	mnl_attr_nest_end(nlh, n);
	return 0;
full:
	nlh->nlmsg_len = start;
	return -EMSGSIZE;
}

/* ---- decoding ---- */

static const struct ctl_pol link_pol[MCR_LINK_MAX + 1] = {
	[MCR_LINK_NAME] = { MNL_TYPE_NUL_STRING, IFNAMSIZ, "name" },
	[MCR_LINK_IFINDEX] = { MNL_TYPE_U32, 0, "ifindex" },
	[MCR_LINK_STATE] = { MNL_TYPE_NUL_STRING, LINK_STATE_MAX, "state" },
	[MCR_LINK_ADDR] = { MNL_TYPE_U32, 0, "addr" },
	[MCR_LINK_RULES] = { MNL_TYPE_U32, 0, "rules" },
	[MCR_LINK_FRAMES] = { MNL_TYPE_U64, 0, "frames" },
	[MCR_LINK_DROPS] = { MNL_TYPE_NESTED, 0, "drops" },
	[MCR_LINK_ADDR6] = { MNL_TYPE_BINARY, 16, "addr6" },
};

int mcr_ctl_get_link(const struct nlattr *a, struct mcr_link_info *l, char *err, size_t errlen)
{
	const struct nlattr *tb[MCR_LINK_MAX + 1], *attr;
	int ret;

	memset(l, 0, sizeof(*l));
	if ((ret = ctl_check_object(a, MCR_A_LINK, "link", err, errlen)) ||
	    (ret = ctl_parse_nest(a, link_pol, MCR_LINK_MAX, tb, "link", err, errlen)))
		return ret;
	if (!tb[MCR_LINK_NAME])
		return ctl_fail(err, errlen, -EINVAL, "link: no name");
	if ((ret = ctl_get_dev(tb[MCR_LINK_NAME], l->name, "link", err, errlen)))
		return ret;
	if (tb[MCR_LINK_IFINDEX])
		l->ifindex = mnl_attr_get_u32(tb[MCR_LINK_IFINDEX]);
	if (tb[MCR_LINK_STATE])
		strcpy(l->state, mnl_attr_get_str(tb[MCR_LINK_STATE]));
	/* parse_nest validated every MCR_LINK_ADDR, not only the last. */
	mnl_attr_for_each_nested(attr, a) {
		uint16_t t = mnl_attr_get_type(attr);

		if (t != MCR_LINK_ADDR && t != MCR_LINK_ADDR6)
			continue;
		if ((t == MCR_LINK_ADDR ? l->naddr : l->naddr6) == LINK_ADDR_MAX)
			return ctl_fail(err, errlen, -EINVAL, "link: more than %zu %s addresses",
				    LINK_ADDR_MAX, t == MCR_LINK_ADDR ? "IPv4" : "IPv6");
		if (t == MCR_LINK_ADDR)
			l->addr[l->naddr++].s_addr = mnl_attr_get_u32(attr);
		else
			memcpy(&l->addr6[l->naddr6++], mnl_attr_get_payload(attr), 16);
	}
	if (tb[MCR_LINK_RULES])
		l->rules = mnl_attr_get_u32(tb[MCR_LINK_RULES]);
	l->has_stats = tb[MCR_LINK_FRAMES] || tb[MCR_LINK_DROPS];
	if (tb[MCR_LINK_FRAMES])
		l->frames = mnl_attr_get_u64(tb[MCR_LINK_FRAMES]);
	if (tb[MCR_LINK_DROPS])
		return ctl_get_drops(tb[MCR_LINK_DROPS], l->drops, "link drops", err, errlen);
	return 0;
}
