/*
 * The control protocol's messages (see ctl.h): headers, the whole-message
 * check every receiver runs first, and DONE.  The object codecs are in
 * ctlrule.c, ctllink.c and ctlworker.c; attribute primitives in ctlattr.c.
 */
#include "ctl.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <string.h>

#include "ctlattr.h"

/* The longest MCR_A_MSG written, with its NUL; longer ones are cut. */
#define CTL_STR_MAX 4096u

/* ---- names ---- */

const char *mcr_state_name(unsigned state)
{
	switch (state) {
	case MCR_STATE_PENDING: return "pending";
	case MCR_STATE_ACTIVE: return "active";
	}
	return "unknown";
}

const char *mcr_origin_name(unsigned origin)
{
	switch (origin) {
	case MCR_ORIGIN_CONFIG: return "config";
	case MCR_ORIGIN_RUNTIME: return "runtime";
	}
	return "unknown";
}

const char *mcr_event_name(unsigned event)
{
	switch (event) {
	case MCR_EV_RULE_ADDED: return "rule-added";
	case MCR_EV_RULE_REMOVED: return "rule-removed";
	case MCR_EV_RULE_ACTIVE: return "rule-active";
	case MCR_EV_RULE_PENDING: return "rule-pending";
	case MCR_EV_LINK: return "link";
	case MCR_EV_RELOAD: return "reload";
	case MCR_EV_RULE_SWITCH: return "rule-switch";
	case MCR_EV_MEMBER_JOIN: return "member-join";
	case MCR_EV_MEMBER_LEAVE: return "member-leave";
	}
	return "unknown";
}

/* ---- messages ---- */

struct nlmsghdr *mcr_ctl_msg_start(void *buf, size_t len, uint16_t type, uint32_t seq,
				   uint8_t flags)
{
	struct nlmsghdr *nlh;
	struct mcr_ctlhdr *h;

	if (!buf || len < MNL_ALIGN(NLMSG_HDRLEN) + MNL_ALIGN(MCR_CTLHDR_LEN))
		return NULL;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = type < MCR_MSG_RULE ? NLM_F_REQUEST : 0;
	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = 0;
	h = mnl_nlmsg_put_extra_header(nlh, MCR_CTLHDR_LEN);
	h->version = MCR_CTL_VERSION;
	h->flags = flags;
	h->reserved = 0;
	return nlh;
}

int mcr_ctl_put_done(struct nlmsghdr *nlh, size_t len, int status, const char *const *msgs,
		     size_t n)
{
	uint32_t start = nlh->nlmsg_len;

	if (len > MCR_CTL_MSG_MAX)
		len = MCR_CTL_MSG_MAX;
	if (!mnl_attr_put_u32_check(nlh, len, MCR_A_STATUS, (uint32_t)status))
		goto full;
	for (size_t i = 0; i < n; i++)
		if (msgs[i] && !ctl_put_str(nlh, len, MCR_A_MSG, msgs[i], CTL_STR_MAX))
			goto full;
	return 0;
full:
	nlh->nlmsg_len = start;
	return -EMSGSIZE;
}

/* ---- checking a received message ---- */

static const struct ctl_pol top_pol[MCR_A_MAX + 1] = {
	[MCR_A_RULE] = { MNL_TYPE_NESTED, 0, "rule" },
	[MCR_A_LINK] = { MNL_TYPE_NESTED, 0, "link" },
	[MCR_A_WORKER] = { MNL_TYPE_NESTED, 0, "worker" },
	[MCR_A_STATUS] = { MNL_TYPE_U32, 0, "status" },
	[MCR_A_MSG] = { MNL_TYPE_NUL_STRING, 0, "message" },
	[MCR_A_FILTER_NAME] = { MNL_TYPE_NUL_STRING, MCR_NAME_MAX, "name filter" },
	[MCR_A_FILTER_DEV] = { MNL_TYPE_NUL_STRING, IFNAMSIZ, "dev filter" },
	[MCR_A_FILTER_GROUP] = { MNL_TYPE_U32, 0, "group filter" },
	[MCR_A_EVENT] = { MNL_TYPE_U32, 0, "event" },
	[MCR_A_OUT] = { MNL_TYPE_NESTED, 0, "rule output" },
	[MCR_A_FILTER_ORIGIN] = { MNL_TYPE_U8, 0, "origin filter" },
	[MCR_A_TRACE] = { MNL_TYPE_NESTED, 0, "trace" },
	[MCR_A_TRACE_DATA] = { MNL_TYPE_BINARY, 0, "trace records" },
	[MCR_A_GLINK] = { MNL_TYPE_NESTED, 0, "group link" },
	[MCR_A_MGROUP] = { MNL_TYPE_NESTED, 0, "group" },
	[MCR_A_FILTER_GROUP6] = { MNL_TYPE_BINARY, 16, "group filter" },
};

struct check_ctx {
	char *err;
	size_t errlen;
	bool rule;        /* an MCR_A_RULE was seen */
};

/* Outputs belong to the one rule before them. */
static int check_cb(const struct nlattr *a, void *data)
{
	struct check_ctx *c = data;
	uint16_t t = mnl_attr_get_type(a);

	if (ctl_attr_check(a, top_pol, MCR_A_MAX, "message", c->err, c->errlen) < 0)
		return MNL_CB_ERROR;
	if (t == MCR_A_OUT && !c->rule) {
		ctl_fail(c->err, c->errlen, -1, "message: rule output without a rule before it");
		return MNL_CB_ERROR;
	}
	if (t == MCR_A_RULE && c->rule) {
		ctl_fail(c->err, c->errlen, -1, "message: more than one rule");
		return MNL_CB_ERROR;
	}
	c->rule = c->rule || t == MCR_A_RULE;
	return MNL_CB_OK;
}

int mcr_ctl_msg_check(const void *buf, size_t len, char *err, size_t errlen)
{
	const struct nlmsghdr *nlh = buf;
	const struct mcr_ctlhdr *h;
	const struct nlattr *attr;
	struct check_ctx c = { err, errlen, false };
	ptrdiff_t rest;

	if (!buf || len < NLMSG_HDRLEN)
		return ctl_fail(err, errlen, -EBADMSG, "message of %zu bytes is shorter than a header",
			    buf ? len : 0);
	if (nlh->nlmsg_len < NLMSG_HDRLEN + MCR_CTLHDR_LEN)
		return ctl_fail(err, errlen, -EBADMSG, "message length %u is shorter than the headers",
			    nlh->nlmsg_len);
	if (nlh->nlmsg_len > len)
		return ctl_fail(err, errlen, -EBADMSG, "message length %u exceeds the %zu bytes received",
			    nlh->nlmsg_len, len);
	if (nlh->nlmsg_len > MCR_CTL_MSG_MAX)
		return ctl_fail(err, errlen, -EBADMSG, "message length %u exceeds the limit of %u",
			    nlh->nlmsg_len, MCR_CTL_MSG_MAX);
	if (nlh->nlmsg_len % MNL_ALIGNTO)
		return ctl_fail(err, errlen, -EBADMSG, "message length %u is not a multiple of %d",
			    nlh->nlmsg_len, MNL_ALIGNTO);
	h = mnl_nlmsg_get_payload(nlh);
	if (h->version != MCR_CTL_VERSION)
		return ctl_fail(err, errlen, -EPROTO, "protocol version %u, expected %d", h->version,
			    MCR_CTL_VERSION);
	if (h->reserved)
		return ctl_fail(err, errlen, -EBADMSG, "reserved header field is %u, not 0",
			    h->reserved);
	if (mnl_attr_parse(nlh, MCR_CTLHDR_LEN, check_cb, &c) < 0)
		return -EBADMSG;
	mnl_attr_for_each(attr, nlh, MCR_CTLHDR_LEN) {
	}
	rest = (const char *)mnl_nlmsg_get_payload_tail(nlh) - (const char *)attr;
	if (rest > 0)
		return ctl_fail(err, errlen, -EBADMSG, "%td bytes after the last attribute", rest);
	return 0;
}

const struct nlattr *mcr_ctl_attr(const struct nlmsghdr *nlh, uint16_t t)
{
	const struct nlattr *attr;

	mnl_attr_for_each(attr, nlh, MCR_CTLHDR_LEN)
		if (mnl_attr_get_type(attr) == t)
			return attr;
	return NULL;
}

int mcr_ctl_get_done(const struct nlmsghdr *nlh, int *status, const char **msgs, size_t max,
		     size_t *n)
{
	const struct nlattr *attr;
	bool have = false;

	*n = 0;
	mnl_attr_for_each(attr, nlh, MCR_CTLHDR_LEN) {
		switch (mnl_attr_get_type(attr)) {
		case MCR_A_STATUS:
			if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
				return -EINVAL;
			*status = (int)mnl_attr_get_u32(attr);
			/* 0 or a negative errno: a reader negates it for strerror(). */
			if (*status > 0 || *status < -MCR_ERRNO_MAX)
				return -EINVAL;
			have = true;
			break;
		case MCR_A_MSG:
			if (mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) < 0)
				return -EINVAL;
			if (*n < max)
				msgs[(*n)++] = mnl_attr_get_str(attr);
			break;
		}
	}
	return have ? 0 : -EINVAL;
}

