/* mcrctl reload: mcrd re-reads its configuration file. */
#include <stdlib.h>

#include "mcrctl.h"

void mcrctl_reload_usage(FILE *fp)
{
	fputs("Usage: mcrctl reload\n"
	      "       mcrctl reload help\n"
	      "mcrd re-reads its configuration file.  Each problem found is printed\n"
	      "to stderr as FILE:LINE: reason; the exit code is 2 when mcrd refused\n"
	      "the file.\n",
	      fp);
}

int mcrctl_do_reload(int argc, char **argv)
{
	static const char *const cmds[] = { "help" };
	struct nlmsghdr *nlh;
	int ret;

	if (argc > 0) {
		if (mcrctl_lookup(argv[0], cmds, 1) == 0) {
			mcrctl_reload_usage(stdout);
			return MCRCTL_EXIT_OK;
		}
		mcrctl_err("unknown keyword \"%s\"", argv[0]);
		return MCRCTL_EXIT_USAGE;
	}
	if (!(nlh = mcrctl_msg_new(64, MCR_CMD_RELOAD, 0)))
		return MCRCTL_EXIT_DAEMON;
	ret = mcrctl_request(nlh, NULL, NULL, MCRCTL_REQ_RAW_MSGS);
	free(nlh);
	return ret;
}
