/*
 * The connection to mcrd: one Unix stream socket, opened on first use and
 * reused by every request (batch mode).  Replies are read a message at a
 * time, exactly nlmsg_len bytes each, and checked before use.
 */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "esc.h"
#include "mcrctl.h"

#define REPLY_TIMEOUT_MS 5000

static struct {
	int fd;
	uint32_t seq;
	uint8_t *buf;   /* the message being read */
	size_t cap;
} C = { .fd = -1 };

static int client_connect(void);

uint32_t mcrctl_next_seq(void)
{
	return ++C.seq;
}

struct nlmsghdr *mcrctl_msg_new(size_t len, uint16_t type, uint8_t flags)
{
	void *buf = calloc(1, len);

	if (!buf) {
		mcrctl_err("out of memory");
		return NULL;
	}
	return mcr_ctl_msg_start(buf, len, type, mcrctl_next_seq(), flags);
}

void mcrctl_client_close(void)
{
	if (C.fd >= 0)
		close(C.fd);
	C.fd = -1;
	free(C.buf);
	C.buf = NULL;
	C.cap = 0;
}

int mcrctl_connect(void)
{
	return client_connect() ? MCRCTL_EXIT_DAEMON : MCRCTL_EXIT_OK;
}

static int client_connect(void)
{
	const char *path = mcrctl_opt.socket ? mcrctl_opt.socket : MCR_CTL_SOCKET;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	char e[MCR_ESC_PATH];
	int fd, err;

	if (C.fd >= 0)
		return 0;
	mcr_esc(path, e, sizeof(e));
	if (strlen(path) >= sizeof(sun.sun_path)) {
		mcrctl_err("cannot connect to %s: %s", e, strerror(ENAMETOOLONG));
		return -ENAMETOOLONG;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		err = errno;
		if (fd >= 0)
			close(fd);
		mcrctl_err("cannot connect to %s: %s (is mcrd running?)", e, strerror(err));
		return -err;
	}
	C.fd = fd;
	return 0;
}

static int send_all(const void *p, size_t len)
{
	const uint8_t *b = p;

	while (len) {
		ssize_t n = send(C.fd, b, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		b += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads exactly len bytes: 0, -ETIMEDOUT, -ECONNRESET (end of stream) or -errno. */
static int read_all(void *p, size_t len, int timeout_ms)
{
	uint8_t *b = p;

	while (len) {
		struct pollfd pfd = { .fd = C.fd, .events = POLLIN };
		int r = poll(&pfd, 1, timeout_ms);
		ssize_t n;

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ETIMEDOUT;
		n = read(C.fd, b, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ECONNRESET;
		b += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Reads and checks one message; prints why not (unless quiet) and returns < 0 otherwise. */
static int recv_msg(int timeout_ms, bool quiet, struct nlmsghdr **out)
{
	struct nlmsghdr hdr;
	char err[256];
	int ret;

	if (!C.buf) {
		C.cap = 4096;
		if (!(C.buf = malloc(C.cap)))
			return -ENOMEM;
	}
	ret = read_all(&hdr, NLMSG_HDRLEN, timeout_ms);
	if (ret && quiet)
		return ret;
	if (ret == -ETIMEDOUT) {
		mcrctl_err("no reply from mcrd within %d s", REPLY_TIMEOUT_MS / 1000);
		return ret;
	}
	if (ret == -ECONNRESET) {
		mcrctl_err("mcrd closed the connection");
		return ret;
	}
	if (ret) {
		mcrctl_err("reading from mcrd: %s", strerror(-ret));
		return ret;
	}
	if (hdr.nlmsg_len < NLMSG_HDRLEN + MCR_CTLHDR_LEN || hdr.nlmsg_len > MCR_CTL_MSG_MAX) {
		mcrctl_err("bad reply from mcrd: message length %u", hdr.nlmsg_len);
		return -EBADMSG;
	}
	if (hdr.nlmsg_len > C.cap) {
		uint8_t *nb = realloc(C.buf, hdr.nlmsg_len);

		if (!nb) {
			mcrctl_err("out of memory");
			return -ENOMEM;
		}
		C.buf = nb;
		C.cap = hdr.nlmsg_len;
	}
	memcpy(C.buf, &hdr, NLMSG_HDRLEN);
	ret = read_all(C.buf + NLMSG_HDRLEN, hdr.nlmsg_len - NLMSG_HDRLEN, REPLY_TIMEOUT_MS);
	if (ret) {
		mcrctl_err("reading from mcrd: %s", ret == -ECONNRESET ? "connection closed mid-message"
					      : strerror(-ret));
		return ret;
	}
	if ((ret = mcr_ctl_msg_check(C.buf, hdr.nlmsg_len, err, sizeof(err)))) {
		mcrctl_err("bad reply from mcrd: %s", err);
		return ret;
	}
	*out = (struct nlmsghdr *)C.buf;
	return 0;
}

/* Handles DONE: prints its messages; returns the exit code. */
static int handle_done(const struct nlmsghdr *nlh, unsigned flags)
{
	const struct nlattr *attr;
	const char **msgs;
	size_t max = 0, n;
	int status, ret = MCRCTL_EXIT_OK;

	mnl_attr_for_each(attr, nlh, MCR_CTLHDR_LEN)
		max++;
	msgs = calloc(max ? max : 1, sizeof(*msgs));
	if (!msgs) {
		mcrctl_err("out of memory");
		return MCRCTL_EXIT_DAEMON;
	}
	if (mcr_ctl_get_done(nlh, &status, msgs, max, &n)) {
		mcrctl_err("bad reply from mcrd: DONE without a status");
		free(msgs);
		return MCRCTL_EXIT_DAEMON;
	}
	if (flags & MCRCTL_REQ_RAW_MSGS) {
		for (size_t i = 0; i < n; i++) /* a DONE message is ours to change */
			fprintf(mcrctl_errfp(), "%s\n", mcr_sanitize((char *)msgs[i]));
		if (status && !n)
			mcrctl_err("%s", strerror(-status));
	} else if (status) {
		for (size_t i = 0; i < n; i++)
			mcrctl_err("%s", msgs[i]);
		if (!n)
			mcrctl_err("%s", strerror(-status));
	}
	if (status)
		ret = MCRCTL_EXIT_DAEMON;
	free(msgs);
	return ret;
}

int mcrctl_request(const struct nlmsghdr *req, mcrctl_msg_fn fn, void *data, unsigned flags)
{
	bool monitor = flags & MCRCTL_REQ_MONITOR;
	bool failed = false;
	struct nlmsghdr *nlh;
	int ret;

	if (client_connect())
		return MCRCTL_EXIT_DAEMON;
	if ((ret = send_all(req, req->nlmsg_len))) {
		/* mcrd refused the request before reading it all: its reply says why. */
		if ((ret == -EPIPE || ret == -ECONNRESET) && !recv_msg(0, true, &nlh) &&
		    nlh->nlmsg_type == MCR_MSG_DONE && handle_done(nlh, 0) != MCRCTL_EXIT_OK)
			goto broken;
		mcrctl_err("sending to mcrd: %s", strerror(-ret));
		goto broken;
	}
	for (;;) {
		if (recv_msg(monitor ? -1 : REPLY_TIMEOUT_MS, false, &nlh))
			goto broken;
		if (!monitor && nlh->nlmsg_seq != req->nlmsg_seq) {
			mcrctl_err("bad reply from mcrd: sequence %u, expected %u", nlh->nlmsg_seq,
				   req->nlmsg_seq);
			goto broken;
		}
		if (nlh->nlmsg_type == MCR_MSG_DONE) {
			ret = handle_done(nlh, flags);
			/* A monitor may be acknowledged before its events. */
			if (monitor && ret == MCRCTL_EXIT_OK)
				continue;
			return ret ? ret : failed ? MCRCTL_EXIT_DAEMON : MCRCTL_EXIT_OK;
		}
		if (fn && fn(nlh, data) < 0)
			failed = true;
	}
broken:
	/* The stream cannot be trusted any more: a later request reconnects. */
	mcrctl_client_close();
	return MCRCTL_EXIT_DAEMON;
}
