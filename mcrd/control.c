/* The control socket transport: listening, clients, framing, limits, dispatch by table. */
#include "control.h"

#include <errno.h>
#include <grp.h>
#include <libmnl/libmnl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "log.h"
#include "ratelog.h"
#include "slots.h"

#define MAX_CLIENTS  SLOTS_MAX
#define OUT_MAX      (64u << 20) /* a client that lets this much pile up is dropped */
#define MSG_SMALL    (64u << 10)
#define PARTIAL_MS   5000        /* a started message must be complete by then */
#define SILENT_MS    10000       /* a client must say something by then */
#define STALL_MS     10000       /* and read a pending reply (or event) by then */
#define LOG_EVERY_MS 1000        /* one line per kind of client trouble at most this often */

struct ctl_client {
	int fd, win, wout;    /* fd, POLLIN watch, POLLOUT watch (-1 if none) */
	uint8_t *in;
	size_t inlen, incap;
	uint8_t *out;
	size_t outoff, outlen, outcap;
	bool monitor;
	bool dead;            /* to be closed once its own callback returns */
	bool spoke;           /* has sent at least one byte */
	bool privileged;      /* root or our own uid: no share limit (slots.h) */
	uid_t uid;            /* the peer's, from SO_PEERCRED */
	uint64_t since_ms;    /* connected at */
	uint64_t partial_ms;  /* first byte of the pending partial message, 0 if none */
	uint64_t active_ms;   /* last byte read or written */
	uint64_t stall_ms;    /* output pending (POLLOUT armed) with no progress since */
	struct control *ctl;
};

struct control {
	int lfd, lwatch;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct evloop *ev;
	const struct ctl_handler *table;
	void *arg;
	struct ctl_client *cl[MAX_CLIENTS];
	struct ctl_client *current; /* the client whose request is being handled */
	struct mcr_ratelog room_log, drop_log; /* clients closed to make room; dropped */
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void client_close(struct ctl_client *c)
{
	struct control *ctl = c->ctl;

	evloop_unwatch(ctl->ev, c->win);
	if (c->wout >= 0)
		evloop_unwatch(ctl->ev, c->wout);
	close(c->fd);
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (ctl->cl[i] == c)
			ctl->cl[i] = NULL;
	free(c->in);
	free(c->out);
	free(c);
}

/* Closes now, or marks for closing if its request is being handled. */
void ctl_client_drop(struct ctl_client *c)
{
	if (c->ctl->current == c)
		c->dead = true;
	else
		client_close(c);
}

/* Room for n more bytes at the end of the output; NULL when over the cap. */
static uint8_t *out_reserve(struct ctl_client *c, size_t n)
{
	if (c->outoff && c->outoff == c->outlen)
		c->outoff = c->outlen = 0;
	if (c->outlen + n > c->outcap) {
		size_t cap = c->outcap ? c->outcap : MSG_SMALL;
		uint8_t *p;

		while (cap < c->outlen + n)
			cap *= 2;
		if (cap > OUT_MAX || !(p = realloc(c->out, cap)))
			return NULL;
		c->out = p;
		c->outcap = cap;
	}
	memset(c->out + c->outlen, 0, n);
	return c->out + c->outlen;
}

static void on_writable(void *arg, int fd);

/* Writes what the socket takes now; waits for POLLOUT for the rest. */
static void client_flush(struct ctl_client *c)
{
	while (c->outoff < c->outlen) {
		ssize_t n = write(c->fd, c->out + c->outoff, c->outlen - c->outoff);

		if (n > 0) {
			c->outoff += (size_t)n;
			c->active_ms = c->stall_ms = now_ms();
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
			if (c->wout < 0) {
				c->wout = evloop_watch(c->ctl->ev, c->fd, POLLOUT, on_writable, c);
				c->stall_ms = now_ms();
			}
			return;
		}
		ctl_client_drop(c); /* peer gone */
		return;
	}
	c->outoff = c->outlen = 0;
	if (c->wout >= 0) {
		evloop_unwatch(c->ctl->ev, c->wout);
		c->wout = -1;
	}
}

static void on_writable(void *arg, int fd)
{
	(void)fd;
	client_flush(arg);
}

/* Starts a message of at most size bytes in the output; NULL drops the client. */
struct nlmsghdr *ctl_msg_begin(struct ctl_client *c, size_t size, uint16_t type, uint32_t seq)
{
	uint8_t *p = out_reserve(c, size);

	if (!p)
		return NULL;
	return mcr_ctl_msg_start(p, size, type, seq, 0);
}

void ctl_msg_commit(struct ctl_client *c, const struct nlmsghdr *nlh)
{
	c->outlen += nlh->nlmsg_len;
}

static int send_done_list(struct ctl_client *c, uint32_t seq, int status, const char *const *msgs,
			  size_t n)
{
	size_t size = 256;
	struct nlmsghdr *nlh;

	for (size_t i = 0; i < n; i++)
		size += strlen(msgs[i]) + 16;
	nlh = ctl_msg_begin(c, size, MCR_MSG_DONE, seq);
	if (!nlh || mcr_ctl_put_done(nlh, size, status, msgs, n))
		return -EMSGSIZE;
	ctl_msg_commit(c, nlh);
	return 0;
}

int ctl_done(struct ctl_client *c, uint32_t seq, int status, const char *fmt, ...)
{
	char msg[512];
	const char *m = msg;
	va_list ap;

	if (!fmt)
		return send_done_list(c, seq, status, NULL, 0);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return send_done_list(c, seq, status, &m, 1);
}

int ctl_done_errlist(struct ctl_client *c, uint32_t seq, int status, const struct mcr_errlist *el)
{
	const char **msgs = calloc(el->n ? el->n : 1, sizeof(*msgs));
	char (*lines)[320] = calloc(el->n ? el->n : 1, sizeof(*lines));
	int err = -ENOMEM;

	if (msgs && lines) {
		for (size_t i = 0; i < el->n; i++) {
			mcr_errlist_format(el, i, lines[i], sizeof(lines[i]));
			msgs[i] = lines[i];
		}
		err = send_done_list(c, seq, status, msgs, el->n);
	}
	free(msgs);
	free(lines);
	return err;
}

void ctl_client_monitor(struct ctl_client *c)
{
	c->monitor = true;
}

void ctl_broadcast(struct control *ctl, ctl_put_fn fn, void *arg)
{
	for (int i = 0; ctl && i < MAX_CLIENTS; i++) {
		struct ctl_client *c = ctl->cl[i];

		if (!c || !c->monitor)
			continue;
		if (fn(c, arg))
			ctl_client_drop(c); /* cannot keep up */
		else
			client_flush(c);
	}
}

static void dispatch(struct ctl_client *c, const struct nlmsghdr *nlh)
{
	const struct ctl_handler *h;

	for (h = c->ctl->table; h->type && h->type != nlh->nlmsg_type; h++)
		;
	if (h->type)
		h->fn(c->ctl->arg, c, nlh);
	else
		ctl_done(c, nlh->nlmsg_seq, -EOPNOTSUPP, "unknown request type %u",
			 nlh->nlmsg_type);
}

/*
 * Handles every complete message in the input buffer.  Returns false when
 * the client was closed (framing lost: its stream cannot be resynchronised).
 */
static bool process_input(struct ctl_client *c)
{
	size_t off = 0;

	while (c->inlen - off >= NLMSG_HDRLEN) {
		const struct nlmsghdr *nlh = (const void *)(c->in + off);
		char err[256];

		if (nlh->nlmsg_len < NLMSG_HDRLEN + MCR_CTLHDR_LEN || nlh->nlmsg_len > MCR_CTL_MSG_MAX) {
			log_info("control: dropping a client that sent a message of length %u",
				 nlh->nlmsg_len);
			if (nlh->nlmsg_len > MCR_CTL_MSG_MAX)
				ctl_done(c, nlh->nlmsg_seq, -EMSGSIZE,
					 "message too large (%u bytes, limit %u)", nlh->nlmsg_len,
					 MCR_CTL_MSG_MAX);
			else
				ctl_done(c, nlh->nlmsg_seq, -EBADMSG, "bad message length %u",
					 nlh->nlmsg_len);
			c->dead = true; /* flushed, then closed, by on_readable */
			return false;
		}
		if (c->inlen - off < nlh->nlmsg_len)
			break;
		if (mcr_ctl_msg_check(nlh, nlh->nlmsg_len, err, sizeof(err)))
			ctl_done(c, nlh->nlmsg_seq, -EBADMSG, "bad message: %s", err);
		else
			dispatch(c, nlh);
		if (c->dead)
			return false;
		off += NLMSG_ALIGN(nlh->nlmsg_len) <= c->inlen - off ? NLMSG_ALIGN(nlh->nlmsg_len)
								     : nlh->nlmsg_len;
	}
	memmove(c->in, c->in + off, c->inlen - off);
	c->inlen -= off;
	if (!c->inlen)
		c->partial_ms = 0;
	else if (off || !c->partial_ms)
		c->partial_ms = now_ms(); /* a new message started */
	return true;
}

/* Why the buffered partial message is incomplete, for the error reply. */
static void partial_fail(struct ctl_client *c)
{
	const struct nlmsghdr *nlh = (const void *)c->in;

	if (c->inlen >= NLMSG_HDRLEN)
		ctl_done(c, nlh->nlmsg_seq, -EBADMSG, "truncated message: %zu of %u bytes",
			  c->inlen, nlh->nlmsg_len);
	else
		ctl_done(c, 0, -EBADMSG, "truncated message: %zu bytes, shorter than a header",
			  c->inlen);
}

/* Closes c after a best-effort write of its last reply (if it fits). */
static void client_finish(struct ctl_client *c)
{
	if (c->outlen > c->outoff && write(c->fd, c->out + c->outoff, c->outlen - c->outoff) < 0)
		log_debug("control: last reply lost: %s", strerror(errno));
	client_close(c);
}

static void on_readable(void *arg, int fd)
{
	struct ctl_client *c = arg;
	struct control *ctl = c->ctl;

	ctl->current = c;
	while (!c->dead) {
		ssize_t n;

		if (c->incap - c->inlen < 4096) {
			size_t cap = c->incap ? c->incap * 2 : MSG_SMALL;
			uint8_t *p;

			/* Room for the largest message and the start of the next. */
			if (cap > MCR_CTL_MSG_MAX + MSG_SMALL)
				cap = MCR_CTL_MSG_MAX + MSG_SMALL;
			if (cap <= c->incap || !(p = realloc(c->in, cap))) {
				ctl_done(c, 0, -ENOMEM, "out of memory for a message");
				c->dead = true;
				break;
			}
			c->in = p;
			c->incap = cap;
		}
		n = read(fd, c->in + c->inlen, c->incap - c->inlen);
		if (n == 0 && c->inlen)
			partial_fail(c); /* the peer half-closed mid-message */
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			c->dead = true;
			break;
		}
		if (n < 0)
			break;
		c->inlen += (size_t)n;
		c->spoke = true;
		c->active_ms = now_ms();
		process_input(c);
	}
	ctl->current = NULL;
	if (c->dead) {
		client_finish(c);
		return;
	}
	client_flush(c);
}

static enum slot_rank client_rank(const struct ctl_client *c)
{
	if (c->monitor)
		return SLOT_MONITOR;
	return c->inlen || c->outlen > c->outoff ? SLOT_BUSY : SLOT_IDLE;
}

static const char *const rank_name[] = { "idle", "busy", "monitoring" };

/* Logs (rate-limited) why victim, in slot, is closed to make room for a client of uid. */
static void log_room(struct control *ctl, const struct ctl_client *victim, enum slot_why why,
		     uid_t uid)
{
	char more[64];

	if (!mcr_ratelog_allow(&ctl->room_log, more, sizeof(more)))
		return;
	if (why == SLOT_OVER_SHARE)
		log_warn("control: uid %u holds its share of %d client slots: closing its oldest %s "
			 "client to make room for its new one%s", (unsigned)uid, SLOTS_SHARE,
			 rank_name[client_rank(victim)], more);
	else
		log_warn("control: all %d client slots in use: closing the oldest %s client of "
			 "uid %u, which holds the most, to make room for one of uid %u%s",
			 MAX_CLIENTS, rank_name[client_rank(victim)], (unsigned)victim->uid,
			 (unsigned)uid, more);
}

/* A slot for a new client of uid, closing another client if need be (slots.h). */
static int take_slot(struct control *ctl, uid_t uid, bool privileged)
{
	struct slot_view v[MAX_CLIENTS];
	enum slot_why why;
	uid_t victim_uid;
	int slot;

	for (int i = 0; i < MAX_CLIENTS; i++) {
		const struct ctl_client *c = ctl->cl[i];

		v[i] = c ? (struct slot_view){ .used = true, .privileged = c->privileged,
					       .uid = c->uid, .rank = client_rank(c),
					       .active_ms = c->active_ms }
			 : (struct slot_view){ .used = false };
	}
	slot = slots_pick(v, MAX_CLIENTS, uid, privileged, &why, &victim_uid);
	if (slot >= 0 && why != SLOT_FREE) {
		log_room(ctl, ctl->cl[slot], why, uid);
		client_close(ctl->cl[slot]);
	}
	return slot;
}

/* The peer's uid; one that cannot be read counts as an unprivileged uid of its own. */
static uid_t peer_uid(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return (uid_t)-1;
	return cred.uid;
}

static void refuse(struct control *ctl, int fd, const char *why)
{
	char more[64];

	close(fd);
	if (mcr_ratelog_allow(&ctl->room_log, more, sizeof(more)))
		log_warn("control: refusing a client: %s%s", why, more);
}

static void on_accept(void *arg, int lfd)
{
	struct control *ctl = arg;
	int fd, slot;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		uid_t uid = peer_uid(fd);
		bool privileged = uid == 0 || uid == geteuid();
		uint64_t now = now_ms();
		struct ctl_client *c = calloc(1, sizeof(*c));

		if (!c) {
			refuse(ctl, fd, "out of memory");
			continue;
		}
		slot = take_slot(ctl, uid, privileged);
		*c = (struct ctl_client){ .fd = fd, .wout = -1, .ctl = ctl, .uid = uid,
					  .privileged = privileged, .since_ms = now,
					  .active_ms = now };
		c->win = slot < 0 ? -1 : evloop_watch(ctl->ev, fd, POLLIN, on_readable, c);
		if (c->win < 0) {
			free(c);
			refuse(ctl, fd, "no event watch left");
			continue;
		}
		ctl->cl[slot] = c;
	}
}

/* Why c should be dropped now (NULL: keep it): a slot is not for sitting on. */
static const char *client_stale(const struct ctl_client *c, uint64_t now)
{
	if (c->wout >= 0 && now - c->stall_ms >= STALL_MS)
		return "not reading its replies for 10 s"; /* monitors too */
	if (c->monitor)
		return NULL;
	if (c->partial_ms && now - c->partial_ms >= PARTIAL_MS)
		return "holding a partial message for 5 s";
	if (!c->spoke && now - c->since_ms >= SILENT_MS)
		return "10 s of silence";
	return NULL;
}

void control_tick(struct control *ctl)
{
	uint64_t now = now_ms();

	for (int i = 0; ctl && i < MAX_CLIENTS; i++) {
		struct ctl_client *c = ctl->cl[i];
		const char *why = c ? client_stale(c, now) : NULL;
		char more[64];

		if (!why)
			continue;
		if (mcr_ratelog_allow(&ctl->drop_log, more, sizeof(more)))
			log_info("control: dropping a client of uid %u after %s%s", (unsigned)c->uid,
				 why, more);
		if (c->inlen)
			partial_fail(c);
		client_finish(c);
	}
	if (ctl) {
		mcr_ratelog_flush(&ctl->room_log, LOG_WARNING, "control",
				  "clients closed to make room or refused");
		mcr_ratelog_flush(&ctl->drop_log, LOG_INFO, "control", "clients dropped");
	}
}

/* Connect to path: a live daemon answers, a stale socket refuses. */
static int path_in_use(const struct sockaddr_un *sa)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), r;

	if (fd < 0)
		return -errno;
	r = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	close(fd);
	if (!r)
		return 1;
	return errno == ECONNREFUSED || errno == ENOENT ? 0 : -errno;
}

/* 0: path is free or stale; -EADDRINUSE: a live daemon answers; -errno: cannot tell. */
static int path_check(const char *path, struct sockaddr_un *sa)
{
	int r;

	*sa = (struct sockaddr_un){ .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	snprintf(sa->sun_path, sizeof(sa->sun_path), "%s", path);
	r = path_in_use(sa);
	if (r > 0)
		return -EADDRINUSE;
	return r; /* < 0, e.g. EACCES: binding would misreport "in use" */
}

static void log_path_error(const char *path, int err)
{
	if (err == -EADDRINUSE)
		log_err("control socket %s is in use by a running mcrd", path);
	else
		log_err("control socket %s: %s", path, strerror(-err));
}

int control_check(const char *path)
{
	struct sockaddr_un sa;
	int err = path_check(path, &sa);

	if (err)
		log_path_error(path, err);
	return err;
}

static int listen_on(const char *path, int *out)
{
	struct sockaddr_un sa;
	int fd, r;

	if ((r = path_check(path, &sa)))
		return r;
	unlink(path); /* stale, or none: its daemon is gone */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(path, 0660) < 0 ||
	    listen(fd, MAX_CLIENTS) < 0) {
		r = -errno;
		close(fd);
		return r;
	}
	*out = fd;
	return 0;
}

/* The socket's directory (e.g. /run/mcrd) is made if missing. */
static void make_parent(const char *path)
{
	char dir[108];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		mkdir(dir, 0755);
	}
}

/* Members of the group may then use mcrctl without root. */
static int set_group(const char *path, const char *group)
{
	struct group *g = getgrnam(group);

	if (!g) {
		log_err("control socket: group \"%s\" not found", group);
		return -ENOENT;
	}
	if (chown(path, (uid_t)-1, g->gr_gid) < 0) {
		int err = -errno;

		log_err("control socket %s: cannot give it to group %s: %s", path, group,
			strerror(-err));
		return err;
	}
	return 0;
}

int control_open(struct control **out, const char *path, const char *group, struct evloop *ev,
		 const struct ctl_handler *table, void *arg)
{
	struct control *ctl = calloc(1, sizeof(*ctl));
	int err;

	if (!ctl)
		return -ENOMEM;
	*ctl = (struct control){ .lfd = -1, .ev = ev, .table = table, .arg = arg,
				 .room_log = MCR_RATELOG_INIT(LOG_EVERY_MS),
				 .drop_log = MCR_RATELOG_INIT(LOG_EVERY_MS) };
	snprintf(ctl->path, sizeof(ctl->path), "%s", path);
	make_parent(path);
	err = listen_on(path, &ctl->lfd);
	if (err) {
		log_path_error(path, err);
		free(ctl);
		return err;
	}
	if (group && (err = set_group(path, group))) {
		control_close(ctl);
		return err;
	}
	ctl->lwatch = evloop_watch(ev, ctl->lfd, POLLIN, on_accept, ctl);
	if (ctl->lwatch < 0) {
		control_close(ctl);
		return -ENOSPC;
	}
	*out = ctl;
	return 0;
}

void control_close(struct control *ctl)
{
	if (!ctl)
		return;
	for (int i = 0; i < MAX_CLIENTS; i++)
		if (ctl->cl[i])
			client_close(ctl->cl[i]);
	if (ctl->lfd >= 0) {
		close(ctl->lfd);
		unlink(ctl->path);
	}
	free(ctl);
}
