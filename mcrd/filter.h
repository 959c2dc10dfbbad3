/*
 * Classic BPF for an ingress socket: accept only IPv4 UDP to the rules'
 * (group, port) pairs, plus any fragment to those groups so that fragments
 * are counted rather than silently lost.
 */
#ifndef MCRD_FILTER_H
#define MCRD_FILTER_H

#include <linux/filter.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

struct filter_key {
	struct in_addr group;
	uint16_t port; /* host order */
};

/*
 * Builds the program into prog (prog->filter is malloc'ed; free it).  When
 * the exact program would exceed the kernel's limits it falls back to "IPv4
 * to any multicast group" and *exact is set to 0.  0 or -ENOMEM.
 */
int filter_build(const struct filter_key *keys, size_t n, struct sock_fprog *prog, int *exact);
/* The fallback program alone: IPv4 to any multicast group.  0 or -ENOMEM. */
int filter_build_coarse(struct sock_fprog *prog);

#endif
