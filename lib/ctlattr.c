/* Attribute primitives shared by the control-protocol codecs (ctlattr.h). */
#include "ctlattr.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "esc.h"
#include "packet.h"

/*
 * A NUL-terminated string from a field of max bytes: at most max - 1
 * characters are written, whether or not the field holds a NUL.
 */
bool ctl_put_str(struct nlmsghdr *nlh, size_t len, uint16_t type, const char *s, size_t max)
{
	size_t n = strnlen(s, max - 1);
	struct nlattr *a = mnl_nlmsg_get_payload_tail(nlh);

	/* n + 1 bytes are read: s[n] is inside the field (or the string's NUL). */
	if (!mnl_attr_put_check(nlh, len, type, n + 1, s))
		return false;
	((char *)mnl_attr_get_payload(a))[n] = '\0';
	return true;
}

bool ctl_put_drops(struct nlmsghdr *nlh, size_t len, uint16_t type, const uint64_t *drops)
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

int ctl_fail(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return ret;
}

/* Do the attributes inside nest fill it, with no bytes left over? */
bool ctl_nest_framed(const struct nlattr *nest)
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
int ctl_attr_check(const struct nlattr *a, const struct ctl_pol *pol, unsigned max,
		      const char *where, char *err, size_t errlen)
{
	uint16_t t = mnl_attr_get_type(a);
	uint16_t plen = mnl_attr_get_payload_len(a);
	const char *data = mnl_attr_get_payload(a);
	const struct ctl_pol *p;

	if (mnl_attr_type_valid(a, max) < 0 || pol[t].type == MNL_TYPE_UNSPEC)
		return 0;
	p = &pol[t];
	if (mnl_attr_validate(a, p->type) < 0) {
		if (p->type == MNL_TYPE_NUL_STRING && plen && data[plen - 1])
			ctl_fail(err, errlen, -1, "%s: %s: string is not NUL-terminated", where, p->name);
		else if (p->type == MNL_TYPE_NUL_STRING)
			ctl_fail(err, errlen, -1, "%s: %s: empty attribute", where, p->name);
		else if (p->type == MNL_TYPE_NESTED)
			ctl_fail(err, errlen, -1, "%s: %s: nest of %u bytes is too short", where, p->name,
			     plen);
		else
			ctl_fail(err, errlen, -1, "%s: %s: attribute of %u bytes, expected %u", where,
			     p->name, plen, fixed_len(p->type));
		return -1;
	}
	if (p->type == MNL_TYPE_NUL_STRING && p->max && strlen(data) >= p->max) {
		char e[24];

		ctl_fail(err, errlen, -1, "%s: %s \"%s\" is longer than %zu characters", where,
			 p->name, mcr_esc(data, e, sizeof(e)), p->max - 1);
		return -1;
	}
	/* Fixed-size binary (an IPv6 address): exactly max bytes. */
	if (p->type == MNL_TYPE_BINARY && p->max && plen != p->max) {
		ctl_fail(err, errlen, -1, "%s: %s: attribute of %u bytes, expected %zu", where,
			 p->name, plen, p->max);
		return -1;
	}
	if (p->type == MNL_TYPE_NESTED && !ctl_nest_framed(a)) {
		ctl_fail(err, errlen, -1, "%s: %s: nested attributes do not fill the nest", where,
		     p->name);
		return -1;
	}
	return 1;
}

struct tb_ctx {
	const struct ctl_pol *pol;
	unsigned max;
	const struct nlattr **tb;
	const char *where;
	char *err;
	size_t errlen;
};

static int tb_cb(const struct nlattr *a, void *data)
{
	struct tb_ctx *c = data;
	int ret = ctl_attr_check(a, c->pol, c->max, c->where, c->err, c->errlen);

	if (ret < 0)
		return MNL_CB_ERROR;
	if (ret > 0)
		c->tb[mnl_attr_get_type(a)] = a;
	return MNL_CB_OK;
}

/* Validates nest (already checked as MNL_TYPE_NESTED) into tb[0..max]. */
int ctl_parse_nest(const struct nlattr *nest, const struct ctl_pol *pol, unsigned max,
		      const struct nlattr **tb, const char *where, char *err, size_t errlen)
{
	struct tb_ctx c = { pol, max, tb, where, err, errlen };

	memset(tb, 0, (max + 1) * sizeof(*tb));
	if (mnl_attr_parse_nested(nest, tb_cb, &c) < 0)
		return -EINVAL;
	return 0;
}

/* Checks the attribute handed to a decoder: present, of type t, a sound nest. */
int ctl_check_object(const struct nlattr *a, uint16_t t, const char *what, char *err,
			size_t errlen)
{
	if (!a)
		return ctl_fail(err, errlen, -EINVAL, "no %s attribute", what);
	if (mnl_attr_get_type(a) != t)
		return ctl_fail(err, errlen, -EINVAL, "attribute type %u is not a %s",
			    mnl_attr_get_type(a), what);
	if (mnl_attr_validate(a, MNL_TYPE_NESTED) < 0 || !ctl_nest_framed(a))
		return ctl_fail(err, errlen, -EINVAL, "%s: malformed nest", what);
	return 0;
}

static const struct ctl_pol drop_pol[MCR_DROP__MAX] = {
	[1 ... MCR_DROP__MAX - 1] = { MNL_TYPE_U64, 0, "count" },
};

bool ctl_put_addr(struct nlmsghdr *nlh, size_t len, uint16_t t4, uint16_t t6, struct mcr_addr a)
{
	if (a.family == AF_INET)
		return mnl_attr_put_u32_check(nlh, len, t4, a.v4.s_addr);
	if (a.family == AF_INET6)
		return mnl_attr_put_check(nlh, len, t6, sizeof(a.v6), &a.v6);
	return true;
}

int ctl_get_addr(const struct nlattr *a4, const struct nlattr *a6, struct mcr_addr *out,
		 const char *where, const char *what, char *err, size_t errlen)
{
	if (a4 && a6)
		return ctl_fail(err, errlen, -EINVAL, "%s: %s both IPv4 and IPv6", where, what);
	*out = (struct mcr_addr){ .family = AF_UNSPEC };
	if (a4)
		*out = mcr_addr4((struct in_addr){ mnl_attr_get_u32(a4) });
	else if (a6)
		*out = mcr_addr6(mnl_attr_get_payload(a6));
	return 0;
}

int ctl_get_dev(const struct nlattr *a, char *dev, const char *where, char *err, size_t errlen)
{
	const char *s = mnl_attr_get_str(a);
	char e[MCR_ESC_NAME];

	if (!mcr_ifname_valid(s))
		return ctl_fail(err, errlen, -EINVAL, "%s: dev \"%s\" is not a valid interface name",
				where, mcr_esc(s, e, sizeof(e)));
	strcpy(dev, s); /* attr_check bounded it by IFNAMSIZ */
	return 0;
}

int ctl_get_drops(const struct nlattr *nest, uint64_t *drops, const char *where, char *err,
		     size_t errlen)
{
	const struct nlattr *tb[MCR_DROP__MAX];
	int ret = ctl_parse_nest(nest, drop_pol, MCR_DROP__MAX - 1, tb, where, err, errlen);

	if (ret)
		return ret;
	memset(drops, 0, MCR_DROP__MAX * sizeof(*drops));
	for (unsigned d = 1; d < MCR_DROP__MAX; d++)
		if (tb[d])
			drops[d] = mnl_attr_get_u64(tb[d]);
	return 0;
}

