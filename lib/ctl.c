/*
 * The control protocol codec (see ctl.h): messages built and parsed with
 * libmnl.  Every attribute's type and length is validated before it is read;
 * attribute types newer than this code are skipped, malformed ones refused.
 */
#include "ctl.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

/* The largest nla_len a nest can have: 16 bits, over an aligned payload. */
#define ATTR_LEN_MAX   0xfffcu
/* The longest MCR_A_MSG written, with its NUL; longer ones are cut. */
#define CTL_STR_MAX    4096u
#define REASON_MAX     sizeof(((struct mcr_rule_info *)0)->reason)
#define LINK_STATE_MAX sizeof(((struct mcr_link_info *)0)->state)
#define LINK_ADDR_MAX  (sizeof(((struct mcr_link_info *)0)->addr) / sizeof(struct in_addr))

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
	}
	return "unknown";
}

/* ---- encoding ---- */

/* Bytes an attribute with a payload of n bytes takes in a message. */
#define ATTR_SZ(n) (MNL_ATTR_HDRLEN + MNL_ALIGN(n))

size_t mcr_ctl_rule_size(const struct mcr_rule *r)
{
	size_t head = MNL_ALIGN(NLMSG_HDRLEN) + MNL_ALIGN(MCR_CTLHDR_LEN) + ATTR_SZ(4) /* event */;
	size_t in = ATTR_SZ(0) + ATTR_SZ(IFNAMSIZ) + 3 * ATTR_SZ(4);
	size_t rule = ATTR_SZ(0) + ATTR_SZ(MCR_NAME_MAX) + in + 2 * ATTR_SZ(1) + ATTR_SZ(REASON_MAX) + ATTR_SZ(4) +
		      4 * ATTR_SZ(8) + ATTR_SZ(0) + (MCR_DROP__MAX - 1) * ATTR_SZ(8) + ATTR_SZ(4) /* more outs */ +
		      ATTR_SZ(0) /* outs */;
	/* Each output, plus a continuation header per output at worst. */
	size_t out = ATTR_SZ(0) + ATTR_SZ(IFNAMSIZ) + ATTR_SZ(4) + ATTR_SZ(2) + 2 * ATTR_SZ(1) + ATTR_SZ(REASON_MAX) + 3 * ATTR_SZ(8) +
		     ATTR_SZ(0);

	return head + rule + (size_t)r->nout * out + 64;
}

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

/* Bytes from attribute a to the end of the message being built. */
static size_t built_since(const struct nlmsghdr *nlh, const void *a)
{
	return (size_t)((const char *)mnl_nlmsg_get_payload_tail(nlh) - (const char *)a);
}

/*
 * A NUL-terminated string from a field of max bytes: at most max - 1
 * characters are written, whether or not the field holds a NUL.
 */
static bool put_str(struct nlmsghdr *nlh, size_t len, uint16_t type, const char *s, size_t max)
{
	size_t n = strnlen(s, max - 1);
	struct nlattr *a = mnl_nlmsg_get_payload_tail(nlh);

	/* n + 1 bytes are read: s[n] is inside the field (or the string's NUL). */
	if (!mnl_attr_put_check(nlh, len, type, n + 1, s))
		return false;
	((char *)mnl_attr_get_payload(a))[n] = '\0';
	return true;
}

static bool put_drops(struct nlmsghdr *nlh, size_t len, uint16_t type, const uint64_t *drops)
{
	struct nlattr *n = mnl_attr_nest_start_check(nlh, len, type);

	if (!n)
		return false;
	for (unsigned d = 1; d < MCR_DROP__MAX; d++)
		if (!mnl_attr_put_u64_check(nlh, len, (uint16_t)d, drops[d]))
			return false;
	mnl_attr_nest_end(nlh, n);
	return true;
}

static bool put_output(struct nlmsghdr *nlh, size_t len, const struct mcr_output *o,
		       const struct mcr_out_info *oi, bool stats)
{
	struct nlattr *n = mnl_attr_nest_start_check(nlh, len, MCR_RULE_OUT);

	if (!n)
		return false;
	if (!put_str(nlh, len, MCR_OUT_DEV, o->dev, sizeof(o->dev)) ||
	    !mnl_attr_put_u32_check(nlh, len, MCR_OUT_GROUP, o->group.s_addr) ||
	    !mnl_attr_put_u16_check(nlh, len, MCR_OUT_PORT, o->port) ||
	    !mnl_attr_put_u8_check(nlh, len, MCR_OUT_TTL, o->ttl))
		return false;
	if (oi) {
		if (!mnl_attr_put_u8_check(nlh, len, MCR_OUT_STATE, oi->state))
			return false;
		if (oi->reason[0] &&
		    !put_str(nlh, len, MCR_OUT_REASON, oi->reason, sizeof(oi->reason)))
			return false;
		if (stats && (!mnl_attr_put_u64_check(nlh, len, MCR_OUT_PACKETS, oi->packets) ||
			      !mnl_attr_put_u64_check(nlh, len, MCR_OUT_BYTES, oi->bytes) ||
			      !mnl_attr_put_u64_check(nlh, len, MCR_OUT_ERRORS, oi->errors)))
			return false;
	}
	mnl_attr_nest_end(nlh, n);
	return true;
}

/*
 * Appends outputs from *i on into the open nest, while the nest stays within
 * limit bytes.  False when the buffer is full.
 */
static bool put_outputs(struct nlmsghdr *nlh, size_t len, const struct nlattr *nest,
			size_t limit, const struct mcr_rule *r,
			const struct mcr_rule_info *info, unsigned *i)
{
	bool stats = info && info->has_stats;

	for (; *i < r->nout; ++*i) {
		uint32_t mark = nlh->nlmsg_len;
		const struct mcr_out_info *oi = info && info->out ? &info->out[*i] : NULL;

		if (!put_output(nlh, len, &r->out[*i], oi, stats))
			return false;
		if (built_since(nlh, nest) > limit) {
			nlh->nlmsg_len = mark;
			break;
		}
	}
	return true;
}

static bool put_input(struct nlmsghdr *nlh, size_t len, const struct mcr_input *in)
{
	struct nlattr *n = mnl_attr_nest_start_check(nlh, len, MCR_RULE_IN);

	if (!n || !put_str(nlh, len, MCR_IN_DEV, in->dev, sizeof(in->dev)) ||
	    !mnl_attr_put_u32_check(nlh, len, MCR_IN_GROUP, in->group.s_addr) ||
	    !mnl_attr_put_u16_check(nlh, len, MCR_IN_PORT, in->port))
		return false;
	if (in->source.s_addr != INADDR_ANY &&
	    !mnl_attr_put_u32_check(nlh, len, MCR_IN_SOURCE, in->source.s_addr))
		return false;
	mnl_attr_nest_end(nlh, n);
	return true;
}

static bool put_rule_info(struct nlmsghdr *nlh, size_t len, const struct mcr_rule_info *info)
{
	if (!mnl_attr_put_u8_check(nlh, len, MCR_RULE_STATE, info->state))
		return false;
	if (info->reason[0] &&
	    !put_str(nlh, len, MCR_RULE_REASON, info->reason, sizeof(info->reason)))
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
	       put_drops(nlh, len, MCR_RULE_DROPS, info->drops);
}

int mcr_ctl_put_rule(struct nlmsghdr *nlh, size_t len, const struct mcr_rule *r,
		     const struct mcr_rule_info *info)
{
	uint32_t start = nlh->nlmsg_len, cont;
	struct nlattr *rule, *outs, *more = NULL;
	unsigned i = 0;

	if (len > MCR_CTL_MSG_MAX)
		len = MCR_CTL_MSG_MAX;
	if (!(rule = mnl_attr_nest_start_check(nlh, len, MCR_A_RULE)))
		goto full;
	if (r->name[0] && !put_str(nlh, len, MCR_RULE_NAME, r->name, sizeof(r->name)))
		goto full;
	if (r->in.dev[0] && !put_input(nlh, len, &r->in))
		goto full;
	if (!mnl_attr_put_u8_check(nlh, len, MCR_RULE_ORIGIN, (uint8_t)r->origin))
		goto full;
	if (info && !put_rule_info(nlh, len, info))
		goto full;
	if (r->nout) {
		/* What does not fit in the rule's 16-bit length continues after it. */
		if (!(outs = mnl_attr_nest_start_check(nlh, len, MCR_RULE_OUTS)) ||
		    !put_outputs(nlh, len, rule, ATTR_LEN_MAX - MNL_ATTR_HDRLEN - 4, r, info, &i))
			goto full;
		mnl_attr_nest_end(nlh, outs);
		if (i < r->nout) {
			more = mnl_nlmsg_get_payload_tail(nlh);
			if (!mnl_attr_put_u32_check(nlh, len, MCR_RULE_MORE_OUTS, 0))
				goto full;
		}
	}
	mnl_attr_nest_end(nlh, rule);

	cont = nlh->nlmsg_len;
	while (i < r->nout) {
		unsigned first = i;
		struct nlattr *c = mnl_attr_nest_start_check(nlh, len, MCR_A_RULE_OUTS);

		if (!c || !put_outputs(nlh, len, c, ATTR_LEN_MAX, r, info, &i) || i == first)
			goto full;
		mnl_attr_nest_end(nlh, c);
	}
	if (more) {
		uint32_t v = nlh->nlmsg_len - cont;

		memcpy(mnl_attr_get_payload(more), &v, sizeof(v));
	}
	return 0;
full:
	nlh->nlmsg_len = start;
	return -EMSGSIZE;
}

int mcr_ctl_put_link(struct nlmsghdr *nlh, size_t len, const struct mcr_link_info *l)
{
	uint32_t start = nlh->nlmsg_len;
	struct nlattr *n;
	unsigned naddr = l->naddr < LINK_ADDR_MAX ? l->naddr : (unsigned)LINK_ADDR_MAX;

	if (len > MCR_CTL_MSG_MAX)
		len = MCR_CTL_MSG_MAX;
	if (!(n = mnl_attr_nest_start_check(nlh, len, MCR_A_LINK)) ||
	    !put_str(nlh, len, MCR_LINK_NAME, l->name, sizeof(l->name)) ||
	    !mnl_attr_put_u32_check(nlh, len, MCR_LINK_IFINDEX, l->ifindex) ||
	    !put_str(nlh, len, MCR_LINK_STATE, l->state, sizeof(l->state)))
		goto full;
	for (unsigned i = 0; i < naddr; i++)
		if (!mnl_attr_put_u32_check(nlh, len, MCR_LINK_ADDR, l->addr[i].s_addr))
			goto full;
	if (!mnl_attr_put_u32_check(nlh, len, MCR_LINK_RULES, l->rules))
		goto full;
	if (l->has_stats && (!mnl_attr_put_u64_check(nlh, len, MCR_LINK_FRAMES, l->frames) ||
			     !put_drops(nlh, len, MCR_LINK_DROPS, l->drops)))
		goto full;
	mnl_attr_nest_end(nlh, n);
	return 0;
full:
	nlh->nlmsg_len = start;
	return -EMSGSIZE;
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
		if (msgs[i] && !put_str(nlh, len, MCR_A_MSG, msgs[i], CTL_STR_MAX))
			goto full;
	return 0;
full:
	nlh->nlmsg_len = start;
	return -EMSGSIZE;
}

/* ---- validation ---- */

static int fail(char *err, size_t errlen, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return ret;
}

/* What one attribute type holds at one level; type MNL_TYPE_UNSPEC = unknown. */
struct pol {
	enum mnl_attr_data_type type;
	size_t max;       /* strings: bytes of the destination, NUL included */
	const char *name; /* for messages */
};

/* Do the attributes inside nest fill it, with no bytes left over? */
static bool nest_framed(const struct nlattr *nest)
{
	const struct nlattr *attr;
	const char *end = (const char *)mnl_attr_get_payload(nest) + mnl_attr_get_payload_len(nest);

	mnl_attr_for_each_nested(attr, nest) {
	}
	/* The last attribute may end unaligned, up to 3 bytes before its slot. */
	return end - (const char *)attr <= 0;
}

static unsigned fixed_len(enum mnl_attr_data_type t)
{
	switch (t) {
	case MNL_TYPE_U8: return 1;
	case MNL_TYPE_U16: return 2;
	case MNL_TYPE_U32: return 4;
	default: return 8;
	}
}

/*
 * Validates attribute a against pol[0..max]: 1 known and well formed, 0 of a
 * type unknown here (to be skipped), -1 malformed (reason in err).
 */
static int attr_check(const struct nlattr *a, const struct pol *pol, unsigned max,
		      const char *where, char *err, size_t errlen)
{
	uint16_t t = mnl_attr_get_type(a);
	uint16_t plen = mnl_attr_get_payload_len(a);
	const char *data = mnl_attr_get_payload(a);
	const struct pol *p;

	if (mnl_attr_type_valid(a, max) < 0 || pol[t].type == MNL_TYPE_UNSPEC)
		return 0;
	p = &pol[t];
	if (mnl_attr_validate(a, p->type) < 0) {
		if (p->type == MNL_TYPE_NUL_STRING && plen && data[plen - 1])
			fail(err, errlen, -1, "%s: %s: string is not NUL-terminated", where, p->name);
		else if (p->type == MNL_TYPE_NUL_STRING)
			fail(err, errlen, -1, "%s: %s: empty attribute", where, p->name);
		else if (p->type == MNL_TYPE_NESTED)
			fail(err, errlen, -1, "%s: %s: nest of %u bytes is too short", where, p->name,
			     plen);
		else
			fail(err, errlen, -1, "%s: %s: attribute of %u bytes, expected %u", where,
			     p->name, plen, fixed_len(p->type));
		return -1;
	}
	if (p->type == MNL_TYPE_NUL_STRING && p->max && strlen(data) >= p->max) {
		fail(err, errlen, -1, "%s: %s \"%.*s...\" is longer than %zu characters", where,
		     p->name, 20, data, p->max - 1);
		return -1;
	}
	if (p->type == MNL_TYPE_NESTED && !nest_framed(a)) {
		fail(err, errlen, -1, "%s: %s: nested attributes do not fill the nest", where,
		     p->name);
		return -1;
	}
	return 1;
}

struct tb_ctx {
	const struct pol *pol;
	unsigned max;
	const struct nlattr **tb;
	const char *where;
	char *err;
	size_t errlen;
};

static int tb_cb(const struct nlattr *a, void *data)
{
	struct tb_ctx *c = data;
	int ret = attr_check(a, c->pol, c->max, c->where, c->err, c->errlen);

	if (ret < 0)
		return MNL_CB_ERROR;
	if (ret > 0)
		c->tb[mnl_attr_get_type(a)] = a;
	return MNL_CB_OK;
}

/* Validates nest (already checked as MNL_TYPE_NESTED) into tb[0..max]. */
static int parse_nest(const struct nlattr *nest, const struct pol *pol, unsigned max,
		      const struct nlattr **tb, const char *where, char *err, size_t errlen)
{
	struct tb_ctx c = { pol, max, tb, where, err, errlen };

	memset(tb, 0, (max + 1) * sizeof(*tb));
	if (mnl_attr_parse_nested(nest, tb_cb, &c) < 0)
		return -EINVAL;
	return 0;
}

/* Checks the attribute handed to a decoder: present, of type t, a sound nest. */
static int check_object(const struct nlattr *a, uint16_t t, const char *what, char *err,
			size_t errlen)
{
	if (!a)
		return fail(err, errlen, -EINVAL, "no %s attribute", what);
	if (mnl_attr_get_type(a) != t)
		return fail(err, errlen, -EINVAL, "attribute type %u is not a %s",
			    mnl_attr_get_type(a), what);
	if (mnl_attr_validate(a, MNL_TYPE_NESTED) < 0 || !nest_framed(a))
		return fail(err, errlen, -EINVAL, "%s: malformed nest", what);
	return 0;
}

/* ---- whole messages ---- */

static const struct pol top_pol[MCR_A_MAX + 1] = {
	[MCR_A_RULE] = { MNL_TYPE_NESTED, 0, "rule" },
	[MCR_A_LINK] = { MNL_TYPE_NESTED, 0, "link" },
	[MCR_A_WORKER] = { MNL_TYPE_NESTED, 0, "worker" },
	[MCR_A_STATUS] = { MNL_TYPE_U32, 0, "status" },
	[MCR_A_MSG] = { MNL_TYPE_NUL_STRING, 0, "message" },
	[MCR_A_FILTER_NAME] = { MNL_TYPE_NUL_STRING, MCR_NAME_MAX, "name filter" },
	[MCR_A_FILTER_DEV] = { MNL_TYPE_NUL_STRING, IFNAMSIZ, "dev filter" },
	[MCR_A_FILTER_GROUP] = { MNL_TYPE_U32, 0, "group filter" },
	[MCR_A_EVENT] = { MNL_TYPE_U32, 0, "event" },
	[MCR_A_RULE_OUTS] = { MNL_TYPE_NESTED, 0, "rule outputs" },
};

struct check_ctx {
	char *err;
	size_t errlen;
	size_t cont;      /* bytes of MCR_A_RULE_OUTS still expected */
};

/* The MCR_RULE_MORE_OUTS value of a well-framed rule nest, or -1 if malformed. */
static long rule_more_outs(const struct nlattr *rule, char *err, size_t errlen)
{
	const struct nlattr *attr;
	long more = 0;

	mnl_attr_for_each_nested(attr, rule) {
		if (mnl_attr_get_type(attr) != MCR_RULE_MORE_OUTS)
			continue;
		if (mnl_attr_validate(attr, MNL_TYPE_U32) < 0)
			return fail(err, errlen, -1, "rule: more outputs: attribute of %u bytes, expected 4",
				    mnl_attr_get_payload_len(attr));
		more = mnl_attr_get_u32(attr);
	}
	if (more % MNL_ALIGNTO || more > (long)MCR_CTL_MSG_MAX)
		return fail(err, errlen, -1, "rule: more outputs: bad length %ld", more);
	return more;
}

static int check_cb(const struct nlattr *a, void *data)
{
	struct check_ctx *c = data;
	uint16_t t = mnl_attr_get_type(a);
	int ret = attr_check(a, top_pol, MCR_A_MAX, "message", c->err, c->errlen);
	long more;

	if (ret < 0)
		return MNL_CB_ERROR;
	if (c->cont) {
		if (t != MCR_A_RULE_OUTS) {
			fail(c->err, c->errlen, -1, "message: rule outputs continue into attribute %u",
			     t);
			return MNL_CB_ERROR;
		}
		if ((size_t)MNL_ALIGN(a->nla_len) > c->cont) {
			fail(c->err, c->errlen, -1, "message: rule outputs overrun their length");
			return MNL_CB_ERROR;
		}
		c->cont -= (size_t)MNL_ALIGN(a->nla_len);
		return MNL_CB_OK;
	}
	if (t == MCR_A_RULE_OUTS) {
		fail(c->err, c->errlen, -1, "message: rule outputs without a rule before them");
		return MNL_CB_ERROR;
	}
	if (t == MCR_A_RULE) {
		if ((more = rule_more_outs(a, c->err, c->errlen)) < 0)
			return MNL_CB_ERROR;
		c->cont = (size_t)more;
	}
	return MNL_CB_OK;
}

int mcr_ctl_msg_check(const void *buf, size_t len, char *err, size_t errlen)
{
	const struct nlmsghdr *nlh = buf;
	const struct mcr_ctlhdr *h;
	const struct nlattr *attr;
	struct check_ctx c = { err, errlen, 0 };
	ptrdiff_t rest;

	if (!buf || len < NLMSG_HDRLEN)
		return fail(err, errlen, -EBADMSG, "message of %zu bytes is shorter than a header",
			    buf ? len : 0);
	if (nlh->nlmsg_len < NLMSG_HDRLEN + MCR_CTLHDR_LEN)
		return fail(err, errlen, -EBADMSG, "message length %u is shorter than the headers",
			    nlh->nlmsg_len);
	if (nlh->nlmsg_len > len)
		return fail(err, errlen, -EBADMSG, "message length %u exceeds the %zu bytes received",
			    nlh->nlmsg_len, len);
	if (nlh->nlmsg_len > MCR_CTL_MSG_MAX)
		return fail(err, errlen, -EBADMSG, "message length %u exceeds the limit of %u",
			    nlh->nlmsg_len, MCR_CTL_MSG_MAX);
	if (nlh->nlmsg_len % MNL_ALIGNTO)
		return fail(err, errlen, -EBADMSG, "message length %u is not a multiple of %d",
			    nlh->nlmsg_len, MNL_ALIGNTO);
	h = mnl_nlmsg_get_payload(nlh);
	if (h->version != MCR_CTL_VERSION)
		return fail(err, errlen, -EPROTO, "protocol version %u, expected %d", h->version,
			    MCR_CTL_VERSION);
	if (h->reserved)
		return fail(err, errlen, -EBADMSG, "reserved header field is %u, not 0",
			    h->reserved);
	if (mnl_attr_parse(nlh, MCR_CTLHDR_LEN, check_cb, &c) < 0)
		return -EBADMSG;
	mnl_attr_for_each(attr, nlh, MCR_CTLHDR_LEN) {
	}
	rest = (const char *)mnl_nlmsg_get_payload_tail(nlh) - (const char *)attr;
	if (rest > 0)
		return fail(err, errlen, -EBADMSG, "%td bytes after the last attribute", rest);
	if (c.cont)
		return fail(err, errlen, -EBADMSG, "message: rule outputs cut short");
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

/* ---- rules ---- */

static const struct pol rule_pol[MCR_RULE_MAX + 1] = {
	[MCR_RULE_NAME] = { MNL_TYPE_NUL_STRING, MCR_NAME_MAX, "name" },
	[MCR_RULE_IN] = { MNL_TYPE_NESTED, 0, "in" },
	[MCR_RULE_OUTS] = { MNL_TYPE_NESTED, 0, "outputs" },
	[MCR_RULE_OUT] = { MNL_TYPE_NESTED, 0, "out" },
	[MCR_RULE_ORIGIN] = { MNL_TYPE_U8, 0, "origin" },
	[MCR_RULE_STATE] = { MNL_TYPE_U8, 0, "state" },
	[MCR_RULE_REASON] = { MNL_TYPE_NUL_STRING, REASON_MAX, "reason" },
	[MCR_RULE_WORKER] = { MNL_TYPE_U32, 0, "worker" },
	[MCR_RULE_PACKETS] = { MNL_TYPE_U64, 0, "packets" },
	[MCR_RULE_BYTES] = { MNL_TYPE_U64, 0, "bytes" },
	[MCR_RULE_PPS] = { MNL_TYPE_U64, 0, "pps" },
	[MCR_RULE_BPS] = { MNL_TYPE_U64, 0, "bps" },
	[MCR_RULE_DROPS] = { MNL_TYPE_NESTED, 0, "drops" },
	[MCR_RULE_MORE_OUTS] = { MNL_TYPE_U32, 0, "more outputs" },
};

static const struct pol in_pol[MCR_IN_MAX + 1] = {
	[MCR_IN_DEV] = { MNL_TYPE_NUL_STRING, IFNAMSIZ, "dev" },
	[MCR_IN_GROUP] = { MNL_TYPE_U32, 0, "group" },
	[MCR_IN_PORT] = { MNL_TYPE_U16, 0, "port" },
	[MCR_IN_SOURCE] = { MNL_TYPE_U32, 0, "source" },
};

static const struct pol out_pol[MCR_OUT_MAX + 1] = {
	[MCR_OUT_DEV] = { MNL_TYPE_NUL_STRING, IFNAMSIZ, "dev" },
	[MCR_OUT_GROUP] = { MNL_TYPE_U32, 0, "group" },
	[MCR_OUT_PORT] = { MNL_TYPE_U16, 0, "port" },
	[MCR_OUT_TTL] = { MNL_TYPE_U8, 0, "ttl" },
	[MCR_OUT_STATE] = { MNL_TYPE_U8, 0, "state" },
	[MCR_OUT_REASON] = { MNL_TYPE_NUL_STRING, REASON_MAX, "reason" },
	[MCR_OUT_PACKETS] = { MNL_TYPE_U64, 0, "packets" },
	[MCR_OUT_BYTES] = { MNL_TYPE_U64, 0, "bytes" },
	[MCR_OUT_ERRORS] = { MNL_TYPE_U64, 0, "errors" },
};

static const struct pol drop_pol[MCR_DROP__MAX] = {
	[1 ... MCR_DROP__MAX - 1] = { MNL_TYPE_U64, 0, "count" },
};

static int get_dev(const struct nlattr *a, char *dev, const char *where, char *err, size_t errlen)
{
	const char *s = mnl_attr_get_str(a);

	if (!mcr_ifname_valid(s))
		return fail(err, errlen, -EINVAL, "%s: dev \"%s\" is not a valid interface name",
			    where, s);
	strcpy(dev, s); /* attr_check bounded it by IFNAMSIZ */
	return 0;
}

static int get_drops(const struct nlattr *nest, uint64_t *drops, const char *where, char *err,
		     size_t errlen)
{
	const struct nlattr *tb[MCR_DROP__MAX];
	int ret = parse_nest(nest, drop_pol, MCR_DROP__MAX - 1, tb, where, err, errlen);

	if (ret)
		return ret;
	memset(drops, 0, MCR_DROP__MAX * sizeof(*drops));
	for (unsigned d = 1; d < MCR_DROP__MAX; d++)
		if (tb[d])
			drops[d] = mnl_attr_get_u64(tb[d]);
	return 0;
}

static int get_input(const struct nlattr *nest, struct mcr_input *in, char *err, size_t errlen)
{
	const struct nlattr *tb[MCR_IN_MAX + 1];
	int ret = parse_nest(nest, in_pol, MCR_IN_MAX, tb, "rule input", err, errlen);

	if (ret)
		return ret;
	if (!tb[MCR_IN_DEV] || !tb[MCR_IN_GROUP] || !tb[MCR_IN_PORT])
		return fail(err, errlen, -EINVAL, "rule input: no %s",
			    !tb[MCR_IN_DEV] ? "dev" : !tb[MCR_IN_GROUP] ? "group" : "port");
	if ((ret = get_dev(tb[MCR_IN_DEV], in->dev, "rule input", err, errlen)))
		return ret;
	in->group.s_addr = mnl_attr_get_u32(tb[MCR_IN_GROUP]);
	in->port = mnl_attr_get_u16(tb[MCR_IN_PORT]);
	if (in->port == 0)
		return fail(err, errlen, -EINVAL, "rule input: port 0 is out of range (1..65535)");
	if (tb[MCR_IN_SOURCE])
		in->source.s_addr = mnl_attr_get_u32(tb[MCR_IN_SOURCE]);
	return 0;
}

static int get_output(const struct nlattr *nest, unsigned idx, const struct mcr_input *in,
		      struct mcr_output *o, struct mcr_out_info *oi, char *err, size_t errlen)
{
	const struct nlattr *tb[MCR_OUT_MAX + 1];
	char where[32];
	int ret;

	snprintf(where, sizeof(where), "rule output %u", idx + 1);
	if ((ret = parse_nest(nest, out_pol, MCR_OUT_MAX, tb, where, err, errlen)))
		return ret;
	if (!tb[MCR_OUT_DEV])
		return fail(err, errlen, -EINVAL, "%s: no dev", where);
	if ((ret = get_dev(tb[MCR_OUT_DEV], o->dev, where, err, errlen)))
		return ret;
	o->group = tb[MCR_OUT_GROUP] ? (struct in_addr){ mnl_attr_get_u32(tb[MCR_OUT_GROUP]) }
				     : in->group;
	o->port = tb[MCR_OUT_PORT] ? mnl_attr_get_u16(tb[MCR_OUT_PORT]) : in->port;
	o->ttl = tb[MCR_OUT_TTL] ? mnl_attr_get_u8(tb[MCR_OUT_TTL]) : MCR_DEFAULT_TTL;
	if (o->port == 0)
		return fail(err, errlen, -EINVAL, "%s: port 0 is out of range (1..65535)", where);
	if (o->ttl == 0)
		return fail(err, errlen, -EINVAL, "%s: ttl 0 is out of range (1..255)", where);
	if (!oi)
		return 0;
	oi->state = tb[MCR_OUT_STATE] ? mnl_attr_get_u8(tb[MCR_OUT_STATE]) : MCR_STATE_ACTIVE;
	if (oi->state > MCR_STATE_ACTIVE)
		return fail(err, errlen, -EINVAL, "%s: unknown state %u", where, oi->state);
	if (tb[MCR_OUT_REASON])
		strcpy(oi->reason, mnl_attr_get_str(tb[MCR_OUT_REASON]));
	if (tb[MCR_OUT_PACKETS])
		oi->packets = mnl_attr_get_u64(tb[MCR_OUT_PACKETS]);
	if (tb[MCR_OUT_BYTES])
		oi->bytes = mnl_attr_get_u64(tb[MCR_OUT_BYTES]);
	if (tb[MCR_OUT_ERRORS])
		oi->errors = mnl_attr_get_u64(tb[MCR_OUT_ERRORS]);
	return 0;
}

/* Where a rule's outputs are: its MCR_RULE_OUTS, then its continuation. */
struct outs_walk {
	const struct nlattr *outs;  /* may be NULL */
	const void *cont;           /* first MCR_A_RULE_OUTS after the rule */
	size_t cont_len;
};

typedef int (*out_fn)(const struct nlattr *out, void *data);

/* Calls fn for each MCR_RULE_OUT in order; other attribute types are skipped. */
static int outs_for_each(const struct outs_walk *w, out_fn fn, void *data, char *err,
			 size_t errlen)
{
	const struct nlattr *attr, *o;
	int ret;

	if (w->outs)
		mnl_attr_for_each_nested(o, w->outs)
			if (mnl_attr_get_type(o) == MCR_RULE_OUT && (ret = fn(o, data)))
				return ret;
	mnl_attr_for_each_payload(w->cont, w->cont_len) {
		if (mnl_attr_get_type(attr) != MCR_A_RULE_OUTS ||
		    mnl_attr_validate(attr, MNL_TYPE_NESTED) < 0 || !nest_framed(attr))
			return fail(err, errlen, -EINVAL, "rule: malformed output continuation");
		mnl_attr_for_each_nested(o, attr)
			if (mnl_attr_get_type(o) == MCR_RULE_OUT && (ret = fn(o, data)))
				return ret;
	}
	return 0;
}

static int count_out(const struct nlattr *o, void *data)
{
	unsigned *n = data;

	(void)o;
	if (++*n > MCR_MAX_OUTPUTS)
		return -E2BIG;
	return 0;
}

struct decode_ctx {
	struct mcr_rule *r;
	struct mcr_rule_info *info;
	unsigned i;
	char *err;
	size_t errlen;
};

static int decode_out(const struct nlattr *o, void *data)
{
	struct decode_ctx *c = data;
	unsigned i = c->i++;
	char where[32];

	snprintf(where, sizeof(where), "rule output %u", i + 1);
	if (mnl_attr_validate(o, MNL_TYPE_NESTED) < 0 || !nest_framed(o))
		return fail(c->err, c->errlen, -EINVAL, "%s: malformed nest", where);
	return get_output(o, i, &c->r->in, &c->r->out[i], c->info ? &c->info->out[i] : NULL,
			  c->err, c->errlen);
}

static int get_rule_info(const struct nlattr **tb, struct mcr_rule_info *info, char *err,
			 size_t errlen)
{
	if (tb[MCR_RULE_STATE]) {
		info->state = mnl_attr_get_u8(tb[MCR_RULE_STATE]);
		if (info->state > MCR_STATE_ACTIVE)
			return fail(err, errlen, -EINVAL, "rule: unknown state %u", info->state);
	} else {
		info->state = MCR_STATE_ACTIVE;
	}
	if (tb[MCR_RULE_REASON])
		strcpy(info->reason, mnl_attr_get_str(tb[MCR_RULE_REASON]));
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
		return get_drops(tb[MCR_RULE_DROPS], info->drops, "rule drops", err, errlen);
	return 0;
}

int mcr_ctl_get_rule(const struct nlattr *a, struct mcr_rule *r, struct mcr_rule_info *info,
		     char *err, size_t errlen)
{
	const struct nlattr *tb[MCR_RULE_MAX + 1];
	struct outs_walk w = { NULL, NULL, 0 };
	struct decode_ctx c = { r, info, 0, err, errlen };
	unsigned nout = 0;
	int ret;

	memset(r, 0, sizeof(*r));
	if (info)
		memset(info, 0, sizeof(*info));
	if ((ret = check_object(a, MCR_A_RULE, "rule", err, errlen)) ||
	    (ret = parse_nest(a, rule_pol, MCR_RULE_MAX, tb, "rule", err, errlen)))
		return ret;
	if (tb[MCR_RULE_OUT])
		return fail(err, errlen, -EINVAL, "rule: output outside the output list");
	if (tb[MCR_RULE_NAME]) {
		const char *name = mnl_attr_get_str(tb[MCR_RULE_NAME]);

		if (!mcr_rule_name_valid(name))
			return fail(err, errlen, -EINVAL, "rule: name \"%s\" is not valid", name);
		strcpy(r->name, name);
	}
	if (tb[MCR_RULE_IN] && (ret = get_input(tb[MCR_RULE_IN], &r->in, err, errlen)))
		goto bad;
	if (!tb[MCR_RULE_NAME] && !tb[MCR_RULE_IN])
		return fail(err, errlen, -EINVAL, "rule: neither a name nor an input");
	if (tb[MCR_RULE_ORIGIN]) {
		uint8_t origin = mnl_attr_get_u8(tb[MCR_RULE_ORIGIN]);

		if (origin > MCR_ORIGIN_RUNTIME)
			return fail(err, errlen, -EINVAL, "rule: unknown origin %u", origin);
		r->origin = (enum mcr_origin)origin;
	}
	if (info && (ret = get_rule_info(tb, info, err, errlen)))
		goto bad;

	w.outs = tb[MCR_RULE_OUTS];
	w.cont = (const char *)a + MNL_ALIGN(a->nla_len);
	w.cont_len = tb[MCR_RULE_MORE_OUTS] ? mnl_attr_get_u32(tb[MCR_RULE_MORE_OUTS]) : 0;
	if ((ret = outs_for_each(&w, count_out, &nout, err, errlen))) {
		if (ret == -E2BIG)
			ret = fail(err, errlen, -EINVAL, "rule: more than %d outputs",
				   MCR_MAX_OUTPUTS);
		goto bad;
	}
	if (nout) {
		r->out = calloc(nout, sizeof(*r->out));
		if (info)
			info->out = calloc(nout, sizeof(*info->out));
		if (!r->out || (info && !info->out)) {
			ret = fail(err, errlen, -ENOMEM, "out of memory");
			goto bad;
		}
		r->nout = nout;
		if ((ret = outs_for_each(&w, decode_out, &c, err, errlen)))
			goto bad;
	}
	return 0;
bad:
	mcr_rule_free(r);
	if (info)
		mcr_rule_info_free(info);
	return ret;
}

void mcr_rule_info_free(struct mcr_rule_info *info)
{
	free(info->out);
	info->out = NULL;
}

/* ---- links ---- */

static const struct pol link_pol[MCR_LINK_MAX + 1] = {
	[MCR_LINK_NAME] = { MNL_TYPE_NUL_STRING, IFNAMSIZ, "name" },
	[MCR_LINK_IFINDEX] = { MNL_TYPE_U32, 0, "ifindex" },
	[MCR_LINK_STATE] = { MNL_TYPE_NUL_STRING, LINK_STATE_MAX, "state" },
	[MCR_LINK_ADDR] = { MNL_TYPE_U32, 0, "addr" },
	[MCR_LINK_RULES] = { MNL_TYPE_U32, 0, "rules" },
	[MCR_LINK_FRAMES] = { MNL_TYPE_U64, 0, "frames" },
	[MCR_LINK_DROPS] = { MNL_TYPE_NESTED, 0, "drops" },
};

int mcr_ctl_get_link(const struct nlattr *a, struct mcr_link_info *l, char *err, size_t errlen)
{
	const struct nlattr *tb[MCR_LINK_MAX + 1], *attr;
	int ret;

	memset(l, 0, sizeof(*l));
	if ((ret = check_object(a, MCR_A_LINK, "link", err, errlen)) ||
	    (ret = parse_nest(a, link_pol, MCR_LINK_MAX, tb, "link", err, errlen)))
		return ret;
	if (!tb[MCR_LINK_NAME])
		return fail(err, errlen, -EINVAL, "link: no name");
	if ((ret = get_dev(tb[MCR_LINK_NAME], l->name, "link", err, errlen)))
		return ret;
	if (tb[MCR_LINK_IFINDEX])
		l->ifindex = mnl_attr_get_u32(tb[MCR_LINK_IFINDEX]);
	if (tb[MCR_LINK_STATE])
		strcpy(l->state, mnl_attr_get_str(tb[MCR_LINK_STATE]));
	/* parse_nest validated every MCR_LINK_ADDR, not only the last. */
	mnl_attr_for_each_nested(attr, a) {
		if (mnl_attr_get_type(attr) != MCR_LINK_ADDR)
			continue;
		if (l->naddr == LINK_ADDR_MAX)
			return fail(err, errlen, -EINVAL, "link: more than %zu addresses",
				    LINK_ADDR_MAX);
		l->addr[l->naddr++].s_addr = mnl_attr_get_u32(attr);
	}
	if (tb[MCR_LINK_RULES])
		l->rules = mnl_attr_get_u32(tb[MCR_LINK_RULES]);
	l->has_stats = tb[MCR_LINK_FRAMES] || tb[MCR_LINK_DROPS];
	if (tb[MCR_LINK_FRAMES])
		l->frames = mnl_attr_get_u64(tb[MCR_LINK_FRAMES]);
	if (tb[MCR_LINK_DROPS])
		return get_drops(tb[MCR_LINK_DROPS], l->drops, "link drops", err, errlen);
	return 0;
}
