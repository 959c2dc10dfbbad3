/*
 * The HTTP request path of the metrics process: the bytes are what a
 * client sends to /metrics's listener.  The real server (mcrd/httpd.c on
 * libmicrohttpd, with mcrd's limits) gets one end of a socket pair as a
 * connection, the input is written to the other end and shut, and the
 * server runs until it closes the connection.  Its answers render a real
 * exposition (mcrd/expo.c) of a small catalog.  Whatever the input, the
 * server must answer with an HTTP status line or close, within bounded
 * turns, and keep no connection.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz.h"

#include "../../mcrd/counters.h"
#include "../../mcrd/expo.h"
#include "../../mcrd/httpd.h"
#include "../../mcrd/metcat.h"
#include "log.h"

#define TURNS      2000
#define IDLE_TURNS 100   /* turns with the request unfinished before it is cut */

static struct httpd *H;
static struct metcat CAT;
static struct {
	struct metcat_hdr h;
	struct metcat_rule r[1];
	struct metcat_out o[1];
	struct metcat_link l[1];
	struct metcat_worker w[1];
} C;
static uint32_t peer;

static int render(void *arg, char **body, size_t *len)
{
	struct expo e;
	int err;

	(void)arg;
	expo_init(&e, EXPO_MAX);
	if ((err = expo_render(&e, &CAT, "fuzz"))) {
		expo_free(&e);
		return err;
	}
	*body = e.buf;
	*len = e.len;
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	mcr_log_open("mcrd-fuzz", 1, LOG_ERR);
	if (counters_init())
		abort();
	C.h = (struct metcat_hdr){ METCAT_MAGIC, METCAT_VERSION, 1, 1, 1, 1, { 1, 1, 0, 0, false }, 0, 0 };
	C.r[0] = (struct metcat_rule){ .name = "cam1", .dev = "eth0", .port = 5001, .nout = 1,
				       .slot = counters_alloc_rule() };
	C.o[0] = (struct metcat_out){ .dev = "eth1", .port = 6000, .slot = counters_alloc_out() };
	C.l[0] = (struct metcat_link){ .dev = "eth0", .slot = counters_alloc_link(), .open = 1 };
	if (metcat_check(&C, offsetof(__typeof__(C), w) + sizeof(C.w), &CAT) ||
	    httpd_start(&H, -1, render, NULL))
		abort();
	return 0;
}

/* Writes what the socket takes of data; the rest is what a client could not send. */
static void send_some(int fd, const uint8_t *data, size_t size)
{
	while (size) {
		ssize_t n = send(fd, data, size, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n <= 0)
			return;
		data += n;
		size -= (size_t)n;
	}
}

/* What the server sends back: the first bytes kept, the rest read and dropped; 0: it closed. */
static ssize_t drain(int fd, char *out, size_t cap, size_t *got)
{
	static char sink[65536];
	ssize_t n = recv(fd, *got < cap ? out + *got : sink, *got < cap ? cap - *got : sizeof(sink),
			 MSG_DONTWAIT);

	if (n > 0 && *got < cap)
		*got += (size_t)n;
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A new address each time: the per-address limit is not what is fuzzed. */
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(40000),
				  .sin_addr.s_addr = htonl(0x0a000000 | (++peer & 0xffffff)) };
	char out[4096];
	size_t got = 0;
	int sv[2], turns;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
		abort();
	FUZZ_ASSERT(httpd_add(H, sv[0], (struct sockaddr *)&sa, sizeof(sa)) == 0);
	send_some(sv[1], data, size);
	shutdown(sv[1], SHUT_WR);
	for (turns = 0; turns < TURNS; turns++) {
		httpd_run(H);
		/*
		 * A request left unfinished waits for the idle timeout (10 s):
		 * cut it short as httpd does with a connection past its life.
		 */
		if (turns == IDLE_TURNS)
			shutdown(sv[0], SHUT_RDWR);
		if (drain(sv[1], out, sizeof(out), &got) == 0)
			break; /* the server closed: done */
	}
	FUZZ_ASSERT(turns < TURNS);
	/* Anything said is an HTTP answer. */
	FUZZ_ASSERT(!got || (got >= 12 && !memcmp(out, "HTTP/1.", 7)));
	close(sv[1]);
	return 0;
}
