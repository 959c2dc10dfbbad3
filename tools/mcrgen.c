/* mcrgen: send numbered, checksummed UDP test traffic at a fixed rate. */
#include "addr.h"
#include "cli.h"
#include "clock.h"
#include "esc.h"
#include "payload.h"
#include "rtp.h"
#include "signals.h"
#include "sockets.h"
#include "stream.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define RETRY_NS 50000ull /* pause before retrying when the kernel queue is full */

struct gen_opts {
	struct mcr_tool_stream dst; /* dev, first group and port */
	bool has_dev, has_group, has_port;
	unsigned long size, count, pps, ttl, tos, batch, nstreams, base_id;
	enum mcr_tool_step step;
	struct mcr_addr src;        /* AF_UNSPEC: the kernel picks */
	double duration; /* 0 = no limit */
	bool json, quiet;
	bool rtp, has_ssrc;
	unsigned long rtp_seq, ssrc;
	struct mcr_tool_stream dst2; /* the second path: dev, first group (port: dst's) */
	bool has_dev2, has_group2;
	struct mcr_skip skip[2];    /* packet numbers each path leaves out */
	unsigned long lag2;         /* packets the second path sends late, per stream */
};

struct gen {
	const struct gen_opts *o;
	int fd[2];                /* per path; the second path is -1 without --dev2 */
	int ifindex[2];           /* per path: the output device */
	unsigned npaths;
	struct mcr_payload_gen pg;
	union mcr_tool_sa *dsts[2]; /* per path, one per stream */
	socklen_t dstlen[2];
	struct mmsghdr *msgs[2];
	struct iovec *iov[2];
	uint8_t *bufs[2];
	uint64_t lag;             /* packets (over all streams) the second path is behind */
	uint64_t skipped;
	unsigned per_send;        /* packets per sendmmsg */
	uint64_t sent, errors;
	int last_err;
	double seconds;
};

static void usage(void)
{
	printf(
"Usage: mcrgen -d DEV -g GROUP -p PORT [ -s SIZE ] [ -n COUNT ] [ -r PPS ]\n"
"              [ -t TTL ] [ --tos TOS ] [ -b BATCH ] [ -S SRCADDR ] [ --streams N ]\n"
"              [ --step { port | group } ] [ --stream-id ID ] [ -D SECONDS ]\n"
"              [ --rtp [ --rtp-seq N ] [ --ssrc N ] ] [ --skip LIST ]\n"
"              [ --dev2 DEV [ --group2 GROUP ] [ --skip2 LIST ] [ --lag2 N ] ]\n"
"              [ -j ] [ -q ]\n"
"       mcrgen { -h | --help }\n"
"\n"
"Send numbered, checksummed UDP test packets to GROUP:PORT out of DEV, over\n"
"IPv4 or IPv6 as GROUP is.\n"
"\n"
"  -d, --dev DEV           output device\n"
"  -g, --group GROUP       destination address, IPv4 or IPv6 (bare or in\n"
"                          brackets), multicast or unicast\n"
"  -p, --port PORT         destination UDP port\n"
"  -s, --size SIZE         UDP payload bytes, 24..65507 (default 1400); above\n"
"                          the MTU the kernel sends IP fragments\n"
"  -n, --count COUNT       packets per stream (default 1000; 0 = until -D or a\n"
"                          signal)\n"
"  -r, --rate PPS          packets per second over all streams (default 10000;\n"
"                          0 = as fast as possible)\n"
"  -t, --ttl TTL           IP TTL (IPv6: hop limit) for unicast and multicast,\n"
"                          1..255 (default 16: a relay with router semantics\n"
"                          takes one off)\n"
"      --tos TOS           IP TOS byte (IPv6: traffic class), DSCP << 2 | ECN,\n"
"                          0..255 (default 0)\n"
"  -b, --batch BATCH       most packets per sendmmsg, 1..1024 (default 32); fewer\n"
"                          at low rates so bursts stay at most 1 ms apart\n"
"  -S, --source SRCADDR    send from this local address (GROUP's family)\n"
"      --streams N         send N streams, 1..4096 (default 1), round-robin\n"
"      --step port|group   stream i goes to PORT+i (default) or to GROUP+i\n"
"                          (IPv6: + i in the group's last 32 bits)\n"
"      --stream-id ID      stream id of the first stream (default 0)\n"
"  -D, --duration SECONDS  stop after this long (fractions allowed)\n"
"      --rtp               start each payload with an RTP header (version 2,\n"
"                          type 33, sequence number --rtp-seq + packet number\n"
"                          mod 65536); SIZE counts it (at least 36)\n"
"      --rtp-seq N         the first RTP sequence number, 0..65535 (default 0)\n"
"      --ssrc N            the RTP SSRC (default 0x4d430000 + stream id)\n"
"      --skip LIST         packet numbers (from 0) not sent: A, A-B, A%%M or\n"
"                          A-B%%M (numbers modulo M in A..B), comma-separated\n"
"      --dev2 DEV          a second path: each packet also goes out of DEV,\n"
"                          to --group2 GROUP (default -g; same family) and PORT\n"
"      --skip2 LIST        packet numbers the second path does not send\n"
"      --lag2 N            the second path sends each packet N packets' time\n"
"                          after the first (a path delay of N / PPS seconds)\n"
"  -j, --json              print the summary as one JSON object\n"
"  -q, --quiet             print nothing but errors\n"
"  -h, --help              show this help\n"
"\n"
"Summary: sent N packets (N bytes) in F s: N pps, F Mbit/s, N errors, N unsent\n"
"   JSON: {\"sent\":N,\"bytes\":N,\"seconds\":F,\"pps\":F,\"errors\":N,\"unsent\":N,\n"
"          \"streams\":N}\n"
"With --skip, --skip2 or --dev2, JSON adds \"skipped\":N and \"paths\":N, and sent\n"
"counts the datagrams of both paths.\n"
"unsent: packets asked for (COUNT per stream) never handed to the kernel, as -D\n"
"or a signal stopped the run first; a signal that leaves some unsent is also\n"
"reported on stderr, even with -q.\n"
"Exit status: 0 done, 1 usage error, 2 runtime error.\n");
}

enum { OPT_STREAMS = 256, OPT_STEP, OPT_STREAM_ID, OPT_TOS, OPT_RTP, OPT_RTP_SEQ, OPT_SSRC,
       OPT_SKIP, OPT_DEV2, OPT_GROUP2, OPT_SKIP2, OPT_LAG2 };

static const struct option longopts[] = {
	{ "dev", required_argument, NULL, 'd' },
	{ "group", required_argument, NULL, 'g' },
	{ "port", required_argument, NULL, 'p' },
	{ "size", required_argument, NULL, 's' },
	{ "count", required_argument, NULL, 'n' },
	{ "rate", required_argument, NULL, 'r' },
	{ "ttl", required_argument, NULL, 't' },
	{ "tos", required_argument, NULL, OPT_TOS },
	{ "batch", required_argument, NULL, 'b' },
	{ "source", required_argument, NULL, 'S' },
	{ "streams", required_argument, NULL, OPT_STREAMS },
	{ "step", required_argument, NULL, OPT_STEP },
	{ "stream-id", required_argument, NULL, OPT_STREAM_ID },
	{ "duration", required_argument, NULL, 'D' },
	{ "rtp", no_argument, NULL, OPT_RTP },
	{ "rtp-seq", required_argument, NULL, OPT_RTP_SEQ },
	{ "ssrc", required_argument, NULL, OPT_SSRC },
	{ "skip", required_argument, NULL, OPT_SKIP },
	{ "dev2", required_argument, NULL, OPT_DEV2 },
	{ "group2", required_argument, NULL, OPT_GROUP2 },
	{ "skip2", required_argument, NULL, OPT_SKIP2 },
	{ "lag2", required_argument, NULL, OPT_LAG2 },
	{ "json", no_argument, NULL, 'j' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* One option; 0, or -EINVAL after printing why. */
static int parse_opt(int c, const char *arg, struct gen_opts *o)
{
	unsigned long port;

	switch (c) {
	case 'd':
		o->has_dev = true;
		if (mcr_tool_arg_ifname("-d", arg))
			return -EINVAL;
		snprintf(o->dst.dev, sizeof(o->dst.dev), "%s", arg);
		return 0;
	case 'g':
		o->has_group = true;
		return mcr_tool_arg_addr("-g", arg, &o->dst.group);
	case 'p':
		o->has_port = true;
		if (mcr_tool_arg_uint("-p", arg, 1, 65535, &port))
			return -EINVAL;
		o->dst.port = (uint16_t)port;
		return 0;
	case 's': return mcr_tool_arg_uint("-s", arg, MCR_PAYLOAD_MIN, MCR_PAYLOAD_MAX, &o->size);
	case 'n': return mcr_tool_arg_uint("-n", arg, 0, UINT32_MAX, &o->count);
	case 'r': return mcr_tool_arg_uint("-r", arg, 0, 10000000, &o->pps);
	case 't': return mcr_tool_arg_uint("-t", arg, 1, 255, &o->ttl);
	case 'b': return mcr_tool_arg_uint("-b", arg, 1, 1024, &o->batch);
	case 'S': return mcr_tool_arg_addr("-S", arg, &o->src);
	case 'D': return mcr_tool_arg_seconds("-D", arg, &o->duration);
	case 'j': o->json = true; return 0;
	case 'q': o->quiet = true; return 0;
	case OPT_STREAMS:
		return mcr_tool_arg_uint("--streams", arg, 1, MCR_TOOL_MAX_STREAMS, &o->nstreams);
	case OPT_TOS: return mcr_tool_arg_uint("--tos", arg, 0, 255, &o->tos);
	case OPT_STREAM_ID: return mcr_tool_arg_uint("--stream-id", arg, 0, UINT32_MAX, &o->base_id);
	case OPT_RTP: o->rtp = true; return 0;
	case OPT_RTP_SEQ: return mcr_tool_arg_uint("--rtp-seq", arg, 0, 65535, &o->rtp_seq);
	case OPT_SSRC:
		o->has_ssrc = true;
		return mcr_tool_arg_uint("--ssrc", arg, 0, UINT32_MAX, &o->ssrc);
	case OPT_SKIP: return mcr_skip_parse("--skip", arg, &o->skip[0]);
	case OPT_SKIP2: return mcr_skip_parse("--skip2", arg, &o->skip[1]);
	case OPT_LAG2: return mcr_tool_arg_uint("--lag2", arg, 0, 10000000, &o->lag2);
	case OPT_DEV2:
		o->has_dev2 = true;
		if (mcr_tool_arg_ifname("--dev2", arg))
			return -EINVAL;
		snprintf(o->dst2.dev, sizeof(o->dst2.dev), "%s", arg);
		return 0;
	case OPT_GROUP2:
		o->has_group2 = true;
		return mcr_tool_arg_addr("--group2", arg, &o->dst2.group);
	case OPT_STEP:
		if (!mcr_tool_step_parse(arg, &o->step))
			return 0;
		mcr_tool_err("--step \"%s\" is not \"port\" or \"group\"", mcr_esc_name(arg));
		return -EINVAL;
	}
	return -EINVAL;
}

/* -S and --group2 must be of -g's family: one socket per path. */
static int check_family(const struct gen_opts *o)
{
	char a[MCR_ADDRSTRLEN], g[MCR_ADDRSTRLEN];
	bool bad_src = mcr_addr_set(o->src) && o->src.family != o->dst.group.family;
	const struct mcr_addr *x = bad_src ? &o->src : &o->dst2.group;

	if (!bad_src && (!o->has_group2 || o->dst2.group.family == o->dst.group.family))
		return -1;
	return mcr_tool_usage_err("%s %s is %s, -g %s %s", bad_src ? "-S" : "--group2",
				  mcr_addr_str(*x, a), mcr_addr_family_name(*x),
				  mcr_addr_str(o->dst.group, g), mcr_addr_family_name(o->dst.group));
}

/* Checks between options; returns an exit code, or -1 to go on. */
static int check_opts(const struct gen_opts *o)
{
	struct mcr_tool_stream last;
	int rc;

	if (!o->has_dev || !o->has_group || !o->has_port)
		return mcr_tool_usage_err("missing %s", !o->has_dev ? "-d DEV" :
					  !o->has_group ? "-g GROUP" : "-p PORT");
	if ((rc = check_family(o)) >= 0)
		return rc;
	if (mcr_tool_stream_step(&o->dst, o->step, (unsigned)o->nstreams - 1, &last))
		return mcr_tool_usage_err("--streams %lu from %s: the last stream's %s is out of range",
					  o->nstreams, o->step == MCR_TOOL_STEP_PORT ? "-p" : "-g",
					  o->step == MCR_TOOL_STEP_PORT ? "port" : "group");
	if ((o->has_group2 || o->skip[1].n || o->lag2) && !o->has_dev2)
		return mcr_tool_usage_err("%s without --dev2", o->has_group2 ? "--group2" :
					  o->lag2 ? "--lag2" : "--skip2");
	if (o->rtp && o->size < MCR_RTP_HDR_LEN + MCR_PAYLOAD_MIN)
		return mcr_tool_usage_err("--rtp needs -s %u or more", MCR_RTP_HDR_LEN + MCR_PAYLOAD_MIN);
	if (o->base_id + o->nstreams - 1 > UINT32_MAX)
		return mcr_tool_usage_err("--stream-id %lu with --streams %lu exceeds %u",
					  o->base_id, o->nstreams, UINT32_MAX);
	return -1;
}

static int parse_args(int argc, char **argv, struct gen_opts *o)
{
	int c;

	*o = (struct gen_opts){ .size = 1400, .count = 1000, .pps = 10000, .ttl = 16,
				.batch = 32, .nstreams = 1, .step = MCR_TOOL_STEP_PORT };
	while ((c = getopt_long(argc, argv, ":d:g:p:s:n:r:t:b:S:D:jqh", longopts, NULL)) != -1) {
		if (c == 'h') {
			usage();
			return MCR_TOOL_EXIT_OK;
		}
		if (c == '?' || c == ':')
			return mcr_tool_getopt_err(c, argv);
		if (parse_opt(c, optarg, o))
			return mcr_tool_usage_hint();
	}
	if (optind < argc)
		return mcr_tool_usage_err("unexpected argument \"%s\"", mcr_esc_name(argv[optind]));
	o->dst2.port = o->dst.port;
	if (!o->has_group2)
		o->dst2.group = o->dst.group;
	return check_opts(o);
}

/* Buffers and destinations; 0 or -ENOMEM. */
static int gen_alloc(struct gen *g)
{
	const struct gen_opts *o = g->o;
	unsigned long per = o->pps ? o->pps / 1000 : o->batch;

	/* Small batches at low rates, so the traffic is not bursty. */
	g->per_send = (unsigned)(per < 1 ? 1 : per > o->batch ? o->batch : per);
	g->lag = o->lag2 * o->nstreams;
	for (unsigned p = 0; p < g->npaths; p++) {
		g->dsts[p] = calloc(o->nstreams, sizeof(*g->dsts[p]));
		g->msgs[p] = calloc(g->per_send, sizeof(*g->msgs[p]));
		g->iov[p] = calloc(g->per_send, sizeof(*g->iov[p]));
		g->bufs[p] = malloc(g->per_send * o->size);
		if (!g->dsts[p] || !g->msgs[p] || !g->iov[p] || !g->bufs[p])
			return -ENOMEM;
		for (unsigned i = 0; i < g->per_send; i++) {
			g->iov[p][i].iov_base = g->bufs[p] + (size_t)i * o->size;
			g->iov[p][i].iov_len = o->size;
		}
		for (unsigned i = 0; i < o->nstreams; i++) {
			struct mcr_tool_stream s;

			mcr_tool_stream_step(p ? &o->dst2 : &o->dst, o->step, i, &s);
			g->dstlen[p] = mcr_tool_sa_make(s.group, s.port, g->ifindex[p], &g->dsts[p][i]);
		}
	}
	return mcr_payload_gen_init(&g->pg, o->size - (o->rtp ? MCR_RTP_HDR_LEN : 0));
}

static void gen_free(struct gen *g)
{
	mcr_payload_gen_free(&g->pg);
	for (unsigned p = 0; p < 2; p++) {
		free(g->dsts[p]);
		free(g->msgs[p]);
		free(g->iov[p]);
		free(g->bufs[p]);
		if (g->fd[p] >= 0)
			close(g->fd[p]);
	}

}

/* Writes packet k (stream k mod streams, number k / streams) into buf. */
static void fill_one(struct gen *g, uint8_t *buf, uint32_t stream, uint64_t seq)
{
	const struct gen_opts *o = g->o;
	uint32_t id = (uint32_t)(o->base_id + stream);

	if (o->rtp) {
		/* ts: 90 kHz, one packet a millisecond; only its presence matters */
		mcr_rtp_put(buf, (uint16_t)(o->rtp_seq + seq), (uint32_t)(seq * 90),
			    o->has_ssrc ? (uint32_t)o->ssrc : 0x4d430000u + id);
		buf += MCR_RTP_HDR_LEN;
	}
	mcr_payload_gen_fill(&g->pg, buf, id, seq);
}

/*
 * Path p's messages for slots k0..k0+n-1 of the schedule, round-robin over
 * the streams: the second path's slot k carries packet k - lag; packets
 * before the first or past the last, and those skipped, are left out.
 * Returns how many.
 */
static unsigned fill_batch(struct gen *g, unsigned p, uint64_t k0, unsigned n, uint64_t total)
{
	const struct gen_opts *o = g->o;
	unsigned m = 0;

	for (unsigned i = 0; i < n; i++) {
		uint64_t slot = k0 + i, k = slot - (p ? g->lag : 0);
		uint32_t stream = (uint32_t)(k % o->nstreams);
		struct msghdr *h = &g->msgs[p][m].msg_hdr;

		if ((p && slot < g->lag) || k >= total)
			continue;
		if (o->skip[p].n && mcr_skip_has(&o->skip[p], k / o->nstreams)) {
			g->skipped++;
			continue;
		}
		fill_one(g, g->iov[p][m].iov_base, stream, k / o->nstreams);
		h->msg_name = &g->dsts[p][stream];
		h->msg_namelen = g->dstlen[p];
		h->msg_iov = &g->iov[p][m];
		h->msg_iovlen = 1;
		m++;
	}
	return m;
}

/* Sends n messages; a full kernel queue is retried, other errors skip the packet. */
static void send_batch(struct gen *g, unsigned p, unsigned n, const sigset_t *waitmask)
{
	unsigned off = 0;

	while (off < n) {
		int r = sendmmsg(g->fd[p], g->msgs[p] + off, n - off, 0);

		if (r > 0) {
			g->sent += (unsigned)r;
			off += (unsigned)r;
		} else if (r == 0 || errno == ENOBUFS || errno == EAGAIN || errno == EINTR) {
			if (mcr_tool_wait_until(mcr_tool_now_ns() + RETRY_NS, waitmask))
				return; /* stopping */
		} else {
			g->errors++;
			g->last_err = errno;
			off++;
		}
	}
}

/* When packet k is due: k / pps seconds after start, without overflow. */
static uint64_t due_ns(uint64_t t0, uint64_t k, uint64_t pps)
{
	return t0 + k / pps * MCR_TOOL_NSEC + k % pps * MCR_TOOL_NSEC / pps;
}

/* Paces batches on an absolute schedule from t0, so sleep overshoot never drifts. */
static void run(struct gen *g, const sigset_t *waitmask)
{
	const struct gen_opts *o = g->o;
	uint64_t t0 = mcr_tool_now_ns(), k = 0;
	uint64_t total = o->count ? o->count * o->nstreams : UINT64_MAX;
	uint64_t slots = o->count ? total + (g->npaths > 1 ? g->lag : 0) : UINT64_MAX;
	uint64_t end = o->duration > 0 ? t0 + mcr_tool_sec_to_ns(o->duration) : UINT64_MAX;

	while (!mcr_tool_stop && k < slots) {
		uint64_t n = slots - k < g->per_send ? slots - k : g->per_send;

		if (o->pps) {
			uint64_t due = due_ns(t0, k, o->pps);

			if (mcr_tool_wait_until(due < end ? due : end, waitmask))
				continue;
		}
		if (mcr_tool_now_ns() >= end)
			break;
		for (unsigned p = 0; p < g->npaths; p++)
			send_batch(g, p, fill_batch(g, p, k, (unsigned)n, total), waitmask);
		k += n;
	}
	/* The last batch owns its time slot too: N packets at R pps take N/R s. */
	if (o->pps && !mcr_tool_stop && k == slots) {
		uint64_t due = due_ns(t0, k, o->pps);

		mcr_tool_wait_until(due < end ? due : end, waitmask);
	}
	g->seconds = (double)(mcr_tool_now_ns() - t0) / 1e9;
}

/*
 * Packets asked for (0: no limit) that were neither sent nor failed: the
 * run was stopped first.  Without this a sender cut short (a test's
 * timeout, say) looks exactly like loss downstream.
 */
static uint64_t unsent(const struct gen *g)
{
	uint64_t asked = g->o->count * g->o->nstreams * g->npaths;

	return asked ? asked - g->sent - g->errors - g->skipped : 0;
}

static void print_summary(const struct gen *g)
{
	uint64_t bytes = g->sent * g->o->size;
	double s = g->seconds > 0 ? g->seconds : 1e-9;
	bool paths = g->npaths > 1 || g->o->skip[0].n;

	if (g->o->json && paths)
		printf("{\"sent\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"seconds\":%.6f,"
		       "\"pps\":%.1f,\"errors\":%" PRIu64 ",\"unsent\":%" PRIu64
		       ",\"streams\":%lu,\"skipped\":%" PRIu64 ",\"paths\":%u}\n", g->sent, bytes,
		       g->seconds, (double)g->sent / s, g->errors, unsent(g), g->o->nstreams,
		       g->skipped, g->npaths);
	else if (g->o->json)
		printf("{\"sent\":%" PRIu64 ",\"bytes\":%" PRIu64 ",\"seconds\":%.6f,"
		       "\"pps\":%.1f,\"errors\":%" PRIu64 ",\"unsent\":%" PRIu64
		       ",\"streams\":%lu}\n", g->sent, bytes, g->seconds, (double)g->sent / s,
		       g->errors, unsent(g), g->o->nstreams);
	else
		printf("sent %" PRIu64 " packets (%" PRIu64 " bytes) in %.3f s: %.0f pps, "
		       "%.1f Mbit/s, %" PRIu64 " errors, %" PRIu64 " unsent\n", g->sent, bytes,
		       g->seconds, (double)g->sent / s, (double)bytes * 8 / s / 1e6, g->errors,
		       unsent(g));
}

static int gen_main(const struct gen_opts *o)
{
	struct gen g = { .o = o, .fd = { -1, -1 } };
	sigset_t waitmask;
	int rc = MCR_TOOL_EXIT_RUNTIME;

	/* The sockets first: an IPv6 destination is scoped to its device's index. */
	g.npaths = o->has_dev2 ? 2 : 1;
	for (unsigned p = 0; p < g.npaths; p++)
		if ((g.fd[p] = mcr_tool_sender_open(p ? o->dst2.dev : o->dst.dev,
						     mcr_addr_is6(o->dst.group) ? AF_INET6 : AF_INET,
						     (int)o->ttl, (int)o->tos, o->src,
						     &g.ifindex[p])) < 0)
			goto out;
	if (gen_alloc(&g)) {
		mcr_tool_err("out of memory");
		goto out;
	}
	if (mcr_tool_signals_init(&waitmask)) {
		mcr_tool_err("signals: %s", strerror(errno));
		goto out;
	}
	/* The default 50 us timer slack would show up as jitter in the schedule. */
	prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
	run(&g, &waitmask);
	if (g.errors)
		mcr_tool_err("%" PRIu64 " packets not sent: %s", g.errors, strerror(g.last_err));
	if (mcr_tool_stop && unsent(&g))
		mcr_tool_err("stopped by a signal with %" PRIu64 " of %" PRIu64 " packets unsent",
			     unsent(&g), (uint64_t)o->count * o->nstreams);
	if (g.errors && !g.sent)
		goto out;
	if (!o->quiet)
		print_summary(&g);
	rc = MCR_TOOL_EXIT_OK;
out:
	gen_free(&g);
	return rc;
}

int main(int argc, char **argv)
{
	struct gen_opts o;
	int rc;

	mcr_tool_prog = "mcrgen";
	rc = parse_args(argc, argv, &o);
	if (rc >= 0)
		return rc;
	return gen_main(&o);
}
