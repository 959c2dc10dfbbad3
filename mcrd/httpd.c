/* The metrics HTTP server on libmicrohttpd (httpd.h). */
#include "httpd.h"

#include <errno.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "expo.h"
#include "log.h"

struct conn {
	struct MHD_Connection *c;  /* NULL: slot free */
	int fd;
	int64_t since_ms;
	bool cut;                  /* shut down for its age */
};

struct httpd {
	struct MHD_Daemon *d;
	httpd_render_fn render;
	void *arg;
	struct conn conn[HTTPD_CONNS];
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* A connection came or went: kept in a table so that httpd_run can end it by age. */
static void on_conn(void *cls, struct MHD_Connection *c, void **ctx,
		    enum MHD_ConnectionNotificationCode toe)
{
	struct httpd *h = cls;
	struct conn *k = *ctx;

	if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
		if (k)
			k->c = NULL;
		*ctx = NULL;
		return;
	}
	for (k = h->conn; k < h->conn + HTTPD_CONNS && k->c; k++)
		;
	if (k == h->conn + HTTPD_CONNS)
		return; /* cannot happen: MHD admits at most HTTPD_CONNS */
	*k = (struct conn){ c, MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD)->connect_fd,
			    now_ms(), false };
	*ctx = k;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, char *body, size_t len,
			     enum MHD_ResponseMemoryMode mode, const char *type)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
	enum MHD_Result ret;

	if (!r) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONNECTION, "close");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result text(struct MHD_Connection *c, unsigned status, const char *msg)
{
	return reply(c, status, (char *)msg, strlen(msg), MHD_RESPMEM_PERSISTENT,
		     "text/plain; charset=utf-8");
}

static enum MHD_Result metrics(struct httpd *h, struct MHD_Connection *c)
{
	static char why[128];
	char *body = NULL;
	size_t len = 0;
	int err = h->render(h->arg, &body, &len);

	if (err == -EAGAIN)
		return text(c, MHD_HTTP_SERVICE_UNAVAILABLE, "mcrd: no metrics yet, try again\n");
	if (err) {
		log_warn("metrics: cannot render /metrics: %s", strerror(-err));
		snprintf(why, sizeof(why), "mcrd: cannot render the metrics: %s\n", strerror(-err));
		return text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, why);
	}
	return reply(c, MHD_HTTP_OK, body, len, MHD_RESPMEM_MUST_FREE, EXPO_CONTENT_TYPE);
}

/*
 * Answers at the first call, once the headers are in: a body a client may
 * send is never read (the connection closes after the reply).
 */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_len, void **req)
{
	(void)version, (void)upload, (void)upload_len, (void)req;
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "mcrd: only GET and HEAD\n");
	if (!strcmp(url, "/metrics"))
		return metrics(cls, c);
	if (!strcmp(url, "/"))
		return text(c, MHD_HTTP_OK, "mcrd: Prometheus metrics at /metrics\n");
	return text(c, MHD_HTTP_NOT_FOUND, "mcrd: not found; metrics are at /metrics\n");
}

/* MHD's own messages (malformed requests, limits reached): debug level. */
static void on_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void on_log(void *cls, const char *fmt, va_list ap)
{
	char msg[256];

	(void)cls;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = 0;
	log_debug("metrics: http: %s", msg);
}

int httpd_start(struct httpd **out, int lfd, httpd_render_fn fn, void *arg)
{
	struct httpd *h = calloc(1, sizeof(*h));
	unsigned flags = MHD_USE_EPOLL | MHD_USE_ERROR_LOG | (lfd < 0 ? MHD_USE_NO_LISTEN_SOCKET : 0);

	if (!h)
		return -ENOMEM;
	h->render = fn;
	h->arg = arg;
	{
		struct MHD_OptionItem opts[] = {
			{ MHD_OPTION_EXTERNAL_LOGGER, (intptr_t)on_log, h },
			{ MHD_OPTION_CONNECTION_LIMIT, HTTPD_CONNS, NULL },
			{ MHD_OPTION_PER_IP_CONNECTION_LIMIT, HTTPD_PER_IP, NULL },
			{ MHD_OPTION_CONNECTION_MEMORY_LIMIT, HTTPD_MEM, NULL },
			{ MHD_OPTION_CONNECTION_TIMEOUT, HTTPD_IDLE_S, NULL },
			{ MHD_OPTION_NOTIFY_CONNECTION, (intptr_t)on_conn, h },
			{ MHD_OPTION_SIGPIPE_HANDLED_BY_APP, 1, NULL },
			{ lfd < 0 ? MHD_OPTION_END : MHD_OPTION_LISTEN_SOCKET, lfd, NULL },
			{ MHD_OPTION_END, 0, NULL },
		};

		h->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, h, MHD_OPTION_ARRAY, opts,
					MHD_OPTION_END);
	}
	if (!h->d) {
		free(h);
		return -EINVAL;
	}
	*out = h;
	return 0;
}

int httpd_add(struct httpd *h, int fd, const struct sockaddr *sa, socklen_t len)
{
	return MHD_add_connection(h->d, fd, sa, len) == MHD_YES ? 0 : -ECONNREFUSED;
}

int httpd_fd(const struct httpd *h)
{
	const union MHD_DaemonInfo *i = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_EPOLL_FD);

	return i ? i->epoll_fd : -1;
}

int httpd_timeout_ms(struct httpd *h)
{
	MHD_UNSIGNED_LONG_LONG t;

	if (MHD_get_timeout(h->d, &t) != MHD_YES || t > 1000)
		return 1000; /* the age check runs at least once a second */
	return (int)t;
}

/* A connection past its life is shut down; MHD sees the end and closes it. */
static void cut_old(struct httpd *h)
{
	int64_t now = now_ms();

	for (struct conn *k = h->conn; k < h->conn + HTTPD_CONNS; k++)
		if (k->c && !k->cut && now - k->since_ms > HTTPD_LIFE_S * 1000LL) {
			shutdown(k->fd, SHUT_RDWR);
			k->cut = true;
			log_info("metrics: closed a connection open for more than %d s", HTTPD_LIFE_S);
		}
}

void httpd_run(struct httpd *h)
{
	MHD_run(h->d);
	cut_old(h);
}

void httpd_stop(struct httpd *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->d);
	free(h);
}
