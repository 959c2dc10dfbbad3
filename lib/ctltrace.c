/* The trace codec (MCR_A_TRACE) and the records it carries (tracerec.h). */
#include "ctl.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <string.h>

#include "ctlattr.h"
#include "esc.h"
#include "tracerec.h"

int mcr_ctl_put_trace(struct nlmsghdr *nlh, size_t len, const struct mcr_trace_info *t)
{
	uint32_t start = nlh->nlmsg_len;
	struct nlattr *n;

	if (len > MCR_CTL_MSG_MAX)
		len = MCR_CTL_MSG_MAX;
	if (!(n = mnl_attr_nest_start_check(nlh, len, MCR_A_TRACE)) ||
	    (t->name[0] && !ctl_put_str(nlh, len, MCR_TRACE_NAME, t->name, sizeof(t->name))) ||
	    (t->id && !mnl_attr_put_u32_check(nlh, len, MCR_TRACE_ID, t->id)) ||
	    (t->count && !mnl_attr_put_u32_check(nlh, len, MCR_TRACE_COUNT, t->count)) ||
	    (t->bytes && !mnl_attr_put_u32_check(nlh, len, MCR_TRACE_BYTES, t->bytes)) ||
	    (t->flags && !mnl_attr_put_u32_check(nlh, len, MCR_TRACE_FLAGS, t->flags)) ||
	    !mnl_attr_put_u32_check(nlh, len, MCR_TRACE_FRAMES, t->frames) ||
	    !mnl_attr_put_u8_check(nlh, len, MCR_TRACE_ENDED, t->ended) ||
	    (t->reason[0] && !ctl_put_str(nlh, len, MCR_TRACE_REASON, t->reason, sizeof(t->reason)))) {
		nlh->nlmsg_len = start;
		return -EMSGSIZE;
	}
	mnl_attr_nest_end(nlh, n);
	return 0;
}

static const struct ctl_pol trace_pol[MCR_TRACE_MAX + 1] = {
	[MCR_TRACE_NAME] = { MNL_TYPE_NUL_STRING, MCR_NAME_MAX, "name" },
	[MCR_TRACE_ID] = { MNL_TYPE_U32, 0, "id" },
	[MCR_TRACE_COUNT] = { MNL_TYPE_U32, 0, "count" },
	[MCR_TRACE_BYTES] = { MNL_TYPE_U32, 0, "bytes" },
	[MCR_TRACE_FLAGS] = { MNL_TYPE_U32, 0, "flags" },
	[MCR_TRACE_FRAMES] = { MNL_TYPE_U32, 0, "frames" },
	[MCR_TRACE_ENDED] = { MNL_TYPE_U8, 0, "ended" },
	[MCR_TRACE_REASON] = { MNL_TYPE_NUL_STRING, 96, "reason" },
};

int mcr_ctl_get_trace(const struct nlmsghdr *nlh, struct mcr_trace_info *t, char *err,
		      size_t errlen)
{
	const struct nlattr *tb[MCR_TRACE_MAX + 1], *a = mcr_ctl_attr(nlh, MCR_A_TRACE);
	uint32_t *u32[MCR_TRACE_MAX + 1] = {
		[MCR_TRACE_ID] = &t->id, [MCR_TRACE_COUNT] = &t->count,
		[MCR_TRACE_BYTES] = &t->bytes, [MCR_TRACE_FLAGS] = &t->flags,
		[MCR_TRACE_FRAMES] = &t->frames,
	};
	int ret;

	memset(t, 0, sizeof(*t));
	if ((ret = ctl_check_object(a, MCR_A_TRACE, "trace", err, errlen)) ||
	    (ret = ctl_parse_nest(a, trace_pol, MCR_TRACE_MAX, tb, "trace", err, errlen)))
		return ret;
	for (unsigned k = 1; k <= MCR_TRACE_MAX; k++)
		if (tb[k] && u32[k])
			*u32[k] = mnl_attr_get_u32(tb[k]);
	if (tb[MCR_TRACE_NAME])
		strcpy(t->name, mnl_attr_get_str(tb[MCR_TRACE_NAME])); /* bounded by the policy */
	if (tb[MCR_TRACE_REASON])
		strcpy(t->reason, mnl_attr_get_str(tb[MCR_TRACE_REASON]));
	if (tb[MCR_TRACE_ENDED])
		t->ended = mnl_attr_get_u8(tb[MCR_TRACE_ENDED]) != 0;
	if (t->name[0] && !mcr_rule_name_valid(t->name))
		return ctl_fail(err, errlen, -EINVAL, "trace: \"%s\" is not a valid rule name",
				mcr_esc_name(t->name));
	return 0;
}

int mcr_trace_next(const uint8_t *data, size_t len, size_t *off, const struct mcr_trace_rec **out)
{
	const struct mcr_trace_rec *r;

	if (*off == len)
		return 0;
	if (*off > len || len - *off < sizeof(*r) || *off % 8)
		return -EINVAL;
	r = (const struct mcr_trace_rec *)(const void *)(data + *off);
	if (r->len % 8 || r->len < sizeof(*r) || r->len > len - *off ||
	    r->caplen > r->len - sizeof(*r) || r->caplen > r->wirelen ||
	    (r->kind != MCR_TRACE_RX && r->kind != MCR_TRACE_OUT))
		return -EINVAL;
	*off += r->len;
	*out = r;
	return 1;
}
