/*
 * The parent's transmit ring sockets (txring.h): one per (output
 * interface, worker), shared by that worker's outputs there and counted,
 * so the ring lives exactly as long as an output uses it; each with its
 * companion socket for GSO frames (-1 when that could not be opened: the
 * ring alone serves).
 */
#ifndef MCRD_TXSOCKS_H
#define MCRD_TXSOCKS_H

#include <stdbool.h>

#include "txring.h"

struct txsocks;

/* Told of every socket opened (after) and closed (before), to pass it on. */
typedef void (*txsocks_open_fn)(void *arg, unsigned w, int fd, int gso_fd,
				const struct txring_geom *g);
typedef void (*txsocks_close_fn)(void *arg, unsigned w, int fd);

/* NULL on ENOMEM. */
struct txsocks *txsocks_new(void);
void txsocks_notify(struct txsocks *t, txsocks_open_fn on_open, txsocks_close_fn on_close,
		    void *arg);
/* Closes every socket, telling no one. */
void txsocks_free(struct txsocks *t);
/* Worker w's socket on ifindex, opened on first use; fd or -errno. */
int txsocks_get(struct txsocks *t, int ifindex, unsigned w, unsigned mtu);
/* Drops a reference; the last one closes the socket. */
void txsocks_put(struct txsocks *t, int fd);
/*
 * Worker w's sockets opened anew under the same fd numbers (for a restarted
 * worker: the old rings were left mid-lap), each reported opened again.
 */
void txsocks_renew(struct txsocks *t, unsigned w);

#endif
