/*
 * Transmit rings.  The socket is opened with protocol 0 and bound so it
 * receives nothing; PACKET_LOSS makes the kernel skip (not stall on) a
 * frame it refuses; the send buffer is raised above what the ring can
 * have in flight, so a kick is not refused for memory while slots are free.
 */
#include "txring.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#define FRAMES         512u
#define PAGE           4096u
#define ETH_HDR        14u
#define GSO_SNDBUF     (4 << 20)

void txring_geometry(unsigned mtu, struct txring_geom *g)
{
	unsigned need = (unsigned)TXRING_DATA_OFF + TXRING_VNET_LEN + ETH_HDR + mtu;
	unsigned frame = 2048;

	while (frame < need)
		frame *= 2;
	g->frame_size = frame;
	g->nframes = FRAMES;
}

static void tp_req(const struct txring_geom *g, struct tpacket_req *req)
{
	unsigned block = g->frame_size < PAGE ? PAGE : g->frame_size;
	unsigned per_block = block / g->frame_size;

	*req = (struct tpacket_req){
		.tp_block_size = block,
		.tp_block_nr = (g->nframes + per_block - 1) / per_block,
		.tp_frame_size = g->frame_size,
	};
	req->tp_frame_nr = req->tp_block_nr * per_block;
}

static int setopt(int fd, int level, int name, int val)
{
	return setsockopt(fd, level, name, &val, sizeof(val)) < 0 ? -errno : 0;
}

/* A packet socket on ifindex that receives nothing, virtio-net header on; a ring of req if any. */
static int tx_socket(int ifindex, int sndbuf, const struct tpacket_req *req)
{
	struct sockaddr_ll sll = { .sll_family = AF_PACKET, .sll_ifindex = ifindex };
	int fd, err;

	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (req && ((err = setopt(fd, SOL_PACKET, PACKET_VERSION, TPACKET_V2)) ||
		    (err = setopt(fd, SOL_PACKET, PACKET_LOSS, 1))))
		goto fail;
	if ((err = setopt(fd, SOL_PACKET, PACKET_VNET_HDR, 1)))
		goto fail;
	if (setopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, sndbuf))
		setopt(fd, SOL_SOCKET, SO_SNDBUF, sndbuf);
	if ((req && setsockopt(fd, SOL_PACKET, PACKET_TX_RING, req, sizeof(*req)) < 0) ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		err = -errno;
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return err;
}

int txring_open(int ifindex, const struct txring_geom *g)
{
	struct tpacket_req req;

	tp_req(g, &req);
	return tx_socket(ifindex, (int)(g->nframes * (g->frame_size + 1024)), /* with skb overhead */
			 &req);
}

int txring_gso_open(int ifindex)
{
	/* Room for a run per output on the interface before a send is refused. */
	return tx_socket(ifindex, GSO_SNDBUF, NULL);
}

int txring_map(struct txring **out, int fd, const struct txring_geom *g)
{
	struct tpacket_req req;
	struct txring *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	tp_req(g, &req);
	r->fd = fd;
	r->frame_size = req.tp_frame_size;
	r->block_size = req.tp_block_size;
	r->per_block = req.tp_block_size / req.tp_frame_size;
	r->nframes = req.tp_frame_nr;
	r->len = (size_t)req.tp_block_size * req.tp_block_nr;
	r->ipid = (uint16_t)random();
	r->gso_fd = -1;
	r->map = mmap(NULL, r->len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
	if (r->map == MAP_FAILED) {
		int err = -errno;

		free(r);
		return err;
	}
	*out = r;
	return 0;
}

void txring_free(struct txring *r)
{
	if (!r)
		return;
	munmap(r->map, r->len);
	close(r->fd);
	if (r->gso_fd >= 0)
		close(r->gso_fd);
	free(r);
}
