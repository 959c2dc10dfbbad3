/* Interface table (netlink-fed) with an ioctl fallback. */
#include "iface.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define IFACE_MAX 4096

struct iface {
	char name[IFNAMSIZ];
	struct iface_info info;
};

static struct iface table[IFACE_MAX];
static unsigned ntable;
static bool active;

static int ioctl_lookup(const char *name, struct iface_info *info)
{
	struct ifreq ifr;
	int fd, err = 0;

	if (strlen(name) >= IFNAMSIZ)
		return -ENODEV;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
	memset(info, 0, sizeof(*info));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0)
		goto fail;
	info->ifindex = ifr.ifr_ifindex;
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0)
		goto fail;
	info->flags = (unsigned short)ifr.ifr_flags;
	if (ioctl(fd, SIOCGIFMTU, &ifr) < 0)
		goto fail;
	info->mtu = (unsigned)ifr.ifr_mtu;
	close(fd);
	return 0;
fail:
	err = errno == ENXIO ? -ENODEV : -errno;
	close(fd);
	return err;
}

static struct iface *by_index(int ifindex)
{
	for (unsigned i = 0; i < ntable; i++)
		if (table[i].info.ifindex == ifindex)
			return &table[i];
	return NULL;
}

int iface_lookup(const char *name, struct iface_info *info)
{
	if (!active)
		return ioctl_lookup(name, info);
	for (unsigned i = 0; i < ntable; i++)
		if (!strcmp(table[i].name, name)) {
			*info = table[i].info;
			return 0;
		}
	return -ENODEV;
}

#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000
#endif

bool iface_has_carrier(const struct iface_info *info)
{
	return info->flags & (IFF_LOWER_UP | IFF_RUNNING);
}

void iface_table_begin(void)
{
	ntable = 0;
	active = true;
}

bool iface_table_active(void)
{
	return active;
}

void iface_table_set_link(int ifindex, const char *name, unsigned flags, unsigned mtu)
{
	struct iface *e = by_index(ifindex);

	if (!e) {
		if (ntable == IFACE_MAX)
			return;
		e = &table[ntable++];
		memset(e, 0, sizeof(*e));
		e->info.ifindex = ifindex;
		e->info.naddr_known = true;
	}
	snprintf(e->name, sizeof(e->name), "%s", name); /* also a rename */
	e->info.flags = flags;
	if (mtu)
		e->info.mtu = mtu;
}

void iface_table_del_link(int ifindex)
{
	struct iface *e = by_index(ifindex);

	if (e)
		*e = table[--ntable];
}

void iface_table_addr(int ifindex, struct in_addr a, bool add)
{
	struct iface *e = by_index(ifindex);
	struct iface_info *in;
	unsigned i;

	if (!e)
		return;
	in = &e->info;
	for (i = 0; i < in->naddr && in->addr[i].s_addr != a.s_addr; i++)
		;
	if (add && i == in->naddr && in->naddr < IFACE_MAX_ADDR)
		in->addr[in->naddr++] = a;
	else if (!add && i < in->naddr)
		in->addr[i] = in->addr[--in->naddr];
}

const char *iface_name(int ifindex)
{
	struct iface *e = by_index(ifindex);

	return e ? e->name : NULL;
}

unsigned iface_max_mtu(void)
{
	unsigned m = 1500;

	for (unsigned i = 0; i < ntable; i++)
		if (table[i].info.mtu > m)
			m = table[i].info.mtu;
	return m;
}
