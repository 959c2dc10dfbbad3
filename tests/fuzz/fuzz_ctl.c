/*
 * The control message decoder on raw bytes, on both sides of the socket.
 *
 * Daemon side: the bytes are what a client wrote to the control socket.
 * This file includes mcrd/control.c, so its own (static) framing, checks
 * and dispatch run: process_input() on a client whose input buffer holds
 * them (in two reads: half, then the rest).  The request handlers, the
 * plan, the counters and the interface table are the real ones; only the
 * plan's ops and sockets are fakes, and the event loop and the worker pool
 * are stubs.  Every reply mcrd queues must then pass mcr_ctl_msg_check()
 * and decode.
 *
 * Client side: the same bytes as replies and events from mcrd, one message
 * at a time as mcrctl reads them, through lib/ctl.c's decoders and mcrctl's
 * (worker, event printer); a decoded rule must survive a re-encode.
 */
#include <fcntl.h>

#include "fuzz.h"
#include "stub_client.h"

#include "../../mcrd/control.c"
#include "../../mcrd/counters.h"
#include "../../mcrd/iface.h"
#include "../../mcrd/plan.h"
#include "../../mcrd/requests.h"
#include "../../mcrd/trace.h"
#include "../../mcrd/tracer.h"

#include "mcrctl.h"
#include "print.h"

static struct plan *P;
static struct requests RQ;
static struct control CTL;
static FILE *devnull;

/* ---- stubs: the event loop and the worker processes ---- */

int evloop_watch(struct evloop *ev, int fd, unsigned events, ev_watch_fn fn, void *arg)
{
	(void)ev, (void)fd, (void)events, (void)fn, (void)arg;
	return 1;
}

void evloop_unwatch(struct evloop *ev, int id)
{
	(void)ev, (void)id;
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

/* Trace starts and stops for a worker: nowhere to go. */
void pool_send(struct pool *p, unsigned w, const struct wire_msg *m, size_t len, int fd)
{
	(void)p, (void)w, (void)m, (void)len, (void)fd;
}

/* ---- the plan's fake ops and sockets: the plan itself is real ---- */

static void op_egress_add(void *a, int w, int fd, bool gso) { (void)a, (void)w, (void)fd, (void)gso; }
static void op_egress_del(void *a, int fd) { (void)a, (void)fd; }
static void op_input_add(void *a, unsigned w, size_t s, const struct plan_input *in)
{
	(void)a, (void)w, (void)s, (void)in;
}
static void op_input_del(void *a, unsigned w, size_t s) { (void)a, (void)w, (void)s; }
static void op_rule(void *a, const struct plan_rule *rr, unsigned w) { (void)a, (void)rr, (void)w; }
static void op_rule_flags(void *a, const struct plan_rule *rr) { (void)a, (void)rr; }
static void op_output_set(void *a, const struct plan_rule *rr, unsigned i)
{
	(void)a, (void)rr, (void)i;
}

static void op_tx_add(void *a, unsigned w, int fd, int gso_fd, const struct txring_geom *g)
{
	(void)a, (void)w, (void)fd, (void)gso_fd, (void)g;
}
static void op_tx_del(void *a, unsigned w, int fd) { (void)a, (void)w, (void)fd; }

static const struct plan_ops fake_ops = {
	.egress_add = op_egress_add,
	.egress_del = op_egress_del,
	.input_add = op_input_add,
	.input_del = op_input_del,
	.rule_add = op_rule,
	.rule_del = op_rule,
	.output_set = op_output_set,
	.rule_flags = op_rule_flags,
	.tx_add = op_tx_add,
	.tx_del = op_tx_del,
};

static int sys_ingress_open(void *s, int ifindex, const struct filter_key *k, size_t n, int *exact,
			    struct rxring_size sz)
{
	(void)s, (void)k, (void)n, (void)sz;
	*exact = n <= 8;
	return 1000 + ifindex;
}

static int sys_ingress_filter(void *s, int fd, const struct filter_key *k, size_t n, int *exact)
{
	(void)s, (void)fd, (void)k;
	*exact = n <= 8;
	return 0;
}

static unsigned sys_ingress_drops(void *s, int fd) { (void)s, (void)fd; return 1; }
static void sys_ingress_close(void *s, int fd) { (void)s, (void)fd; }

static int sys_egress_get(void *s, const char *dev, int ifindex, enum egress_gso gso,
			  int family)
{
	(void)s, (void)dev, (void)gso;
	return (family == AF_INET6 ? 3000 : 2000) + ifindex;
}

static uint16_t sys_egress_port(void *s, int fd) { (void)s; return (uint16_t)fd; }
static int sys_tx_get(void *s, int ifindex, unsigned w, unsigned mtu)
{
	(void)s, (void)mtu;
	return 3000 + ifindex * 64 + (int)w;
}
static void sys_tx_put(void *s, int fd) { (void)s, (void)fd; }
static void sys_tx_renew(void *s, unsigned w) { (void)s, (void)w; }

static void sys_egress_forget(void *s, int ifindex) { (void)s, (void)ifindex; }
static void sys_egress_foreach(void *s, plan_egress_fn fn, void *arg) { (void)s, (void)fn, (void)arg; }
static int sys_member(void *s, int ifindex, struct mcr_addr g, struct mcr_addr src)
{
	(void)s, (void)ifindex, (void)g, (void)src;
	return 0;
}

static int sys_claim(void *s, const struct mcr_input *in)
{
	(void)s;
	return in->port % 2 ? 3000 + in->port : -EADDRINUSE; /* some held by "another mcrd" */
}
static void sys_unclaim(void *s, int fd) { (void)s, (void)fd; }

static const struct plan_sys fake_sys = {
	.ingress_open = sys_ingress_open,
	.ingress_filter = sys_ingress_filter,
	.ingress_drops = sys_ingress_drops,
	.ingress_close = sys_ingress_close,
	.egress_get = sys_egress_get,
	.egress_forget = sys_egress_forget,
	.egress_foreach = sys_egress_foreach,
	.egress_port = sys_egress_port,
	.tx_get = sys_tx_get,
	.tx_put = sys_tx_put,
	.tx_renew = sys_tx_renew,
	.join = sys_member,
	.leave = sys_member,
	.input_claim = sys_claim,
	.input_unclaim = sys_unclaim,
};

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
	r.in.group = mcr_addr4((struct in_addr){ htonl(group) });
	r.in.port = port;
	for (unsigned i = 0; i < nout; i++) {
		snprintf(out[i].dev, sizeof(out[i].dev), "eth%u", i + 1);
		out[i].group = mcr_addr4((struct in_addr){ htonl(0xef020202u + i) });
		out[i].port = (uint16_t)(6000 + i);
		out[i].ttl = (uint8_t)(1 + i);
	}
	mcr_errlist_init(&el, NULL);
	if (plan_add(P, &r, &el))
		abort();
	mcr_errlist_free(&el);
}

/* eth0 up with an address, eth1 down, eth2 up without one; lan0 absent. */
static void fake_links(void)
{
	iface_table_begin();
	iface_table_set_link(2, "eth0", IFF_UP | IFF_RUNNING, 1500, false);
	iface_table_set_link(3, "eth1", 0, 1500, true);
	iface_table_set_link(4, "eth2", IFF_UP | IFF_RUNNING, 9000, true);
	iface_table_addr(2, (struct in_addr){ htonl(0x0a000001) }, true, false);
	iface_table_commit();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct plan_config pc = { .nworkers = 2, .rx = { 1500, 8 }, .ops = &fake_ops,
				  .sys = &fake_sys };

	(void)argc;
	(void)argv;
	devnull = fopen("/dev/null", "w");
	if (!devnull)
		abort();
	mcrctl_opt.errfp = devnull;
	mcr_log_open("mcrd-fuzz", 1, LOG_ERR); /* the daemon's info lines: not wanted */
	if (counters_init() || trace_init() || plan_new(&P, &pc))
		abort();
	fake_links();
	RQ = (struct requests){ .plan = P, .pool = NULL, .reload = fake_reload, .ctl = &CTL };
	CTL = (struct control){ .lfd = -1, .lwatch = -1, .table = requests_table, .arg = &RQ };
	return 0;
}

static void reset_plan(void)
{
	while (plan_nrules(P))
		plan_del(P, plan_rule(P, 0)->cfg.name);
	add_seed_rule("cam1", "eth0", 0xef010101, 5001, 2);
	add_seed_rule("ssdp", "lan0", 0xeffffffa, 1900, 1);
	plan_tick(P);
	/* Traces start afresh each run: no state carried from one input to the next. */
	tracer_free(RQ.tracer);
	if (tracer_new(&RQ.tracer, P, NULL))
		abort();
}

static struct ctl_client *new_client(bool monitor)
{
	struct ctl_client *c = calloc(1, sizeof(*c));

	if (!c)
		abort();
	*c = (struct ctl_client){ .fd = open("/dev/null", O_WRONLY | O_CLOEXEC), .wout = -1,
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
	FUZZ_ASSERT(mcr_ctl_get_rule(nlh, &r2, &i2, err, sizeof(err)) == 0);
	FUZZ_ASSERT(mcr_rule_equal(r, &r2) && r->origin == r2.origin);
	if (info)
		FUZZ_ASSERT(i2.state == info->state && i2.worker == info->worker &&
			    !strcmp(i2.reason, info->reason) && !strcmp(i2.note, info->note) &&
			    i2.has_stats == info->has_stats);
	mcr_rule_free(&r2);
	mcr_rule_info_free(&i2);
	free(buf);
}

/* Trace records as mcrctl takes them, from an 8-aligned copy; non-zero if one is malformed. */
static int trace_records(const struct nlmsghdr *nlh, bool print)
{
	static _Alignas(8) uint8_t buf[65536];
	const struct mcr_trace_rec *r;
	const struct nlattr *a;
	int bad = 0, k;

	mnl_attr_for_each(a, nlh, MCR_CTLHDR_LEN) {
		size_t off = 0, len = mnl_attr_get_payload_len(a);

		if (mnl_attr_get_type(a) != MCR_A_TRACE_DATA)
			continue;
		memcpy(buf, mnl_attr_get_payload(a), len);
		while ((k = mcr_trace_next(buf, len, &off, &r)) > 0)
			if (print)
				mcrctl_trace_line(devnull, r);
		bad |= k < 0;
	}
	return bad;
}

static void check_trace_reply(const struct nlmsghdr *nlh)
{
	struct mcr_trace_info t;
	char err[256];

	FUZZ_ASSERT(!mcr_ctl_get_trace(nlh, &t, err, sizeof(err)));
	FUZZ_ASSERT(!trace_records(nlh, false));
}

/* What mcrctl does with one message from mcrd. */
static void client_decode(const struct nlmsghdr *nlh)
{
	const struct nlattr *a;
	struct mcr_rule r;
	struct mcr_rule_info info;
	struct mcr_link_info l;
	struct mcr_worker_info w;
	struct mcr_trace_info t;
	const char *msgs[8];
	size_t n;
	int status;
	char err[256];

	if ((a = mcr_ctl_attr(nlh, MCR_A_RULE))) {
		if (!mcr_ctl_get_rule(nlh, &r, &info, err, sizeof(err))) {
			rule_round_trip(&r, &info);
			mcr_rule_free(&r);
			mcr_rule_info_free(&info);
		}
		if (!mcr_ctl_get_rule(nlh, &r, NULL, err, sizeof(err))) {
			rule_round_trip(&r, NULL);
			mcr_rule_free(&r);
		}
	}
	if ((a = mcr_ctl_attr(nlh, MCR_A_LINK)) && !mcr_ctl_get_link(a, &l, err, sizeof(err))) {
		FUZZ_ASSERT(l.naddr <= 8 && strnlen(l.state, sizeof(l.state)) < sizeof(l.state));
		mcrctl_print_link(NULL, &l);
	}
	if ((a = mcr_ctl_attr(nlh, MCR_A_WORKER)) && !mcr_ctl_get_worker(a, &w, err, sizeof(err)))
		mcrctl_print_worker(NULL, &w);
	if ((a = mcr_ctl_attr(nlh, MCR_A_TRACE)) && !mcr_ctl_get_trace(nlh, &t, err, sizeof(err)))
		FUZZ_ASSERT(strnlen(t.reason, sizeof(t.reason)) < sizeof(t.reason));
	trace_records(nlh, true);
	if (!mcr_ctl_get_done(nlh, &status, msgs, 8, &n))
		FUZZ_ASSERT(n <= 8);
	(void)mcrctl_print_event(nlh);
}

/* Every reply queued for the client is a message mcrctl accepts. */
static void check_replies(const struct ctl_client *c)
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
			FUZZ_ASSERT(!mcr_ctl_get_rule(nlh, &r, &info, err,
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
		case MCR_MSG_TRACE:
			check_trace_reply(nlh);
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
	struct ctl_client *c = new_client(false);
	size_t half = size / 2;

	reset_plan();
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
