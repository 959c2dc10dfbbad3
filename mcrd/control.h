/*
 * The control socket's transport: a Unix stream socket carrying the
 * messages of lib/ctl.h.  It accepts clients, frames and checks their
 * messages, bounds their buffers and their idle time, and hands each
 * well-formed request to the handler its type names in a dispatch table
 * (requests.c).  Non-blocking throughout: a slow client costs only its own
 * bounded buffers and is dropped when they overflow; a silent one is
 * dropped by control_tick().  Its client slots are shared by peer uid
 * (slots.h), so a new client always gets one.
 */
#ifndef MCRD_CONTROL_H
#define MCRD_CONTROL_H

#include <stddef.h>
#include <stdint.h>

#include "ctl.h"
#include "errlist.h"
#include "evloop.h"

struct control;
struct ctl_client;

typedef void (*ctl_handler_fn)(void *arg, struct ctl_client *c, const struct nlmsghdr *nlh);

/* One entry per request type; the table ends with type 0. */
struct ctl_handler {
	uint16_t type;
	ctl_handler_fn fn;
};

/*
 * Creates the socket at path (mode 0660, group `group` when not NULL) and
 * serves it from ev, dispatching requests through table with arg.  A
 * stale socket from a dead daemon is replaced; one a live daemon answers
 * on is refused (-EADDRINUSE).
 */
int control_open(struct control **c, const char *path, const char *group, struct evloop *ev,
		 const struct ctl_handler *table, void *arg);
/*
 * Whether control_open(path) would be refused, checked before anything
 * else starts: 0 (no socket, or a stale one), -EADDRINUSE (a live daemon
 * answers) or -errno (it cannot be judged), logged.
 */
int control_check(const char *path);
/* Closes every client and removes the socket file. */
void control_close(struct control *c);
/*
 * Once a second: drops a non-monitor client that has held a partial message
 * for 5 s (with an error reply) or has sent nothing for 10 s since connecting,
 * and any client whose pending replies or events have not moved for 10 s;
 * logs the count of the lines a flood of clients had held back.
 */
void control_tick(struct control *c);

/* For handlers: replies to the client whose request is being handled. */

/* Starts a message of at most size bytes in c's output; NULL: over its limit. */
struct nlmsghdr *ctl_msg_begin(struct ctl_client *c, size_t size, uint16_t type, uint32_t seq);
void ctl_msg_commit(struct ctl_client *c, const struct nlmsghdr *nlh);
/* The DONE reply with status and one message (fmt NULL: none).  0 or -EMSGSIZE. */
int ctl_done(struct ctl_client *c, uint32_t seq, int status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The DONE reply with every problem of el as a message. */
int ctl_done_errlist(struct ctl_client *c, uint32_t seq, int status, const struct mcr_errlist *el);
/* Closes c once its request is handled (it cannot keep up, or broke the protocol). */
void ctl_client_drop(struct ctl_client *c);
/* c now only listens: it gets what ctl_broadcast() sends, and never times out. */
void ctl_client_monitor(struct ctl_client *c);

/* Builds one message into c; non-zero drops that client. */
typedef int (*ctl_put_fn)(struct ctl_client *c, void *arg);
/* Every monitoring client gets the message fn builds, flushed at once. */
void ctl_broadcast(struct control *ctl, ctl_put_fn fn, void *arg);

#endif
