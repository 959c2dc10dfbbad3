/* mcrctl group show: the members mcrd learned on each listened link (issue 18). */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "esc.h"
#include "igmp.h"
#include "mcrctl.h"
#include "mld.h"
#include "print.h"

static const char *const counter_names[MCR_GC__MAX] = {
	[MCR_GC_RX] = "rx", [MCR_GC_REPORTS] = "reports", [MCR_GC_LEAVES] = "leaves",
	[MCR_GC_QUERIES_IN] = "queries_in", [MCR_GC_QUERIES_OUT] = "queries_out",
	[MCR_GC_TABLE_FULL] = "table_full", [MCR_GC_TX_ERRORS] = "tx_errors",
	[MCR_GC_JOINS] = "joins", [MCR_GC_EXPIRIES] = "expiries",
	[MCR_GC_ELECTIONS] = "elections",
};

/* family AF_UNSPEC: the link counters; AF_INET, AF_INET6: IGMP's or MLD's reject reasons. */
static void print_counters(const char *key, const uint64_t *v, unsigned n, int family)
{
	mcrctl_open_object(key);
	mcrctl_print_text("    %s:", key);
	for (unsigned i = 1; i < n; i++) {
		const char *name = family == AF_INET6 ? mld_reject_name(i) :
				   family == AF_INET ? igmp_reject_name(i) : counter_names[i];

		if (v[i] || family == AF_UNSPEC) {
			mcrctl_print_text(" %s", name);
			mcrctl_print_u64(MCRCTL_ANY, name, " %" PRIu64, v[i]);
		}
	}
	mcrctl_close_object();
	mcrctl_print_nl();
}

static void print_group(const struct mcr_group_info *g)
{
	char a[MCR_ADDRSTRLEN];

	mcrctl_open_object(NULL);
	mcrctl_print_string(MCRCTL_ANY, "group", "    %s", mcr_addr_str(g->group, a));
	mcrctl_print_uint(MCRCTL_ANY, "version", " v%u", g->version);
	mcrctl_print_string(MCRCTL_ANY, "mode", " %s", g->exclude ? "exclude" : "include");
	mcrctl_print_uint(g->exclude ? MCRCTL_ANY : MCRCTL_JSON, "expires_ms", " expires %u ms",
			  g->expires_ms);
	mcrctl_print_string(mcr_addr_set(g->reporter) ? MCRCTL_ANY : MCRCTL_JSON, "reporter",
			    " reporter %s", mcr_addr_set(g->reporter) ? mcr_addr_str(g->reporter, a) :
			    "none");
	mcrctl_open_array("sources");
	for (unsigned i = 0; i < g->nsrc; i++) {
		mcrctl_open_object(NULL);
		mcrctl_print_string(MCRCTL_ANY, "source", " source %s", mcr_addr_str(g->src[i], a));
		mcrctl_print_uint(g->src_ms[i] ? MCRCTL_ANY : MCRCTL_JSON, "expires_ms", " %u ms",
				  g->src_ms[i]);
		if (!g->src_ms[i])
			mcrctl_print_text(" excluded");
		mcrctl_close_object();
	}
	mcrctl_close_array();
	mcrctl_close_object();
	mcrctl_print_nl();
}

static void print_glink(const struct mcr_glink_info *l)
{
	char a[MCR_ADDRSTRLEN];

	mcrctl_open_object(NULL);
	mcrctl_print_string(MCRCTL_ANY, "dev", "%s", l->dev);
	mcrctl_print_uint(MCRCTL_ANY, "ifindex", " ifindex %u", l->ifindex);
	mcrctl_print_string(l->family == AF_INET6 ? MCRCTL_ANY : MCRCTL_JSON, "protocol", " %s",
			    l->family == AF_INET6 ? "mld" : "igmp");
	mcrctl_print_string(MCRCTL_ANY, "self", " address %s",
			    mcr_addr_set(l->self) ? mcr_addr_str(l->self, a) : "none");
	mcrctl_print_string(MCRCTL_ANY, "querier", " querier %s",
			    mcr_addr_set(l->querier) ? mcr_addr_str(l->querier, a) : "none");
	mcrctl_print_uint(MCRCTL_JSON, "querier_self", "%u", l->querier_self);
	if (l->querier_self)
		mcrctl_print_text(" (this relay)");
	mcrctl_print_uint(l->other_ms ? MCRCTL_ANY : MCRCTL_JSON, "other_ms",
			  " (other querier present, %u ms left)", l->other_ms);
	/* The querier's: ours, or the other's from its queries. */
	mcrctl_print_uint(l->robustness ? MCRCTL_ANY : MCRCTL_JSON, "robustness", " robustness %u",
			  l->robustness);
	mcrctl_print_uint(l->query_interval_ms ? MCRCTL_ANY : MCRCTL_JSON, "query_interval_ms",
			  " query interval %u ms", l->query_interval_ms);
	mcrctl_print_uint(MCRCTL_ANY, "ngroups", " groups %u", l->ngroups);
	mcrctl_print_nl();
	mcrctl_open_array("groups");
	for (unsigned i = 0; i < l->ngroups; i++)
		print_group(&l->groups[i]);
	mcrctl_close_array();
	print_counters("counters", l->counters, MCR_GC__MAX, AF_UNSPEC);
	print_counters("rejects", l->rejects, IGMP_R__MAX, l->family);
	mcrctl_close_object();
}

static int show_one(const struct nlmsghdr *nlh, void *data)
{
	const char *dev = data;
	struct mcr_glink_info l;
	char err[256];
	int ret;

	if (nlh->nlmsg_type != MCR_MSG_GROUP)
		return 0;
	if ((ret = mcr_ctl_get_glink(nlh, &l, err, sizeof(err)))) {
		mcrctl_err("bad reply from mcrd: %s", ret == -ENOMEM ? "out of memory" : err);
		return -EINVAL;
	}
	if (!dev[0] || !strcmp(dev, l.dev))
		print_glink(&l);
	free(l.groups);
	return 0;
}

static int group_show(int argc, char **argv)
{
	return mcrctl_show_dev(argc, argv, MCR_CMD_GROUP_GET, 0, show_one);
}

static const struct mcrctl_cmd group_cmds[] = {
	{ "show", group_show, "[ dev IFNAME ]" },
	{ "list", group_show, NULL },
	{ "help", NULL, "" },
	{ NULL, NULL, NULL },
};

const struct mcrctl_object mcrctl_group_object = {
	.name = "group",
	.cmds = group_cmds,
	.bare = group_show,
	.notes = "Lists the links of outputs set to \"listeners\" (mcrd.conf(5)), once for IGMP\n"
		 "(IPv4 groups) and once for MLD (IPv6 groups, marked \"mld\"): mcrd's address\n"
		 "there (IPv6: link-local), the querier (this relay, or another with a lower\n"
		 "address and how long until it is presumed gone), the robustness and query\n"
		 "interval in use (the other querier's while another is querier), each group\n"
		 "with members: its compatibility mode (IGMP v1..v3, MLD v1..v2), filter mode,\n"
		 "group timer, sources and their timers; then the counters and the messages\n"
		 "ignored, by reason.\n",
};
