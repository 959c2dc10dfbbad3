/*
 * The group codec (issue 18): MCR_A_GLINK, a listened link's querier
 * state and counters, then one top-level MCR_A_MGROUP per group, so that
 * no nest outgrows its 16-bit length however many groups a link has.
 */
#include "ctl.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <stdlib.h>
#include <string.h>

#include "ctlattr.h"
#include "igmp.h"
#include "mld.h"

_Static_assert(IGMP_R__MAX <= MCR_GLINK_REJECTS && MLD_R__MAX <= MCR_GLINK_REJECTS,
	       "reject counters fit");

#define GROUP_SZ (CTL_ATTR_SZ(0) + 2 * CTL_ATTR_SZ(16) + CTL_ATTR_SZ(4) + 2 * CTL_ATTR_SZ(1) + \
		  MCR_GROUP_SOURCES * (CTL_ATTR_SZ(16) + CTL_ATTR_SZ(4)))

size_t mcr_ctl_group_size(unsigned ngroups)
{
	return 1024 + (MCR_GC__MAX + MCR_GLINK_REJECTS) * CTL_ATTR_SZ(8) + ngroups * GROUP_SZ;
}

static bool put_u64s(struct nlmsghdr *nlh, size_t len, uint16_t type, const uint64_t *v,
		     unsigned n)
{
	struct nlattr *nest = mnl_attr_nest_start_check(nlh, len, type);

	if (!nest)
		return false;
	for (unsigned i = 1; i < n; i++)
		if (v[i] && !mnl_attr_put_u64_check(nlh, len, (uint16_t)i, v[i]))
			return false;
	mnl_attr_nest_end(nlh, nest);
	return true;
}

int mcr_ctl_put_glink(struct nlmsghdr *nlh, size_t len, const struct mcr_glink_info *l)
{
	struct nlattr *n = mnl_attr_nest_start_check(nlh, len, MCR_A_GLINK);

	if (!n || !ctl_put_str(nlh, len, MCR_GL_DEV, l->dev, sizeof(l->dev)) ||
	    !mnl_attr_put_u32_check(nlh, len, MCR_GL_IFINDEX, l->ifindex) ||
	    (l->family == AF_INET6 && !mnl_attr_put_u8_check(nlh, len, MCR_GL_FAMILY, l->family)) ||
	    !ctl_put_addr(nlh, len, MCR_GL_SELF, MCR_GL_SELF6, l->self) ||
	    !ctl_put_addr(nlh, len, MCR_GL_QUERIER, MCR_GL_QUERIER6, l->querier) ||
	    !mnl_attr_put_u8_check(nlh, len, MCR_GL_QUERIER_SELF, l->querier_self) ||
	    !mnl_attr_put_u32_check(nlh, len, MCR_GL_OTHER_MS, l->other_ms) ||
	    !mnl_attr_put_u8_check(nlh, len, MCR_GL_ROBUSTNESS, l->robustness) ||
	    !mnl_attr_put_u32_check(nlh, len, MCR_GL_QUERY_INTERVAL_MS, l->query_interval_ms) ||
	    !put_u64s(nlh, len, MCR_GL_COUNTERS, l->counters, MCR_GC__MAX) ||
	    !put_u64s(nlh, len, MCR_GL_REJECTS, l->rejects, IGMP_R__MAX))
		return -EMSGSIZE;
	mnl_attr_nest_end(nlh, n);
	return 0;
}

int mcr_ctl_put_group(struct nlmsghdr *nlh, size_t len, const struct mcr_group_info *g)
{
	struct nlattr *n = mnl_attr_nest_start_check(nlh, len, MCR_A_MGROUP);

	if (!n || !ctl_put_addr(nlh, len, MCR_GG_GROUP, MCR_GG_GROUP6, g->group) ||
	    !mnl_attr_put_u8_check(nlh, len, MCR_GG_EXCLUDE, g->exclude) ||
	    !mnl_attr_put_u8_check(nlh, len, MCR_GG_VERSION, g->version) ||
	    !mnl_attr_put_u32_check(nlh, len, MCR_GG_EXPIRES_MS, g->expires_ms) ||
	    !ctl_put_addr(nlh, len, MCR_GG_REPORTER, MCR_GG_REPORTER6, g->reporter))
		return -EMSGSIZE;
	for (unsigned i = 0; i < g->nsrc && i < MCR_GROUP_SOURCES; i++)
		if (!ctl_put_addr(nlh, len, MCR_GG_SOURCE, MCR_GG_SOURCE6, g->src[i]) ||
		    !mnl_attr_put_u32_check(nlh, len, MCR_GG_SOURCE_MS, g->src_ms[i]))
			return -EMSGSIZE;
	mnl_attr_nest_end(nlh, n);
	return 0;
}

/* ---- decoding ---- */

static const struct ctl_pol gl_pol[MCR_GL_MAX + 1] = {
	[MCR_GL_DEV] = { MNL_TYPE_NUL_STRING, IFNAMSIZ, "dev" },
	[MCR_GL_IFINDEX] = { MNL_TYPE_U32, 0, "ifindex" },
	[MCR_GL_SELF] = { MNL_TYPE_U32, 0, "self" },
	[MCR_GL_QUERIER] = { MNL_TYPE_U32, 0, "querier" },
	[MCR_GL_QUERIER_SELF] = { MNL_TYPE_U8, 0, "querier_self" },
	[MCR_GL_OTHER_MS] = { MNL_TYPE_U32, 0, "other_ms" },
	[MCR_GL_COUNTERS] = { MNL_TYPE_NESTED, 0, "counters" },
	[MCR_GL_REJECTS] = { MNL_TYPE_NESTED, 0, "rejects" },
	[MCR_GL_FAMILY] = { MNL_TYPE_U8, 0, "family" },
	[MCR_GL_SELF6] = { MNL_TYPE_BINARY, 16, "self" },
	[MCR_GL_QUERIER6] = { MNL_TYPE_BINARY, 16, "querier" },
	[MCR_GL_ROBUSTNESS] = { MNL_TYPE_U8, 0, "robustness" },
	[MCR_GL_QUERY_INTERVAL_MS] = { MNL_TYPE_U32, 0, "query_interval_ms" },
};

static const struct ctl_pol gg_pol[MCR_GG_MAX + 1] = {
	[MCR_GG_GROUP] = { MNL_TYPE_U32, 0, "group" },
	[MCR_GG_EXCLUDE] = { MNL_TYPE_U8, 0, "exclude" },
	[MCR_GG_VERSION] = { MNL_TYPE_U8, 0, "version" },
	[MCR_GG_EXPIRES_MS] = { MNL_TYPE_U32, 0, "expires_ms" },
	[MCR_GG_REPORTER] = { MNL_TYPE_U32, 0, "reporter" },
	[MCR_GG_SOURCE] = { MNL_TYPE_U32, 0, "source" },
	[MCR_GG_SOURCE_MS] = { MNL_TYPE_U32, 0, "source_ms" },
	[MCR_GG_GROUP6] = { MNL_TYPE_BINARY, 16, "group" },
	[MCR_GG_REPORTER6] = { MNL_TYPE_BINARY, 16, "reporter" },
	[MCR_GG_SOURCE6] = { MNL_TYPE_BINARY, 16, "source" },
};

static const struct ctl_pol u64_pol[MCR_GLINK_REJECTS] = {
	[1 ... MCR_GLINK_REJECTS - 1] = { MNL_TYPE_U64, 0, "counter" },
};

static int get_u64s(const struct nlattr *nest, uint64_t *v, unsigned n, char *err, size_t errlen)
{
	const struct nlattr *tb[MCR_GLINK_REJECTS];
	int ret = ctl_parse_nest(nest, u64_pol, n - 1, tb, "group link counters", err, errlen);

	for (unsigned i = 1; !ret && i < n; i++)
		v[i] = tb[i] ? mnl_attr_get_u64(tb[i]) : 0;
	return ret;
}

static uint32_t u32_or_0(const struct nlattr *a)
{
	return a ? mnl_attr_get_u32(a) : 0;
}

static int get_group(const struct nlattr *a, struct mcr_group_info *g, char *err, size_t errlen)
{
	const struct nlattr *tb[MCR_GG_MAX + 1], *attr;
	int ret = ctl_parse_nest(a, gg_pol, MCR_GG_MAX, tb, "group", err, errlen);

	if (ret)
		return ret;
	memset(g, 0, sizeof(*g));
	if ((ret = ctl_get_addr(tb[MCR_GG_GROUP], tb[MCR_GG_GROUP6], &g->group, "group", "address",
				err, errlen)) ||
	    (ret = ctl_get_addr(tb[MCR_GG_REPORTER], tb[MCR_GG_REPORTER6], &g->reporter, "group",
				"reporter", err, errlen)))
		return ret;
	if (!mcr_addr_set(g->group))
		return ctl_fail(err, errlen, -EINVAL, "group: no address");
	g->exclude = tb[MCR_GG_EXCLUDE] ? mnl_attr_get_u8(tb[MCR_GG_EXCLUDE]) : 0;
	g->version = tb[MCR_GG_VERSION] ? mnl_attr_get_u8(tb[MCR_GG_VERSION]) : 0;
	g->expires_ms = u32_or_0(tb[MCR_GG_EXPIRES_MS]);
	/* Sources and their timers in pairs, in order. */
	mnl_attr_for_each_nested(attr, a) {
		uint16_t t = mnl_attr_get_type(attr);

		if (t == MCR_GG_SOURCE || t == MCR_GG_SOURCE6) {
			if (g->nsrc == MCR_GROUP_SOURCES)
				return ctl_fail(err, errlen, -EINVAL, "group: more than %d sources",
						MCR_GROUP_SOURCES);
			/* policy-checked: a u32, or 16 bytes */
			g->src[g->nsrc++] = t == MCR_GG_SOURCE ?
				mcr_addr4((struct in_addr){ mnl_attr_get_u32(attr) }) :
				mcr_addr6(mnl_attr_get_payload(attr));
		} else if (t == MCR_GG_SOURCE_MS && g->nsrc) {
			g->src_ms[g->nsrc - 1] = mnl_attr_get_u32(attr);
		}
	}
	return 0;
}

static int get_head(const struct nlattr *a, struct mcr_glink_info *l, char *err, size_t errlen)
{
	const struct nlattr *tb[MCR_GL_MAX + 1];
	int ret;

	if ((ret = ctl_check_object(a, MCR_A_GLINK, "group link", err, errlen)) ||
	    (ret = ctl_parse_nest(a, gl_pol, MCR_GL_MAX, tb, "group link", err, errlen)))
		return ret;
	if (!tb[MCR_GL_DEV])
		return ctl_fail(err, errlen, -EINVAL, "group link: no dev");
	if ((ret = ctl_get_dev(tb[MCR_GL_DEV], l->dev, "group link", err, errlen)))
		return ret;
	l->ifindex = u32_or_0(tb[MCR_GL_IFINDEX]);
	l->family = tb[MCR_GL_FAMILY] ? mnl_attr_get_u8(tb[MCR_GL_FAMILY]) : AF_INET;
	if (l->family != AF_INET && l->family != AF_INET6)
		return ctl_fail(err, errlen, -EINVAL, "group link: family %u unknown", l->family);
	if ((ret = ctl_get_addr(tb[MCR_GL_SELF], tb[MCR_GL_SELF6], &l->self, "group link", "self",
				err, errlen)) ||
	    (ret = ctl_get_addr(tb[MCR_GL_QUERIER], tb[MCR_GL_QUERIER6], &l->querier, "group link",
				"querier", err, errlen)))
		return ret;
	l->querier_self = tb[MCR_GL_QUERIER_SELF] ? mnl_attr_get_u8(tb[MCR_GL_QUERIER_SELF]) : 0;
	l->other_ms = u32_or_0(tb[MCR_GL_OTHER_MS]);
	l->robustness = tb[MCR_GL_ROBUSTNESS] ? mnl_attr_get_u8(tb[MCR_GL_ROBUSTNESS]) : 0;
	l->query_interval_ms = u32_or_0(tb[MCR_GL_QUERY_INTERVAL_MS]);
	if (tb[MCR_GL_COUNTERS] &&
	    (ret = get_u64s(tb[MCR_GL_COUNTERS], l->counters, MCR_GC__MAX, err, errlen)))
		return ret;
	if (tb[MCR_GL_REJECTS])
		return get_u64s(tb[MCR_GL_REJECTS], l->rejects, IGMP_R__MAX, err, errlen);
	return 0;
}

int mcr_ctl_get_glink(const struct nlmsghdr *nlh, struct mcr_glink_info *l, char *err,
		      size_t errlen)
{
	const struct nlattr *attr;
	unsigned n = 0;
	int ret;

	memset(l, 0, sizeof(*l));
	if ((ret = get_head(mcr_ctl_attr(nlh, MCR_A_GLINK), l, err, errlen)))
		return ret;
	mnl_attr_for_each(attr, nlh, MCR_CTLHDR_LEN)
		n += mnl_attr_get_type(attr) == MCR_A_MGROUP;
	if (n && !(l->groups = calloc(n, sizeof(*l->groups))))
		return -ENOMEM;
	mnl_attr_for_each(attr, nlh, MCR_CTLHDR_LEN) {
		if (mnl_attr_get_type(attr) != MCR_A_MGROUP)
			continue;
		if ((ret = ctl_check_object(attr, MCR_A_MGROUP, "group", err, errlen)) ||
		    (ret = get_group(attr, &l->groups[l->ngroups], err, errlen))) {
			free(l->groups);
			l->groups = NULL;
			l->ngroups = 0;
			return ret;
		}
		l->ngroups++;
	}
	return 0;
}
