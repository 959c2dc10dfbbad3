/*
 * Egress UDP sockets, one per output interface, shared by every output
 * there; the destination, TTL and TOS are given per send.
 */
#ifndef MCRD_EGRESS_H
#define MCRD_EGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct egress;

/* Whether a socket may send UDP GSO runs, as egress_get is asked. */
enum egress_gso {
	EGRESS_GSO_NO,
	EGRESS_GSO_YES,
	EGRESS_GSO_DEVICE, /* yes unless the device takes UDP GSO itself (devfeat.h) */
};

/*
 * Told of every socket opened and (before) closed, e.g. to pass it on;
 * gso: the socket may send UDP GSO runs (see egress_get).
 */
typedef void (*egress_fn)(void *arg, int fd, bool gso);

struct egress *egress_new(egress_fn on_open, egress_fn on_close, void *arg);
/* Calls fn for every open socket. */
void egress_foreach(const struct egress *e, egress_fn fn, void *arg);
void egress_free(struct egress *e);
/*
 * The socket for (dev, ifindex), opened on first use; fd or -errno.  gso
 * is decided (the device asked, for EGRESS_GSO_DEVICE) and recorded when
 * it opens: whether workers may send it GSO runs.
 */
int egress_get(struct egress *e, const char *dev, int ifindex, enum egress_gso gso, int family);
/* Closes the sockets of an interface that went away. */
void egress_forget_ifindex(struct egress *e, int ifindex);
size_t egress_sockets(const struct egress *e);
/* The local port (network order) an egress socket sends from; 0 if unknown. */
uint16_t egress_port(int fd);

#endif
