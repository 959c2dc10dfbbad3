/*
 * The rule filter of "rule show": by name, by interface (the input's or any
 * output's), by group (likewise) and by origin (config or runtime).  mcrctl encodes it, mcrd decodes and
 * applies it; both use this one definition.
 */
#ifndef MCR_RULEFILTER_H
#define MCR_RULEFILTER_H

#include <linux/netlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rule.h"

struct mcr_rule_filter {
	char name[MCR_NAME_MAX];   /* "" = any */
	char dev[IFNAMSIZ];        /* "" = any */
	struct mcr_addr group;     /* either family */
	bool has_group;
	bool has_origin;
	uint8_t origin;            /* enum mcr_origin */
};

/* Appends the MCR_A_FILTER_* attributes f sets.  0 or -EMSGSIZE. */
int mcr_ctl_put_filter(struct nlmsghdr *nlh, size_t len, const struct mcr_rule_filter *f);
/*
 * Reads the filter of a request that passed mcr_ctl_msg_check (which
 * bounded the strings).  0, or -EINVAL with a reason in err.
 */
int mcr_ctl_get_filter(const struct nlmsghdr *nlh, struct mcr_rule_filter *f, char *err,
		       size_t errlen);
bool mcr_rule_filter_match(const struct mcr_rule_filter *f, const struct mcr_rule *r);

#endif
