/* mcrsink: receive mcrgen streams and count loss, duplicates, reordering, corruption. */
#include "addr.h"
#include "cli.h"
#include "clock.h"
#include "esc.h"
#include "hdrseen.h"
#include "payload.h"
#include "seqtrack.h"
#include "signals.h"
#include "sinkreport.h"
#include "sockets.h"
#include "stream.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/sock_diag.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define RX_BATCH   64    /* datagrams per recvmmsg */
#define RX_BUF     65536 /* larger than any UDP payload (jumbograms aside) */
#define RX_ROUNDS  8     /* recvmmsg calls per ready socket before serving others */
#define MAX_EVENTS 256

struct sink_opts {
	struct mcr_tool_stream *streams;
	size_t n;
	double idle, max;    /* seconds; 0 = no limit */
	bool has_expect;
	unsigned long expect;
	const char *ready_file;
	bool json, quiet, rtp;
};

struct sink {
	const struct sink_opts *o;
	int ep;
	int *fds;
	struct mcr_tool_tracker *trk;
	struct mcr_tool_hdrs *hdrs;
	struct mmsghdr msgs[RX_BATCH];
	struct iovec iov[RX_BATCH];
	union mcr_tool_sa from[RX_BATCH];
	_Alignas(struct cmsghdr) char cm[RX_BATCH][CMSG_SPACE(sizeof(int)) * 2];
	uint8_t *bufs;
};

static void usage(void)
{
	printf(
"Usage: mcrsink [ -j ] [ -i IDLE ] [ -T MAX ] [ -n EXPECT ] [ --ready-file PATH ]\n"
"               [ --streams N ] [ --step { port | group } ] [ --rtp ] [ -q ]\n"
"               STREAM...\n"
"       mcrsink { -h | --help }\n"
"where  STREAM := DEV:GROUP:PORT[:SOURCE]   (IPv6: DEV:[GROUP]:PORT[:SOURCE])\n"
"\n"
"Join each STREAM on DEV (source-specific with SOURCE, of GROUP's family;\n"
"IGMP for IPv4, MLD for IPv6; a unicast GROUP is just received on PORT) and\n"
"check the mcrgen packets that arrive.\n"
"\n"
"  -i, --idle IDLE         stop when nothing arrived for IDLE seconds, counted\n"
"                          from startup and from each packet (default 2;\n"
"                          0 = never)\n"
"  -T, --max MAX           stop after MAX seconds in all (default: no limit)\n"
"  -n, --expect EXPECT     packets each stream should get (seqs 0..EXPECT-1);\n"
"                          default: the highest seq seen + 1, which cannot\n"
"                          show loss at the end of a stream\n"
"      --ready-file PATH   create PATH, holding our pid, once every stream is\n"
"                          joined\n"
"      --streams N         expand each STREAM into N, 1..4096 (default 1)\n"
"      --step port|group   stream i is PORT+i (default) or GROUP+i (IPv6:\n"
"                          + i in the group's last 32 bits)\n"
"      --rtp               payloads come after an RTP header (mcrgen --rtp):\n"
"                          take it off (without one: foreign) and count\n"
"                          rtp_breaks, RTP sequence numbers that are not the\n"
"                          previous one + 1 (loss, duplicates or reordering)\n"
"  -j, --json              print the report as one JSON object\n"
"  -q, --quiet             print nothing but errors\n"
"  -h, --help              show this help\n"
"\n"
"Stops on IDLE, MAX, SIGINT or SIGTERM and then prints, per stream and in\n"
"total: received, lost (expected - unique), dup, reorder (a new seq below the\n"
"highest seen), corrupt (bad length or checksum), foreign (not mcrgen),\n"
"dropped (by the kernel on the socket: its receive buffer was full), bytes.\n"
"Each mcrgen stream id arriving on a socket has its own sequence space.\n"
"JSON also gives max_silence_ms: the longest time between two arrivals, and\n"
"what the IP headers said: TTL and TOS ranges (IPv6: hop limit and traffic\n"
"class), the last sender and its port.\n"
"   JSON: {\"streams\":[{\"dev\":S,\"group\":S,\"port\":N,\"source\":S|null,\n"
"          \"received\":N,\"bytes\":N,\"unique\":N,\"lost\":N,\"duplicated\":N,\n"
"          \"reordered\":N,\"corrupted\":N,\"foreign\":N,\"dropped\":N,\n"
"          \"max_silence_ms\":F,\"rtp_breaks\":N,\"ttl_min\":N,\"ttl_max\":N,\"tos_min\":N,\n"
"          \"tos_max\":N,\"from\":S,\"from_port\":N},\n"
"          ...],\n"
"          \"total\":{\"received\":N,...},\"seconds\":F,\"stop\":S}\n"
"Exit status: 0 report printed, 1 usage error, 2 runtime error.\n");
}

enum { OPT_READY = 256, OPT_STREAMS, OPT_STEP, OPT_RTP };

static const struct option longopts[] = {
	{ "idle", required_argument, NULL, 'i' },
	{ "max", required_argument, NULL, 'T' },
	{ "expect", required_argument, NULL, 'n' },
	{ "ready-file", required_argument, NULL, OPT_READY },
	{ "streams", required_argument, NULL, OPT_STREAMS },
	{ "step", required_argument, NULL, OPT_STEP },
	{ "rtp", no_argument, NULL, OPT_RTP },
	{ "json", no_argument, NULL, 'j' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int parse_opt(int c, const char *arg, struct sink_opts *o, unsigned long *nper,
		     enum mcr_tool_step *step)
{
	switch (c) {
	case 'i': return mcr_tool_arg_seconds("-i", arg, &o->idle);
	case 'T': return mcr_tool_arg_seconds("-T", arg, &o->max);
	case 'n':
		o->has_expect = true;
		return mcr_tool_arg_uint("-n", arg, 0, UINT32_MAX, &o->expect);
	case OPT_READY: o->ready_file = arg; return 0;
	case OPT_STREAMS: return mcr_tool_arg_uint("--streams", arg, 1, MCR_TOOL_MAX_STREAMS, nper);
	case 'j': o->json = true; return 0;
	case 'q': o->quiet = true; return 0;
	case OPT_RTP: o->rtp = true; return 0;
	case OPT_STEP:
		if (!mcr_tool_step_parse(arg, step))
			return 0;
		mcr_tool_err("--step \"%s\" is not \"port\" or \"group\"", mcr_esc_name(arg));
		return -EINVAL;
	}
	return -EINVAL;
}

/* Parses the STREAM arguments, each expanded into nper streams; an exit code or -1. */
static int parse_streams(char **spec, size_t nspec, unsigned long nper,
			 enum mcr_tool_step step, struct sink_opts *o)
{
	o->streams = calloc(nspec * nper, sizeof(*o->streams));
	if (!o->streams) {
		mcr_tool_err("out of memory");
		return MCR_TOOL_EXIT_RUNTIME;
	}
	for (size_t i = 0; i < nspec; i++) {
		struct mcr_tool_stream base;
		char why[128];

		if (mcr_tool_stream_parse(spec[i], &base, why, sizeof(why)))
			return mcr_tool_usage_err("stream \"%s\": %s", mcr_esc_name(spec[i]), why);
		for (unsigned long k = 0; k < nper; k++)
			if (mcr_tool_stream_step(&base, step, (unsigned)k, &o->streams[o->n++]))
				return mcr_tool_usage_err("stream \"%s\" with --streams %lu: the last %s "
							  "is out of range", mcr_esc_name(spec[i]), nper,
							  step == MCR_TOOL_STEP_PORT ? "port" : "group");
	}
	return -1;
}

static int parse_args(int argc, char **argv, struct sink_opts *o)
{
	enum mcr_tool_step step = MCR_TOOL_STEP_PORT;
	unsigned long nper = 1;
	int c;

	*o = (struct sink_opts){ .idle = 2 };
	while ((c = getopt_long(argc, argv, ":i:T:n:jqh", longopts, NULL)) != -1) {
		if (c == 'h') {
			usage();
			return MCR_TOOL_EXIT_OK;
		}
		if (c == '?' || c == ':')
			return mcr_tool_getopt_err(c, argv);
		if (parse_opt(c, optarg, o, &nper, &step))
			return mcr_tool_usage_hint();
	}
	if (optind == argc)
		return mcr_tool_usage_err("missing STREAM (DEV:GROUP:PORT[:SOURCE], IPv6 GROUP in brackets)");
	return parse_streams(argv + optind, (size_t)(argc - optind), nper, step, o);
}

/* One socket per stream needs the open-file limit above the usual 1024. */
static int raise_nofile(size_t need)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl))
		return -errno;
	if (rl.rlim_cur >= need)
		return 0;
	rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need ? need : rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		return -errno;
	return rl.rlim_cur >= need ? 0 : -EMFILE;
}

static int sink_alloc(struct sink *k)
{
	k->fds = malloc(k->o->n * sizeof(*k->fds));
	k->trk = calloc(k->o->n, sizeof(*k->trk));
	k->hdrs = calloc(k->o->n, sizeof(*k->hdrs));
	k->bufs = malloc((size_t)RX_BATCH * RX_BUF);
	if (!k->fds || !k->trk || !k->hdrs || !k->bufs)
		return -ENOMEM;
	for (size_t i = 0; i < k->o->n; i++) {
		k->fds[i] = -1;
		mcr_tool_tracker_init(&k->trk[i], k->o->has_expect, k->o->expect);
		k->trk[i].rtp = k->o->rtp;
	}
	for (unsigned i = 0; i < RX_BATCH; i++) {
		k->iov[i].iov_base = k->bufs + (size_t)i * RX_BUF;
		k->iov[i].iov_len = RX_BUF;
		k->msgs[i].msg_hdr.msg_iov = &k->iov[i];
		k->msgs[i].msg_hdr.msg_iovlen = 1;
	}
	return 0;
}

/* recvmmsg rewrites the lengths of name and control: give them back. */
static void msgs_reset(struct sink *k)
{
	for (unsigned i = 0; i < RX_BATCH; i++) {
		k->msgs[i].msg_hdr.msg_name = &k->from[i];
		k->msgs[i].msg_hdr.msg_namelen = sizeof(k->from[i]);
		k->msgs[i].msg_hdr.msg_control = k->cm[i];
		k->msgs[i].msg_hdr.msg_controllen = sizeof(k->cm[i]);
	}
}

static void sink_free(struct sink *k)
{
	for (size_t i = 0; k->fds && i < k->o->n; i++)
		if (k->fds[i] >= 0)
			close(k->fds[i]);
	for (size_t i = 0; k->trk && i < k->o->n; i++)
		mcr_tool_tracker_free(&k->trk[i]);
	if (k->ep >= 0)
		close(k->ep);
	free(k->fds);
	free(k->trk);
	free(k->hdrs);
	free(k->bufs);
}

/* Opens and joins every stream and registers it with epoll; prints why not. */
static int open_all(struct sink *k)
{
	int err = raise_nofile(k->o->n + 64);

	if (err) {
		mcr_tool_err("%zu streams need more open files than allowed: %s", k->o->n,
			     strerror(-err));
		return err;
	}
	k->ep = epoll_create1(EPOLL_CLOEXEC);
	if (k->ep < 0) {
		err = -errno;
		mcr_tool_err("epoll: %s", strerror(errno));
		return err;
	}
	for (size_t i = 0; i < k->o->n; i++) {
		struct epoll_event ev = { .events = EPOLLIN, .data.u64 = i };

		k->fds[i] = mcr_tool_receiver_open(&k->o->streams[i]);
		if (k->fds[i] < 0)
			return k->fds[i];
		if (epoll_ctl(k->ep, EPOLL_CTL_ADD, k->fds[i], &ev)) {
			err = -errno;
			mcr_tool_err("epoll: %s", strerror(errno));
			return err;
		}
	}
	return 0;
}

/* Written under a temporary name and renamed, so a waiter never sees it half done. */
static int write_ready_file(const char *path)
{
	char tmp[4096];
	FILE *f;
	int err = 0;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid()) >= sizeof(tmp))
		err = -ENAMETOOLONG;
	else if (!(f = fopen(tmp, "w")))
		err = -errno;
	else if (fprintf(f, "%d\n", (int)getpid()) < 0 || fclose(f))
		err = -EIO;
	else if (rename(tmp, path))
		err = -errno;
	if (err) {
		unlink(tmp);
		char e[MCR_ESC_PATH];

		mcr_tool_err("--ready-file \"%s\": %s", mcr_esc(path, e, sizeof(e)), strerror(-err));
	}
	return err;
}

/* Reads what socket i has queued; returns datagrams read, or -errno. */
static int drain(struct sink *k, size_t i, uint64_t now)
{
	int total = 0;

	for (int round = 0; round < RX_ROUNDS; round++) {
		int r;

		msgs_reset(k);
		r = recvmmsg(k->fds[i], k->msgs, RX_BATCH, MSG_DONTWAIT, NULL);
		if (r < 0)
			return errno == EAGAIN || errno == EINTR ? total : -errno;
		for (int m = 0; m < r; m++) {
			int err = mcr_tool_tracker_add(&k->trk[i], k->iov[m].iov_base, k->msgs[m].msg_len);

			if (err)
				return err;
			mcr_tool_hdrs_add(&k->hdrs[i], &k->msgs[m].msg_hdr);
		}
		if (r > 0)
			mcr_tool_tracker_seen(&k->trk[i], now);
		total += r;
		if (r < RX_BATCH)
			break;
	}
	return total;
}

/* Milliseconds for epoll from now until deadline, rounded up; -1 = forever. */
static int timeout_ms(uint64_t now, uint64_t deadline)
{
	uint64_t ms;

	if (deadline == UINT64_MAX)
		return -1;
	ms = deadline > now ? (deadline - now + 999999) / 1000000 : 0;
	return ms > 3600000 ? 3600000 : (int)ms;
}

/* Receives until idle, max time, a signal or an error; returns the reason. */
static const char *run(struct sink *k, const sigset_t *waitmask, double *seconds)
{
	uint64_t start = mcr_tool_now_ns(), last = start, now = start;
	uint64_t idle = mcr_tool_sec_to_ns(k->o->idle), max = mcr_tool_sec_to_ns(k->o->max);
	struct epoll_event ev[MAX_EVENTS];
	const char *stop = NULL;

	while (!stop) {
		uint64_t d_idle = idle ? last + idle : UINT64_MAX;
		uint64_t d_max = max ? start + max : UINT64_MAX;
		int n;

		if (now >= d_max) {
			stop = "max";
			break;
		}
		n = epoll_pwait(k->ep, ev, MAX_EVENTS, timeout_ms(now, d_idle < d_max ? d_idle : d_max),
				waitmask);
		if (n < 0 && errno != EINTR) {
			mcr_tool_err("epoll_wait: %s", strerror(errno));
			stop = "error";
		}
		now = mcr_tool_now_ns();
		for (int e = 0; e < n && !stop; e++) {
			int r = drain(k, ev[e].data.u64, now);

			if (r < 0) {
				mcr_tool_err("receive: %s", strerror(-r));
				stop = "error";
			} else if (r > 0) {
				last = now;
			}
		}
		/*
		 * Idle only when a wait found nothing: a sink that was stopped or
		 * not scheduled for longer than IDLE first reads what is queued.
		 */
		if (!stop && n == 0 && now >= d_idle)
			stop = "idle";
		if (mcr_tool_stop && !stop)
			stop = "signal";
	}
	*seconds = (double)(mcr_tool_now_ns() - start) / 1e9;
	return stop;
}

/*
 * What the kernel dropped on the socket, a full receive buffer above all
 * (the socket's share of UdpRcvbufErrors): loss at the receiver is then
 * told apart from loss on the way.  0 if the kernel cannot say.
 */
static uint64_t socket_drops(int fd)
{
	uint32_t mem[SK_MEMINFO_VARS] = { 0 };
	socklen_t len = sizeof(mem);

	if (getsockopt(fd, SOL_SOCKET, SO_MEMINFO, mem, &len) || len <= SK_MEMINFO_DROPS * sizeof(mem[0]))
		return 0;
	return mem[SK_MEMINFO_DROPS];
}

static void report(const struct sink *k, double seconds, const char *stop)
{
	struct mcr_tool_report_row *rows = calloc(k->o->n, sizeof(*rows));

	if (!rows) {
		mcr_tool_err("out of memory");
		return;
	}
	for (size_t i = 0; i < k->o->n; i++) {
		rows[i].s = &k->o->streams[i];
		rows[i].h = k->hdrs[i];
		mcr_tool_tracker_counts(&k->trk[i], &rows[i].c);
		rows[i].c.dropped = socket_drops(k->fds[i]);
	}
	mcr_tool_report(stdout, rows, k->o->n, k->o->json, seconds, stop);
	free(rows);
}

static int sink_main(const struct sink_opts *o)
{
	struct sink *k = calloc(1, sizeof(*k));
	sigset_t waitmask;
	const char *stop;
	double seconds;
	int rc = MCR_TOOL_EXIT_RUNTIME;

	if (!k) {
		mcr_tool_err("out of memory");
		return rc;
	}
	k->o = o;
	k->ep = -1;
	if (sink_alloc(k)) {
		mcr_tool_err("out of memory");
		goto out;
	}
	if (mcr_tool_signals_init(&waitmask)) {
		mcr_tool_err("signals: %s", strerror(errno));
		goto out;
	}
	if (open_all(k) || (o->ready_file && write_ready_file(o->ready_file)))
		goto out;
	stop = run(k, &waitmask, &seconds);
	if (!o->quiet)
		report(k, seconds, stop);
	if (strcmp(stop, "error"))
		rc = MCR_TOOL_EXIT_OK;
out:
	sink_free(k);
	free(k);
	return rc;
}

int main(int argc, char **argv)
{
	struct sink_opts o;
	int rc;

	mcr_tool_prog = "mcrsink";
	rc = parse_args(argc, argv, &o);
	if (rc < 0)
		rc = sink_main(&o);
	free(o.streams);
	return rc;
}
