/*
 * The control message decoder on raw bytes, on both sides of the socket.
 *
 * Daemon side: the bytes are what a client wrote to the control socket.
 * This file includes mcrd/control.c, so its own (static) framing, checks
 * and dispatch run: process_input() on a client whose input buffer holds
 * them (in two reads: half, then the rest), against a small fake relay
 * (the stubs below stand in for relay.c, pool.c, counters.c, the event loop,
 * the interface table and getifaddrs()).  Every reply mcrd queues must then
 * pass mcr_ctl_msg_check() and decode.
 *
 * Client side: the same bytes as replies and events from mcrd, one message
 * at a time as mcrctl reads them, through lib/ctl.c's decoders and mcrctl's
 * (worker, event printer); a decoded rule must survive a re-encode.
 */
#include <fcntl.h>

#include "fuzz.h"
#include "stub_client.h"

#define getifaddrs  fuzz_getifaddrs
#define freeifaddrs fuzz_freeifaddrs
#include "../../mcrd/control.c"
#undef getifaddrs
#undef freeifaddrs

#include "mcrctl.h"
#include "print.h"

#define FAKE_RULES_MAX 16

static struct relay R;
static struct control CTL;
static struct rt_input in0 = { .dev = "eth0", .ifindex = 2, .fd = -1 };
static struct link_stats lstats = { .frames = 7, .drops = { [MCR_DROP_TRUNCATED] = 1 } };
static FILE *devnull;

/* ---- stubs ---- */

int datapath_watch(struct datapath *dp, int fd, unsigned events, dp_watch_fn fn, void *arg)
{
	(void)dp, (void)fd, (void)events, (void)fn, (void)arg;
	return 1;
}

void datapath_unwatch(struct datapath *dp, int id)
{
	(void)dp, (void)id;
}

unsigned pool_size(const struct pool *p)
{
	(void)p;
	return 2;
}

void pool_info(const struct pool *p, unsigned w, struct pool_worker_info *out)
{
	(void)p;
	*out = (struct pool_worker_info){ .pid = (pid_t)(100 + w), .cpu = w ? -1 : 0, .uid = 65534 };
}

struct link_stats *counters_link(uint32_t slot)
{
	(void)slot;
	return &lstats;
}

void relay_link_stats(const struct relay *r, const struct rt_input *in, struct link_stats *out)
{
	(void)r, (void)in;
	*out = lstats;
}

int iface_lookup(const char *name, struct iface_info *info)
{
	memset(info, 0, sizeof(*info));
	if (!strcmp(name, "eth0") || !strcmp(name, "eth1")) {
		info->ifindex = name[3] == '0' ? 2 : 3;
		info->flags = name[3] == '0' ? IFF_UP : 0;
		info->mtu = 1500;
		return 0;
	}
	return -ENODEV;
}

int fuzz_getifaddrs(struct ifaddrs **out);
void fuzz_freeifaddrs(struct ifaddrs *ifa);

int fuzz_getifaddrs(struct ifaddrs **out)
{
	static struct sockaddr_in a4 = { .sin_family = AF_INET, .sin_addr = { 0x0100000a } };
	static struct sockaddr_in6 a6 = { .sin6_family = AF_INET6 };
	static struct ifaddrs l[4] = {
		{ .ifa_next = &l[1], .ifa_name = "eth0", .ifa_addr = (struct sockaddr *)&a4 },
		{ .ifa_next = &l[2], .ifa_name = "eth0", .ifa_addr = (struct sockaddr *)&a6 },
		{ .ifa_next = &l[3], .ifa_name = "eth1", .ifa_addr = NULL },
		{ .ifa_next = NULL, .ifa_name = "eth1", .ifa_addr = (struct sockaddr *)&a4 },
	};

	*out = l;
	return 0;
}

void fuzz_freeifaddrs(struct ifaddrs *ifa)
{
	(void)ifa;
}

struct rt_rule *relay_find(const struct relay *r, const char *name)
{
	for (size_t i = 0; i < r->nrules; i++)
		if (!strcmp(r->rules[i]->cfg.name, name))
			return r->rules[i];
	return NULL;
}

struct rt_rule *relay_find_input(const struct relay *r, const struct mcr_input *in)
{
	for (size_t i = 0; i < r->nrules; i++)
		if (mcr_input_equal(&r->rules[i]->cfg.in, in))
			return r->rules[i];
	return NULL;
}

static void fake_rule_free(struct rt_rule *rr)
{
	for (unsigned i = 0; i < rr->cfg.nout; i++)
		free(rr->out[i].st);
	free(rr->out);
	free(rr->st);
	mcr_rule_free(&rr->cfg);
	free(rr);
}

/* As relay_add() promises: a copy, refusing a duplicate name or input. */
int relay_add(struct relay *r, const struct mcr_rule *cfg, struct mcr_errlist *el)
{
	struct rt_rule *rr;

	if (relay_find(r, cfg->name) || relay_find_input(r, &cfg->in)) {
		mcr_errlist_add(el, cfg->line, "rule \"%s\": a rule with that %s exists", cfg->name,
				relay_find(r, cfg->name) ? "name" : "input");
		return -EEXIST;
	}
	if (r->nrules == FAKE_RULES_MAX)
		return -ENOSPC;
	if (!(rr = calloc(1, sizeof(*rr))) || mcr_rule_copy(&rr->cfg, cfg)) {
		free(rr);
		return -ENOMEM;
	}
	rr->st = calloc(1, sizeof(*rr->st));
	rr->out = calloc(cfg->nout ? cfg->nout : 1, sizeof(*rr->out));
	if (!rr->st || !rr->out) {
		fake_rule_free(rr);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < cfg->nout; i++) {
		struct rt_output *o = &rr->out[i];

		o->cfg = &rr->cfg.out[i];
		o->fd = i % 2 ? -1 : 3;
		o->why = o->fd < 0 ? "no such interface" : NULL;
		if (!(o->st = calloc(1, sizeof(*o->st)))) {
			rr->cfg.nout = i;
			fake_rule_free(rr);
			return -ENOMEM;
		}
		o->st->packets = i;
	}
	rr->pending = strlen(cfg->in.dev) % 2 ? "input interface missing" : NULL;
	rr->attached = !rr->pending;
	rr->worker = cfg->in.port % 2;
	rr->st->packets = 3;
	rr->st->drops[MCR_DROP_FRAGMENT] = 2;
	rr->pps = 1;
	rr->bps = 12345678;
	r->rules[r->nrules++] = rr;
	return 0;
}

int relay_del(struct relay *r, const char *name)
{
	for (size_t i = 0; i < r->nrules; i++)
		if (!strcmp(r->rules[i]->cfg.name, name)) {
			fake_rule_free(r->rules[i]);
			memmove(&r->rules[i], &r->rules[i + 1], (r->nrules - i - 1) * sizeof(r->rules[0]));
			r->nrules--;
			return 0;
		}
	return -ENOENT;
}

static int fake_reload(void *arg, struct mcr_errlist *el, struct reload_result *res)
{
	static unsigned n;

	(void)arg;
	if (n++ % 2) {
		el->file = "/etc/mcrd/mcrd.conf";
		mcr_errlist_add(el, 3, "rule \"a\": in.port is missing");
		mcr_errlist_add(el, 0, "larger than 16 MiB");
		return -EINVAL;
	}
	*res = (struct reload_result){ 1, 2, 3, 4 };
	return 0;
}

/* ---- set-up ---- */

static void add_seed_rule(const char *name, const char *dev, uint32_t group, uint16_t port,
			  unsigned nout)
{
	struct mcr_output out[3] = { 0 };
	struct mcr_rule r = { .out = out, .nout = nout };
	struct mcr_errlist el;

	snprintf(r.name, sizeof(r.name), "%s", name);
	snprintf(r.in.dev, sizeof(r.in.dev), "%s", dev);
	r.in.group.s_addr = htonl(group);
	r.in.port = port;
	for (unsigned i = 0; i < nout; i++) {
		snprintf(out[i].dev, sizeof(out[i].dev), "eth%u", i + 1);
		out[i].group.s_addr = htonl(0xef020202u + i);
		out[i].port = (uint16_t)(6000 + i);
		out[i].ttl = (uint8_t)(1 + i);
	}
	mcr_errlist_init(&el, NULL);
	if (relay_add(&R, &r, &el))
		abort();
	mcr_errlist_free(&el);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	devnull = fopen("/dev/null", "w");
	if (!devnull)
		abort();
	mcrctl_opt.errfp = devnull;
	mcr_log_open("mcrd-fuzz", 1, LOG_ERR); /* the daemon's info lines: not wanted */
	R.parent = true;
	R.nworkers = 2;
	R.pool = (struct pool *)&R; /* opaque to control.c: only passed to the stubs */
	R.rules = calloc(FAKE_RULES_MAX, sizeof(*R.rules));
	if (!R.rules)
		abort();
	R.caprules = FAKE_RULES_MAX;
	in0.wfd[0] = 5;
	for (unsigned w = 1; w < RELAY_MAX_WORKERS; w++)
		in0.wfd[w] = -1;
	R.inputs[0] = &in0;
	R.ninputs = 1;
	CTL = (struct control){ .lfd = -1, .lwatch = -1, .relay = &R, .reload = fake_reload };
	return 0;
}

static void reset_relay(void)
{
	while (R.nrules)
		relay_del(&R, R.rules[0]->cfg.name);
	add_seed_rule("cam1", "eth0", 0xef010101, 5001, 2);
	add_seed_rule("ssdp", "lan0", 0xeffffffa, 1900, 1);
}

static struct client *new_client(bool monitor)
{
	struct client *c = calloc(1, sizeof(*c));

	if (!c)
		abort();
	*c = (struct client){ .fd = open("/dev/null", O_WRONLY | O_CLOEXEC), .wout = -1,
			      .monitor = monitor, .ctl = &CTL };
	if (c->fd < 0)
		abort();
	return c;
}

/* ---- checks ---- */

/* A message mcrd or mcrctl decoded, encoded again, decodes to the same. */
static void rule_round_trip(const struct mcr_rule *r, const struct mcr_rule_info *info)
{
	size_t len = mcr_ctl_rule_size(r);
	void *buf = calloc(1, len);
	struct nlmsghdr *nlh = mcr_ctl_msg_start(buf, len, MCR_MSG_RULE, 1, 0);
	struct mcr_rule r2;
	struct mcr_rule_info i2;
	char err[256];

	FUZZ_ASSERT(nlh);
	FUZZ_ASSERT(mcr_ctl_put_rule(nlh, len, r, info) == 0);
	FUZZ_ASSERT(mcr_ctl_msg_check(nlh, nlh->nlmsg_len, err, sizeof(err)) == 0);
	FUZZ_ASSERT(mcr_ctl_get_rule(mcr_ctl_attr(nlh, MCR_A_RULE), &r2, &i2, err, sizeof(err)) == 0);
	FUZZ_ASSERT(mcr_rule_equal(r, &r2) && r->origin == r2.origin);
	if (info)
		FUZZ_ASSERT(i2.state == info->state && i2.worker == info->worker &&
			    !strcmp(i2.reason, info->reason) && i2.has_stats == info->has_stats);
	mcr_rule_free(&r2);
	mcr_rule_info_free(&i2);
	free(buf);
}

/* What mcrctl does with one message from mcrd. */
static void client_decode(const struct nlmsghdr *nlh)
{
	const struct nlattr *a;
	struct mcr_rule r;
	struct mcr_rule_info info;
	struct mcr_link_info l;
	struct mcrctl_worker w;
	const char *msgs[8];
	size_t n;
	int status;
	char err[256];

	if ((a = mcr_ctl_attr(nlh, MCR_A_RULE))) {
		if (!mcr_ctl_get_rule(a, &r, &info, err, sizeof(err))) {
			rule_round_trip(&r, &info);
			mcr_rule_free(&r);
			mcr_rule_info_free(&info);
		}
		if (!mcr_ctl_get_rule(a, &r, NULL, err, sizeof(err))) {
			rule_round_trip(&r, NULL);
			mcr_rule_free(&r);
		}
	}
	if ((a = mcr_ctl_attr(nlh, MCR_A_LINK)) && !mcr_ctl_get_link(a, &l, err, sizeof(err))) {
		FUZZ_ASSERT(l.naddr <= 8 && strnlen(l.state, sizeof(l.state)) < sizeof(l.state));
		mcrctl_print_link(NULL, &l);
	}
	if ((a = mcr_ctl_attr(nlh, MCR_A_WORKER)) && !mcrctl_get_worker(a, &w, err, sizeof(err)))
		mcrctl_print_worker(NULL, &w);
	if (!mcr_ctl_get_done(nlh, &status, msgs, 8, &n))
		FUZZ_ASSERT(n <= 8);
	(void)mcrctl_print_event(nlh);
}

/* Every reply queued for the client is a message mcrctl accepts. */
static void check_replies(const struct client *c)
{
	size_t off = c->outoff;
	char err[256];

	while (off < c->outlen) {
		const struct nlmsghdr *nlh = (const void *)(c->out + off);
		struct mcr_rule r;
		struct mcr_rule_info info;
		struct mcr_link_info l;
		int status;
		size_t n;
		const char *msgs[1];

		FUZZ_ASSERT(c->outlen - off >= NLMSG_HDRLEN);
		if (mcr_ctl_msg_check(nlh, c->outlen - off, err, sizeof(err))) {
			fprintf(stderr, "mcrd queued a bad reply: %s\n", err);
			abort();
		}
		switch (nlh->nlmsg_type) {
		case MCR_MSG_RULE:
			FUZZ_ASSERT(!mcr_ctl_get_rule(mcr_ctl_attr(nlh, MCR_A_RULE), &r, &info, err,
						      sizeof(err)));
			mcr_rule_free(&r);
			mcr_rule_info_free(&info);
			break;
		case MCR_MSG_LINK:
			FUZZ_ASSERT(!mcr_ctl_get_link(mcr_ctl_attr(nlh, MCR_A_LINK), &l, err,
						      sizeof(err)));
			break;
		case MCR_MSG_DONE:
			FUZZ_ASSERT(!mcr_ctl_get_done(nlh, &status, msgs, 1, &n));
			break;
		case MCR_MSG_WORKER:
		case MCR_MSG_EVENT:
			break;
		default:
			FUZZ_ASSERT(!"reply of an unknown type");
		}
		off += NLMSG_ALIGN(nlh->nlmsg_len);
	}
}

/* ---- the two sides ---- */

static void daemon_side(const uint8_t *data, size_t size)
{
	struct client *c = new_client(false);
	size_t half = size / 2;

	reset_relay();
	CTL.cl[0] = c;
	CTL.cl[1] = new_client(true); /* a monitor, for the events */
	c->incap = size + 1;
	if (!(c->in = malloc(c->incap)))
		abort();
	/* As on_readable() does: process after each read, keep any partial message. */
	CTL.current = c;
	memcpy(c->in, data, half);
	c->inlen = half;
	if (process_input(c) && !c->dead) {
		memcpy(c->in + c->inlen, data + half, size - half);
		c->inlen += size - half;
		process_input(c);
	}
	CTL.current = NULL;
	FUZZ_ASSERT(c->inlen <= size);
	check_replies(c);
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (CTL.cl[i])
			client_close(CTL.cl[i]);
}

static void client_side(const uint8_t *data, size_t size)
{
	size_t off = 0;
	char err[256];

	mcrctl_print_setup(devnull, size % 2, size % 3 == 0);
	while (size - off >= NLMSG_HDRLEN) {
		struct nlmsghdr h;
		void *msg;

		memcpy(&h, data + off, sizeof(h));
		if (h.nlmsg_len < NLMSG_HDRLEN || h.nlmsg_len > size - off)
			break;
		/* mcrctl reads exactly nlmsg_len bytes into its buffer. */
		if (!(msg = malloc(h.nlmsg_len)))
			break;
		memcpy(msg, data + off, h.nlmsg_len);
		if (!mcr_ctl_msg_check(msg, h.nlmsg_len, err, sizeof(err)))
			client_decode(msg);
		free(msg);
		off += h.nlmsg_len;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	daemon_side(data, size);
	client_side(data, size);
	return 0;
}
