/*
 * The TPACKET_V2 receive ring of an ingress socket.  The kernel copies each
 * frame that passes the socket's filter into a slot of a ring it shares
 * with the worker, and wakes the socket once per frame.  The worker reads
 * frames in place (no system call, no copy, no completion per packet),
 * sends straight out of the slot, and hands the slot back when the last
 * send that points into it has completed.
 *
 * Frames are filled and read in ring order, so the next frame to read is
 * always the one at head.  A slot that is still held when the kernel comes
 * round to it again makes the kernel drop the frame (PACKET_STATISTICS
 * tp_drops, counted as socket_queue): nothing queues without bound.
 */
#ifndef MCRD_RXRING_H
#define MCRD_RXRING_H

#include <linux/if_packet.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rxring {
	uint8_t *map;
	size_t len;
	unsigned frame_size, per_block, block_size, nframes;
	unsigned head;      /* the next frame the kernel fills and we read */
	unsigned held;      /* frames read and not yet handed back */
	bool dead;          /* its input is gone: unmapped once nothing is held */
	struct rxring *next_dead;
	uint16_t *refs;     /* per frame: the batch's hold plus sends in flight */
};

/*
 * What sizes a receive ring: the largest MTU (a slot holds a whole frame)
 * and the ring's memory (rx_ring_mib in mcrd.conf).  Both ends compute the
 * same geometry from it, as the kernel does not report a ring's shape.
 */
struct rxring_size {
	unsigned mtu;
	unsigned mib;
};

/* The ring's shape, from both ends. */
void rxring_geometry(struct rxring_size sz, struct tpacket_req *req);
/* Parent, before bind: TPACKET_V2 and the ring on fd.  0 or -errno. */
int rxring_setup(int fd, struct rxring_size sz);
/* Worker: maps the ring rxring_setup() put on fd.  0 or -errno. */
int rxring_map(struct rxring **r, int fd, struct rxring_size sz);
void rxring_free(struct rxring *r);

static inline struct tpacket2_hdr *rxring_frame(const struct rxring *r, unsigned i)
{
	return (struct tpacket2_hdr *)(void *)(r->map + (size_t)(i / r->per_block) * r->block_size +
					      (size_t)(i % r->per_block) * r->frame_size);
}

/* The frame at head, if the kernel has filled it; else NULL. */
static inline struct tpacket2_hdr *rxring_next(const struct rxring *r)
{
	struct tpacket2_hdr *h = rxring_frame(r, r->head);

	/* A held head frame is the whole ring still in use, not a new one. */
	if (r->refs[r->head] || !(__atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER))
		return NULL;
	return h;
}

/* Moves past the frame at head; the caller holds it with a reference. */
static inline unsigned rxring_take(struct rxring *r)
{
	unsigned i = r->head;

	r->refs[i]++;
	r->held++;
	r->head = i + 1 == r->nframes ? 0 : i + 1;
	return i;
}

/* Drops a reference to frame i; the last one hands the slot back. */
void rxring_put(struct rxring *r, unsigned i);

#endif
