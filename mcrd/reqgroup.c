/* The "group show" request (issue 18): one MSG_GROUP per listened link; member events. */
#include "requests.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <stdio.h>
#include <stdlib.h>

#include "ctl.h"

static int put_member_event(struct ctl_client *c, void *arg)
{
	const struct querier_member *e = arg;
	struct mcr_glink_info l = { .ifindex = (uint32_t)e->ifindex, .family = (uint8_t)e->family };
	struct mcr_group_info g = { .group = e->group };
	size_t size = mcr_ctl_group_size(1);
	struct nlmsghdr *nlh = ctl_msg_begin(c, size, MCR_MSG_EVENT, 0);

	if (!nlh)
		return -EMSGSIZE;
	snprintf(l.dev, sizeof(l.dev), "%s", e->dev);
	mnl_attr_put_u32(nlh, MCR_A_EVENT, e->joined ? MCR_EV_MEMBER_JOIN : MCR_EV_MEMBER_LEAVE);
	if (mcr_ctl_put_glink(nlh, size, &l) || mcr_ctl_put_group(nlh, size, &g))
		return -EMSGSIZE;
	ctl_msg_commit(c, nlh);
	return 0;
}

void requests_event_member(struct requests *rq, const struct querier_member *e)
{
	if (rq->ctl)
		ctl_broadcast(rq->ctl, put_member_event, (void *)e);
}

void requests_group_get(void *arg, struct ctl_client *c, const struct nlmsghdr *nlh)
{
	struct requests *rq = arg;

	for (unsigned i = 0; i < querier_nlinks(rq->querier); i++) {
		struct mcr_glink_info l;
		struct nlmsghdr *m;
		size_t size;
		int err = querier_info(rq->querier, i, &l);

		if (err) {
			ctl_done(c, nlh->nlmsg_seq, err, "out of memory");
			return;
		}
		size = mcr_ctl_group_size(l.ngroups);
		m = ctl_msg_begin(c, size, MCR_MSG_GROUP, nlh->nlmsg_seq);
		err = !m || mcr_ctl_put_glink(m, size, &l);
		for (unsigned k = 0; !err && k < l.ngroups; k++)
			err = mcr_ctl_put_group(m, size, &l.groups[k]);
		free(l.groups);
		if (err) {
			ctl_client_drop(c);
			return;
		}
		ctl_msg_commit(c, m);
	}
	ctl_done(c, nlh->nlmsg_seq, 0, NULL);
}
