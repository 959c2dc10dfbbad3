/* The worker codec: MCR_A_WORKER, one worker process and its totals. */
#include "ctl.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <string.h>

#include "ctlattr.h"

int mcr_ctl_put_worker(struct nlmsghdr *nlh, size_t len, const struct mcr_worker_info *w)
{
	uint32_t start = nlh->nlmsg_len;
	struct nlattr *n;

	if (len > MCR_CTL_MSG_MAX)
		len = MCR_CTL_MSG_MAX;
	if (!(n = mnl_attr_nest_start_check(nlh, len, MCR_A_WORKER)) ||
	    !mnl_attr_put_u32_check(nlh, len, MCR_WORKER_INDEX, w->index) ||
	    !mnl_attr_put_u32_check(nlh, len, MCR_WORKER_PID, w->pid) ||
	    !mnl_attr_put_u32_check(nlh, len, MCR_WORKER_CPU, w->cpu) ||
	    !mnl_attr_put_u32_check(nlh, len, MCR_WORKER_UID, w->uid) ||
	    !mnl_attr_put_u32_check(nlh, len, MCR_WORKER_RULES, w->rules) ||
	    !mnl_attr_put_u64_check(nlh, len, MCR_WORKER_PACKETS_IN, w->packets_in) ||
	    !mnl_attr_put_u64_check(nlh, len, MCR_WORKER_PACKETS_OUT, w->packets_out) ||
	    !mnl_attr_put_u64_check(nlh, len, MCR_WORKER_DROPS, w->drops)) {
		nlh->nlmsg_len = start;
		return -EMSGSIZE;
	}
	mnl_attr_nest_end(nlh, n);
	return 0;
}

static const struct ctl_pol worker_pol[MCR_WORKER_MAX + 1] = {
	[MCR_WORKER_INDEX] = { MNL_TYPE_U32, 0, "index" },
	[MCR_WORKER_PID] = { MNL_TYPE_U32, 0, "pid" },
	[MCR_WORKER_CPU] = { MNL_TYPE_U32, 0, "cpu" },
	[MCR_WORKER_UID] = { MNL_TYPE_U32, 0, "uid" },
	[MCR_WORKER_RULES] = { MNL_TYPE_U32, 0, "rules" },
	[MCR_WORKER_PACKETS_IN] = { MNL_TYPE_U64, 0, "packets in" },
	[MCR_WORKER_PACKETS_OUT] = { MNL_TYPE_U64, 0, "packets out" },
	[MCR_WORKER_DROPS] = { MNL_TYPE_U64, 0, "drops" },
};

int mcr_ctl_get_worker(const struct nlattr *a, struct mcr_worker_info *w, char *err,
		       size_t errlen)
{
	const struct nlattr *tb[MCR_WORKER_MAX + 1];
	uint32_t *u32[MCR_WORKER_MAX + 1] = {
		[MCR_WORKER_INDEX] = &w->index, [MCR_WORKER_PID] = &w->pid,
		[MCR_WORKER_CPU] = &w->cpu,     [MCR_WORKER_UID] = &w->uid,
		[MCR_WORKER_RULES] = &w->rules,
	};
	uint64_t *u64[MCR_WORKER_MAX + 1] = {
		[MCR_WORKER_PACKETS_IN] = &w->packets_in,
		[MCR_WORKER_PACKETS_OUT] = &w->packets_out,
		[MCR_WORKER_DROPS] = &w->drops,
	};
	int ret;

	memset(w, 0, sizeof(*w));
	w->cpu = UINT32_MAX;
	if ((ret = ctl_check_object(a, MCR_A_WORKER, "worker", err, errlen)) ||
	    (ret = ctl_parse_nest(a, worker_pol, MCR_WORKER_MAX, tb, "worker", err, errlen)))
		return ret;
	if (!tb[MCR_WORKER_INDEX])
		return ctl_fail(err, errlen, -EINVAL, "worker: no index");
	for (unsigned t = 1; t <= MCR_WORKER_MAX; t++) {
		if (!tb[t])
			continue;
		if (u32[t])
			*u32[t] = mnl_attr_get_u32(tb[t]);
		else
			*u64[t] = mnl_attr_get_u64(tb[t]);
		w->present |= 1u << t;
	}
	return 0;
}
