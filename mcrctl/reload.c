/* mcrctl reload: mcrd re-reads its configuration file. */
#include <stdlib.h>

#include "mcrctl.h"

/* Bare "reload": dispatch has refused any word after it. */
static int reload_run(int argc, char **argv)
{
	struct nlmsghdr *nlh;
	int ret;

	(void)argc;
	(void)argv;
	if (!(nlh = mcrctl_msg_new(64, MCR_CMD_RELOAD, 0)))
		return MCRCTL_EXIT_DAEMON;
	ret = mcrctl_request(nlh, NULL, NULL, MCRCTL_REQ_RAW_MSGS);
	free(nlh);
	return ret;
}

static const struct mcrctl_cmd reload_cmds[] = {
	{ "help", NULL, "" },
	{ NULL, NULL, NULL },
};

const struct mcrctl_object mcrctl_reload_object = {
	.name = "reload",
	.cmds = reload_cmds,
	.bare = reload_run,
	.bare_args = "",
	.notes = "mcrd re-reads its configuration file.  Each problem found is printed\n"
		 "to stderr as FILE:LINE: reason; the exit code is 2 when mcrd refused\n"
		 "the file.\n",
};
