/*
 * The control protocol codec (lib/ctl.c): round trips of rules, links and
 * DONE; header checks; malformed attributes; truncation and random garbage.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <libmnl/libmnl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "rulefilter.h"
#include "addr.h"
#include "rule.h"

static struct mcr_addr A(const char *s)
{
	struct mcr_addr a;

	assert_int_equal(mcr_addr_parse(s, &a), 0);
	return a;
}

/* A rule with n outputs: eth0 239.1.1.1:5001 [from 10.0.0.5] to ethN 239.2.x.y:6000+i. */
static void make_rule(struct mcr_rule *r, const char *name, unsigned n, bool source)
{
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	snprintf(r->in.dev, sizeof(r->in.dev), "eth0");
	r->in.group = A("239.1.1.1");
	r->in.port = 5001;
	if (source)
		r->in.source = A("10.0.0.5");
	r->origin = MCR_ORIGIN_RUNTIME;
	r->nout = n;
	r->out = n ? calloc(n, sizeof(*r->out)) : NULL;
	for (unsigned i = 0; i < n; i++) {
		struct mcr_output *o = &r->out[i];

		snprintf(o->dev, sizeof(o->dev), "veth%u", i);
		o->group = mcr_addr4((struct in_addr){ htonl(0xef020000u + i) });
		o->port = (uint16_t)(6000 + i % 50000);
		o->ttl = (uint8_t)(1 + i % 255);
	}
}

static void make_info(struct mcr_rule_info *info, const struct mcr_rule *r, bool stats)
{
	memset(info, 0, sizeof(*info));
	info->state = MCR_STATE_PENDING;
	snprintf(info->reason, sizeof(info->reason), "no such device \"eth0\"");
	if (stats) /* the longest note that fits, sometimes */
		memset(info->note, 'n', sizeof(info->note) - 1);
	info->worker = 3;
	info->has_stats = stats;
	info->packets = 1000;
	info->bytes = 1400000;
	info->pps = 1000;
	info->bps = 11200000;
	for (unsigned d = 1; d < MCR_DROP__MAX; d++)
		info->drops[d] = 100 * d + (d == MCR_DROP_NO_TX_SLOT ? UINT64_C(1) << 40 : 0);
	info->out = calloc(r->nout ? r->nout : 1, sizeof(*info->out));
	for (unsigned i = 0; i < r->nout; i++) {
		struct mcr_out_info *o = &info->out[i];

		o->state = i % 3 ? MCR_STATE_ACTIVE : MCR_STATE_PENDING;
		if (o->state == MCR_STATE_PENDING)
			/* 95 characters: the longest reason that fits. */
			memset(o->reason, 'r', sizeof(o->reason) - 1);
		o->packets = i;
		o->bytes = (uint64_t)i * 1400;
		o->errors = i % 7;
		o->gso = (uint64_t)i / 2;
	}
}

/* A buffer big enough and 8-byte aligned. */
static void *buf_for(const struct mcr_rule *r)
{
	void *b = calloc(1, mcr_ctl_rule_size(r));

	assert_non_null(b);
	return b;
}

static struct nlmsghdr *rule_msg(void *buf, size_t len, const struct mcr_rule *r,
				 const struct mcr_rule_info *info)
{
	struct nlmsghdr *nlh = mcr_ctl_msg_start(buf, len, MCR_MSG_RULE, 7, MCR_F_STATS);

	assert_non_null(nlh);
	assert_int_equal(mcr_ctl_put_rule(nlh, len, r, info), 0);
	return nlh;
}

static void check_msg_ok(const struct nlmsghdr *nlh)
{
	char err[256] = "";
	int ret = mcr_ctl_msg_check(nlh, nlh->nlmsg_len, err, sizeof(err));

	if (ret)
		fail_msg("mcr_ctl_msg_check: %d %s", ret, err);
}

static void decode_ok(const struct nlmsghdr *nlh, struct mcr_rule *r, struct mcr_rule_info *info)
{
	char err[256] = "";
	int ret;

	check_msg_ok(nlh);
	ret = mcr_ctl_get_rule(nlh, r, info, err, sizeof(err));
	if (ret)
		fail_msg("mcr_ctl_get_rule: %d %s", ret, err);
}

static void assert_rule_same(const struct mcr_rule *a, const struct mcr_rule *b)
{
	assert_true(mcr_rule_equal(a, b));
	assert_true(mcr_addr_equal(a->in.source, b->in.source));
	assert_int_equal(a->origin, b->origin);
}

static void assert_info_same(const struct mcr_rule_info *a, const struct mcr_rule_info *b,
			     unsigned nout)
{
	assert_int_equal(a->state, b->state);
	assert_string_equal(a->reason, b->reason);
	assert_string_equal(a->note, b->note);
	assert_int_equal(a->worker, b->worker);
	assert_int_equal(a->has_stats, b->has_stats);
	if (a->has_stats) {
		assert_true(a->packets == b->packets && a->bytes == b->bytes);
		assert_true(a->pps == b->pps && a->bps == b->bps);
		for (unsigned d = 1; d < MCR_DROP__MAX; d++)
			assert_true(a->drops[d] == b->drops[d]);
	}
	for (unsigned i = 0; i < nout; i++) {
		assert_int_equal(a->out[i].state, b->out[i].state);
		assert_string_equal(a->out[i].reason, b->out[i].reason);
		if (a->has_stats) {
			assert_true(a->out[i].packets == b->out[i].packets);
			assert_true(a->out[i].bytes == b->out[i].bytes);
			assert_true(a->out[i].errors == b->out[i].errors);
			assert_true(a->out[i].gso == b->out[i].gso);
		}
	}
}

/* Encodes r (with info), checks, decodes and compares. */
static void round_trip(unsigned nout, bool source, bool with_info, bool stats)
{
	struct mcr_rule r, got;
	struct mcr_rule_info info, ginfo;
	void *buf;
	struct nlmsghdr *nlh;

	make_rule(&r, "cam1", nout, source);
	make_info(&info, &r, stats);
	buf = buf_for(&r);
	nlh = rule_msg(buf, mcr_ctl_rule_size(&r), &r, with_info ? &info : NULL);
	assert_true(nlh->nlmsg_len <= mcr_ctl_rule_size(&r));
	decode_ok(nlh, &got, &ginfo);
	assert_rule_same(&r, &got);
	if (with_info) {
		assert_info_same(&info, &ginfo, nout);
	} else {
		assert_int_equal(ginfo.worker, UINT32_MAX);
		assert_false(ginfo.has_stats);
		assert_string_equal(ginfo.reason, "");
	}
	mcr_rule_free(&got);
	mcr_rule_info_free(&ginfo);
	/* Without info wanted. */
	assert_int_equal(mcr_ctl_get_rule(nlh, &got, NULL, NULL, 0), 0);
	assert_rule_same(&r, &got);
	mcr_rule_free(&got);
	mcr_rule_info_free(&info);
	mcr_rule_free(&r);
	free(buf);
}

/* IPv6 groups (every scope), sources and outputs through the wire and back. */
static void test_rule_ipv6(void **state)
{
	static const char *const groups[] = { "ff02::fb", "ff05::1:3", "ff0e::1234", "ff3e::8000:1" };
	struct mcr_rule r, got;
	struct mcr_rule_info ginfo;
	void *buf;
	struct nlmsghdr *nlh;

	(void)state;
	for (size_t g = 0; g < sizeof(groups) / sizeof(groups[0]); g++) {
		make_rule(&r, "v6", 3, false);
		r.in.group = A(groups[g]);
		if (groups[g][2] == '3')
			r.in.source = A("2001:db8::5");
		r.out[0].group = A("ff05::2");
		r.out[1].group = r.in.group;
		r.out[2].group = A("2001:db8:1::9");
		buf = buf_for(&r);
		nlh = rule_msg(buf, mcr_ctl_rule_size(&r), &r, NULL);
		assert_true(nlh->nlmsg_len <= mcr_ctl_rule_size(&r));
		decode_ok(nlh, &got, &ginfo);
		assert_rule_same(&r, &got);
		assert_int_equal(got.in.group.family, AF_INET6);
		assert_int_equal(got.out[2].group.family, AF_INET6);
		assert_int_equal(got.in.source.family, groups[g][2] == '3' ? AF_INET6 : AF_UNSPEC);
		mcr_rule_free(&got);
		mcr_rule_info_free(&ginfo);
		mcr_rule_free(&r);
		free(buf);
	}
}

/* An address of the wrong size, or a group given in both families, is refused. */
static void test_rule_ipv6_malformed(void **state)
{
	char buf[1024], err[256];
	struct nlmsghdr *nlh;
	struct nlattr *rule, *in;
	struct mcr_rule r;
	uint8_t g6[16] = { 0xff, 0x3e, [15] = 1 };

	(void)state;
	for (int k = 0; k < 2; k++) {
		nlh = mcr_ctl_msg_start(buf, sizeof(buf), MCR_CMD_RULE_ADD, 1, 0);
		rule = mnl_attr_nest_start(nlh, MCR_A_RULE);
		in = mnl_attr_nest_start(nlh, MCR_RULE_IN);
		mnl_attr_put_strz(nlh, MCR_IN_DEV, "eth0");
		mnl_attr_put_u16(nlh, MCR_IN_PORT, 5001);
		if (k == 0) {
			mnl_attr_put(nlh, MCR_IN_GROUP6, 15, g6); /* one byte short */
		} else {
			mnl_attr_put(nlh, MCR_IN_GROUP6, 16, g6);
			mnl_attr_put_u32(nlh, MCR_IN_GROUP, htonl(0xef010101));
		}
		mnl_attr_nest_end(nlh, in);
		mnl_attr_nest_end(nlh, rule);
		err[0] = 0;
		if (mcr_ctl_msg_check(nlh, nlh->nlmsg_len, err, sizeof(err)) == 0)
			assert_int_equal(mcr_ctl_get_rule(nlh, &r, NULL, err, sizeof(err)), -EINVAL);
		assert_non_null(strstr(err, k == 0 ? "group: attribute of 15 bytes, expected 16"
						   : "group both IPv4 and IPv6"));
	}
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(mcr_state_name(MCR_STATE_ACTIVE), "active");
	assert_string_equal(mcr_state_name(MCR_STATE_PENDING), "pending");
	assert_string_equal(mcr_state_name(9), "unknown");
	assert_string_equal(mcr_origin_name(MCR_ORIGIN_CONFIG), "config");
	assert_string_equal(mcr_origin_name(MCR_ORIGIN_RUNTIME), "runtime");
	assert_string_equal(mcr_origin_name(2), "unknown");
	assert_string_equal(mcr_event_name(MCR_EV_RULE_ADDED), "rule-added");
	assert_string_equal(mcr_event_name(MCR_EV_RULE_REMOVED), "rule-removed");
	assert_string_equal(mcr_event_name(MCR_EV_RULE_ACTIVE), "rule-active");
	assert_string_equal(mcr_event_name(MCR_EV_RULE_PENDING), "rule-pending");
	assert_string_equal(mcr_event_name(MCR_EV_LINK), "link");
	assert_string_equal(mcr_event_name(MCR_EV_RELOAD), "reload");
	assert_string_equal(mcr_event_name(MCR_EV_RULE_SWITCH), "rule-switch");
	assert_string_equal(mcr_event_name(MCR_EV_MEMBER_JOIN), "member-join");
	assert_string_equal(mcr_event_name(MCR_EV_MEMBER_LEAVE), "member-leave");
	assert_string_equal(mcr_event_name(0), "unknown");
	assert_string_equal(mcr_event_name(MCR_EV_MEMBER_LEAVE + 1), "unknown");
}

static void test_msg_start(void **state)
{
	uint32_t buf[16];
	struct nlmsghdr *nlh;
	const struct mcr_ctlhdr *h;

	(void)state;
	assert_null(mcr_ctl_msg_start(buf, NLMSG_HDRLEN + MCR_CTLHDR_LEN - 1, MCR_CMD_RULE_GET, 1,
				      0));
	nlh = mcr_ctl_msg_start(buf, sizeof(buf), MCR_CMD_RULE_GET, 42, MCR_F_STATS);
	assert_non_null(nlh);
	assert_int_equal(nlh->nlmsg_len, NLMSG_HDRLEN + MCR_CTLHDR_LEN);
	assert_int_equal(nlh->nlmsg_type, MCR_CMD_RULE_GET);
	assert_int_equal(nlh->nlmsg_seq, 42);
	h = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(h->version, MCR_CTL_VERSION);
	assert_int_equal(h->flags, MCR_F_STATS);
	assert_int_equal(h->reserved, 0);
	check_msg_ok(nlh);
	assert_null(mcr_ctl_attr(nlh, MCR_A_RULE));
}

static void test_rule_round_trips(void **state)
{
	(void)state;
	round_trip(1, true, false, false);
	round_trip(1, false, false, false);
	round_trip(2, true, true, false);
	round_trip(2, false, true, true);
	round_trip(17, true, true, true);
	round_trip(0, true, true, true);
}

/* 4096 outputs do not fit in one 16-bit attribute: the codec continues them. */
static void test_rule_4096(void **state)
{
	(void)state;
	round_trip(MCR_MAX_OUTPUTS, true, false, false);
	round_trip(MCR_MAX_OUTPUTS, false, true, false);
	round_trip(MCR_MAX_OUTPUTS, true, true, true);
}

static void test_rule_too_many_outputs(void **state)
{
	struct mcr_rule r, got;
	char err[256];
	void *buf;
	struct nlmsghdr *nlh;

	(void)state;
	make_rule(&r, "big", MCR_MAX_OUTPUTS + 1, false);
	buf = buf_for(&r);
	nlh = rule_msg(buf, mcr_ctl_rule_size(&r), &r, NULL);
	check_msg_ok(nlh);
	assert_int_equal(mcr_ctl_get_rule(nlh, &got, NULL, err,
					  sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "more than 4096 outputs"));
	assert_null(got.out);
	mcr_rule_free(&r);
	free(buf);
}

/* A rule add without a name, a delete by name, a delete by input. */
static void test_rule_partial(void **state)
{
	uint32_t buf[256];
	struct mcr_rule r, got;
	struct nlmsghdr *nlh;
	char err[256];

	(void)state;
	make_rule(&r, "", 1, false);
	nlh = rule_msg(buf, sizeof(buf), &r, NULL);
	decode_ok(nlh, &got, NULL);
	assert_string_equal(got.name, "");
	assert_rule_same(&r, &got);
	mcr_rule_free(&got);
	mcr_rule_free(&r);

	memset(&r, 0, sizeof(r));
	snprintf(r.name, sizeof(r.name), "cam1");
	nlh = mcr_ctl_msg_start(buf, sizeof(buf), MCR_CMD_RULE_DEL, 1, 0);
	assert_int_equal(mcr_ctl_put_rule(nlh, sizeof(buf), &r, NULL), 0);
	decode_ok(nlh, &got, NULL);
	assert_string_equal(got.name, "cam1");
	assert_string_equal(got.in.dev, "");
	assert_int_equal(got.nout, 0);

	make_rule(&r, "", 0, true);
	nlh = mcr_ctl_msg_start(buf, sizeof(buf), MCR_CMD_RULE_DEL, 1, 0);
	assert_int_equal(mcr_ctl_put_rule(nlh, sizeof(buf), &r, NULL), 0);
	decode_ok(nlh, &got, NULL);
	assert_string_equal(got.name, "");
	assert_true(mcr_input_equal(&got.in, &r.in));

	/* Neither: refused. */
	memset(&r, 0, sizeof(r));
	nlh = mcr_ctl_msg_start(buf, sizeof(buf), MCR_CMD_RULE_DEL, 1, 0);
	assert_int_equal(mcr_ctl_put_rule(nlh, sizeof(buf), &r, NULL), 0);
	check_msg_ok(nlh);
	assert_int_equal(mcr_ctl_get_rule(nlh, &got, NULL, err,
					  sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "neither"));
	/* No rule at all. */
	assert_int_equal(mcr_ctl_get_rule(NULL, &got, NULL, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "no message"));
	/* A message without a rule. */
	nlh = mcr_ctl_msg_start(buf, sizeof(buf), MCR_CMD_RULE_DEL, 1, 0);
	assert_int_equal(mcr_ctl_get_rule(nlh, &got, NULL, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "no rule"));
}

/* A rule with 4 inputs (the most) and failover, or 2 and merge: every field and counter back. */
static void add_inputs(struct mcr_rule *r, unsigned n, uint8_t mode)
{
	for (unsigned i = 1; i < n; i++) {
		struct mcr_input *in = mcr_rule_input_mut(r, i);

		snprintf(in->dev, sizeof(in->dev), "path%u", i);
		in->group = mcr_addr4((struct in_addr){ htonl(0xef010100u + i) });
		in->port = (uint16_t)(5001 + i);
		in->source = i % 2 ? mcr_addr4((struct in_addr){ htonl(0x0a000001u + i) })
				   : (struct mcr_addr){ 0 };
	}
	r->nmore = n - 1;
	mcr_redund_init(&r->red, mode);
}

static void test_rule_inputs_round_trip(void **state)
{
	struct mcr_rule_info info, ginfo;
	struct mcr_rule r, got;
	struct nlmsghdr *nlh;
	void *buf;

	(void)state;
	for (unsigned n = 2; n <= MCR_MAX_INPUTS; n++) {
		make_rule(&r, "cam1", 3, true);
		add_inputs(&r, n, n == 2 ? MCR_REDUNDANCY_MERGE : MCR_REDUNDANCY_FAILOVER);
		if (n == 2)
			r.red.window_ms = 150;
		else
			r.red.failover_ms = 77;
		make_info(&info, &r, true);
		for (unsigned i = 0; i < n; i++) {
			info.in[i].state = i % 2 ? MCR_STATE_PENDING : MCR_STATE_ACTIVE;
			if (i % 2)
				memset(info.in[i].reason, 'x', sizeof(info.in[i].reason) - 1);
			info.in[i].packets = 1000 + i;
			info.in[i].duplicates = 2000 + i;
			info.in[i].filled = 3000 + i;
			info.in[i].late = UINT64_MAX - i;
			info.in[i].pps = 5 + i;
		}
		info.active_in = n - 1;
		info.switches = 9;
		info.resyncs = 4;
		buf = buf_for(&r);
		nlh = rule_msg(buf, mcr_ctl_rule_size(&r), &r, &info);
		decode_ok(nlh, &got, &ginfo);
		assert_rule_same(&r, &got);
		assert_int_equal(mcr_rule_ninputs(&got), n);
		assert_int_equal(got.more[n - 2].port, 5001 + n - 1);
		assert_int_equal(got.red.mode, r.red.mode);
		assert_int_equal(got.red.failover_ms, r.red.failover_ms);
		assert_info_same(&info, &ginfo, 3);
		assert_memory_equal(ginfo.in, info.in, n * sizeof(info.in[0]));
		assert_int_equal(ginfo.active_in, n > 2 ? n - 1 : 0); /* a failover's only */
		assert_int_equal(ginfo.switches, 9);
		assert_int_equal(ginfo.resyncs, 4);
		mcr_rule_free(&got);
		mcr_rule_info_free(&ginfo);
		mcr_rule_info_free(&info);
		free(buf);
		mcr_rule_free(&r);
	}
}

/* Too many inputs, an unknown mode, a bad input: refused with a reason. */
static void test_rule_inputs_refused(void **state)
{
	uint32_t buf[512];
	struct mcr_rule got;
	struct nlmsghdr *nlh;
	struct nlattr *rule, *in;
	char err[256];

	(void)state;
	/* One input more than a rule may have. */
	nlh = mcr_ctl_msg_start(buf, sizeof(buf), MCR_CMD_RULE_ADD, 1, 0);
	rule = mnl_attr_nest_start(nlh, MCR_A_RULE);
	mnl_attr_put_strz(nlh, MCR_RULE_NAME, "cam1");
	for (unsigned i = 0; i <= MCR_MAX_INPUTS; i++) {
		in = mnl_attr_nest_start(nlh, i ? MCR_RULE_INPUT : MCR_RULE_IN);
		mnl_attr_put_strz(nlh, MCR_IN_DEV, "eth0");
		mnl_attr_put_u32(nlh, MCR_IN_GROUP, htonl(0xef010101u + i));
		mnl_attr_put_u16(nlh, MCR_IN_PORT, 5001);
		mnl_attr_nest_end(nlh, in);
	}
	mnl_attr_nest_end(nlh, rule);
	check_msg_ok(nlh);
	assert_int_equal(mcr_ctl_get_rule(nlh, &got, NULL, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "rule: more than 4 inputs");

	nlh = mcr_ctl_msg_start(buf, sizeof(buf), MCR_CMD_RULE_ADD, 1, 0);
	rule = mnl_attr_nest_start(nlh, MCR_A_RULE);
	mnl_attr_put_strz(nlh, MCR_RULE_NAME, "cam1");
	mnl_attr_put_u8(nlh, MCR_RULE_REDUNDANCY, MCR_REDUNDANCY__MAX);
	mnl_attr_nest_end(nlh, rule);
	check_msg_ok(nlh);
	assert_int_equal(mcr_ctl_get_rule(nlh, &got, NULL, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "rule: unknown redundancy 3");

	nlh = mcr_ctl_msg_start(buf, sizeof(buf), MCR_CMD_RULE_ADD, 1, 0);
	rule = mnl_attr_nest_start(nlh, MCR_A_RULE);
	mnl_attr_put_strz(nlh, MCR_RULE_NAME, "cam1");
	in = mnl_attr_nest_start(nlh, MCR_RULE_INPUT);
	mnl_attr_put_strz(nlh, MCR_IN_DEV, "eth0");
	mnl_attr_put_u32(nlh, MCR_IN_GROUP, htonl(0xef010101u));
	mnl_attr_nest_end(nlh, in);
	mnl_attr_nest_end(nlh, rule);
	check_msg_ok(nlh);
	assert_int_equal(mcr_ctl_get_rule(nlh, &got, NULL, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "rule input 2: no port");
}

static void test_rule_emsgsize(void **state)
{
	struct mcr_rule r;
	struct mcr_rule_info info;
	size_t need;
	uint8_t *buf;
	struct nlmsghdr *nlh;

	(void)state;
	make_rule(&r, "cam1", 500, true);
	make_info(&info, &r, true);
	buf = buf_for(&r);
	nlh = rule_msg(buf, mcr_ctl_rule_size(&r), &r, &info);
	need = nlh->nlmsg_len;
	/* Every buffer shorter than needed: -EMSGSIZE and the message unchanged. */
	for (size_t len = NLMSG_HDRLEN + MCR_CTLHDR_LEN; len < need; len += len < 200 ? 1 : 97) {
		nlh = mcr_ctl_msg_start(buf, len, MCR_MSG_RULE, 1, 0);
		assert_int_equal(mcr_ctl_put_rule(nlh, len, &r, &info), -EMSGSIZE);
		assert_int_equal(nlh->nlmsg_len, NLMSG_HDRLEN + MCR_CTLHDR_LEN);
	}
	nlh = mcr_ctl_msg_start(buf, need, MCR_MSG_RULE, 1, 0);
	assert_int_equal(mcr_ctl_put_rule(nlh, need, &r, &info), 0);
	check_msg_ok(nlh);
	mcr_rule_info_free(&info);
	mcr_rule_free(&r);
	free(buf);
}

static void make_link(struct mcr_link_info *l, unsigned naddr, bool stats)
{
	memset(l, 0, sizeof(*l));
	snprintf(l->name, sizeof(l->name), "eth0.100");
	l->ifindex = 7;
	snprintf(l->state, sizeof(l->state), "up");
	for (unsigned i = 0; i < naddr; i++)
		l->addr[l->naddr++].s_addr = htonl(0x0a000001u + i);
	/* As many IPv6 addresses, in both families' full count (8) too. */
	for (unsigned i = 0; i < naddr; i++) {
		inet_pton(AF_INET6, "2001:db8::1", &l->addr6[l->naddr6]);
		l->addr6[l->naddr6++].s6_addr[15] = (uint8_t)(i + 1);
	}
	l->rules = 3;
	l->has_stats = stats;
	l->frames = 123456789;
	for (unsigned d = 1; d < MCR_DROP__MAX; d++)
		l->drops[d] = d;
}

static void test_link_round_trip(void **state)
{
	uint32_t buf[512];
	struct mcr_link_info l, got;
	struct nlmsghdr *nlh;
	char err[256];

	(void)state;
	for (unsigned naddr = 0; naddr <= 8; naddr += 4) {
		for (int stats = 0; stats < 2; stats++) {
			make_link(&l, naddr, stats);
			nlh = mcr_ctl_msg_start(buf, sizeof(buf), MCR_MSG_LINK, 3, 0);
			assert_int_equal(mcr_ctl_put_link(nlh, sizeof(buf), &l), 0);
			check_msg_ok(nlh);
			assert_int_equal(mcr_ctl_get_link(mcr_ctl_attr(nlh, MCR_A_LINK), &got, err,
							  sizeof(err)), 0);
			if (!stats) {
				l.frames = 0;
				memset(l.drops, 0, sizeof(l.drops));
			}
			assert_memory_equal(&l, &got, sizeof(l));
		}
	}
	/* An absent interface. */
	memset(&l, 0, sizeof(l));
	snprintf(l.name, sizeof(l.name), "eth9");
	snprintf(l.state, sizeof(l.state), "absent");
	nlh = mcr_ctl_msg_start(buf, sizeof(buf), MCR_MSG_LINK, 3, 0);
	assert_int_equal(mcr_ctl_put_link(nlh, sizeof(buf), &l), 0);
	check_msg_ok(nlh);
	assert_int_equal(mcr_ctl_get_link(mcr_ctl_attr(nlh, MCR_A_LINK), &got, err, sizeof(err)), 0);
	assert_memory_equal(&l, &got, sizeof(l));
	assert_int_equal(mcr_ctl_get_link(NULL, &got, err, sizeof(err)), -EINVAL);
	/* Too small a buffer. */
	make_link(&l, 8, true);
	nlh = mcr_ctl_msg_start(buf, 100, MCR_MSG_LINK, 3, 0);
	assert_int_equal(mcr_ctl_put_link(nlh, 100, &l), -EMSGSIZE);
	assert_int_equal(nlh->nlmsg_len, NLMSG_HDRLEN + MCR_CTLHDR_LEN);
}

static void test_link_too_many_addrs(void **state)
{
	uint32_t buf[512];
	struct mcr_link_info got;
	struct nlmsghdr *nlh;
	struct nlattr *n;
	char err[256];

	(void)state;
	nlh = mcr_ctl_msg_start(buf, sizeof(buf), MCR_MSG_LINK, 3, 0);
	n = mnl_attr_nest_start(nlh, MCR_A_LINK);
	mnl_attr_put_strz(nlh, MCR_LINK_NAME, "eth0");
	for (unsigned i = 0; i < 9; i++)
		mnl_attr_put_u32(nlh, MCR_LINK_ADDR, htonl(0x0a000001u + i));
	mnl_attr_nest_end(nlh, n);
	check_msg_ok(nlh);
	assert_int_equal(mcr_ctl_get_link(mcr_ctl_attr(nlh, MCR_A_LINK), &got, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "more than 8 IPv4 addresses"));
}

static void test_done(void **state)
{
	uint32_t buf[4096];
	const char *in[] = { "rule \"cam1\": duplicate name", "second", "", "third \"quoted\"" };
	const char *out[8];
	char *huge = malloc(10000);
	struct nlmsghdr *nlh;
	size_t n;
	int status;

	(void)state;
	nlh = mcr_ctl_msg_start(buf, sizeof(buf), MCR_MSG_DONE, 9, 0);
	assert_int_equal(mcr_ctl_put_done(nlh, sizeof(buf), -EEXIST, in, 4), 0);
	check_msg_ok(nlh);
	assert_int_equal(mcr_ctl_get_done(nlh, &status, out, 8, &n), 0);
	assert_int_equal(status, -EEXIST);
	assert_int_equal(n, 4);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(out[i], in[i]);
	/* At most max messages returned. */
	assert_int_equal(mcr_ctl_get_done(nlh, &status, out, 2, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(out[1], "second");

	/* Success, no message. */
	nlh = mcr_ctl_msg_start(buf, sizeof(buf), MCR_MSG_DONE, 9, 0);
	assert_int_equal(mcr_ctl_put_done(nlh, sizeof(buf), 0, NULL, 0), 0);
	check_msg_ok(nlh);
	assert_int_equal(mcr_ctl_get_done(nlh, &status, out, 8, &n), 0);
	assert_int_equal(status, 0);
	assert_int_equal(n, 0);

	/* A very long message is cut, not refused. */
	memset(huge, 'x', 9999);
	huge[9999] = '\0';
	nlh = mcr_ctl_msg_start(buf, sizeof(buf), MCR_MSG_DONE, 9, 0);
	assert_int_equal(mcr_ctl_put_done(nlh, sizeof(buf), -EINVAL, (const char *const *)&huge, 1),
			 0);
	check_msg_ok(nlh);
	assert_int_equal(mcr_ctl_get_done(nlh, &status, out, 8, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(strlen(out[0]), 4095);
	free(huge);

	/* Too small a buffer. */
	nlh = mcr_ctl_msg_start(buf, 40, MCR_MSG_DONE, 9, 0);
	assert_int_equal(mcr_ctl_put_done(nlh, 40, -EEXIST, in, 4), -EMSGSIZE);
	assert_int_equal(nlh->nlmsg_len, NLMSG_HDRLEN + MCR_CTLHDR_LEN);

	/* No status: not a DONE. */
	nlh = mcr_ctl_msg_start(buf, sizeof(buf), MCR_MSG_DONE, 9, 0);
	mnl_attr_put_strz(nlh, MCR_A_MSG, "x");
	assert_int_equal(mcr_ctl_get_done(nlh, &status, out, 8, &n), -EINVAL);

	/*
	 * A status that is not 0 or a negative errno is refused: INT_MIN
	 * (found by fuzz_ctl, tests/fuzz/crashes/ctl/) could not be negated.
	 */
	const int bad[] = { INT_MIN, -MCR_ERRNO_MAX - 1, 1, INT_MAX };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		nlh = mcr_ctl_msg_start(buf, sizeof(buf), MCR_MSG_DONE, 9, 0);
		mnl_attr_put_u32(nlh, MCR_A_STATUS, (uint32_t)bad[i]);
		assert_int_equal(mcr_ctl_get_done(nlh, &status, out, 8, &n), -EINVAL);
	}
	nlh = mcr_ctl_msg_start(buf, sizeof(buf), MCR_MSG_DONE, 9, 0);
	mnl_attr_put_u32(nlh, MCR_A_STATUS, (uint32_t)-MCR_ERRNO_MAX);
	assert_int_equal(mcr_ctl_get_done(nlh, &status, out, 8, &n), 0);
	assert_int_equal(status, -MCR_ERRNO_MAX);
}

static void test_header_checks(void **state)
{
	uint32_t buf[64];
	struct nlmsghdr *nlh;
	struct mcr_ctlhdr *h;
	char err[256];

	(void)state;
	nlh = mcr_ctl_msg_start(buf, sizeof(buf), MCR_CMD_RULE_GET, 1, 0);
	mnl_attr_put_strz(nlh, MCR_A_FILTER_NAME, "cam1");
	check_msg_ok(nlh);
	h = mnl_nlmsg_get_payload(nlh);

	h->version = 2;
	assert_int_equal(mcr_ctl_msg_check(nlh, nlh->nlmsg_len, err, sizeof(err)), -EPROTO);
	assert_string_equal(err, "protocol version 2, expected 1");
	h->version = MCR_CTL_VERSION;

	h->reserved = 1;
	assert_int_equal(mcr_ctl_msg_check(nlh, nlh->nlmsg_len, err, sizeof(err)), -EBADMSG);
	h->reserved = 0;

	assert_int_equal(mcr_ctl_msg_check(nlh, nlh->nlmsg_len - 1, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "exceeds"));
	assert_int_equal(mcr_ctl_msg_check(nlh, 3, err, sizeof(err)), -EBADMSG);
	assert_int_equal(mcr_ctl_msg_check(NULL, 0, err, sizeof(err)), -EBADMSG);

	nlh->nlmsg_len = NLMSG_HDRLEN + 2;
	assert_int_equal(mcr_ctl_msg_check(nlh, sizeof(buf), err, sizeof(err)), -EBADMSG);
	nlh->nlmsg_len = MCR_CTL_MSG_MAX + 4;
	assert_int_equal(mcr_ctl_msg_check(nlh, MCR_CTL_MSG_MAX + 8, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "limit"));

	/* Unaligned length. */
	nlh = mcr_ctl_msg_start(buf, sizeof(buf), MCR_CMD_RULE_GET, 1, 0);
	mnl_attr_put_strz(nlh, MCR_A_FILTER_NAME, "cam");
	nlh->nlmsg_len--;
	assert_int_equal(mcr_ctl_msg_check(nlh, sizeof(buf), err, sizeof(err)), -EBADMSG);

	/* Trailing bytes that are no attribute. */
	nlh = mcr_ctl_msg_start(buf, sizeof(buf), MCR_CMD_RULE_GET, 1, 0);
	mnl_attr_put_strz(nlh, MCR_A_FILTER_NAME, "cam1");
	memset((char *)nlh + nlh->nlmsg_len, 0, 4);
	nlh->nlmsg_len += 4;
	assert_int_equal(mcr_ctl_msg_check(nlh, nlh->nlmsg_len, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "after the last attribute"));

	/* Top-level attribute types: wrong length, unknown (ignored). */
	nlh = mcr_ctl_msg_start(buf, sizeof(buf), MCR_CMD_RULE_GET, 1, 0);
	mnl_attr_put_u16(nlh, MCR_A_FILTER_GROUP, 1);
	assert_int_equal(mcr_ctl_msg_check(nlh, nlh->nlmsg_len, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "group filter"));
	nlh = mcr_ctl_msg_start(buf, sizeof(buf), MCR_CMD_RULE_GET, 1, 0);
	mnl_attr_put_u16(nlh, 999, 1);
	mnl_attr_put_u32(nlh, MCR_A_FILTER_GROUP, 1);
	check_msg_ok(nlh);
	assert_non_null(mcr_ctl_attr(nlh, MCR_A_FILTER_GROUP));
	nlh = mcr_ctl_msg_start(buf, sizeof(buf), MCR_CMD_RULE_GET, 1, 0);
	mnl_attr_put_strz(nlh, MCR_A_FILTER_DEV, "abcdefghijklmnop");
	assert_int_equal(mcr_ctl_msg_check(nlh, nlh->nlmsg_len, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "longer than 15"));
}

/* The worker codec round-trips every field; index is required. */
static void test_worker_round_trip(void **state)
{
	uint32_t buf[128];
	struct mcr_worker_info w = { 0, 3, 4242, UINT32_MAX, 65534, 7, 10, 20, 5 }, got;
	struct nlmsghdr *nlh = mcr_ctl_msg_start(buf, sizeof(buf), MCR_MSG_WORKER, 1, 0);
	struct nlattr *n;
	char err[128];

	(void)state;
	assert_int_equal(mcr_ctl_put_worker(nlh, sizeof(buf), &w), 0);
	check_msg_ok(nlh);
	assert_int_equal(mcr_ctl_get_worker(mcr_ctl_attr(nlh, MCR_A_WORKER), &got, err, sizeof(err)), 0);
	assert_int_equal(got.index, 3);
	assert_int_equal(got.pid, 4242);
	assert_int_equal(got.cpu, UINT32_MAX);
	assert_int_equal(got.uid, 65534);
	assert_int_equal(got.rules, 7);
	assert_true(got.packets_in == 10 && got.packets_out == 20 && got.drops == 5);
	assert_int_equal(got.present, (1u << (MCR_WORKER_MAX + 1)) - 2);
	/* Too small a buffer: -EMSGSIZE and nothing appended. */
	nlh = mcr_ctl_msg_start(buf, 40, MCR_MSG_WORKER, 1, 0);
	assert_int_equal(mcr_ctl_put_worker(nlh, 40, &w), -EMSGSIZE);
	assert_int_equal(nlh->nlmsg_len, NLMSG_HDRLEN + MCR_CTLHDR_LEN);
	/* No index. */
	nlh = mcr_ctl_msg_start(buf, sizeof(buf), MCR_MSG_WORKER, 1, 0);
	n = mnl_attr_nest_start(nlh, MCR_A_WORKER);
	mnl_attr_put_u32(nlh, MCR_WORKER_PID, 1);
	mnl_attr_nest_end(nlh, n);
	assert_int_equal(mcr_ctl_get_worker(mcr_ctl_attr(nlh, MCR_A_WORKER), &got, err, sizeof(err)),
			 -EINVAL);
	assert_string_equal(err, "worker: no index");
	assert_int_equal(mcr_ctl_get_worker(NULL, &got, err, sizeof(err)), -EINVAL);
}

/* The rule filter: encoded by mcrctl, decoded and matched by mcrd. */
static void test_filter_codec(void **state)
{
	uint32_t buf[128];
	struct mcr_rule_filter f = { "cam1", "eth1", { 0 }, true, true, MCR_ORIGIN_RUNTIME }, got;
	struct nlmsghdr *nlh = mcr_ctl_msg_start(buf, sizeof(buf), MCR_CMD_RULE_GET, 1, 0);
	struct mcr_rule r;
	char err[128];

	(void)state;
	f.group = A("239.2.2.2");
	assert_int_equal(mcr_ctl_put_filter(nlh, sizeof(buf), &f), 0);
	check_msg_ok(nlh);
	assert_int_equal(mcr_ctl_get_filter(nlh, &got, err, sizeof(err)), 0);
	assert_string_equal(got.name, "cam1");
	assert_string_equal(got.dev, "eth1");
	assert_true(got.has_group && got.group.v4.s_addr == f.group.v4.s_addr);
	assert_true(got.has_origin && got.origin == MCR_ORIGIN_RUNTIME);
	/* Matching: the name exactly; dev and group on the input or any output; the origin. */
	make_rule(&r, "cam1", 2, false);
	snprintf(r.out[1].dev, sizeof(r.out[1].dev), "eth1");
	r.out[0].group = A("239.2.2.2");
	r.origin = MCR_ORIGIN_CONFIG;
	assert_false(mcr_rule_filter_match(&got, &r));
	r.origin = MCR_ORIGIN_RUNTIME;
	assert_true(mcr_rule_filter_match(&got, &r));
	snprintf(got.dev, sizeof(got.dev), "eth9");
	assert_false(mcr_rule_filter_match(&got, &r));
	memset(&got, 0, sizeof(got));
	assert_true(mcr_rule_filter_match(&got, &r));
	snprintf(got.name, sizeof(got.name), "cam");
	assert_false(mcr_rule_filter_match(&got, &r));
	mcr_rule_free(&r);
	/* An empty filter adds nothing; a bad interface name is refused. */
	nlh = mcr_ctl_msg_start(buf, sizeof(buf), MCR_CMD_RULE_GET, 1, 0);
	memset(&f, 0, sizeof(f));
	assert_int_equal(mcr_ctl_put_filter(nlh, sizeof(buf), &f), 0);
	assert_int_equal(nlh->nlmsg_len, NLMSG_HDRLEN + MCR_CTLHDR_LEN);
	mnl_attr_put_strz(nlh, MCR_A_FILTER_DEV, "a/b\033");
	assert_int_equal(mcr_ctl_get_filter(nlh, &got, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "dev filter \"a/b\\x1b\" is not a valid interface name"));
	/* An origin that is neither config nor runtime is refused. */
	nlh = mcr_ctl_msg_start(buf, sizeof(buf), MCR_CMD_RULE_GET, 1, 0);
	mnl_attr_put_u8(nlh, MCR_A_FILTER_ORIGIN, 7);
	check_msg_ok(nlh);
	assert_int_equal(mcr_ctl_get_filter(nlh, &got, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "origin filter 7"));
}

/* ---- hand-built malformed rules ---- */

struct hand {
	uint32_t buf[1024];
	struct nlmsghdr *nlh;
	struct nlattr *rule, *in, *out;
	bool ended;
};

static void hand_start(struct hand *h)
{
	h->nlh = mcr_ctl_msg_start(h->buf, sizeof(h->buf), MCR_CMD_RULE_ADD, 1, 0);
	h->rule = mnl_attr_nest_start(h->nlh, MCR_A_RULE);
	h->ended = false;
}

static void hand_end_rule(struct hand *h)
{
	if (!h->ended)
		mnl_attr_nest_end(h->nlh, h->rule);
	h->ended = true;
}

/* Ends the rule and opens an MCR_A_OUT after it. */
static void hand_out(struct hand *h)
{
	hand_end_rule(h);
	h->out = mnl_attr_nest_start(h->nlh, MCR_A_OUT);
}

static void hand_in(struct hand *h, bool dev, bool group, bool port)
{
	h->in = mnl_attr_nest_start(h->nlh, MCR_RULE_IN);
	if (dev)
		mnl_attr_put_strz(h->nlh, MCR_IN_DEV, "eth0");
	if (group)
		mnl_attr_put_u32(h->nlh, MCR_IN_GROUP, A("239.1.1.1").v4.s_addr);
	if (port)
		mnl_attr_put_u16(h->nlh, MCR_IN_PORT, 5001);
}

/* Ends the rule and expects mcr_ctl_get_rule to refuse it with phrase. */
static void hand_refused(struct hand *h, const char *phrase)
{
	struct mcr_rule r;
	struct mcr_rule_info info;
	char err[256] = "";
	int ret;

	memset(&r, 0, sizeof(r));
	memset(&info, 0, sizeof(info));
	hand_end_rule(h);
	ret = mcr_ctl_msg_check(h->nlh, h->nlh->nlmsg_len, err, sizeof(err));
	if (ret == 0)
		ret = mcr_ctl_get_rule(h->nlh, &r, &info, err,
				       sizeof(err));
	assert_true(ret < 0);
	if (!strstr(err, phrase))
		fail_msg("\"%s\" does not contain \"%s\"", err, phrase);
	assert_null(r.out);
	assert_null(info.out);
}

static struct mcr_rule hand_accepted(struct hand *h, struct mcr_rule_info *info)
{
	struct mcr_rule r;

	hand_end_rule(h);
	decode_ok(h->nlh, &r, info);
	return r;
}

static void test_bad_attrs(void **state)
{
	struct hand h;

	(void)state;
	/* u16 port given as u32. */
	hand_start(&h);
	hand_in(&h, true, true, false);
	mnl_attr_put_u32(h.nlh, MCR_IN_PORT, 5001);
	mnl_attr_nest_end(h.nlh, h.in);
	hand_refused(&h, "rule input: port: attribute of 4 bytes, expected 2");

	/* A string without its NUL. */
	hand_start(&h);
	h.in = mnl_attr_nest_start(h.nlh, MCR_RULE_IN);
	mnl_attr_put(h.nlh, MCR_IN_DEV, 4, "eth0");
	mnl_attr_nest_end(h.nlh, h.in);
	hand_refused(&h, "rule input: dev: string is not NUL-terminated");

	/* An interface name of 16 characters. */
	hand_start(&h);
	h.in = mnl_attr_nest_start(h.nlh, MCR_RULE_IN);
	mnl_attr_put_strz(h.nlh, MCR_IN_DEV, "abcdefghijklmnop");
	mnl_attr_nest_end(h.nlh, h.in);
	hand_refused(&h, "dev \"abcdefghijklmnop\" is longer than 15 characters");

	/* A name of 64 characters. */
	hand_start(&h);
	mnl_attr_put_strz(h.nlh, MCR_RULE_NAME,
			  "0123456789012345678901234567890123456789012345678901234567890123");
	hand_refused(&h, "is longer than 63 characters");

	/* An empty string, an invalid name, an invalid interface name. */
	hand_start(&h);
	mnl_attr_put(h.nlh, MCR_RULE_NAME, 0, "");
	hand_refused(&h, "rule: name: empty attribute");
	hand_start(&h);
	mnl_attr_put_strz(h.nlh, MCR_RULE_NAME, "a b");
	hand_refused(&h, "rule: name \"a b\" is not valid");
	hand_start(&h);
	h.in = mnl_attr_nest_start(h.nlh, MCR_RULE_IN);
	mnl_attr_put_strz(h.nlh, MCR_IN_DEV, "a/b");
	mnl_attr_put_u32(h.nlh, MCR_IN_GROUP, A("239.1.1.1").v4.s_addr);
	mnl_attr_put_u16(h.nlh, MCR_IN_PORT, 5001);
	mnl_attr_nest_end(h.nlh, h.in);
	hand_refused(&h, "dev \"a/b\" is not a valid interface name");
	/* Control bytes in either are escaped in the reason, never sent back raw. */
	hand_start(&h);
	mnl_attr_put_strz(h.nlh, MCR_RULE_NAME, "a\033[2J");
	hand_refused(&h, "rule: name \"a\\x1b[2J\" is not valid");
	hand_start(&h);
	h.in = mnl_attr_nest_start(h.nlh, MCR_RULE_IN);
	mnl_attr_put_strz(h.nlh, MCR_IN_DEV, "e\x9b");
	mnl_attr_put_u32(h.nlh, MCR_IN_GROUP, A("239.1.1.1").v4.s_addr);
	mnl_attr_put_u16(h.nlh, MCR_IN_PORT, 5001);
	mnl_attr_nest_end(h.nlh, h.in);
	hand_refused(&h, "dev \"e\\x9b\" is not a valid interface name");
	hand_start(&h);
	h.in = mnl_attr_nest_start(h.nlh, MCR_RULE_IN);
	mnl_attr_put_strz(h.nlh, MCR_IN_DEV, "\033\033\033\033\033\033\033\033\033\033\033\033\033\033\033\033");
	mnl_attr_nest_end(h.nlh, h.in);
	hand_refused(&h, "dev \"\\x1b\\x1b\\x1b\\x1b\\x1b...\" is longer than 15 characters");

	/* Missing input fields, port 0. */
	hand_start(&h);
	hand_in(&h, false, true, true);
	mnl_attr_nest_end(h.nlh, h.in);
	hand_refused(&h, "rule input: no dev");
	hand_start(&h);
	hand_in(&h, true, false, true);
	mnl_attr_nest_end(h.nlh, h.in);
	hand_refused(&h, "rule input: no group");
	hand_start(&h);
	hand_in(&h, true, true, false);
	mnl_attr_nest_end(h.nlh, h.in);
	hand_refused(&h, "rule input: no port");
	hand_start(&h);
	hand_in(&h, true, true, false);
	mnl_attr_put_u16(h.nlh, MCR_IN_PORT, 0);
	mnl_attr_nest_end(h.nlh, h.in);
	hand_refused(&h, "rule input: port 0 is out of range");

	/* Origin and state out of range; a u8 given as u16. */
	hand_start(&h);
	mnl_attr_put_strz(h.nlh, MCR_RULE_NAME, "x");
	mnl_attr_put_u8(h.nlh, MCR_RULE_ORIGIN, 2);
	hand_refused(&h, "unknown origin 2");
	hand_start(&h);
	mnl_attr_put_strz(h.nlh, MCR_RULE_NAME, "x");
	mnl_attr_put_u8(h.nlh, MCR_RULE_STATE, 7);
	hand_refused(&h, "unknown state 7");
	hand_start(&h);
	mnl_attr_put_strz(h.nlh, MCR_RULE_NAME, "x");
	mnl_attr_put_u16(h.nlh, MCR_RULE_STATE, 1);
	hand_refused(&h, "rule: state: attribute of 2 bytes, expected 1");

	/* A u64 counter of 4 bytes, a drop count of 4 bytes. */
	hand_start(&h);
	mnl_attr_put_strz(h.nlh, MCR_RULE_NAME, "x");
	mnl_attr_put_u32(h.nlh, MCR_RULE_PACKETS, 1);
	hand_refused(&h, "packets: attribute of 4 bytes, expected 8");
	hand_start(&h);
	mnl_attr_put_strz(h.nlh, MCR_RULE_NAME, "x");
	h.out = mnl_attr_nest_start(h.nlh, MCR_RULE_DROPS);
	mnl_attr_put_u32(h.nlh, MCR_DROP_NO_TX_SLOT, 1);
	mnl_attr_nest_end(h.nlh, h.out);
	hand_refused(&h, "rule drops: count: attribute of 4 bytes, expected 8");

	/* A reason longer than 95. */
	hand_start(&h);
	{
		char reason[97];

		memset(reason, 'r', 96);
		reason[96] = '\0';
		mnl_attr_put_strz(h.nlh, MCR_RULE_NAME, "x");
		mnl_attr_put_strz(h.nlh, MCR_RULE_REASON, reason);
	}
	hand_refused(&h, "reason \"rrrrrrrrrrrrrrrrrrrr...\" is longer than 95 characters");
}

static void test_bad_outputs(void **state)
{
	struct hand h;
	static const struct {
		uint16_t type;
		int len; /* 1, 2, 4: u8, u16, u32 */
		uint32_t value;
		const char *phrase;
	} cases[] = {
		{ MCR_OUT_TTL, 1, 0, "rule output 2: ttl 0 is out of range (1..255)" },
		{ MCR_OUT_PORT, 2, 0, "rule output 2: port 0 is out of range (1..65535)" },
		{ MCR_OUT_TTL, 2, 4, "rule output 2: ttl: attribute of 2 bytes, expected 1" },
		{ MCR_OUT_PORT, 4, 6000, "rule output 2: port: attribute of 4 bytes, expected 2" },
		{ MCR_OUT_GROUP, 2, 1, "rule output 2: group: attribute of 2 bytes, expected 4" },
		{ MCR_OUT_STATE, 1, 3, "rule output 2: unknown state 3" },
		{ MCR_OUT_PACKETS, 4, 3, "rule output 2: packets: attribute of 4 bytes, expected 8" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		hand_start(&h);
		hand_in(&h, true, true, true);
		mnl_attr_nest_end(h.nlh, h.in);
		hand_out(&h);
		mnl_attr_put_strz(h.nlh, MCR_OUT_DEV, "eth1");
		mnl_attr_nest_end(h.nlh, h.out);
		hand_out(&h);
		mnl_attr_put_strz(h.nlh, MCR_OUT_DEV, "eth2");
		if (cases[i].len == 1)
			mnl_attr_put_u8(h.nlh, cases[i].type, (uint8_t)cases[i].value);
		else if (cases[i].len == 2)
			mnl_attr_put_u16(h.nlh, cases[i].type, (uint16_t)cases[i].value);
		else
			mnl_attr_put_u32(h.nlh, cases[i].type, cases[i].value);
		mnl_attr_nest_end(h.nlh, h.out);
		hand_refused(&h, cases[i].phrase);
	}

	/* An output with no dev. */
	hand_start(&h);
	hand_in(&h, true, true, true);
	mnl_attr_nest_end(h.nlh, h.in);
	hand_out(&h);
	mnl_attr_put_u8(h.nlh, MCR_OUT_TTL, 3);
	mnl_attr_nest_end(h.nlh, h.out);
	hand_refused(&h, "rule output 1: no dev");

	/* An output that is not a nest: a 2-byte MCR_A_OUT. */
	hand_start(&h);
	hand_in(&h, true, true, true);
	mnl_attr_nest_end(h.nlh, h.in);
	hand_end_rule(&h);
	mnl_attr_put_u16(h.nlh, MCR_A_OUT, 3);
	hand_refused(&h, "message: rule output: nest of 2 bytes is too short");

	/* A nest whose inner attribute overruns it. */
	hand_start(&h);
	hand_in(&h, true, true, true);
	mnl_attr_nest_end(h.nlh, h.in);
	h.in->nla_len -= 4;
	hand_refused(&h, "nested attributes do not fill the nest");
}

/* Defaults for absent output fields; unknown attribute types skipped everywhere. */
static void test_defaults_and_unknown(void **state)
{
	struct hand h;
	struct mcr_rule r;
	struct mcr_rule_info info;

	(void)state;
	hand_start(&h);
	mnl_attr_put_u32(h.nlh, 200, 1);             /* unknown rule attribute */
	hand_in(&h, true, true, true);
	mnl_attr_put_strz(h.nlh, 77, "future");     /* unknown input attribute */
	mnl_attr_nest_end(h.nlh, h.in);
	h.out = mnl_attr_nest_start(h.nlh, MCR_RULE_DROPS);
	mnl_attr_put_u64(h.nlh, MCR_DROP__MAX + 5, 9); /* unknown drop reason */
	mnl_attr_put_u64(h.nlh, MCR_DROP_NO_TX_SLOT, 9);
	mnl_attr_nest_end(h.nlh, h.out);
	hand_end_rule(&h);
	mnl_attr_put_u8(h.nlh, 99, 1);               /* unknown top-level attribute */
	hand_out(&h);
	mnl_attr_put_strz(h.nlh, MCR_OUT_DEV, "eth1");
	mnl_attr_put_u64(h.nlh, 300, 1);             /* unknown output attribute */
	mnl_attr_nest_end(h.nlh, h.out);
	r = hand_accepted(&h, &info);
	assert_string_equal(r.name, "");
	assert_int_equal(r.nout, 1);
	assert_string_equal(r.out[0].dev, "eth1");
	assert_int_equal(r.out[0].group.v4.s_addr, A("239.1.1.1").v4.s_addr);
	assert_int_equal(r.out[0].port, 5001);
	assert_int_equal(r.out[0].ttl, 0);
	assert_false(r.out[0].ttl_fixed);
	assert_false(mcr_addr_set(r.in.source));
	assert_int_equal(r.origin, MCR_ORIGIN_CONFIG);
	assert_int_equal(info.state, MCR_STATE_ACTIVE);
	assert_int_equal(info.out[0].state, MCR_STATE_ACTIVE);
	assert_int_equal(info.worker, UINT32_MAX);
	assert_true(info.has_stats);
	assert_true(info.drops[MCR_DROP_NO_TX_SLOT] == 9);
	mcr_rule_free(&r);
	mcr_rule_info_free(&info);
}

/* Outputs are top-level attributes after their one rule, beyond 64 KiB. */
static void test_output_placement(void **state)
{
	struct mcr_rule r, got;
	void *buf;
	struct nlmsghdr *nlh;
	struct nlattr *a;
	char err[256];

	(void)state;
	make_rule(&r, "big", 3000, false);
	buf = buf_for(&r);
	nlh = rule_msg(buf, mcr_ctl_rule_size(&r), &r, NULL);
	assert_true(nlh->nlmsg_len > 0xffff);
	decode_ok(nlh, &got, NULL);
	assert_rule_same(&r, &got);
	mcr_rule_free(&got);

	/* An output with no rule before it. */
	nlh = mcr_ctl_msg_start(buf, mcr_ctl_rule_size(&r), MCR_MSG_RULE, 1, 0);
	a = mnl_attr_nest_start(nlh, MCR_A_OUT);
	mnl_attr_put_strz(nlh, MCR_OUT_DEV, "eth1");
	mnl_attr_nest_end(nlh, a);
	assert_int_equal(mcr_ctl_put_rule(nlh, mcr_ctl_rule_size(&r), &r, NULL), 0);
	assert_int_equal(mcr_ctl_msg_check(nlh, nlh->nlmsg_len, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "rule output without a rule before it"));

	/* Two rules in one message. */
	nlh = mcr_ctl_msg_start(buf, mcr_ctl_rule_size(&r), MCR_MSG_RULE, 1, 0);
	a = mnl_attr_nest_start(nlh, MCR_A_RULE);
	mnl_attr_put_strz(nlh, MCR_RULE_NAME, "other");
	mnl_attr_nest_end(nlh, a);
	assert_int_equal(mcr_ctl_put_rule(nlh, mcr_ctl_rule_size(&r), &r, NULL), 0);
	assert_int_equal(mcr_ctl_msg_check(nlh, nlh->nlmsg_len, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "more than one rule"));

	/* An event before the rule, as the daemon sends them. */
	nlh = mcr_ctl_msg_start(buf, mcr_ctl_rule_size(&r), MCR_MSG_EVENT, 1, 0);
	mnl_attr_put_u32(nlh, MCR_A_EVENT, MCR_EV_RULE_ADDED);
	assert_int_equal(mcr_ctl_put_rule(nlh, mcr_ctl_rule_size(&r), &r, NULL), 0);
	decode_ok(nlh, &got, NULL);
	assert_rule_same(&r, &got);
	mcr_rule_free(&got);
	mcr_rule_free(&r);
	free(buf);
}

/*
 * Checks (and when accepted decodes) a copy of the first len bytes, in a
 * buffer of exactly that size, with nlmsg_len optionally set to len.
 */
static int check_exact(const void *msg, size_t len, bool fix_len)
{
	uint8_t *copy = malloc(len ? len : 1);
	struct nlmsghdr *nlh = (struct nlmsghdr *)copy;
	char err[256];
	int ret;

	assert_non_null(copy);
	memcpy(copy, msg, len);
	if (fix_len && len >= sizeof(nlh->nlmsg_len))
		nlh->nlmsg_len = (uint32_t)len;
	ret = mcr_ctl_msg_check(copy, len, err, sizeof(err));
	if (ret == 0) {
		struct mcr_rule r;
		struct mcr_rule_info info;
		struct mcr_link_info l;
		const struct nlattr *a;
		const char *msgs[4];
		size_t n;
		int status;

		if (mcr_ctl_attr(nlh, MCR_A_RULE) &&
		    mcr_ctl_get_rule(nlh, &r, &info, err, sizeof(err)) == 0) {
			mcr_rule_free(&r);
			mcr_rule_info_free(&info);
		}
		mnl_attr_for_each(a, nlh, MCR_CTLHDR_LEN) {
			if (mnl_attr_get_type(a) == MCR_A_LINK)
				(void)mcr_ctl_get_link(a, &l, err, sizeof(err));
		}
		(void)mcr_ctl_get_done(nlh, &status, msgs, 4, &n);
	}
	free(copy);
	return ret;
}

static void test_truncation(void **state)
{
	struct mcr_rule r;
	struct mcr_rule_info info;
	void *buf;
	struct nlmsghdr *nlh;
	size_t full;

	(void)state;
	/* Every length of a rule with 3 outputs and counters. */
	make_rule(&r, "cam1", 3, true);
	make_info(&info, &r, true);
	buf = buf_for(&r);
	nlh = rule_msg(buf, mcr_ctl_rule_size(&r), &r, &info);
	full = nlh->nlmsg_len;
	for (size_t len = 0; len < full; len++) {
		/* Shorter than nlmsg_len says: always refused. */
		assert_int_not_equal(check_exact(nlh, len, false), 0);
		/* A consistent but shorter message: refused or decoded safely. */
		(void)check_exact(nlh, len, true);
	}
	assert_int_equal(check_exact(nlh, full, false), 0);
	mcr_rule_info_free(&info);
	mcr_rule_free(&r);
	free(buf);

	/* A rule with continuation: lengths around every attribute boundary. */
	make_rule(&r, "big", 2500, true);
	make_info(&info, &r, true);
	buf = buf_for(&r);
	nlh = rule_msg(buf, mcr_ctl_rule_size(&r), &r, &info);
	full = nlh->nlmsg_len;
	{
		const struct nlattr *a;

		mnl_attr_for_each(a, nlh, MCR_CTLHDR_LEN) {
			size_t off = (size_t)((const char *)a - (const char *)nlh);

			for (size_t len = off > 16 ? off - 16 : 0; len < off + 16 && len < full; len++) {
				assert_int_not_equal(check_exact(nlh, len, false), 0);
				(void)check_exact(nlh, len, true);
			}
		}
	}
	for (size_t len = 0; len < full; len += 4099)
		(void)check_exact(nlh, len, true);
	assert_int_equal(check_exact(nlh, full, false), 0);
	mcr_rule_info_free(&info);
	mcr_rule_free(&r);
	free(buf);
}

/* xorshift64*: deterministic. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static void test_garbage(void **state)
{
	uint8_t *buf = malloc(2048);
	struct mcr_rule r;
	struct mcr_rule_info info;
	struct mcr_link_info l;
	void *valid[3];
	size_t vlen[3];
	unsigned accepted = 0;

	(void)state;
	/* Valid messages to mutate, so that mutations get past the header. */
	make_rule(&r, "cam1", 4, true);
	make_info(&info, &r, true);
	valid[0] = buf_for(&r);
	vlen[0] = rule_msg(valid[0], mcr_ctl_rule_size(&r), &r, &info)->nlmsg_len;
	make_link(&l, 3, true);
	valid[1] = calloc(1, 1024);
	{
		struct nlmsghdr *nlh = mcr_ctl_msg_start(valid[1], 1024, MCR_MSG_LINK, 1, 0);
		const char *msgs[] = { "a", "bc" };

		assert_int_equal(mcr_ctl_put_link(nlh, 1024, &l), 0);
		vlen[1] = nlh->nlmsg_len;
		valid[2] = calloc(1, 1024);
		nlh = mcr_ctl_msg_start(valid[2], 1024, MCR_MSG_DONE, 1, 0);
		assert_int_equal(mcr_ctl_put_done(nlh, 1024, -1, msgs, 2), 0);
		vlen[2] = nlh->nlmsg_len;
	}

	for (unsigned it = 0; it < 100000; it++) {
		size_t len;

		if (it % 2) {
			/* Pure garbage behind a plausible header. */
			struct nlmsghdr *nlh = (struct nlmsghdr *)buf;

			len = rnd() % 512;
			for (size_t i = 0; i < len; i++)
				buf[i] = (uint8_t)rnd();
			if (len >= NLMSG_HDRLEN + MCR_CTLHDR_LEN && rnd() % 4) {
				nlh->nlmsg_len = (uint32_t)(len & ~3u);
				buf[NLMSG_HDRLEN] = MCR_CTL_VERSION;
				buf[NLMSG_HDRLEN + 2] = buf[NLMSG_HDRLEN + 3] = 0;
			}
		} else {
			unsigned v = (unsigned)(rnd() % 3);
			unsigned flips = 1 + (unsigned)(rnd() % 8);

			len = vlen[v];
			memcpy(buf, valid[v], len);
			for (unsigned f = 0; f < flips; f++) {
				size_t at = NLMSG_HDRLEN + MCR_CTLHDR_LEN +
					    rnd() % (len - NLMSG_HDRLEN - MCR_CTLHDR_LEN);

				buf[at] = rnd() % 3 ? (uint8_t)rnd() : (uint8_t)(buf[at] ^ 1);
			}
		}
		if (check_exact(buf, len, false) == 0)
			accepted++;
	}
	print_message("  %u of 100000 garbage messages well formed\n", accepted);
	for (int i = 0; i < 3; i++)
		free(valid[i]);
	mcr_rule_info_free(&info);
	mcr_rule_free(&r);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_msg_start),
		cmocka_unit_test(test_rule_round_trips),
		cmocka_unit_test(test_rule_ipv6),
		cmocka_unit_test(test_rule_ipv6_malformed),
		cmocka_unit_test(test_rule_4096),
		cmocka_unit_test(test_rule_too_many_outputs),
		cmocka_unit_test(test_rule_partial),
		cmocka_unit_test(test_rule_emsgsize),
		cmocka_unit_test(test_rule_inputs_round_trip),
		cmocka_unit_test(test_rule_inputs_refused),
		cmocka_unit_test(test_link_round_trip),
		cmocka_unit_test(test_link_too_many_addrs),
		cmocka_unit_test(test_done),
		cmocka_unit_test(test_worker_round_trip),
		cmocka_unit_test(test_filter_codec),
		cmocka_unit_test(test_header_checks),
		cmocka_unit_test(test_bad_attrs),
		cmocka_unit_test(test_bad_outputs),
		cmocka_unit_test(test_defaults_and_unknown),
		cmocka_unit_test(test_output_placement),
		cmocka_unit_test(test_truncation),
		cmocka_unit_test(test_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
