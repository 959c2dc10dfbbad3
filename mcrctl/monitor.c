/* mcrctl monitor: events printed as they come, with the rule and link printers. */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "mcrctl.h"
#include "print.h"


static int print_reload(const struct nlmsghdr *nlh, const char *name)
{
	const struct nlattr *attr;
	const char **msgs;
	size_t max = 0, n;
	int status;

	mnl_attr_for_each(attr, nlh, MCR_CTLHDR_LEN)
		max++;
	if (!(msgs = calloc(max ? max : 1, sizeof(*msgs))))
		return -ENOMEM;
	if (mcr_ctl_get_done(nlh, &status, msgs, max, &n)) {
		free(msgs);
		mcrctl_err("bad event from mcrd: reload without a status");
		return -EINVAL;
	}
	mcrctl_print_string(MCRCTL_JSON, "event", "%s", name);
	mcrctl_print_int(MCRCTL_JSON, "status", "%d", status);
	if (status)
		mcrctl_print_text("[%s] failed: %s\n", name, strerror(-status));
	else
		mcrctl_print_text("[%s] ok\n", name);
	mcrctl_open_array("messages");
	for (size_t i = 0; i < n; i++)
		mcrctl_print_string(MCRCTL_ANY, NULL, "[reload] %s\n", msgs[i]);
	mcrctl_close_array();
	free(msgs);
	return 0;
}

/* "[member-join] r-out mld ff3e::2:2": a listened link's group got its first member, or lost its last. */
static int print_member(const struct nlmsghdr *nlh, const char *name)
{
	struct mcr_glink_info l;
	char err[256], a[MCR_ADDRSTRLEN];

	if (mcr_ctl_get_glink(nlh, &l, err, sizeof(err))) {
		mcrctl_err("bad event from mcrd: %s", err);
		return -EINVAL;
	}
	if (l.ngroups != 1) {
		free(l.groups);
		mcrctl_err("bad event from mcrd: %s: member event without its group", l.dev);
		return -EINVAL;
	}
	mcrctl_print_string(MCRCTL_ANY, "event", "[%s]", name);
	mcrctl_print_string(MCRCTL_ANY, "dev", " %s", l.dev);
	mcrctl_print_string(MCRCTL_ANY, "protocol", " %s", l.family == AF_INET6 ? "mld" : "igmp");
	mcrctl_print_string(MCRCTL_ANY, "group", " %s", mcr_addr_str(l.groups[0].group, a));
	mcrctl_print_nl();
	free(l.groups);
	return 0;
}

int mcrctl_print_event(const struct nlmsghdr *nlh)
{
	const struct nlattr *ev = mcr_ctl_attr(nlh, MCR_A_EVENT);
	const char *name;
	char err[256];
	int ret = 0;

	if (nlh->nlmsg_type != MCR_MSG_EVENT)
		return 0;
	if (!ev || mnl_attr_validate(ev, MNL_TYPE_U32) < 0) {
		mcrctl_err("bad event from mcrd: no event type");
		return -EINVAL;
	}
	name = mcr_event_name(mnl_attr_get_u32(ev));
	mcrctl_open_object(NULL);
	switch (mnl_attr_get_u32(ev)) {
	case MCR_EV_RULE_ADDED:
	case MCR_EV_RULE_REMOVED:
	case MCR_EV_RULE_ACTIVE:
	case MCR_EV_RULE_PENDING:
	case MCR_EV_RULE_SWITCH: {
		struct mcr_rule r;
		struct mcr_rule_info info;

		if (mcr_ctl_get_rule(nlh, &r, &info, err, sizeof(err))) {
			mcrctl_err("bad event from mcrd: %s", err);
			ret = -EINVAL;
			break;
		}
		mcrctl_print_string(MCRCTL_ANY, "event", "[%s] ", name);
		mcrctl_print_rule("rule", &r, &info);
		mcr_rule_free(&r);
		mcr_rule_info_free(&info);
		break;
	}
	case MCR_EV_LINK: {
		struct mcr_link_info l;

		if (mcr_ctl_get_link(mcr_ctl_attr(nlh, MCR_A_LINK), &l, err, sizeof(err))) {
			mcrctl_err("bad event from mcrd: %s", err);
			ret = -EINVAL;
			break;
		}
		mcrctl_print_string(MCRCTL_ANY, "event", "[%s] ", name);
		mcrctl_print_link("link", &l);
		break;
	}
	case MCR_EV_MEMBER_JOIN:
	case MCR_EV_MEMBER_LEAVE:
		ret = print_member(nlh, name);
		break;
	case MCR_EV_RELOAD:
		ret = print_reload(nlh, name);
		break;
	default:
		/* An event newer than this mcrctl. */
		mcrctl_print_uint(MCRCTL_ANY, "event", "[event %u]\n", mnl_attr_get_u32(ev));
		break;
	}
	mcrctl_close_object();
	fflush(mcrctl_print_fp());
	return ret;
}

static int on_event(const struct nlmsghdr *nlh, void *data)
{
	(void)data;
	/* A bad event is reported and skipped; the monitor goes on. */
	(void)mcrctl_print_event(nlh);
	return 0;
}

/* Bare "monitor": dispatch has refused any word after it. */
static int monitor_run(int argc, char **argv)
{
	struct nlmsghdr *nlh;
	int ret;

	(void)argc;
	(void)argv;
	if (!(nlh = mcrctl_msg_new(64, MCR_CMD_MONITOR, 0)))
		return MCRCTL_EXIT_DAEMON;
	ret = mcrctl_request(nlh, on_event, NULL, MCRCTL_REQ_MONITOR);
	free(nlh);
	return ret;
}

static const struct mcrctl_cmd monitor_cmds[] = {
	{ "help", NULL, "" },
	{ NULL, NULL, NULL },
};

const struct mcrctl_object mcrctl_monitor_object = {
	.name = "monitor",
	.cmds = monitor_cmds,
	.bare = monitor_run,
	.bare_args = "",
	.notes = "Prints each event until interrupted, one line each:\n"
		 "  [rule-added] RULE   [rule-removed] RULE   [rule-active] RULE\n"
		 "  [rule-pending] RULE   [link] LINK   [reload] ok | failed: REASON\n"
		 "  [member-join] DEV igmp|mld GROUP   [member-leave] DEV igmp|mld GROUP\n"
		 "RULE and LINK are printed as rule show and link show do.  With -j,\n"
		 "each event is one JSON object per line: {\"event\":...,\"rule\":{...}}.\n",
};
