/*
 * Classic BPF for an ingress socket: accept only UDP to the rules' (group,
 * port) pairs, plus any fragment to those groups so that fragments are
 * counted rather than silently lost.  IPv6 likewise, and a packet to an IPv6
 * group whose first header is an extension header is accepted whole: the
 * parser walks the chain and counts what it finds wrong.
 */
#ifndef MCRD_FILTER_H
#define MCRD_FILTER_H

#include <linux/filter.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

struct filter_key {
	struct mcr_addr group; /* IPv4 or IPv6 */
	uint16_t port;         /* host order */
};

/*
 * Builds the program into prog (prog->filter is malloc'ed; free it).  When
 * the exact program would exceed the kernel's limits it falls back to "IPv4
 * to any multicast group" and *exact is set to 0.  0 or -ENOMEM.
 */
int filter_build(const struct filter_key *keys, size_t n, struct sock_fprog *prog, int *exact);
/*
 * The fallback program alone: IPv4 to any multicast group, and with with6
 * IPv6 to any (as filter_build's own fallback does when a key is IPv6).
 * 0 or -ENOMEM.
 */
int filter_build_coarse(struct sock_fprog *prog, bool with6);

#endif
