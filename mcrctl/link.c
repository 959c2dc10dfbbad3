/* mcrctl link show, and the link printer. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "esc.h"
#include "mcrctl.h"
#include "print.h"


void mcrctl_print_link(const char *key, const struct mcr_link_info *l)
{
	char a[MCR_ADDRSTRLEN];

	mcrctl_open_object(key);
	mcrctl_print_string(MCRCTL_ANY, "name", "%s", l->name);
	mcrctl_print_uint(MCRCTL_ANY, "ifindex", " ifindex %u", l->ifindex);
	mcrctl_print_string(MCRCTL_ANY, "state", " state %s", l->state[0] ? l->state : "unknown");
	mcrctl_open_array("addr");
	if (l->naddr || l->naddr6)
		mcrctl_print_text(" addr");
	for (unsigned i = 0; i < l->naddr; i++)
		mcrctl_print_string(MCRCTL_ANY, NULL, " %s", mcr_ipv4_str(l->addr[i], a));
	/* IPv6 after IPv4, in the same list: JSON tells them apart by the colons. */
	for (unsigned i = 0; i < l->naddr6; i++)
		mcrctl_print_string(MCRCTL_ANY, NULL, " %s", mcr_addr_str(mcr_addr6(&l->addr6[i]), a));
	mcrctl_close_array();
	mcrctl_print_uint(MCRCTL_ANY, "rules", " rules %u", l->rules);
	mcrctl_print_nl();
	if (l->has_stats) {
		mcrctl_print_u64(MCRCTL_ANY, "frames", "    frames %" PRIu64, l->frames);
		mcrctl_print_nl();
		mcrctl_print_drops(l->drops);
	}
	mcrctl_close_object();
}

static int show_one(const struct nlmsghdr *nlh, void *data)
{
	const char *dev = data;
	struct mcr_link_info l;
	char err[256];

	if (nlh->nlmsg_type != MCR_MSG_LINK)
		return 0;
	if (mcr_ctl_get_link(mcr_ctl_attr(nlh, MCR_A_LINK), &l, err, sizeof(err))) {
		mcrctl_err("bad reply from mcrd: %s", err);
		return -EINVAL;
	}
	if (!dev[0] || !strcmp(dev, l.name))
		mcrctl_print_link(NULL, &l);
	return 0;
}

static int link_show(int argc, char **argv)
{
	return mcrctl_show_dev(argc, argv, MCR_CMD_LINK_GET, mcrctl_opt.stats ? MCR_F_STATS : 0, show_one);
}

static const struct mcrctl_cmd link_cmds[] = {
	{ "show", link_show, "[ dev IFNAME ]" },
	{ "list", link_show, NULL },
	{ "help", NULL, "" },
	{ NULL, NULL, NULL },
};

const struct mcrctl_object mcrctl_link_object = {
	.name = "link",
	.cmds = link_cmds,
	.bare = link_show,
	.notes = "Lists the interfaces the rules use: ifindex (0 when absent), state (up,\n"
		 "down or absent), addresses (IPv4, then IPv6) and the number of rules using each;\n"
		 "with -s, frames received and drops by reason.\n",
};
