/*
 * ingress_cmp - compare four ways of receiving multicast frames on an
 * AF_PACKET socket, doing the same work per frame as mcrd's ingress:
 *
 *   uring     io_uring multishot recvmsg into a provided buffer ring (what
 *             mcrd/datapath.c does)
 *   tpv3      TPACKET_V3 mmap'ed receive ring, poll() + block walk
 *   tpv2      TPACKET_V2 mmap'ed receive ring, poll() + frame walk
 *   recvmmsg  blocking recvmmsg() batches of 64 (baseline)
 *   xdp       an XDP program on the interface (ingress_xdp.bpf.c) redirects
 *             the key's frames into an AF_XDP socket (copy mode, the only
 *             one a veth has), poll() + rx ring walk; built with -DHAVE_XDP
 *             (libxdp, libbpf), the program's object named by -X
 *
 * Every AF_PACKET mode opens the socket the way mcrd/ingress.c does (protocol 0, the
 * daemon's classic BPF filter from mcrd/filter.c for one (group, port),
 * PACKET_IGNORE_OUTGOING, SO_RCVBUFFORCE 8 MiB, then bind to ETH_P_IP on the
 * interface) and runs every frame through mcr_parse_frame().
 *
 * The measurement window opens when the first frame arrives and closes after
 * -D seconds, or when nothing arrived for -I ms.  One line is printed, as
 * key=value pairs (see usage()).  With -l each frame's kernel receive
 * timestamp (SO_TIMESTAMPNS / tpacket[23]_hdr tp_sec,tp_nsec) is compared with
 * CLOCK_REALTIME when the program gets the frame.
 *
 * Build (see tests/bench/ingress_cmp.sh):
 *   cc -std=gnu11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -Ilib -Imcrd \
 *      -o build/ingress_cmp tests/bench/ingress_cmp.c mcrd/filter.c lib/packet.c -luring
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <liburing.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/net_tstamp.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#ifdef HAVE_XDP
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <xdp/xsk.h>
#endif

#include "filter.h"
#include "packet.h"

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

#define RCVBUF       (8 << 20)
#define POLL_MS      100          /* wake-up period for the stop/idle checks */

/* uring: the same sizes as mcrd/datapath.c */
#define SQ_ENTRIES   4096
#define CQ_ENTRIES   32768
#define NBUFS        4096
#define BUFSIZE      2048
#define BGID         1

/* tpv3 */
#define TP_BLOCK_SZ  (1u << 20)
#define TP_BLOCK_NR  64u
#define TP_FRAME_SZ  2048u

/*
 * tpv2: 4096 frames of 2048 B, as many as uring's buffers.  The kernel
 * wakes the socket for every frame, so there is no retire timer to wait
 * for; small blocks only keep each allocation short.
 */
#define TP2_BLOCK_SZ (64u << 10)
#define TP2_BLOCK_NR 128u
#define TP2_FRAME_SZ 2048u
#define TP2_FPB      (TP2_BLOCK_SZ / TP2_FRAME_SZ)  /* frames per block */
#define TP2_FRAME_NR (TP2_FPB * TP2_BLOCK_NR)

/* recvmmsg */
#define MMSG_BATCH   64

#define LAT_MAX      (1u << 20)   /* latency samples kept at most */
#define CTRL_SPACE   CMSG_SPACE(sizeof(struct timespec))

/* xdp: as many frames of the same size as the others have */
#define XSK_NFRAMES  4096u
#define XSK_BATCH    64u

enum mode { M_URING, M_TPV3, M_TPV2, M_RECVMMSG, M_XDP };

static struct {
	enum mode mode;
	const char *ifname, *ready, *xdp_obj;
	struct in_addr group;
	uint16_t port;
	double dur, idle, wait_first;
	int tov;          /* tpv3 tp_retire_blk_tov in ms, 0 = kernel default */
	bool lat;
	int cpu;          /* CPU whose /proc/stat and softnet drops to report, -1 none */
} opt = { .dur = 5, .idle = 1, .wait_first = 30, .tov = 1, .cpu = -1 };

/* Snapshot of everything that is differenced over the window. */
struct snap {
	int64_t mono_ns;
	struct rusage ru;
	unsigned long long cpu_idle, cpu_steal; /* USER_HZ ticks, -c CPU */
	unsigned long long backlog_drops;       /* /proc/net/softnet_stat, -c CPU */
};

static struct {
	bool started;
	struct snap t0;
	int64_t last_ns;       /* last time a frame arrived */
	uint64_t frames;       /* handed to us in the window */
	uint64_t parsed;       /* mcr_parse_frame() said MCR_DROP_NONE */
	uint64_t bad;          /* parse failures, truncation */
	uint64_t bytes;        /* UDP payload bytes, keeps the parse honest */
	uint64_t nots;         /* latency mode: frames without a timestamp */
	uint64_t batches;      /* wake-ups that delivered frames, in the window */
	int64_t *lat;
	size_t nlat;
	const char *ts_src;
	unsigned enobufs, rearms;
} st = { .ts_src = "none" };

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static int64_t clock_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static double tv_s(const struct timeval *tv)
{
	return (double)tv->tv_sec + (double)tv->tv_usec / 1e6;
}

static void die(const char *what, int err)
{
	fprintf(stderr, "ingress_cmp: %s: %s\n", what, strerror(err));
	exit(2);
}

/*
 * cpuN line of /proc/stat.  Its user/system/softirq columns are sampled by
 * the scheduler tick (no IRQ_TIME_ACCOUNTING here) and alias badly against
 * paced, bursty load; idle and iowait come from the NO_HZ idle clock and
 * steal from the hypervisor, so busy time is taken as wall - idle - iowait
 * - steal (see report()).  Values in USER_HZ ticks.
 */
static void read_cpu(int cpu, unsigned long long *idle, unsigned long long *steal)
{
	char line[512], name[16];
	FILE *f = fopen("/proc/stat", "r");

	*idle = *steal = 0;
	if (!f)
		return;
	snprintf(name, sizeof(name), "cpu%d ", cpu);
	while (fgets(line, sizeof(line), f)) {
		unsigned long long v[8] = { 0 };

		if (strncmp(line, name, strlen(name)))
			continue;
		if (sscanf(line + strlen(name), "%llu %llu %llu %llu %llu %llu %llu %llu", &v[0],
			   &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) >= 8) {
			*idle = v[3] + v[4];
			*steal = v[7];
		}
		break;
	}
	fclose(f);
}

/* Column 2 ("dropped": netdev backlog full) of the CPU's softnet_stat line. */
static unsigned long long read_backlog_drops(int cpu)
{
	char line[512];
	FILE *f = fopen("/proc/net/softnet_stat", "r");
	unsigned long long r = 0;
	int n = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned v[16] = { 0 };
		int k = sscanf(line, "%x %x %x %x %x %x %x %x %x %x %x %x %x", &v[0], &v[1], &v[2],
			       &v[3], &v[4], &v[5], &v[6], &v[7], &v[8], &v[9], &v[10], &v[11],
			       &v[12]);
		/* Since 5.10 column 13 is the CPU number; before, the line index. */
		int this = k >= 13 ? (int)v[12] : n;

		n++;
		if (this == cpu) {
			r = v[1];
			break;
		}
	}
	fclose(f);
	return r;
}

static void take_snap(struct snap *s)
{
	s->mono_ns = clock_ns(CLOCK_MONOTONIC);
	getrusage(RUSAGE_SELF, &s->ru);
	if (opt.cpu >= 0) {
		read_cpu(opt.cpu, &s->cpu_idle, &s->cpu_steal);
		s->backlog_drops = read_backlog_drops(opt.cpu);
	}
}

static const char *mode_name(enum mode m)
{
	switch (m) {
	case M_URING: return "uring";
	case M_TPV3: return "tpv3";
	case M_TPV2: return "tpv2";
	case M_RECVMMSG: return "recvmmsg";
	case M_XDP: return "xdp";
	}
	return "?";
}

/*
 * Kernel drops since the last call (PACKET_STATISTICS resets on read).
 * Only a V3 ring has its own layout; V1/V2 rings and plain sockets use
 * struct tpacket_stats.
 */
static unsigned long long kernel_drops(int fd, unsigned long long *kpkts)
{
#ifdef HAVE_XDP
	if (opt.mode == M_XDP) { /* counts since bind: the difference is taken */
		static unsigned long long last;
		struct xdp_statistics s;
		socklen_t len = sizeof(s);
		unsigned long long all, d;

		if (getsockopt(fd, SOL_XDP, XDP_STATISTICS, &s, &len) < 0)
			return 0;
		all = s.rx_dropped + s.rx_ring_full + s.rx_invalid_descs;
		d = all - last;
		last = all;
		*kpkts = 0;
		return d;
	}
#endif
	if (opt.mode == M_TPV3) {
		struct tpacket_stats_v3 s;
		socklen_t len = sizeof(s);

		if (getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &s, &len) < 0)
			return 0;
		*kpkts = s.tp_packets;
		return s.tp_drops;
	} else {
		struct tpacket_stats s;
		socklen_t len = sizeof(s);

		if (getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &s, &len) < 0)
			return 0;
		*kpkts = s.tp_packets;
		return s.tp_drops;
	}
}

/* Called when a wait returned with frames: opens the window on the first. */
static void got_batch(int fd)
{
	int64_t now = clock_ns(CLOCK_MONOTONIC);
	unsigned long long dummy;

	if (!st.started) {
		st.started = true;
		kernel_drops(fd, &dummy); /* reset: count only the window */
		take_snap(&st.t0);
	}
	st.batches++;
	st.last_ns = now;
}

static bool window_over(void)
{
	int64_t now;

	if (stop)
		return true;
	if (!st.started)
		return false;
	now = clock_ns(CLOCK_MONOTONIC);
	return now - st.t0.mono_ns >= (int64_t)(opt.dur * 1e9) ||
	       now - st.last_ns >= (int64_t)(opt.idle * 1e9);
}

/* Nothing arrived at all within -W seconds. */
static void check_first(int64_t t_start)
{
	if (!st.started && clock_ns(CLOCK_MONOTONIC) - t_start > (int64_t)(opt.wait_first * 1e9)) {
		fprintf(stderr, "ingress_cmp: no frame within %.0f s\n", opt.wait_first);
		exit(3);
	}
}

static inline void handle_frame(const uint8_t *frame, size_t caplen, const struct timespec *kts)
{
	struct mcr_pkt p;

	st.frames++;
	if (mcr_parse_frame(frame, caplen, &p) == MCR_DROP_NONE) {
		st.parsed++;
		st.bytes += p.len;
	} else {
		st.bad++;
	}
	if (opt.lat) {
		if (!kts || (!kts->tv_sec && !kts->tv_nsec)) {
			st.nots++;
		} else if (st.nlat < LAT_MAX) {
			int64_t k = kts->tv_sec * 1000000000LL + kts->tv_nsec;

			st.lat[st.nlat++] = clock_ns(CLOCK_REALTIME) - k;
		}
	}
}

static void set_int(int fd, int level, int name, int v, const char *what)
{
	if (setsockopt(fd, level, name, &v, sizeof(v)) < 0)
		die(what, errno);
}

/* As mcrd/ingress.c: nothing is queued before filter and bind. */
static int open_socket(void)
{
	struct filter_key key = { .group = mcr_addr4(opt.group), .port = opt.port };
	struct sock_fprog prog;
	int fd, exact, sz = RCVBUF;

	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket(AF_PACKET)", errno);
	if (filter_build(&key, 1, &prog, &exact))
		die("filter_build", ENOMEM);
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0)
		die("SO_ATTACH_FILTER", errno);
	free(prog.filter);
	set_int(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, 1, "PACKET_IGNORE_OUTGOING");
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
		die("SO_RCVBUFFORCE", errno);
	if (opt.lat) {
		set_int(fd, SOL_SOCKET, SO_TIMESTAMPNS, 1, "SO_TIMESTAMPNS");
		st.ts_src = "skb";
	}
	return fd;
}

static void bind_socket(int fd)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(ETH_P_IP),
		.sll_ifindex = (int)if_nametoindex(opt.ifname),
	};

	if (!sll.sll_ifindex)
		die(opt.ifname, errno);
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0)
		die("bind", errno);
}

static void ready(void)
{
	if (opt.ready) {
		int fd = open(opt.ready, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		if (fd < 0)
			die(opt.ready, errno);
		close(fd);
	}
}

static const struct timespec *find_ts(struct msghdr *mh)
{
	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS)
			return (const struct timespec *)(void *)CMSG_DATA(c);
	return NULL;
}

/* ---- uring ------------------------------------------------------------ */

static void run_uring(int fd)
{
	struct io_uring ring;
	struct io_uring_params p = { 0 };
	struct io_uring_buf_reg reg = { 0 };
	struct io_uring_buf_ring *br;
	struct msghdr mh = { .msg_namelen = sizeof(struct sockaddr_ll) };
	struct __kernel_timespec wait = { .tv_nsec = POLL_MS * 1000000LL };
	unsigned bufs_free = 0, pending = 0;
	bool armed = false;
	int64_t t_start;
	uint8_t *bufs;
	int err;

	if (opt.lat)
		mh.msg_controllen = CTRL_SPACE;
	p.flags = IORING_SETUP_CQSIZE | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
	p.cq_entries = CQ_ENTRIES;
	err = io_uring_queue_init_params(SQ_ENTRIES, &ring, &p);
	if (err == -EINVAL) {
		memset(&p, 0, sizeof(p));
		p.flags = IORING_SETUP_CQSIZE;
		p.cq_entries = CQ_ENTRIES;
		err = io_uring_queue_init_params(SQ_ENTRIES, &ring, &p);
		fprintf(stderr, "ingress_cmp: no DEFER_TASKRUN, plain ring\n");
	}
	if (err)
		die("io_uring_queue_init_params", -err);
	bufs = mmap(NULL, (size_t)NBUFS * BUFSIZE, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	br = mmap(NULL, NBUFS * sizeof(struct io_uring_buf), PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (bufs == MAP_FAILED || br == MAP_FAILED)
		die("mmap", errno);
	io_uring_buf_ring_init(br);
	reg.ring_addr = (unsigned long)br;
	reg.ring_entries = NBUFS;
	reg.bgid = BGID;
	err = io_uring_register_buf_ring(&ring, &reg, 0);
	if (err)
		die("io_uring_register_buf_ring", -err);
	for (unsigned i = 0; i < NBUFS; i++)
		io_uring_buf_ring_add(br, bufs + (size_t)i * BUFSIZE, BUFSIZE, (unsigned short)i,
				      io_uring_buf_ring_mask(NBUFS), (int)i);
	io_uring_buf_ring_advance(br, NBUFS);
	bufs_free = NBUFS;

	bind_socket(fd);
	ready();
	t_start = clock_ns(CLOCK_MONOTONIC);
	while (!window_over()) {
		struct io_uring_cqe *cqe;
		unsigned head, n = 0;
		bool any = false;

		if (!armed && bufs_free) {
			struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);

			io_uring_prep_recvmsg_multishot(sqe, fd, &mh, 0);
			sqe->flags |= IOSQE_BUFFER_SELECT;
			sqe->buf_group = BGID;
			io_uring_sqe_set_data64(sqe, 1);
			armed = true;
			st.rearms++;
		}
		err = io_uring_submit_and_wait_timeout(&ring, &cqe, 1, &wait, NULL);
		if (err < 0 && err != -ETIME && err != -EINTR && err != -EAGAIN && err != -EBUSY)
			die("io_uring_submit_and_wait_timeout", -err);
		io_uring_for_each_cqe(&ring, head, cqe) {
			struct io_uring_recvmsg_out *o;
			unsigned short bid;
			uint8_t *buf;

			n++;
			if (!(cqe->flags & IORING_CQE_F_MORE))
				armed = false;
			if (cqe->res < 0) {
				if (cqe->res == -ENOBUFS)
					st.enobufs++;
				else
					die("multishot recvmsg", -cqe->res);
				continue;
			}
			if (!(cqe->flags & IORING_CQE_F_BUFFER))
				continue;
			if (!any) {
				got_batch(fd);
				any = true;
			}
			bid = (unsigned short)(cqe->flags >> IORING_CQE_BUFFER_SHIFT);
			buf = bufs + (size_t)bid * BUFSIZE;
			bufs_free--;
			o = io_uring_recvmsg_validate(buf, cqe->res, &mh);
			if (!o || (o->flags & MSG_TRUNC)) {
				st.frames++;
				st.bad++;
			} else {
				const struct timespec *ts = NULL;

				if (opt.lat) {
					for (struct cmsghdr *c = io_uring_recvmsg_cmsg_firsthdr(o, &mh); c;
					     c = io_uring_recvmsg_cmsg_nexthdr(o, &mh, c))
						if (c->cmsg_level == SOL_SOCKET &&
						    c->cmsg_type == SCM_TIMESTAMPNS)
							ts = (const struct timespec *)(void *)CMSG_DATA(c);
				}
				handle_frame(io_uring_recvmsg_payload(o, &mh),
					     io_uring_recvmsg_payload_length(o, cqe->res, &mh), ts);
			}
			/* Recycled now, published to the kernel once per batch. */
			io_uring_buf_ring_add(br, buf, BUFSIZE, bid, io_uring_buf_ring_mask(NBUFS),
					      (int)pending++);
			bufs_free++;
		}
		io_uring_cq_advance(&ring, n);
		if (pending) {
			io_uring_buf_ring_advance(br, (int)pending);
			pending = 0;
		}
		check_first(t_start);
	}
	io_uring_queue_exit(&ring);
}

/*
 * Both ring modes: the version, the kernel's software stamp in tp_sec /
 * tp_nsec for -l (like SO_TIMESTAMPNS), the ring and its mapping, all
 * before bind.
 */
static uint8_t *ring_open(int fd, int version, const void *req, socklen_t req_len,
			  size_t map_len)
{
	uint8_t *map;

	set_int(fd, SOL_PACKET, PACKET_VERSION, version, "PACKET_VERSION");
	if (opt.lat)
		set_int(fd, SOL_PACKET, PACKET_TIMESTAMP, SOF_TIMESTAMPING_SOFTWARE,
			"PACKET_TIMESTAMP");
	if (setsockopt(fd, SOL_PACKET, PACKET_RX_RING, req, req_len) < 0)
		die("PACKET_RX_RING", errno);
	map = mmap(NULL, map_len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
	if (map == MAP_FAILED)
		die("mmap(PACKET_RX_RING)", errno);
	bind_socket(fd);
	return map;
}

/* ---- tpv3 ------------------------------------------------------------- */

static void run_tpv3(int fd)
{
	struct tpacket_req3 req = {
		.tp_block_size = TP_BLOCK_SZ,
		.tp_block_nr = TP_BLOCK_NR,
		.tp_frame_size = TP_FRAME_SZ,
		.tp_frame_nr = (TP_BLOCK_SZ / TP_FRAME_SZ) * TP_BLOCK_NR,
		.tp_retire_blk_tov = (unsigned)opt.tov,
	};
	size_t map_len = (size_t)TP_BLOCK_SZ * TP_BLOCK_NR;
	struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLERR };
	unsigned cur = 0;
	int64_t t_start;
	uint8_t *map;

	map = ring_open(fd, TPACKET_V3, &req, sizeof(req), map_len);
	ready();
	t_start = clock_ns(CLOCK_MONOTONIC);
	while (!window_over()) {
		struct tpacket_block_desc *bd = (void *)(map + (size_t)cur * TP_BLOCK_SZ);

		if (!(__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) &
		      TP_STATUS_USER)) {
			if (poll(&pfd, 1, POLL_MS) < 0 && errno != EINTR)
				die("poll", errno);
			check_first(t_start);
			continue;
		}
		got_batch(fd);
		/* Every block that is ready, then back to poll(). */
		do {
			uint32_t npkts = bd->hdr.bh1.num_pkts;
			struct tpacket3_hdr *h =
				(void *)((uint8_t *)bd + bd->hdr.bh1.offset_to_first_pkt);

			for (uint32_t i = 0; i < npkts; i++) {
				struct timespec ts = { h->tp_sec, h->tp_nsec };

				if (opt.lat && i == 0 && !st.nlat && !st.nots)
					st.ts_src = (h->tp_status & TP_STATUS_TS_SOFTWARE) ?
							    "skb" : "tpacket_rcv";
				handle_frame((uint8_t *)h + h->tp_mac, h->tp_snaplen, &ts);
				h = (void *)((uint8_t *)h + h->tp_next_offset);
			}
			__atomic_store_n(&bd->hdr.bh1.block_status, TP_STATUS_KERNEL,
					 __ATOMIC_RELEASE);
			cur = (cur + 1) % TP_BLOCK_NR;
			bd = (void *)(map + (size_t)cur * TP_BLOCK_SZ);
		} while ((__atomic_load_n(&bd->hdr.bh1.block_status, __ATOMIC_ACQUIRE) &
			  TP_STATUS_USER) && !window_over());
	}
	munmap(map, map_len);
}

/* ---- tpv2 ------------------------------------------------------------- */

static struct tpacket2_hdr *tpv2_frame(uint8_t *map, unsigned i)
{
	return (void *)(map + (size_t)(i / TP2_FPB) * TP2_BLOCK_SZ +
			(size_t)(i % TP2_FPB) * TP2_FRAME_SZ);
}

static bool tpv2_ready(struct tpacket2_hdr *h)
{
	return __atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER;
}

/* Parse one frame, then hand its slot back to the kernel. */
static void tpv2_take(struct tpacket2_hdr *h)
{
	struct timespec ts = { h->tp_sec, h->tp_nsec };

	if (opt.lat && !st.nlat && !st.nots)
		st.ts_src = (h->tp_status & TP_STATUS_TS_SOFTWARE) ? "skb" : "tpacket_rcv";
	if (h->tp_snaplen < h->tp_len) {
		st.frames++;
		st.bad++;
	} else {
		handle_frame((uint8_t *)h + h->tp_mac, h->tp_snaplen, &ts);
	}
	__atomic_store_n(&h->tp_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
}

/*
 * Every ready frame from the head on, one wake-up's batch.  At most one
 * ring's worth, so that a sender that keeps up with us cannot keep the
 * window checks from running.
 */
static void tpv2_walk(int fd, uint8_t *map, unsigned *cur)
{
	for (unsigned n = 0; n < TP2_FRAME_NR; n++) {
		struct tpacket2_hdr *h = tpv2_frame(map, *cur);

		if (!tpv2_ready(h))
			break;
		if (!n)
			got_batch(fd);
		tpv2_take(h);
		*cur = (*cur + 1) % TP2_FRAME_NR;
	}
}

static void run_tpv2(int fd)
{
	struct tpacket_req req = {
		.tp_block_size = TP2_BLOCK_SZ,
		.tp_block_nr = TP2_BLOCK_NR,
		.tp_frame_size = TP2_FRAME_SZ,
		.tp_frame_nr = TP2_FRAME_NR,
	};
	size_t map_len = (size_t)TP2_BLOCK_SZ * TP2_BLOCK_NR;
	struct pollfd pfd = { .fd = fd, .events = POLLIN | POLLERR };
	unsigned cur = 0;
	int64_t t_start;
	uint8_t *map;

	map = ring_open(fd, TPACKET_V2, &req, sizeof(req), map_len);
	ready();
	t_start = clock_ns(CLOCK_MONOTONIC);
	while (!window_over()) {
		/* POLLIN while the last frame filled is still ours: a cut-short walk resumes. */
		if (poll(&pfd, 1, POLL_MS) < 0 && errno != EINTR)
			die("poll", errno);
		tpv2_walk(fd, map, &cur);
		check_first(t_start);
	}
	munmap(map, map_len);
}

/* ---- recvmmsg --------------------------------------------------------- */

static void run_recvmmsg(int fd)
{
	static uint8_t bufs[MMSG_BATCH][BUFSIZE];
	static uint8_t ctrl[MMSG_BATCH][CTRL_SPACE];
	static struct sockaddr_ll names[MMSG_BATCH];
	struct mmsghdr msgs[MMSG_BATCH];
	struct iovec iov[MMSG_BATCH];
	struct timeval tmo = { .tv_usec = POLL_MS * 1000 };
	int64_t t_start;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tmo, sizeof(tmo)) < 0)
		die("SO_RCVTIMEO", errno);
	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < MMSG_BATCH; i++) {
		iov[i] = (struct iovec){ bufs[i], BUFSIZE };
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	bind_socket(fd);
	ready();
	t_start = clock_ns(CLOCK_MONOTONIC);
	while (!window_over()) {
		int n;

		for (int i = 0; i < MMSG_BATCH; i++) {
			msgs[i].msg_hdr.msg_name = &names[i];
			msgs[i].msg_hdr.msg_namelen = sizeof(names[i]);
			msgs[i].msg_hdr.msg_control = opt.lat ? ctrl[i] : NULL;
			msgs[i].msg_hdr.msg_controllen = opt.lat ? CTRL_SPACE : 0;
		}
		n = recvmmsg(fd, msgs, MMSG_BATCH, MSG_WAITFORONE, NULL);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				die("recvmmsg", errno);
			check_first(t_start);
			continue;
		}
		got_batch(fd);
		for (int i = 0; i < n; i++) {
			if (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) {
				st.frames++;
				st.bad++;
				continue;
			}
			handle_frame(bufs[i], msgs[i].msg_len,
				     opt.lat ? find_ts(&msgs[i].msg_hdr) : NULL);
		}
	}
}

/* ---- xdp -------------------------------------------------------------- */

#ifdef HAVE_XDP
static struct {
	struct xsk_umem *umem;
	struct xsk_socket *xsk;
	struct xsk_ring_prod fill;
	struct xsk_ring_cons comp, rx;
	void *area;
	int ifindex;
} xs;

/* Load the program with the key in .rodata, attach it in driver mode. */
static int xdp_load(void)
{
	struct { uint32_t group; uint16_t port; uint16_t pad; } key = {
		opt.group.s_addr, htons(opt.port), 0 };
	struct bpf_object *obj = bpf_object__open_file(opt.xdp_obj, NULL);
	struct bpf_program *prog;
	struct bpf_map *m;
	int err;

	if (!obj)
		die(opt.xdp_obj, errno);
	bpf_object__for_each_map(m, obj)
		if (strstr(bpf_map__name(m), ".rodata") &&
		    (err = bpf_map__set_initial_value(m, &key, sizeof(key))))
			die("set key", -err);
	if ((err = bpf_object__load(obj)))
		die("bpf_object__load", -err);
	prog = bpf_object__find_program_by_name(obj, "ingress_xdp");
	if (!prog)
		die("ingress_xdp", ENOENT);
	if ((err = bpf_xdp_attach(xs.ifindex, bpf_program__fd(prog), XDP_FLAGS_DRV_MODE, NULL)))
		die("bpf_xdp_attach (driver mode)", -err);
	return bpf_map__fd(bpf_object__find_map_by_name(obj, "xsks"));
}

/* UMEM of XSK_NFRAMES frames, all on the fill ring; the socket in copy mode. */
static int xdp_open(void)
{
	struct xsk_socket_config cfg = {
		.rx_size = XSK_NFRAMES,
		.libxdp_flags = XSK_LIBXDP_FLAGS__INHIBIT_PROG_LOAD,
		.xdp_flags = XDP_FLAGS_DRV_MODE,
		.bind_flags = XDP_COPY | XDP_USE_NEED_WAKEUP,
	};
	struct xsk_umem_config ucfg = {
		.fill_size = XSK_NFRAMES, .comp_size = 64, .frame_size = BUFSIZE,
		.frame_headroom = 0, .flags = 0,
	};
	size_t len = (size_t)XSK_NFRAMES * BUFSIZE;
	uint32_t idx;
	int err, map;

	xs.ifindex = (int)if_nametoindex(opt.ifname);
	if (!xs.ifindex)
		die(opt.ifname, errno);
	map = xdp_load();
	xs.area = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (xs.area == MAP_FAILED)
		die("mmap umem", errno);
	if ((err = xsk_umem__create(&xs.umem, xs.area, len, &xs.fill, &xs.comp, &ucfg)))
		die("xsk_umem__create", -err);
	if ((err = xsk_socket__create(&xs.xsk, opt.ifname, 0, xs.umem, &xs.rx, NULL, &cfg)))
		die("xsk_socket__create", -err);
	if ((err = xsk_socket__update_xskmap(xs.xsk, map)))
		die("xsk_socket__update_xskmap", -err);
	if (xsk_ring_prod__reserve(&xs.fill, XSK_NFRAMES, &idx) != XSK_NFRAMES)
		die("fill ring", ENOSPC);
	for (uint32_t i = 0; i < XSK_NFRAMES; i++)
		*xsk_ring_prod__fill_addr(&xs.fill, idx + i) = (uint64_t)i * BUFSIZE;
	xsk_ring_prod__submit(&xs.fill, XSK_NFRAMES);
	return xsk_socket__fd(xs.xsk);
}

/* One wake-up's frames (a ring's worth at most), their buffers refilled. */
static void xdp_walk(int fd)
{
	for (unsigned n = 0; n < XSK_NFRAMES;) {
		uint32_t rx, fi, k = xsk_ring_cons__peek(&xs.rx, XSK_BATCH, &rx);

		if (!k)
			break;
		if (!n)
			got_batch(fd);
		if (xsk_ring_prod__reserve(&xs.fill, k, &fi) != k)
			die("fill ring", ENOSPC);
		for (uint32_t i = 0; i < k; i++) {
			const struct xdp_desc *d = xsk_ring_cons__rx_desc(&xs.rx, rx + i);

			handle_frame(xsk_umem__get_data(xs.area, d->addr), d->len, NULL);
			*xsk_ring_prod__fill_addr(&xs.fill, fi + i) = xsk_umem__extract_addr(d->addr);
		}
		xsk_ring_cons__release(&xs.rx, k);
		xsk_ring_prod__submit(&xs.fill, k);
		n += k;
	}
}

static int run_xdp(void)
{
	int fd = xdp_open();
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	unsigned long long dummy;
	int64_t t_start;

	kernel_drops(fd, &dummy);
	ready();
	t_start = clock_ns(CLOCK_MONOTONIC);
	while (!window_over()) {
		if (poll(&pfd, 1, POLL_MS) < 0 && errno != EINTR)
			die("poll", errno);
		xdp_walk(fd);
		check_first(t_start);
	}
	return fd;
}

static void xdp_close(void)
{
	xsk_socket__delete(xs.xsk);
	xsk_umem__delete(xs.umem);
	bpf_xdp_detach(xs.ifindex, XDP_FLAGS_DRV_MODE, NULL);
}
#endif

/* ---- report ----------------------------------------------------------- */

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static double pct_us(double q)
{
	size_t i = (size_t)(q * (double)(st.nlat - 1) + 0.5);

	return (double)st.lat[i] / 1e3;
}

static void report(int fd)
{
	struct snap t1;
	unsigned long long kpkts = 0, drops = kernel_drops(fd, &kpkts);
	double secs, cpu, busy = 0, pps, hz = (double)sysconf(_SC_CLK_TCK);
	const char *end;

	take_snap(&t1);
	if (!st.started) {
		printf("mode=%s pkts=0\n", mode_name(opt.mode));
		return;
	}
	/* Ended by idleness: the rate is over the time frames were arriving. */
	if (t1.mono_ns - st.last_ns >= (int64_t)(opt.idle * 1e9)) {
		end = "idle";
		secs = (double)(st.last_ns - st.t0.mono_ns) / 1e9;
	} else {
		end = stop ? "signal" : "time";
		secs = (double)(t1.mono_ns - st.t0.mono_ns) / 1e9;
	}
	if (secs <= 0)
		secs = 1e-9;
	pps = (double)st.frames / secs;
	cpu = tv_s(&t1.ru.ru_utime) - tv_s(&st.t0.ru.ru_utime) + tv_s(&t1.ru.ru_stime) -
	      tv_s(&st.t0.ru.ru_stime);
	printf("mode=%s", mode_name(opt.mode));
	if (opt.mode == M_TPV3)
		printf(" tov=%d", opt.tov);
	printf(" end=%s pkts=%llu parsed=%llu bad=%llu batches=%llu secs=%.3f pps=%.0f cpu_s=%.3f "
	       "usr_s=%.3f sys_s=%.3f ns_pkt=%.0f drops=%llu kpkts=%llu",
	       end, (unsigned long long)st.frames, (unsigned long long)st.parsed,
	       (unsigned long long)st.bad, (unsigned long long)st.batches, secs, pps, cpu,
	       tv_s(&t1.ru.ru_utime) - tv_s(&st.t0.ru.ru_utime),
	       tv_s(&t1.ru.ru_stime) - tv_s(&st.t0.ru.ru_stime),
	       st.frames ? cpu * 1e9 / (double)st.frames : 0.0, drops, kpkts);
	if (opt.cpu >= 0) {
		double wall = (double)(t1.mono_ns - st.t0.mono_ns) / 1e9;

		busy = wall - (double)(t1.cpu_idle - st.t0.cpu_idle) / hz -
		       (double)(t1.cpu_steal - st.t0.cpu_steal) / hz;
		if (busy < 0)
			busy = 0;
		printf(" cpu=%d wall_s=%.3f cpu_busy_s=%.3f cpu_ns_pkt=%.0f steal_s=%.2f backlog_drops=%llu",
		       opt.cpu, wall, busy, st.frames ? busy * 1e9 / (double)st.frames : 0.0,
		       (double)(t1.cpu_steal - st.t0.cpu_steal) / hz,
		       t1.backlog_drops - st.t0.backlog_drops);
	}
	if (opt.mode == M_URING)
		printf(" enobufs=%u arms=%u", st.enobufs, st.rearms);
	if (opt.lat) {
		printf(" ts=%s nots=%llu lat_n=%zu", st.ts_src, (unsigned long long)st.nots, st.nlat);
		if (st.nlat) {
			qsort(st.lat, st.nlat, sizeof(*st.lat), cmp_i64);
			printf(" lat_min_us=%.1f lat_med_us=%.1f lat_p99_us=%.1f lat_max_us=%.1f",
			       pct_us(0), pct_us(0.5), pct_us(0.99), pct_us(1));
		}
	}
	printf("\n");
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: ingress_cmp -m {uring|tpv3|tpv2|recvmmsg|xdp} -i IFACE -g GROUP -p PORT\n"
"                   [-D SECONDS] [-I IDLE_S] [-W FIRST_S] [-T TOV_MS] [-l]\n"
"                   [-c CPU] [-R READY_FILE] [-X XDP_OBJECT]\n"
"  -D  window length after the first frame (default 5)\n"
"  -I  end the window after this long without a frame (default 1)\n"
"  -W  give up (exit 3) when no frame came within this long (default 30)\n"
"  -T  tpv3 tp_retire_blk_tov in ms, 0 = kernel default (default 1)\n"
"  -l  latency: kernel receive timestamp vs CLOCK_REALTIME on arrival\n"
"  -c  also report CPU's busy time (wall - idle - iowait - steal, from\n"
"      /proc/stat) and softnet backlog drops over the window\n"
"  -R  create this file once the socket is bound (for scripts)\n"
"  -X  xdp: the compiled ingress_xdp.bpf.c (xdp needs a build with HAVE_XDP)\n"
"Prints one line of key=value: mode [tov] end pkts parsed bad batches secs pps\n"
"cpu_s"
" usr_s sys_s ns_pkt drops kpkts [cpu wall_s cpu_busy_s cpu_ns_pkt steal_s\n"
"backlog_drops] "
"[enobufs arms] [ts nots lat_n lat_min_us lat_med_us lat_p99_us lat_max_us].\n");
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	const char *mode = NULL, *group = NULL;
	int c, fd;

	while ((c = getopt(argc, argv, "m:i:g:p:D:I:W:T:lc:R:X:h")) != -1) {
		switch (c) {
		case 'm': mode = optarg; break;
		case 'i': opt.ifname = optarg; break;
		case 'g': group = optarg; break;
		case 'p': opt.port = (uint16_t)atoi(optarg); break;
		case 'D': opt.dur = atof(optarg); break;
		case 'I': opt.idle = atof(optarg); break;
		case 'W': opt.wait_first = atof(optarg); break;
		case 'T': opt.tov = atoi(optarg); break;
		case 'l': opt.lat = true; break;
		case 'c': opt.cpu = atoi(optarg); break;
		case 'R': opt.ready = optarg; break;
		case 'X': opt.xdp_obj = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 1;
		}
	}
	if (!mode || !opt.ifname || !group || !opt.port || optind != argc ||
	    inet_pton(AF_INET, group, &opt.group) != 1 || opt.dur <= 0 || opt.idle <= 0 ||
	    opt.tov < 0) {
		usage(stderr);
		return 1;
	}
	if (!strcmp(mode, "uring"))
		opt.mode = M_URING;
	else if (!strcmp(mode, "tpv3"))
		opt.mode = M_TPV3;
	else if (!strcmp(mode, "tpv2"))
		opt.mode = M_TPV2;
	else if (!strcmp(mode, "recvmmsg"))
		opt.mode = M_RECVMMSG;
#ifdef HAVE_XDP
	else if (!strcmp(mode, "xdp") && opt.xdp_obj && !opt.lat)
		opt.mode = M_XDP;
#endif
	else {
		usage(stderr);
		return 1;
	}
	if (opt.lat && !(st.lat = malloc(LAT_MAX * sizeof(*st.lat))))
		die("malloc", ENOMEM);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

#ifdef HAVE_XDP
	if (opt.mode == M_XDP) {
		fd = run_xdp();
		report(fd);
		xdp_close();
		return 0;
	}
#endif
	fd = open_socket();
	switch (opt.mode) {
	case M_URING: run_uring(fd); break;
	case M_TPV3: run_tpv3(fd); break;
	case M_TPV2: run_tpv2(fd); break;
	case M_RECVMMSG: run_recvmmsg(fd); break;
	case M_XDP: break;
	}
	report(fd);
	close(fd);
	free(st.lat);
	return 0;
}
