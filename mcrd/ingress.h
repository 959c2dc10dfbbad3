/* AF_PACKET ingress sockets: one per input interface, kernel-filtered. */
#ifndef MCRD_INGRESS_H
#define MCRD_INGRESS_H

#include <stddef.h>

#include "filter.h"
#include "rxring.h"

/*
 * Opens an AF_PACKET socket on ifindex that receives only what the filter
 * built from keys accepts, never our own transmissions, into a receive
 * ring of the given size (rxring.h).  Returns the fd or -errno.  *exact tells whether the kernel filter matches ports exactly.
 */
int ingress_open(int ifindex, const struct filter_key *keys, size_t n, int *exact,
		 struct rxring_size sz);
/* Replaces the filter of an open socket; 0 or -errno. */
int ingress_set_filter(int fd, const struct filter_key *keys, size_t n, int *exact);
/* Frames the kernel dropped since the last call (ring full); 0 on error. */
unsigned ingress_kernel_drops(int fd);

#endif
