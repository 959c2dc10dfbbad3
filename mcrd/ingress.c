/*
 * Ingress sockets.  The socket is created with protocol 0 so it receives
 * nothing until the filter and the receive ring are in place and it is
 * bound to ETH_P_IP on the interface: no window in which unfiltered
 * traffic is queued, and no frame ever waits outside the ring.  While a
 * rule on the interface is IPv6 the socket is bound to ETH_P_ALL instead
 * (the filter still passes only what the rules want): an IPv4-only input
 * keeps the narrower hook.
 */
#include "ingress.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"
#include "rxring.h"

#ifndef PACKET_IGNORE_OUTGOING
#define PACKET_IGNORE_OUTGOING 23
#endif

static int attach(int fd, struct sock_fprog *prog)
{
	int err = 0;

	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, prog, sizeof(*prog)) < 0)
		err = -errno;
	free(prog->filter);
	return err;
}

static bool any_ipv6(const struct filter_key *keys, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (mcr_addr_is6(keys[i].group))
			return true;
	return false;
}

/* fd (bound to an interface already, or not yet: then nothing) onto protocol proto. */
static int rebind(int fd, uint16_t proto)
{
	struct sockaddr_ll sll;
	socklen_t len = sizeof(sll);

	if (getsockname(fd, (struct sockaddr *)&sll, &len) < 0)
		return -errno;
	if (!sll.sll_ifindex || sll.sll_protocol == htons(proto))
		return 0;
	sll.sll_protocol = htons(proto);
	return bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0 ? -errno : 0;
}

int ingress_set_filter(int fd, const struct filter_key *keys, size_t n, int *exact)
{
	struct sock_fprog prog;
	bool six = any_ipv6(keys, n);
	int err = filter_build(keys, n, &prog, exact);

	if (err)
		return err;
	err = attach(fd, &prog);
	/*
	 * The kernel charges a filter to net.core.optmem_max (20 KiB before
	 * Linux 6.9, so about 20 groups): past it, pass all multicast and let
	 * the rule table do the filtering instead of relaying nothing.
	 */
	if (err == -ENOMEM && *exact) {
		*exact = 0;
		err = filter_build_coarse(&prog, six);
		if (!err)
			err = attach(fd, &prog);
	}
	return err ? err : rebind(fd, six ? ETH_P_ALL : ETH_P_IP);
}

int ingress_open(int ifindex, const struct filter_key *keys, size_t n, int *exact,
		 struct rxring_size sz)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(any_ipv6(keys, n) ? ETH_P_ALL : ETH_P_IP),
		.sll_ifindex = ifindex,
	};
	int one = 1, fd, err;

	fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	err = ingress_set_filter(fd, keys, n, exact);
	if (err)
		goto fail;
	if (setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one)) < 0) {
		err = -errno;
		goto fail;
	}
	err = rxring_setup(fd, sz);
	if (err)
		goto fail;
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll)) < 0) {
		err = -errno;
		goto fail;
	}
	return fd;
fail:
	close(fd);
	return err;
}

unsigned ingress_kernel_drops(int fd)
{
	struct tpacket_stats st;
	socklen_t len = sizeof(st);

	/* V1 and V2 share this layout.  Reading resets them: each call is a delta. */
	if (getsockopt(fd, SOL_PACKET, PACKET_STATISTICS, &st, &len) < 0)
		return 0;
	return st.tp_drops;
}
