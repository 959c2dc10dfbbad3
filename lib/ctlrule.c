/*
 * The rule codec: MCR_A_RULE (name, input, origin, state, counters) followed
 * by one top-level MCR_A_OUT per output, so that no nest outgrows its
 * 16-bit length however many outputs a rule has.
 */
#include "ctl.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "ctlattr.h"
#include "esc.h"

#define REASON_MAX sizeof(((struct mcr_rule_info *)0)->reason)

/* ---- encoding ---- */

size_t mcr_ctl_rule_size(const struct mcr_rule *r)
{
	size_t head = MNL_ALIGN(NLMSG_HDRLEN) + MNL_ALIGN(MCR_CTLHDR_LEN) + CTL_ATTR_SZ(4) /* event */;
	/* Group and source: 4 bytes each for IPv4, 16 for IPv6. */
	size_t a = CTL_ATTR_SZ(mcr_addr_is6(r->in.group) ? 16 : 4);
	size_t in = CTL_ATTR_SZ(0) + CTL_ATTR_SZ(IFNAMSIZ) + 2 * a + CTL_ATTR_SZ(4) + CTL_ATTR_SZ(1) +
		    (r->nmore ? CTL_ATTR_SZ(1) + CTL_ATTR_SZ(REASON_MAX) + 5 * CTL_ATTR_SZ(8) : 0);
	size_t more = r->nmore * in + CTL_ATTR_SZ(1) + 4 * CTL_ATTR_SZ(4) + 2 * CTL_ATTR_SZ(8);
	size_t rule = CTL_ATTR_SZ(0) + CTL_ATTR_SZ(MCR_NAME_MAX) + in + 2 * CTL_ATTR_SZ(1) +
		      2 * CTL_ATTR_SZ(REASON_MAX) + CTL_ATTR_SZ(4) + 4 * CTL_ATTR_SZ(8) + CTL_ATTR_SZ(0) +
		      (MCR_DROP__MAX - 1) * CTL_ATTR_SZ(8);
	size_t out = CTL_ATTR_SZ(0) + CTL_ATTR_SZ(IFNAMSIZ) + CTL_ATTR_SZ(16) + CTL_ATTR_SZ(2) +
		     6 * CTL_ATTR_SZ(1) + CTL_ATTR_SZ(REASON_MAX) + 3 * CTL_ATTR_SZ(8);

	return head + rule + (r->nmore <= MCR_MAX_INPUTS ? more : 0) + (size_t)r->nout * out;
}

static bool put_output(struct nlmsghdr *nlh, size_t len, const struct mcr_output *o,
		       const struct mcr_out_info *oi, bool stats)
{
	struct nlattr *n = mnl_attr_nest_start_check(nlh, len, MCR_A_OUT);

	if (!n)
		return false;
	if (!ctl_put_str(nlh, len, MCR_OUT_DEV, o->dev, sizeof(o->dev)) ||
	    !ctl_put_addr(nlh, len, MCR_OUT_GROUP, MCR_OUT_GROUP6, o->group) ||
	    !mnl_attr_put_u16_check(nlh, len, MCR_OUT_PORT, o->port))
		return false;
	if (o->ttl && !mnl_attr_put_u8_check(nlh, len, o->ttl_fixed ? MCR_OUT_FIXED_TTL : MCR_OUT_TTL,
					     o->ttl))
		return false;
	if (o->egress != MCR_EGRESS_AUTO && !mnl_attr_put_u8_check(nlh, len, MCR_OUT_EGRESS, o->egress))
		return false;
	if (o->keep_source && !mnl_attr_put_u8_check(nlh, len, MCR_OUT_KEEP_SOURCE, 1))
		return false;
	if (o->listeners && !mnl_attr_put_u8_check(nlh, len, MCR_OUT_LISTENERS, 1))
		return false;
	if (oi) {
		if (!mnl_attr_put_u8_check(nlh, len, MCR_OUT_STATE, oi->state) ||
		    (oi->path && !mnl_attr_put_u8_check(nlh, len, MCR_OUT_PATH, oi->path)))
			return false;
		if (oi->reason[0] &&
		    !ctl_put_str(nlh, len, MCR_OUT_REASON, oi->reason, sizeof(oi->reason)))
			return false;
		if (stats && (!mnl_attr_put_u64_check(nlh, len, MCR_OUT_PACKETS, oi->packets) ||
			      !mnl_attr_put_u64_check(nlh, len, MCR_OUT_BYTES, oi->bytes) ||
			      !mnl_attr_put_u64_check(nlh, len, MCR_OUT_ERRORS, oi->errors) ||
			      !mnl_attr_put_u64_check(nlh, len, MCR_OUT_GSO, oi->gso)))
			return false;
	}
	mnl_attr_nest_end(nlh, n);
	return true;
}

/* The state and counters of one of several inputs. */
static bool put_input_info(struct nlmsghdr *nlh, size_t len, const struct mcr_in_info *ii,
			   bool stats)
{
	if (!mnl_attr_put_u8_check(nlh, len, MCR_IN_STATE, ii->state) ||
	    (ii->reason[0] && !ctl_put_str(nlh, len, MCR_IN_REASON, ii->reason, sizeof(ii->reason))))
		return false;
	return !stats || (mnl_attr_put_u64_check(nlh, len, MCR_IN_PACKETS, ii->packets) &&
			  mnl_attr_put_u64_check(nlh, len, MCR_IN_DUPLICATES, ii->duplicates) &&
			  mnl_attr_put_u64_check(nlh, len, MCR_IN_FILLED, ii->filled) &&
			  mnl_attr_put_u64_check(nlh, len, MCR_IN_LATE, ii->late) &&
			  mnl_attr_put_u64_check(nlh, len, MCR_IN_PPS, ii->pps));
}

/* An input as attribute type (MCR_RULE_IN, MCR_RULE_INPUT), with ii when given. */
static bool put_input(struct nlmsghdr *nlh, size_t len, uint16_t type, const struct mcr_input *in,
		      const struct mcr_in_info *ii, bool stats)
{
	struct nlattr *n = mnl_attr_nest_start_check(nlh, len, type);

	if (!n || !ctl_put_str(nlh, len, MCR_IN_DEV, in->dev, sizeof(in->dev)) ||
	    !ctl_put_addr(nlh, len, MCR_IN_GROUP, MCR_IN_GROUP6, in->group) ||
	    !mnl_attr_put_u16_check(nlh, len, MCR_IN_PORT, in->port) ||
	    !ctl_put_addr(nlh, len, MCR_IN_SOURCE, MCR_IN_SOURCE6, in->source))
		return false;
	if (in->join && !mnl_attr_put_u8_check(nlh, len, MCR_IN_JOIN, in->join))
		return false;
	if (ii && !put_input_info(nlh, len, ii, stats))
		return false;
	mnl_attr_nest_end(nlh, n);
	return true;
}

/* The inputs after the first, the mode and its settings; with info, its state. */
static bool put_redundancy(struct nlmsghdr *nlh, size_t len, const struct mcr_rule *r,
			   const struct mcr_rule_info *info)
{
	const struct mcr_redund *d = &r->red;
	bool stats = info && info->has_stats;

	for (unsigned i = 1; i < mcr_rule_ninputs(r) && i < MCR_MAX_INPUTS; i++)
		if (!put_input(nlh, len, MCR_RULE_INPUT, mcr_rule_input(r, i),
			       info ? &info->in[i] : NULL, stats))
			return false;
	if (d->mode == MCR_REDUNDANCY_NONE)
		return true;
	if (!mnl_attr_put_u8_check(nlh, len, MCR_RULE_REDUNDANCY, d->mode) ||
	    (d->mode == MCR_REDUNDANCY_MERGE &&
	     !mnl_attr_put_u32_check(nlh, len, MCR_RULE_MERGE_WINDOW, d->window_ms)) ||
	    (d->mode == MCR_REDUNDANCY_FAILOVER &&
	     (!mnl_attr_put_u32_check(nlh, len, MCR_RULE_FAILOVER, d->failover_ms) ||
	      !mnl_attr_put_u32_check(nlh, len, MCR_RULE_REVERT, d->revert_ms))))
		return false;
	/* Which input a failover relays is its state, like an input's. */
	if (info && d->mode == MCR_REDUNDANCY_FAILOVER &&
	    !mnl_attr_put_u32_check(nlh, len, MCR_RULE_ACTIVE_INPUT, info->active_in))
		return false;
	return !stats || (mnl_attr_put_u64_check(nlh, len, MCR_RULE_SWITCHES, info->switches) &&
			  mnl_attr_put_u64_check(nlh, len, MCR_RULE_RESYNCS, info->resyncs));
}

static bool put_rule_info(struct nlmsghdr *nlh, size_t len, const struct mcr_rule_info *info)
{
	if (!mnl_attr_put_u8_check(nlh, len, MCR_RULE_STATE, info->state))
		return false;
	if (info->reason[0] &&
	    !ctl_put_str(nlh, len, MCR_RULE_REASON, info->reason, sizeof(info->reason)))
		return false;
	if (info->note[0] && !ctl_put_str(nlh, len, MCR_RULE_NOTE, info->note, sizeof(info->note)))
		return false;
	if (info->worker != UINT32_MAX &&
	    !mnl_attr_put_u32_check(nlh, len, MCR_RULE_WORKER, info->worker))
		return false;
	if (!info->has_stats)
		return true;
	return mnl_attr_put_u64_check(nlh, len, MCR_RULE_PACKETS, info->packets) &&
	       mnl_attr_put_u64_check(nlh, len, MCR_RULE_BYTES, info->bytes) &&
	       mnl_attr_put_u64_check(nlh, len, MCR_RULE_PPS, info->pps) &&
	       mnl_attr_put_u64_check(nlh, len, MCR_RULE_BPS, info->bps) &&
	       ctl_put_drops(nlh, len, MCR_RULE_DROPS, info->drops);
}

static bool put_rule_head(struct nlmsghdr *nlh, size_t len, const struct mcr_rule *r,
			  const struct mcr_rule_info *info)
{
	struct nlattr *rule = mnl_attr_nest_start_check(nlh, len, MCR_A_RULE);

	if (!rule)
		return false;
	if (r->name[0] && !ctl_put_str(nlh, len, MCR_RULE_NAME, r->name, sizeof(r->name)))
		return false;
	if (r->in.dev[0] && !put_input(nlh, len, MCR_RULE_IN, &r->in,
				       info && r->nmore ? &info->in[0] : NULL,
				       info && info->has_stats))
		return false;
	if (!mnl_attr_put_u8_check(nlh, len, MCR_RULE_ORIGIN, (uint8_t)r->origin))
		return false;
	if (info && !put_rule_info(nlh, len, info))
		return false;
	if (!put_redundancy(nlh, len, r, info))
		return false;
	mnl_attr_nest_end(nlh, rule);
	return true;
}

int mcr_ctl_put_rule(struct nlmsghdr *nlh, size_t len, const struct mcr_rule *r,
		     const struct mcr_rule_info *info)
{
	uint32_t start = nlh->nlmsg_len;
	bool stats = info && info->has_stats;

	if (len > MCR_CTL_MSG_MAX)
		len = MCR_CTL_MSG_MAX;
	if (!put_rule_head(nlh, len, r, info))
		goto full;
	for (unsigned i = 0; i < r->nout; i++) {
		const struct mcr_out_info *oi = info && info->out ? &info->out[i] : NULL;

		if (!put_output(nlh, len, &r->out[i], oi, stats))
			goto full;
	}
	return 0;
full:
	nlh->nlmsg_len = start;
	return -EMSGSIZE;
}

/* ---- decoding ---- */

static const struct ctl_pol rule_pol[MCR_RULE_MAX + 1] = {
	[MCR_RULE_NAME] = { MNL_TYPE_NUL_STRING, MCR_NAME_MAX, "name" },
	[MCR_RULE_IN] = { MNL_TYPE_NESTED, 0, "in" },
	[MCR_RULE_ORIGIN] = { MNL_TYPE_U8, 0, "origin" },
	[MCR_RULE_STATE] = { MNL_TYPE_U8, 0, "state" },
	[MCR_RULE_REASON] = { MNL_TYPE_NUL_STRING, REASON_MAX, "reason" },
	[MCR_RULE_WORKER] = { MNL_TYPE_U32, 0, "worker" },
	[MCR_RULE_PACKETS] = { MNL_TYPE_U64, 0, "packets" },
	[MCR_RULE_BYTES] = { MNL_TYPE_U64, 0, "bytes" },
	[MCR_RULE_PPS] = { MNL_TYPE_U64, 0, "pps" },
	[MCR_RULE_BPS] = { MNL_TYPE_U64, 0, "bps" },
	[MCR_RULE_DROPS] = { MNL_TYPE_NESTED, 0, "drops" },
	[MCR_RULE_NOTE] = { MNL_TYPE_NUL_STRING, REASON_MAX, "note" },
	[MCR_RULE_INPUT] = { MNL_TYPE_NESTED, 0, "input" },
	[MCR_RULE_REDUNDANCY] = { MNL_TYPE_U8, 0, "redundancy" },
	[MCR_RULE_MERGE_WINDOW] = { MNL_TYPE_U32, 0, "merge window" },
	[MCR_RULE_FAILOVER] = { MNL_TYPE_U32, 0, "failover time" },
	[MCR_RULE_REVERT] = { MNL_TYPE_U32, 0, "revert time" },
	[MCR_RULE_ACTIVE_INPUT] = { MNL_TYPE_U32, 0, "active input" },
	[MCR_RULE_SWITCHES] = { MNL_TYPE_U64, 0, "switches" },
	[MCR_RULE_RESYNCS] = { MNL_TYPE_U64, 0, "resyncs" },
};

static const struct ctl_pol in_pol[MCR_IN_MAX + 1] = {
	[MCR_IN_DEV] = { MNL_TYPE_NUL_STRING, IFNAMSIZ, "dev" },
	[MCR_IN_GROUP] = { MNL_TYPE_U32, 0, "group" },
	[MCR_IN_PORT] = { MNL_TYPE_U16, 0, "port" },
	[MCR_IN_SOURCE] = { MNL_TYPE_U32, 0, "source" },
	[MCR_IN_JOIN] = { MNL_TYPE_U8, 0, "join" },
	[MCR_IN_STATE] = { MNL_TYPE_U8, 0, "state" },
	[MCR_IN_REASON] = { MNL_TYPE_NUL_STRING, REASON_MAX, "reason" },
	[MCR_IN_PACKETS] = { MNL_TYPE_U64, 0, "packets" },
	[MCR_IN_DUPLICATES] = { MNL_TYPE_U64, 0, "duplicates" },
	[MCR_IN_FILLED] = { MNL_TYPE_U64, 0, "filled" },
	[MCR_IN_LATE] = { MNL_TYPE_U64, 0, "late" },
	[MCR_IN_PPS] = { MNL_TYPE_U64, 0, "pps" },
	[MCR_IN_GROUP6] = { MNL_TYPE_BINARY, 16, "group" },
	[MCR_IN_SOURCE6] = { MNL_TYPE_BINARY, 16, "source" },
};

static const struct ctl_pol out_pol[MCR_OUT_MAX + 1] = {
	[MCR_OUT_DEV] = { MNL_TYPE_NUL_STRING, IFNAMSIZ, "dev" },
	[MCR_OUT_GROUP] = { MNL_TYPE_U32, 0, "group" },
	[MCR_OUT_PORT] = { MNL_TYPE_U16, 0, "port" },
	[MCR_OUT_TTL] = { MNL_TYPE_U8, 0, "ttl" },
	[MCR_OUT_STATE] = { MNL_TYPE_U8, 0, "state" },
	[MCR_OUT_REASON] = { MNL_TYPE_NUL_STRING, REASON_MAX, "reason" },
	[MCR_OUT_PACKETS] = { MNL_TYPE_U64, 0, "packets" },
	[MCR_OUT_BYTES] = { MNL_TYPE_U64, 0, "bytes" },
	[MCR_OUT_ERRORS] = { MNL_TYPE_U64, 0, "errors" },
	[MCR_OUT_GSO] = { MNL_TYPE_U64, 0, "gso" },
	[MCR_OUT_EGRESS] = { MNL_TYPE_U8, 0, "egress" },
	[MCR_OUT_KEEP_SOURCE] = { MNL_TYPE_U8, 0, "keep_source" },
	[MCR_OUT_PATH] = { MNL_TYPE_U8, 0, "path" },
	[MCR_OUT_FIXED_TTL] = { MNL_TYPE_U8, 0, "fixed_ttl" },
	[MCR_OUT_LISTENERS] = { MNL_TYPE_U8, 0, "listeners" },
	[MCR_OUT_GROUP6] = { MNL_TYPE_BINARY, 16, "group" },
};

static uint64_t u64_or_0(const struct nlattr *a)
{
	return a ? mnl_attr_get_u64(a) : 0;
}

static int get_input_info(const struct nlattr **tb, struct mcr_in_info *ii, const char *where,
			  char *err, size_t errlen)
{
	ii->state = tb[MCR_IN_STATE] ? mnl_attr_get_u8(tb[MCR_IN_STATE]) : MCR_STATE_ACTIVE;
	if (ii->state > MCR_STATE_ACTIVE)
		return ctl_fail(err, errlen, -EINVAL, "%s: unknown state %u", where, ii->state);
	if (tb[MCR_IN_REASON])
		strcpy(ii->reason, mnl_attr_get_str(tb[MCR_IN_REASON]));
	ii->packets = u64_or_0(tb[MCR_IN_PACKETS]);
	ii->duplicates = u64_or_0(tb[MCR_IN_DUPLICATES]);
	ii->filled = u64_or_0(tb[MCR_IN_FILLED]);
	ii->late = u64_or_0(tb[MCR_IN_LATE]);
	ii->pps = u64_or_0(tb[MCR_IN_PPS]);
	return 0;
}

/* Input idx (0-based) and, with ii, its state and counters. */
static int get_input(const struct nlattr *nest, unsigned idx, struct mcr_input *in,
		     struct mcr_in_info *ii, char *err, size_t errlen)
{
	const struct nlattr *tb[MCR_IN_MAX + 1];
	char where[32] = "rule input";
	int ret;

	if (idx)
		snprintf(where, sizeof(where), "rule input %u", idx + 1);
	if ((ret = ctl_parse_nest(nest, in_pol, MCR_IN_MAX, tb, where, err, errlen)))
		return ret;
	if (!tb[MCR_IN_DEV] || !(tb[MCR_IN_GROUP] || tb[MCR_IN_GROUP6]) || !tb[MCR_IN_PORT])
		return ctl_fail(err, errlen, -EINVAL, "%s: no %s", where,
				!tb[MCR_IN_DEV] ? "dev" : !tb[MCR_IN_PORT] ? "port" : "group");
	if ((ret = ctl_get_dev(tb[MCR_IN_DEV], in->dev, where, err, errlen)) ||
	    (ret = ctl_get_addr(tb[MCR_IN_GROUP], tb[MCR_IN_GROUP6], &in->group, where, "group",
				err, errlen)) ||
	    (ret = ctl_get_addr(tb[MCR_IN_SOURCE], tb[MCR_IN_SOURCE6], &in->source, where,
				"source", err, errlen)))
		return ret;
	in->source = mcr_addr_any_unset(in->source); /* a source 0: any, as before IPv6 */
	in->port = mnl_attr_get_u16(tb[MCR_IN_PORT]);
	if (in->port == 0)
		return ctl_fail(err, errlen, -EINVAL, "%s: port 0 is out of range (1..65535)", where);
	in->join = tb[MCR_IN_JOIN] ? mnl_attr_get_u8(tb[MCR_IN_JOIN]) : MCR_JOIN_ALWAYS;
	if (in->join >= MCR_JOIN__MAX)
		return ctl_fail(err, errlen, -EINVAL, "%s: unknown join %u", where, in->join);
	return ii ? get_input_info(tb, ii, where, err, errlen) : 0;
}

/* The inputs after the first (MCR_RULE_INPUT, in order) of the rule nest a. */
static int get_more_inputs(const struct nlattr *a, struct mcr_rule *r, struct mcr_rule_info *info,
			   char *err, size_t errlen)
{
	const struct nlattr *attr;
	int ret;

	mnl_attr_for_each_nested(attr, a) {
		if (mnl_attr_get_type(attr) != MCR_RULE_INPUT)
			continue;
		if (r->nmore == MCR_MAX_INPUTS - 1)
			return ctl_fail(err, errlen, -EINVAL, "rule: more than %d inputs",
					MCR_MAX_INPUTS);
		if ((ret = get_input(attr, r->nmore + 1, &r->more[r->nmore],
				     info ? &info->in[r->nmore + 1] : NULL, err, errlen)))
			return ret;
		r->nmore++;
	}
	return 0;
}

/* The mode (absent: none) and its settings (absent: the defaults); not range-checked here. */
static int get_redundancy(const struct nlattr **tb, struct mcr_rule *r, struct mcr_rule_info *info,
			  char *err, size_t errlen)
{
	uint8_t mode = tb[MCR_RULE_REDUNDANCY] ? mnl_attr_get_u8(tb[MCR_RULE_REDUNDANCY]) : 0;

	if (mode >= MCR_REDUNDANCY__MAX)
		return ctl_fail(err, errlen, -EINVAL, "rule: unknown redundancy %u", mode);
	mcr_redund_init(&r->red, mode);
	if (tb[MCR_RULE_MERGE_WINDOW])
		r->red.window_ms = mnl_attr_get_u32(tb[MCR_RULE_MERGE_WINDOW]);
	if (tb[MCR_RULE_FAILOVER])
		r->red.failover_ms = mnl_attr_get_u32(tb[MCR_RULE_FAILOVER]);
	if (tb[MCR_RULE_REVERT])
		r->red.revert_ms = mnl_attr_get_u32(tb[MCR_RULE_REVERT]);
	if (info) {
		info->active_in = tb[MCR_RULE_ACTIVE_INPUT] ? mnl_attr_get_u32(tb[MCR_RULE_ACTIVE_INPUT])
							    : 0;
		info->switches = u64_or_0(tb[MCR_RULE_SWITCHES]);
		info->resyncs = u64_or_0(tb[MCR_RULE_RESYNCS]);
	}
	return 0;
}

static int get_out_info(const struct nlattr **tb, struct mcr_out_info *oi, const char *where,
			char *err, size_t errlen)
{
	oi->state = tb[MCR_OUT_STATE] ? mnl_attr_get_u8(tb[MCR_OUT_STATE]) : MCR_STATE_ACTIVE;
	if (oi->state > MCR_STATE_ACTIVE)
		return ctl_fail(err, errlen, -EINVAL, "%s: unknown state %u", where, oi->state);
	oi->path = tb[MCR_OUT_PATH] ? mnl_attr_get_u8(tb[MCR_OUT_PATH]) : MCR_EGRESS_AUTO;
	if (oi->path >= MCR_EGRESS__MAX)
		return ctl_fail(err, errlen, -EINVAL, "%s: unknown path %u", where, oi->path);
	if (tb[MCR_OUT_REASON])
		strcpy(oi->reason, mnl_attr_get_str(tb[MCR_OUT_REASON]));
	if (tb[MCR_OUT_PACKETS])
		oi->packets = mnl_attr_get_u64(tb[MCR_OUT_PACKETS]);
	if (tb[MCR_OUT_BYTES])
		oi->bytes = mnl_attr_get_u64(tb[MCR_OUT_BYTES]);
	if (tb[MCR_OUT_ERRORS])
		oi->errors = mnl_attr_get_u64(tb[MCR_OUT_ERRORS]);
	if (tb[MCR_OUT_GSO])
		oi->gso = mnl_attr_get_u64(tb[MCR_OUT_GSO]);
	return 0;
}

/* Output idx (0-based) from an MCR_A_OUT that passed the message check. */
static int get_output(const struct nlattr *nest, unsigned idx, const struct mcr_input *in,
		      struct mcr_output *o, struct mcr_out_info *oi, char *err, size_t errlen)
{
	const struct nlattr *tb[MCR_OUT_MAX + 1];
	char where[32];
	int ret;

	snprintf(where, sizeof(where), "rule output %u", idx + 1);
	if ((ret = ctl_parse_nest(nest, out_pol, MCR_OUT_MAX, tb, where, err, errlen)))
		return ret;
	if (!tb[MCR_OUT_DEV])
		return ctl_fail(err, errlen, -EINVAL, "%s: no dev", where);
	if ((ret = ctl_get_dev(tb[MCR_OUT_DEV], o->dev, where, err, errlen)))
		return ret;
	if ((ret = ctl_get_addr(tb[MCR_OUT_GROUP], tb[MCR_OUT_GROUP6], &o->group, where, "group",
				err, errlen)))
		return ret;
	if (!mcr_addr_set(o->group))
		o->group = in->group;
	o->port = tb[MCR_OUT_PORT] ? mnl_attr_get_u16(tb[MCR_OUT_PORT]) : in->port;
	if (o->port == 0)
		return ctl_fail(err, errlen, -EINVAL, "%s: port 0 is out of range (1..65535)", where);
	if (tb[MCR_OUT_TTL] && tb[MCR_OUT_FIXED_TTL])
		return ctl_fail(err, errlen, -EINVAL, "%s: ttl and fixed-ttl exclude each other", where);
	o->ttl_fixed = tb[MCR_OUT_FIXED_TTL] != NULL;
	if (tb[MCR_OUT_TTL] || tb[MCR_OUT_FIXED_TTL]) {
		o->ttl = mnl_attr_get_u8(tb[o->ttl_fixed ? MCR_OUT_FIXED_TTL : MCR_OUT_TTL]);
		if (o->ttl == 0)
			return ctl_fail(err, errlen, -EINVAL, "%s: %s 0 is out of range (1..255)", where,
					o->ttl_fixed ? "fixed-ttl" : "ttl");
	}
	o->egress = tb[MCR_OUT_EGRESS] ? mnl_attr_get_u8(tb[MCR_OUT_EGRESS]) : MCR_EGRESS_AUTO;
	if (o->egress >= MCR_EGRESS__MAX)
		return ctl_fail(err, errlen, -EINVAL, "%s: unknown egress %u", where, o->egress);
	o->keep_source = tb[MCR_OUT_KEEP_SOURCE] && mnl_attr_get_u8(tb[MCR_OUT_KEEP_SOURCE]);
	o->listeners = tb[MCR_OUT_LISTENERS] && mnl_attr_get_u8(tb[MCR_OUT_LISTENERS]);
	return oi ? get_out_info(tb, oi, where, err, errlen) : 0;
}

static int get_rule_info(const struct nlattr **tb, struct mcr_rule_info *info, char *err,
			 size_t errlen)
{
	if (tb[MCR_RULE_STATE]) {
		info->state = mnl_attr_get_u8(tb[MCR_RULE_STATE]);
		if (info->state > MCR_STATE_ACTIVE)
			return ctl_fail(err, errlen, -EINVAL, "rule: unknown state %u", info->state);
	} else {
		info->state = MCR_STATE_ACTIVE;
	}
	if (tb[MCR_RULE_REASON])
		strcpy(info->reason, mnl_attr_get_str(tb[MCR_RULE_REASON]));
	if (tb[MCR_RULE_NOTE])
		strcpy(info->note, mnl_attr_get_str(tb[MCR_RULE_NOTE]));
	info->worker = tb[MCR_RULE_WORKER] ? mnl_attr_get_u32(tb[MCR_RULE_WORKER]) : UINT32_MAX;
	info->has_stats = tb[MCR_RULE_PACKETS] || tb[MCR_RULE_BYTES] || tb[MCR_RULE_PPS] ||
			  tb[MCR_RULE_BPS] || tb[MCR_RULE_DROPS];
	if (tb[MCR_RULE_PACKETS])
		info->packets = mnl_attr_get_u64(tb[MCR_RULE_PACKETS]);
	if (tb[MCR_RULE_BYTES])
		info->bytes = mnl_attr_get_u64(tb[MCR_RULE_BYTES]);
	if (tb[MCR_RULE_PPS])
		info->pps = mnl_attr_get_u64(tb[MCR_RULE_PPS]);
	if (tb[MCR_RULE_BPS])
		info->bps = mnl_attr_get_u64(tb[MCR_RULE_BPS]);
	if (tb[MCR_RULE_DROPS])
		return ctl_get_drops(tb[MCR_RULE_DROPS], info->drops, "rule drops", err, errlen);
	return 0;
}

/* The rule's own attributes: name, input, origin and, with info, the rest. */
static int get_rule_head(const struct nlattr *a, struct mcr_rule *r, struct mcr_rule_info *info,
			 char *err, size_t errlen)
{
	const struct nlattr *tb[MCR_RULE_MAX + 1];
	int ret;

	if ((ret = ctl_check_object(a, MCR_A_RULE, "rule", err, errlen)) ||
	    (ret = ctl_parse_nest(a, rule_pol, MCR_RULE_MAX, tb, "rule", err, errlen)))
		return ret;
	if (tb[MCR_RULE_NAME]) {
		const char *name = mnl_attr_get_str(tb[MCR_RULE_NAME]);
		char e[MCR_ESC_NAME];

		if (!mcr_rule_name_valid(name))
			return ctl_fail(err, errlen, -EINVAL, "rule: name \"%s\" is not valid",
					mcr_esc(name, e, sizeof(e)));
		strcpy(r->name, name);
	}
	if (tb[MCR_RULE_IN] && (ret = get_input(tb[MCR_RULE_IN], 0, &r->in, info ? &info->in[0] : NULL,
						err, errlen)))
		return ret;
	if ((ret = get_more_inputs(a, r, info, err, errlen)) ||
	    (ret = get_redundancy(tb, r, info, err, errlen)))
		return ret;
	if (!tb[MCR_RULE_NAME] && !tb[MCR_RULE_IN])
		return ctl_fail(err, errlen, -EINVAL, "rule: neither a name nor an input");
	if (tb[MCR_RULE_ORIGIN]) {
		uint8_t origin = mnl_attr_get_u8(tb[MCR_RULE_ORIGIN]);

		if (origin > MCR_ORIGIN_RUNTIME)
			return ctl_fail(err, errlen, -EINVAL, "rule: unknown origin %u", origin);
		r->origin = (enum mcr_origin)origin;
	}
	return info ? get_rule_info(tb, info, err, errlen) : 0;
}

static unsigned count_outputs(const struct nlmsghdr *nlh)
{
	const struct nlattr *attr;
	unsigned n = 0;

	mnl_attr_for_each(attr, nlh, MCR_CTLHDR_LEN)
		n += mnl_attr_get_type(attr) == MCR_A_OUT;
	return n;
}

static int get_outputs(const struct nlmsghdr *nlh, struct mcr_rule *r, struct mcr_rule_info *info,
		       char *err, size_t errlen)
{
	const struct nlattr *attr;
	unsigned n = count_outputs(nlh), i = 0;
	int ret;

	if (n > MCR_MAX_OUTPUTS)
		return ctl_fail(err, errlen, -EINVAL, "rule: more than %d outputs", MCR_MAX_OUTPUTS);
	if (!n)
		return 0;
	r->out = calloc(n, sizeof(*r->out));
	if (info)
		info->out = calloc(n, sizeof(*info->out));
	if (!r->out || (info && !info->out))
		return ctl_fail(err, errlen, -ENOMEM, "out of memory");
	r->nout = n;
	mnl_attr_for_each(attr, nlh, MCR_CTLHDR_LEN) {
		if (mnl_attr_get_type(attr) != MCR_A_OUT)
			continue;
		if ((ret = get_output(attr, i, &r->in, &r->out[i], info ? &info->out[i] : NULL, err,
				      errlen)))
			return ret;
		i++;
	}
	return 0;
}

int mcr_ctl_get_rule(const struct nlmsghdr *nlh, struct mcr_rule *r, struct mcr_rule_info *info,
		     char *err, size_t errlen)
{
	int ret;

	memset(r, 0, sizeof(*r));
	if (info)
		memset(info, 0, sizeof(*info));
	if (!nlh)
		return ctl_fail(err, errlen, -EINVAL, "no message");
	if ((ret = get_rule_head(mcr_ctl_attr(nlh, MCR_A_RULE), r, info, err, errlen)) ||
	    (ret = get_outputs(nlh, r, info, err, errlen))) {
		mcr_rule_free(r);
		if (info)
			mcr_rule_info_free(info);
		return ret;
	}
	return 0;
}

void mcr_rule_info_free(struct mcr_rule_info *info)
{
	free(info->out);
	info->out = NULL;
}
