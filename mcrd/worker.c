/*
 * The worker process.  Privileges go first: supplementary groups, gid, uid,
 * every capability including the bounding set, then no_new_privs; only
 * then does it touch the sockets the parent sends.  Its table is a relay
 * that only the parent's messages change.
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

#include "counters.h"
#include "datapath.h"
#include "log.h"
#include "privs.h"
#include "relay.h"
#include "rxring.h"
#include "wire.h"

#define MSG_MAX (sizeof(struct wire_msg) + MCR_MAX_OUTPUTS * sizeof(struct wire_out))

/* Our copy of a parent egress socket. */
struct esock {
	int fd;
	bool gso;             /* W_F_GSO: GSO runs allowed */
};

struct wk {
	struct relay relay;
	struct datapath *dp;
	struct esock *emap;   /* parent egress fd -> our copy */
	size_t nemap;
	int pslot[RELAY_MAX_INPUTS]; /* parent input slot -> ours */
	void *buf;
	unsigned index;
};

static int egress_fd(const struct wk *k, int32_t parent_fd)
{
	return parent_fd >= 0 && (size_t)parent_fd < k->nemap ? k->emap[parent_fd].fd : -1;
}

/* Points an output at our copy of parent egress socket pfd (or none). */
static void out_bind(const struct wk *k, struct rt_output *o, int32_t pfd)
{
	o->fd = egress_fd(k, pfd);
	o->gso = o->fd >= 0 && k->emap[pfd].gso;
	o->gso_limit = 0;
}

static void egress_add(struct wk *k, int32_t pfd, int fd, bool gso)
{
	if (pfd < 0 || fd < 0)
		goto bad;
	if ((size_t)pfd >= k->nemap) {
		size_t n = (size_t)pfd + 64;
		struct esock *v = realloc(k->emap, n * sizeof(*v));

		if (!v)
			goto bad;
		for (size_t i = k->nemap; i < n; i++)
			v[i] = (struct esock){ -1, false };
		k->emap = v;
		k->nemap = n;
	}
	if (k->emap[pfd].fd >= 0) {
		/* Already held: outputs move to the new copy before the old closes. */
		for (size_t i = 0; i < k->relay.nrules; i++)
			for (unsigned o = 0; o < k->relay.rules[i]->cfg.nout; o++)
				if (k->relay.rules[i]->out[o].fd == k->emap[pfd].fd) {
					k->relay.rules[i]->out[o].fd = fd;
					k->relay.rules[i]->out[o].gso = gso;
				}
		close(k->emap[pfd].fd);
	}
	k->emap[pfd] = (struct esock){ fd, gso };
	return;
bad:
	if (fd >= 0)
		close(fd);
}

/* The parent stops the outputs using a socket before it deletes it. */
static void egress_del(struct wk *k, int32_t pfd)
{
	int fd = egress_fd(k, pfd);

	if (fd < 0)
		return;
	for (size_t i = 0; i < k->relay.nrules; i++)
		for (unsigned o = 0; o < k->relay.rules[i]->cfg.nout; o++)
			if (k->relay.rules[i]->out[o].fd == fd)
				k->relay.rules[i]->out[o].fd = -1;
	close(fd);
	k->emap[pfd].fd = -1;
}

static void input_add(struct wk *k, const struct wire_msg *m, int fd)
{
	struct relay *r = &k->relay;
	struct rt_input *in;
	size_t i;
	int err;

	if (fd < 0 || m->slot < 0 || m->slot >= RELAY_MAX_INPUTS)
		goto bad;
	for (i = 0; i < r->ninputs && r->inputs[i]; i++)
		;
	if (i == RELAY_MAX_INPUTS || !(in = calloc(1, sizeof(*in))))
		goto bad;
	snprintf(in->dev, sizeof(in->dev), "%s", m->in.dev);
	in->fd = fd;
	in->st = counters_link(m->stats);
	if (mcr_match_init(&in->match, 0)) {
		free(in);
		goto bad;
	}
	/* Without its ring the input is kept (its rules stay consistent) but reads nothing. */
	err = rxring_map(&in->ring, fd, r->max_mtu);
	if (err)
		log_err("dev %s: cannot map the receive ring: %s; its rules receive nothing",
			in->dev, strerror(-err));
	else
		log_debug("dev %s: receive ring of %u frames of %u bytes", in->dev,
			  in->ring->nframes, in->ring->frame_size);
	r->inputs[i] = in;
	if (i == r->ninputs)
		r->ninputs++;
	k->pslot[m->slot] = (int)i;
	return;
bad:
	if (fd >= 0)
		close(fd);
}

/* The data path cancels its receive and closes it. */
static void input_del(struct wk *k, int32_t slot)
{
	int i = slot >= 0 && slot < RELAY_MAX_INPUTS ? k->pslot[slot] : -1;

	if (i >= 0 && k->relay.inputs[i])
		k->relay.inputs[i]->closing = true;
	if (i >= 0)
		k->pslot[slot] = -1;
}

static void rule_add(struct wk *k, const struct wire_msg *m, size_t len)
{
	struct relay *r = &k->relay;
	struct rt_rule *rr;
	int slot = m->slot >= 0 && m->slot < RELAY_MAX_INPUTS ? k->pslot[m->slot] : -1;

	if (slot < 0 || len < sizeof(*m) + m->nout * sizeof(struct wire_out) ||
	    m->nout > MCR_MAX_OUTPUTS || relay_find(r, m->name))
		return;
	if (r->nrules == r->caprules) {
		size_t cap = r->caprules ? r->caprules * 2 : 64;
		struct rt_rule **v = realloc(r->rules, cap * sizeof(*v));

		if (!v)
			return;
		r->rules = v;
		r->caprules = cap;
	}
	rr = calloc(1, sizeof(*rr));
	if (!rr || !(rr->cfg.out = calloc(m->nout ? m->nout : 1, sizeof(*rr->cfg.out))) ||
	    !(rr->out = calloc(m->nout ? m->nout : 1, sizeof(*rr->out)))) {
		if (rr)
			free(rr->cfg.out);
		free(rr);
		return;
	}
	snprintf(rr->cfg.name, sizeof(rr->cfg.name), "%s", m->name);
	rr->cfg.in = m->in;
	rr->cfg.nout = m->nout;
	rr->st = counters_rule(m->stats);
	rr->in_slot = slot;
	rr->attached = true;
	for (unsigned i = 0; i < m->nout; i++) {
		const struct wire_out *w = &m->out[i];

		rr->cfg.out[i].group = w->group;
		rr->cfg.out[i].port = w->port;
		rr->out[i].cfg = &rr->cfg.out[i];
		rr->out[i].dst = (struct sockaddr_in){ .sin_family = AF_INET, .sin_addr = w->group,
						       .sin_port = htons(w->port) };
		out_bind(k, &rr->out[i], w->egress);
		rr->out[i].st = counters_out(w->stats);
	}
	r->rules[r->nrules++] = rr;
	relay_rebuild_match(r, (size_t)slot);
}

static void rule_del(struct wk *k, const char *name)
{
	struct relay *r = &k->relay;
	struct rt_rule *rr;
	size_t i;

	for (i = 0; i < r->nrules && strcmp(r->rules[i]->cfg.name, name); i++)
		;
	if (i == r->nrules)
		return;
	rr = r->rules[i];
	memmove(&r->rules[i], &r->rules[i + 1], (r->nrules - i - 1) * sizeof(rr));
	r->nrules--;
	relay_rebuild_match(r, (size_t)rr->in_slot);
	rr->dead = true;
	if (!rr->inflight) {
		relay_rule_free(r, rr);
	} else {
		rr->next_dead = r->dead;
		r->dead = rr;
	}
}

static void output_set(struct wk *k, const struct wire_msg *m)
{
	struct rt_rule *rr = relay_find(&k->relay, m->name);

	if (rr && m->out_index < rr->cfg.nout)
		out_bind(k, &rr->out[m->out_index], m->egress);
}

static void handle(struct wk *k, const struct wire_msg *m, size_t len, int fd)
{
	switch (m->type) {
	case W_EGRESS_ADD:
		egress_add(k, m->slot, fd, m->flags & W_F_GSO);
		return;
	case W_EGRESS_DEL:
		egress_del(k, m->slot);
		break;
	case W_INPUT_ADD:
		input_add(k, m, fd);
		return;
	case W_INPUT_DEL:
		input_del(k, m->slot);
		break;
	case W_RULE_ADD:
		rule_add(k, m, len);
		break;
	case W_RULE_DEL:
		rule_del(k, m->name);
		break;
	case W_OUTPUT_SET:
		output_set(k, m);
		break;
	}
	if (fd >= 0)
		close(fd); /* a socket attached to a message that takes none */
}

static void on_channel(void *arg, int chan)
{
	struct wk *k = arg;

	for (;;) {
		int fd;
		ssize_t n = wire_recv(chan, k->buf, MSG_MAX, &fd);

		if (n == -EAGAIN || n == -EINTR)
			return;
		if (n <= 0) {
			if (n < 0)
				log_err("worker %u: channel: %s", k->index, strerror((int)-n));
			datapath_stop(k->dp); /* the parent is gone */
			return;
		}
		if ((size_t)n >= sizeof(struct wire_msg))
			handle(k, k->buf, (size_t)n, fd);
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
			datapath_stop(k->dp);
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

int worker_main(int chan, unsigned index, int cpu, uid_t uid, gid_t gid, unsigned mtu)
{
	static struct wk k;
	sigset_t set;
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
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	k.index = index;
	k.buf = malloc(MSG_MAX);
	for (int i = 0; i < RELAY_MAX_INPUTS; i++)
		k.pslot[i] = -1;
	relay_init_worker(&k.relay);
	k.relay.max_mtu = mtu;
	if (chan < 0 || sfd < 0 || !k.buf || datapath_new(&k.dp, &k.relay, true))
		return 1;
	if (datapath_watch(k.dp, chan, POLLIN, on_channel, &k) < 0 ||
	    datapath_watch(k.dp, sfd, POLLIN, on_signal, &k) < 0)
		return 1;
	err = datapath_run(k.dp);
	datapath_free(k.dp);
	relay_free(&k.relay);
	for (size_t i = 0; i < k.nemap; i++)
		if (k.emap[i].fd >= 0)
			close(k.emap[i].fd);
	free(k.emap);
	free(k.buf);
	return err ? 1 : 0;
}
