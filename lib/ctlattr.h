/*
 * Attribute primitives the control-protocol codecs share (lib/ctl*.c):
 * bounded string and counter writers, and a policy-driven validator that
 * checks every attribute's type and length before a decoder reads it.
 * Internal to the codec; daemon and mcrctl use ctl.h.
 */
#ifndef MCR_CTLATTR_H
#define MCR_CTLATTR_H

#include <libmnl/libmnl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

/* Bytes an attribute with a payload of n bytes takes in a message. */
#define CTL_ATTR_SZ(n) (MNL_ATTR_HDRLEN + MNL_ALIGN(n))

/* What one attribute type holds at one level; type MNL_TYPE_UNSPEC = unknown. */
struct ctl_pol {
	enum mnl_attr_data_type type;
	size_t max;       /* strings: bytes of the destination, NUL included; binary: exact size */
	const char *name; /* for messages */
};

/* Formats a reason into err (when given) and returns ret. */
int ctl_fail(char *err, size_t errlen, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* A NUL-terminated string of at most max - 1 characters from s. */
bool ctl_put_str(struct nlmsghdr *nlh, size_t len, uint16_t type, const char *s, size_t max);
/* A nest of type holding drops[1..MCR_DROP__MAX) as u64 attributes. */
bool ctl_put_drops(struct nlmsghdr *nlh, size_t len, uint16_t type, const uint64_t *drops);

/* Do the attributes inside nest fill it, with no bytes left over? */
/*
 * An address as t4 (u32) or t6 (16 bytes) by its family; nothing for
 * AF_UNSPEC.  False when it does not fit.
 */
bool ctl_put_addr(struct nlmsghdr *nlh, size_t len, uint16_t t4, uint16_t t6, struct mcr_addr a);
/*
 * The address in a4 (u32) or a6 (16 bytes, already checked for size);
 * AF_UNSPEC when neither is there.  -EINVAL with a reason when both are.
 */
int ctl_get_addr(const struct nlattr *a4, const struct nlattr *a6, struct mcr_addr *out,
		 const char *where, const char *what, char *err, size_t errlen);
bool ctl_nest_framed(const struct nlattr *nest);
/*
 * Validates a against pol[0..max]: 1 known and well formed, 0 of a type
 * unknown here (to be skipped), -1 malformed (reason in err).
 */
int ctl_attr_check(const struct nlattr *a, const struct ctl_pol *pol, unsigned max,
		   const char *where, char *err, size_t errlen);
/* Validates nest (a sound MNL_TYPE_NESTED) into tb[0..max].  0 or -EINVAL. */
int ctl_parse_nest(const struct nlattr *nest, const struct ctl_pol *pol, unsigned max,
		   const struct nlattr **tb, const char *where, char *err, size_t errlen);
/* The attribute handed to a decoder: present, of type t, a sound nest. */
int ctl_check_object(const struct nlattr *a, uint16_t t, const char *what, char *err,
		     size_t errlen);
/* An interface name attribute (bounded by the policy) into dev[IFNAMSIZ]. */
int ctl_get_dev(const struct nlattr *a, char *dev, const char *where, char *err, size_t errlen);
/* A drops nest into drops[MCR_DROP__MAX]. */
int ctl_get_drops(const struct nlattr *nest, uint64_t *drops, const char *where, char *err,
		  size_t errlen);

#endif
