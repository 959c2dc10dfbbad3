/*
 * Layer-2 egress: a TPACKET_V2 transmit ring on an AF_PACKET socket bound
 * to one output interface, one per (interface, worker).  The worker writes
 * whole frames (a virtio-net header, then Ethernet, IPv4, UDP and payload)
 * into the ring's free slots and marks them for sending; one send() with
 * no data ("kick") then hands every marked frame to the device.  No route
 * lookup, no UDP socket, no IP output per datagram; the kernel copies each
 * frame into an skb (frame.c says why) and frees the slot when that skb is
 * gone.
 *
 * The virtio-net header lets a frame ask for its UDP checksum to be
 * completed by the device (or by the kernel where the device cannot), as
 * a UDP socket's frames do: see frame.h for when that is allowed.
 */
#ifndef MCRD_TXRING_H
#define MCRD_TXRING_H

#include <linux/if_packet.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where the frame (its virtio-net header first) starts in a slot. */
#define TXRING_DATA_OFF TPACKET_ALIGN(sizeof(struct tpacket2_hdr))
#define TXRING_VNET_LEN 10u

struct txring_geom {
	uint32_t frame_size, nframes;
};

struct txring {
	int fd;
	uint8_t *map;
	size_t len;
	unsigned frame_size, per_block, block_size, nframes;
	unsigned head;          /* the next slot we fill */
	unsigned queued;        /* frames marked since the last kick was queued */
	bool kicking;           /* a kick is in flight */
	bool retry;             /* the last kick found no room: kick again later */
	bool dead;              /* removed by the parent: freed once no kick is in flight */
	int pfd;                /* the parent's fd: how its messages name the ring */
	unsigned idx;           /* its slot in the worker's table */
	uint16_t ipid;          /* IPv4 identification of the next frame */
	int gso_fd;             /* GSO frames: a packet socket without a ring; -1: none */
	struct txring *next_dirty; /* on the data path's list of rings to kick */
	bool dirty;
};

/* The ring's shape for an interface MTU: 512 frames of a slot size that holds it. */
void txring_geometry(unsigned mtu, struct txring_geom *g);
/*
 * Parent: an AF_PACKET socket on ifindex that receives nothing, with a
 * transmit ring of shape g and the virtio-net header on, through the
 * device's qdisc (PACKET_QDISC_BYPASS measured mixed: doc/datapath.md 5a).
 * Returns the fd or -errno.
 */
int txring_open(int ifindex, const struct txring_geom *g);
/*
 * Parent: the ring's companion for GSO frames (frame_build_gso), which do
 * not fit a slot: a packet socket on ifindex without a ring, receiving
 * nothing, virtio-net header on.  Returns the fd or -errno.
 */
int txring_gso_open(int ifindex);
/* Worker: maps the ring of fd (which it now owns).  0 or -errno. */
int txring_map(struct txring **r, int fd, const struct txring_geom *g);
void txring_free(struct txring *r);

static inline struct tpacket2_hdr *txring_frame(const struct txring *r, unsigned i)
{
	return (struct tpacket2_hdr *)(void *)(r->map + (size_t)(i / r->per_block) * r->block_size +
					      (size_t)(i % r->per_block) * r->frame_size);
}

/* The data area of the next free slot, or NULL when the ring is full. */
static inline uint8_t *txring_slot(const struct txring *r)
{
	struct tpacket2_hdr *h = txring_frame(r, r->head);

	if (__atomic_load_n(&h->tp_status, __ATOMIC_ACQUIRE) != TP_STATUS_AVAILABLE)
		return NULL;
	return (uint8_t *)h + TXRING_DATA_OFF;
}

/* Marks the slot txring_slot() gave, now holding len bytes, for sending. */
static inline void txring_commit(struct txring *r, unsigned len)
{
	struct tpacket2_hdr *h = txring_frame(r, r->head);

	h->tp_len = len;
	__atomic_store_n(&h->tp_status, TP_STATUS_SEND_REQUEST, __ATOMIC_RELEASE);
	r->head = r->head + 1 == r->nframes ? 0 : r->head + 1;
	r->queued++;
}

/*
 * Whether the kernel has yet to take the last frame committed.  It takes
 * them in order, so when it has taken that one it has taken all.
 */
static inline bool txring_unsent(const struct txring *r)
{
	unsigned last = r->head ? r->head - 1 : r->nframes - 1;

	return __atomic_load_n(&txring_frame(r, last)->tp_status, __ATOMIC_ACQUIRE) ==
	       TP_STATUS_SEND_REQUEST;
}

/* Largest frame (virtio-net header included) a slot holds. */
static inline unsigned txring_max_len(const struct txring *r)
{
	return r->frame_size - (unsigned)TXRING_DATA_OFF;
}

#endif
