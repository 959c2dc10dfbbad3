/*
 * TPACKET_V2 rather than V3: a V3 ring hands frames over a block at a
 * time, when the block is full or its retire timer (1 ms at best) fires,
 * so at the low rates of most feeds every packet would wait for the timer.
 * A V2 ring wakes per frame, and under load the worker reads many frames
 * per wake-up all the same.  doc/ingress-measurement.md has the numbers.
 */
#include "rxring.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/socket.h>

#define MIN_FRAMES  1024u
#define BLOCK_MIN   (64u << 10)
/*
 * The kernel puts the network header at TPACKET_ALIGN(TPACKET2_HDRLEN + 16)
 * = 80 bytes into the slot, so the MAC header (14 bytes, 18 with a VLAN
 * tag) starts before it: 80 + MTU bytes hold any frame of the link.
 */
#define SLOT_HEAD   80u

void rxring_geometry(struct rxring_size sz, struct tpacket_req *req)
{
	unsigned frame = (SLOT_HEAD + sz.mtu + 63) & ~63u;
	unsigned block, per_block, nblocks;

	if (frame < 2048)
		frame = 2048;
	for (block = BLOCK_MIN; block < frame; block *= 2)
		;
	per_block = block / frame;
	nblocks = (unsigned)(((uint64_t)sz.mib << 20) / block);
	if (nblocks * per_block < MIN_FRAMES)
		nblocks = (MIN_FRAMES + per_block - 1) / per_block;
	*req = (struct tpacket_req){
		.tp_block_size = block,
		.tp_block_nr = nblocks,
		.tp_frame_size = frame,
		.tp_frame_nr = nblocks * per_block,
	};
}

int rxring_setup(int fd, struct rxring_size sz)
{
	int v = TPACKET_V2;
	struct tpacket_req req;

	rxring_geometry(sz, &req);
	if (setsockopt(fd, SOL_PACKET, PACKET_VERSION, &v, sizeof(v)) < 0 ||
	    setsockopt(fd, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) < 0)
		return -errno;
	return 0;
}

int rxring_map(struct rxring **out, int fd, struct rxring_size sz)
{
	struct tpacket_req req;
	struct rxring *r;
	int err;

	rxring_geometry(sz, &req);
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->frame_size = req.tp_frame_size;
	r->block_size = req.tp_block_size;
	r->per_block = req.tp_block_size / req.tp_frame_size;
	r->nframes = req.tp_frame_nr;
	r->len = (size_t)req.tp_block_size * req.tp_block_nr;
	r->refs = calloc(r->nframes, sizeof(*r->refs));
	r->map = mmap(NULL, r->len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
	err = r->map == MAP_FAILED ? -errno : r->refs ? 0 : -ENOMEM;
	if (r->map == MAP_FAILED)
		r->map = NULL;
	if (err) {
		rxring_free(r);
		return err;
	}
	*out = r;
	return 0;
}

void rxring_free(struct rxring *r)
{
	if (!r)
		return;
	if (r->map)
		munmap(r->map, r->len);
	free(r->refs);
	free(r);
}

void rxring_put(struct rxring *r, unsigned i)
{
	if (--r->refs[i])
		return;
	__atomic_store_n(&rxring_frame(r, i)->tp_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
	r->held--;
}
