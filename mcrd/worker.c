/*
 * The worker process.  Privileges go first: supplementary groups, gid, uid,
 * every capability including the bounding set, then no_new_privs; only
 * then does it touch the sockets the parent sends.  What it relays is its
 * table (table.c), which only the parent's messages change.
 */
#include "worker.h"

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "datapath.h"
#include "evloop.h"
#include "log.h"
#include "privs.h"
#include "table.h"
#include "wire.h"

#define SQ_ENTRIES 4096
#define CQ_ENTRIES 32768

struct wk {
	struct table table;
	struct evloop *ev;
	void *buf;
	unsigned index;
};

static void on_channel(void *arg, int chan)
{
	struct wk *k = arg;

	for (;;) {
		int fd;
		ssize_t n = wire_recv(chan, k->buf, WIRE_MSG_MAX, &fd);

		if (n == -EAGAIN || n == -EINTR)
			return;
		if (n <= 0) {
			if (n < 0)
				log_err("worker %u: channel: %s", k->index, strerror((int)-n));
			evloop_stop(k->ev); /* the parent is gone */
			return;
		}
		if ((size_t)n >= sizeof(struct wire_msg))
			table_apply(&k->table, k->buf, (size_t)n, fd);
		else if (fd >= 0)
			close(fd);
	}
}

static void on_signal(void *arg, int fd)
{
	struct wk *k = arg;
	struct signalfd_siginfo si;

	while (read(fd, &si, sizeof(si)) == sizeof(si))
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT)
			evloop_stop(k->ev);
}

/* Only the channel and stdio survive into the worker. */
static int keep_only(int chan)
{
	if (chan != 3) {
		if (dup2(chan, 3) < 0)
			return -1;
		chan = 3;
	}
	close_range(4, ~0U, 0);
	return chan;
}

static void pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0)
		log_warn("worker: cannot pin to CPU %d: %s", cpu, strerror(errno));
}

static int signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

int worker_main(int chan, unsigned index, int cpu, uid_t uid, gid_t gid, struct rxring_size rx)
{
	static struct wk k;
	struct datapath *dp = NULL;
	int sfd, err;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	prctl(PR_SET_NAME, "mcrd-worker");
	chan = keep_only(chan);
	pin(cpu);
	err = privs_drop(uid, gid);
	if (err) {
		log_err("worker %u: cannot drop privileges: %s", index, strerror(-err));
		return 1;
	}
	sfd = signals();
	k.index = index;
	k.buf = malloc(WIRE_MSG_MAX);
	table_init(&k.table, rx);
	if (chan < 0 || sfd < 0 || !k.buf || evloop_new(&k.ev, SQ_ENTRIES, CQ_ENTRIES) ||
	    datapath_new(&dp, k.ev, &k.table))
		return 1;
	if (evloop_watch(k.ev, chan, POLLIN, on_channel, &k) < 0 ||
	    evloop_watch(k.ev, sfd, POLLIN, on_signal, &k) < 0)
		return 1;
	err = evloop_run(k.ev);
	datapath_drain(dp);
	evloop_free(k.ev);
	datapath_free(dp);
	table_free(&k.table);
	free(k.buf);
	return err ? 1 : 0;
}
