/*
 * Offload features of a network device, as `ethtool -k` shows them, read
 * with the SIOCETHTOOL ioctl (no capability needed).
 */
#ifndef MCRD_DEVFEAT_H
#define MCRD_DEVFEAT_H

/*
 * Whether device name takes UDP GSO itself (tx-udp-segmentation on: it
 * passes a GSO frame on whole, or segments it in hardware): 1, 0 when it
 * does not (the kernel cuts such a frame into datagrams before handing it
 * over), or -errno when that cannot be told.
 */
int devfeat_udp_seg(const char *name);

#endif
