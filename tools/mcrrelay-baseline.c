/*
 * mcrrelay-baseline - a plain, well-written userspace multicast relay, the
 * yardstick the benchmark (tests/bench/bench.sh) holds mcrd against.
 *
 *   mcrrelay-baseline -i DEV:GROUP:PORT -o DEV:GROUP:PORT [-o ...] [-t TTL] [-q]
 *
 * It is what one would write with the classic socket API and no tricks:
 *
 *   - one UDP socket joined to the input group on the input device
 *     (SO_BINDTODEVICE, bound to GROUP:PORT, IP_MULTICAST_ALL off so that no
 *     other group joined on the host leaks in), with a large receive buffer;
 *   - one UDP socket per output (SO_BINDTODEVICE, IP_MULTICAST_IF,
 *     IP_MULTICAST_TTL, loopback off, large send buffer);
 *   - recvmmsg() of up to 64 datagrams, then for that batch one sendmmsg()
 *     per output socket, each message carrying its own destination.  The
 *     payload is not copied in userspace: every output's messages point at
 *     the receive buffers.
 *
 * Not part of mcrd and not installed; it exists for the benchmark only.
 * SIGTERM or SIGINT ends it with status 0 after printing its counters.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* recvmmsg, sendmmsg */
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define BATCH       64           /* datagrams per recvmmsg / sendmmsg */
#define BUF_SIZE    65536        /* one receive buffer: any UDP datagram fits */
#define MAX_OUTPUTS 1024
#define RCVBUF      (8 << 20)    /* bytes; SO_RCVBUFFORCE, else capped by rmem_max */
#define SNDBUF      (4 << 20)

struct endpoint {
	char dev[IF_NAMESIZE];
	int ifindex;
	struct sockaddr_in addr;     /* group and port */
};

struct output {
	struct endpoint ep;
	int fd;
	struct mmsghdr msgs[BATCH];  /* msg_name = ep.addr, msg_iov = the shared send iovecs */
	uint64_t packets, errors;
};

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: mcrrelay-baseline -i DEV:GROUP:PORT -o DEV:GROUP:PORT [-o ...]\n"
		"                         [-t TTL] [-q]\n"
		"Relay one multicast UDP stream to up to %d outputs with recvmmsg/sendmmsg.\n"
		"  -i DEV:GROUP:PORT  input: join GROUP on DEV, receive PORT\n"
		"  -o DEV:GROUP:PORT  an output: send to GROUP:PORT out of DEV (repeatable)\n"
		"  -t TTL             multicast TTL of the outputs, 1..255 (default 1)\n"
		"  -q                 print nothing but errors\n"
		"SIGTERM/SIGINT: print 'in N out N errors N' on stderr and exit 0.\n",
		MAX_OUTPUTS);
}

/* DEV:GROUP:PORT -> ep; GROUP must be multicast.  Returns 0 or -1 (message printed). */
static int parse_endpoint(const char *arg, struct endpoint *ep)
{
	char buf[128], *group, *port, *end;
	unsigned long p;

	if (strlen(arg) >= sizeof(buf))
		goto bad;
	strcpy(buf, arg);
	group = strchr(buf, ':');
	if (!group)
		goto bad;
	*group++ = '\0';
	port = strchr(group, ':');
	if (!port)
		goto bad;
	*port++ = '\0';
	if (!*buf || strlen(buf) >= IF_NAMESIZE)
		goto bad;
	memset(ep, 0, sizeof(*ep));
	strcpy(ep->dev, buf);
	ep->addr.sin_family = AF_INET;
	if (inet_pton(AF_INET, group, &ep->addr.sin_addr) != 1 ||
	    !IN_MULTICAST(ntohl(ep->addr.sin_addr.s_addr)))
		goto bad;
	errno = 0;
	p = strtoul(port, &end, 10);
	if (errno || *end || !*port || p == 0 || p > 65535)
		goto bad;
	ep->addr.sin_port = htons((uint16_t)p);
	ep->ifindex = (int)if_nametoindex(ep->dev);
	if (!ep->ifindex) {
		fprintf(stderr, "mcrrelay-baseline: device \"%s\": %s\n", ep->dev, strerror(errno));
		return -1;
	}
	return 0;
bad:
	fprintf(stderr, "mcrrelay-baseline: \"%s\": expected DEV:GROUP:PORT with a multicast GROUP\n",
		arg);
	return -1;
}

static int setint(int fd, int level, int opt, int val)
{
	return setsockopt(fd, level, opt, &val, sizeof(val));
}

/* Large socket buffers: the FORCE variants (CAP_NET_ADMIN) pass [rw]mem_max. */
static void set_buffer(int fd, int force_opt, int opt, int bytes)
{
	if (setint(fd, SOL_SOCKET, force_opt, bytes))
		setint(fd, SOL_SOCKET, opt, bytes);
}

static int fail(const char *what, const struct endpoint *ep)
{
	char ab[INET_ADDRSTRLEN];

	fprintf(stderr, "mcrrelay-baseline: %s:%s:%u: %s: %s\n", ep->dev,
		inet_ntop(AF_INET, &ep->addr.sin_addr, ab, sizeof(ab)), ntohs(ep->addr.sin_port),
		what, strerror(errno));
	return -1;
}

/* The input socket: bound to DEV and GROUP:PORT, joined on DEV, nothing else. */
static int open_input(const struct endpoint *ep)
{
	struct ip_mreqn mr = { .imr_multiaddr = ep->addr.sin_addr, .imr_ifindex = ep->ifindex };
	struct timeval tv = { .tv_sec = 0, .tv_usec = 200000 };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return fail("socket", ep);
	if (setint(fd, SOL_SOCKET, SO_REUSEADDR, 1) ||
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ep->dev, (socklen_t)strlen(ep->dev) + 1) ||
	    setint(fd, IPPROTO_IP, IP_MULTICAST_ALL, 0) ||
	    /* A blocked recvmmsg returns every 200 ms, so a stop request is seen. */
	    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv))) {
		fail("setsockopt", ep);
		goto err;
	}
	set_buffer(fd, SO_RCVBUFFORCE, SO_RCVBUF, RCVBUF);
	if (bind(fd, (const struct sockaddr *)&ep->addr, sizeof(ep->addr))) {
		fail("bind", ep);
		goto err;
	}
	if (setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, sizeof(mr))) {
		fail("join", ep);
		goto err;
	}
	return fd;
err:
	close(fd);
	return -1;
}

/* An output socket: sends out of DEV only, with the given TTL, no loopback. */
static int open_output(const struct endpoint *ep, int ttl)
{
	struct ip_mreqn mr = { .imr_ifindex = ep->ifindex };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return fail("socket", ep);
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ep->dev, (socklen_t)strlen(ep->dev) + 1) ||
	    setsockopt(fd, IPPROTO_IP, IP_MULTICAST_IF, &mr, sizeof(mr)) ||
	    setint(fd, IPPROTO_IP, IP_MULTICAST_TTL, ttl) ||
	    setint(fd, IPPROTO_IP, IP_MULTICAST_LOOP, 0) ||
	    setint(fd, IPPROTO_IP, IP_MULTICAST_ALL, 0)) {
		fail("setsockopt", ep);
		close(fd);
		return -1;
	}
	set_buffer(fd, SO_SNDBUFFORCE, SO_SNDBUF, SNDBUF);
	return fd;
}

/*
 * Sends the first n prepared messages of one output.  A blocking socket
 * waits for buffer space, so a short count only means an error on the
 * message after the last one sent: count it, skip it, go on.
 */
static void send_batch(struct output *o, unsigned n)
{
	unsigned done = 0;

	while (done < n) {
		int r = sendmmsg(o->fd, o->msgs + done, n - done, 0);

		if (r > 0) {
			done += (unsigned)r;
			o->packets += (unsigned)r;
		} else if (r < 0 && errno == EINTR) {
			if (stopping)
				return;
		} else {
			o->errors++;
			done++;
		}
	}
}

int main(int argc, char **argv)
{
	static struct output outs[MAX_OUTPUTS];
	static char bufs[BATCH][BUF_SIZE];
	struct iovec riov[BATCH], siov[BATCH];
	struct mmsghdr rmsgs[BATCH];
	struct endpoint in;
	struct sigaction sa = { .sa_handler = on_signal };  /* no SA_RESTART */
	unsigned nout = 0, i, j;
	uint64_t in_packets = 0, truncated = 0, out_packets = 0, errors = 0;
	bool have_in = false, quiet = false;
	int ttl = 1, fd, c;

	while ((c = getopt(argc, argv, "i:o:t:qh")) != -1) {
		switch (c) {
		case 'i':
			if (parse_endpoint(optarg, &in))
				return 1;
			have_in = true;
			break;
		case 'o':
			if (nout == MAX_OUTPUTS) {
				fprintf(stderr, "mcrrelay-baseline: at most %d outputs\n", MAX_OUTPUTS);
				return 1;
			}
			if (parse_endpoint(optarg, &outs[nout].ep))
				return 1;
			nout++;
			break;
		case 't': {
			char *end;
			long t = strtol(optarg, &end, 10);

			if (*end || !*optarg || t < 1 || t > 255) {
				fprintf(stderr, "mcrrelay-baseline: TTL must be 1..255\n");
				return 1;
			}
			ttl = (int)t;
			break;
		}
		case 'q':
			quiet = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (!have_in || !nout || optind != argc) {
		usage(stderr);
		return 1;
	}

	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) || sigaction(SIGINT, &sa, NULL)) {
		perror("mcrrelay-baseline: sigaction");
		return 2;
	}

	fd = open_input(&in);
	if (fd < 0)
		return 2;

	/* The receive side: one iovec per buffer, reused for every batch. */
	memset(rmsgs, 0, sizeof(rmsgs));
	for (j = 0; j < BATCH; j++) {
		riov[j] = (struct iovec){ .iov_base = bufs[j], .iov_len = BUF_SIZE };
		siov[j] = (struct iovec){ .iov_base = bufs[j], .iov_len = 0 };
		rmsgs[j].msg_hdr.msg_iov = &riov[j];
		rmsgs[j].msg_hdr.msg_iovlen = 1;
	}
	/*
	 * The send side, prepared once: every output's message j points at the
	 * shared send iovec j (the received length is filled in per batch) and
	 * at that output's destination.
	 */
	for (i = 0; i < nout; i++) {
		struct output *o = &outs[i];

		o->fd = open_output(&o->ep, ttl);
		if (o->fd < 0)
			return 2;
		for (j = 0; j < BATCH; j++) {
			struct msghdr *h = &o->msgs[j].msg_hdr;

			h->msg_name = &o->ep.addr;
			h->msg_namelen = sizeof(o->ep.addr);
			h->msg_iov = &siov[j];
			h->msg_iovlen = 1;
		}
	}
	if (!quiet) {
		char ab[INET_ADDRSTRLEN];

		fprintf(stderr, "mcrrelay-baseline: ready: %s:%s:%u -> %u outputs\n", in.dev,
			inet_ntop(AF_INET, &in.addr.sin_addr, ab, sizeof(ab)), ntohs(in.addr.sin_port),
			nout);
	}

	while (!stopping) {
		/* Block for the first datagram (at most 200 ms), then take what is queued. */
		int n = recvmmsg(fd, rmsgs, BATCH, MSG_WAITFORONE, NULL);
		unsigned kept = 0;

		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
				continue;
			perror("mcrrelay-baseline: recvmmsg");
			break;
		}
		in_packets += (unsigned)n;
		/* Compact the batch's send iovecs, dropping truncated datagrams. */
		for (j = 0; j < (unsigned)n; j++) {
			if (rmsgs[j].msg_hdr.msg_flags & MSG_TRUNC) {
				truncated++;
				continue;
			}
			siov[kept].iov_base = bufs[j];
			siov[kept].iov_len = rmsgs[j].msg_len;
			kept++;
		}
		for (i = 0; i < nout; i++)
			send_batch(&outs[i], kept);
	}

	for (i = 0; i < nout; i++) {
		out_packets += outs[i].packets;
		errors += outs[i].errors;
		close(outs[i].fd);
	}
	close(fd);
	fprintf(stderr, "mcrrelay-baseline: in %llu out %llu errors %llu truncated %llu\n",
		(unsigned long long)in_packets, (unsigned long long)out_packets,
		(unsigned long long)errors, (unsigned long long)truncated);
	return 0;
}
