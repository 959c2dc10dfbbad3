/* mcrctl worker show: decoding and printing MCR_A_WORKER. */
#include <errno.h>
#include <inttypes.h>
#include <libmnl/libmnl.h>
#include <stdlib.h>
#include <string.h>

#include "esc.h"
#include "mcrctl.h"
#include "print.h"


#define HAS(w, t) ((w)->present & (1u << (t)))

void mcrctl_print_worker(const char *key, const struct mcr_worker_info *w)
{
	mcrctl_open_object(key);
	mcrctl_print_uint(MCRCTL_ANY, "index", "worker %u", w->index);
	if (HAS(w, MCR_WORKER_PID))
		mcrctl_print_uint(MCRCTL_ANY, "pid", " pid %u", w->pid);
	if (HAS(w, MCR_WORKER_CPU) && w->cpu != UINT32_MAX)
		mcrctl_print_uint(MCRCTL_ANY, "cpu", " cpu %u", w->cpu);
	else
		mcrctl_print_null(MCRCTL_ANY, "cpu", " cpu any");
	if (HAS(w, MCR_WORKER_UID))
		mcrctl_print_uint(MCRCTL_ANY, "uid", " uid %u", w->uid);
	if (HAS(w, MCR_WORKER_RULES))
		mcrctl_print_uint(MCRCTL_ANY, "rules", " rules %u", w->rules);
	if (HAS(w, MCR_WORKER_PACKETS_IN))
		mcrctl_print_u64(MCRCTL_ANY, "packets_in", " packets in %" PRIu64, w->packets_in);
	if (HAS(w, MCR_WORKER_PACKETS_OUT))
		mcrctl_print_u64(MCRCTL_ANY, "packets_out", " out %" PRIu64, w->packets_out);
	if (HAS(w, MCR_WORKER_DROPS))
		mcrctl_print_u64(MCRCTL_ANY, "drops", " drops %" PRIu64, w->drops);
	mcrctl_print_nl();
	mcrctl_close_object();
}

static int show_one(const struct nlmsghdr *nlh, void *data)
{
	struct mcr_worker_info w;
	char err[256];

	(void)data;
	if (nlh->nlmsg_type != MCR_MSG_WORKER)
		return 0;
	if (mcr_ctl_get_worker(mcr_ctl_attr(nlh, MCR_A_WORKER), &w, err, sizeof(err))) {
		mcrctl_err("bad reply from mcrd: %s", err);
		return -EINVAL;
	}
	mcrctl_print_worker(NULL, &w);
	return 0;
}

static int worker_show(int argc, char **argv)
{
	struct nlmsghdr *nlh;
	int ret;

	if (argc > 0) {
		mcrctl_err("unknown keyword \"%s\"", mcr_esc_name(argv[0]));
		return MCRCTL_EXIT_USAGE;
	}
	if (mcrctl_connect())
		return MCRCTL_EXIT_DAEMON;
	if (!(nlh = mcrctl_msg_new(64, MCR_CMD_WORKER_GET, mcrctl_opt.stats ? MCR_F_STATS : 0)))
		return MCRCTL_EXIT_DAEMON;
	mcrctl_print_start();
	ret = mcrctl_request(nlh, show_one, NULL, 0);
	mcrctl_print_end();
	free(nlh);
	return ret;
}

static const struct mcrctl_cmd worker_cmds[] = {
	{ "show", worker_show, "" },
	{ "list", worker_show, NULL },
	{ "help", NULL, "" },
	{ NULL, NULL, NULL },
};

const struct mcrctl_object mcrctl_worker_object = {
	.name = "worker",
	.cmds = worker_cmds,
	.bare = worker_show,
	.notes = "Lists mcrd's workers: index, pid, CPU (any when not pinned), uid,\n"
		 "rules owned, packets in and out, drops.\n",
};
