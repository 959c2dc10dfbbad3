/* Looking up an interface by name: index, flags, MTU. */
#ifndef MCRD_IFACE_H
#define MCRD_IFACE_H

struct iface_info {
	int ifindex;
	unsigned flags; /* IFF_* */
	unsigned mtu;
};

/* 0, or -ENODEV when the interface does not exist, or another -errno. */
int iface_lookup(const char *name, struct iface_info *info);

#endif
