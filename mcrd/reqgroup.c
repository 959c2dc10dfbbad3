/* The "group show" request (issue 18): one MSG_GROUP per listened link. */
#include "requests.h"

#include <stdlib.h>

#include "ctl.h"

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
