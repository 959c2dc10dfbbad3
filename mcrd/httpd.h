/*
 * The metrics process's HTTP server: libmicrohttpd in external-loop mode
 * (epoll), answering GET and HEAD of /metrics (and a pointer to it at /),
 * 404 anything else and 405 any other method.  Every resource a client
 * can take is bounded: connections in all and per address, memory per
 * connection (which bounds the request line and headers), idle time, and
 * the whole life of a connection (one request each: Connection: close),
 * so that neither a slow nor a malformed client can hold it for long.
 */
#ifndef MCRD_HTTPD_H
#define MCRD_HTTPD_H

#include <stddef.h>
#include <sys/socket.h>

#define HTTPD_CONNS    32          /* connections at once */
#define HTTPD_PER_IP   8           /* ... from one address */
#define HTTPD_MEM      (16u << 10) /* memory per connection: request line and headers fit in it */
#define HTTPD_IDLE_S   10          /* a connection silent this long is closed */
#define HTTPD_LIFE_S   30          /* and none lives longer */

struct httpd;

/*
 * The body of GET /metrics: a malloc'd buffer in *body (*len bytes, freed
 * by the server), or -errno (-EAGAIN: nothing to show yet, 503; any other:
 * 500 with strerror).
 */
typedef int (*httpd_render_fn)(void *arg, char **body, size_t *len);

/* Serves the listening socket lfd (-1: only connections given to httpd_add). 0 or -errno. */
int httpd_start(struct httpd **h, int lfd, httpd_render_fn fn, void *arg);
/* Hands it a connected socket (the fuzz harness does).  0 or -errno. */
int httpd_add(struct httpd *h, int fd, const struct sockaddr *sa, socklen_t len);
/* The fd to poll for POLLIN before each httpd_run(). */
int httpd_fd(const struct httpd *h);
/* How long the caller may wait before the next httpd_run(), in ms (at most 1000). */
int httpd_timeout_ms(struct httpd *h);
/* Does whatever is ready; closes connections past their life. */
void httpd_run(struct httpd *h);
void httpd_stop(struct httpd *h);

#endif
