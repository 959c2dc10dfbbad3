/* Interface queries by ioctl; the live table driven by netlink builds on this. */
#include "iface.h"

#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

int iface_lookup(const char *name, struct iface_info *info)
{
	struct ifreq ifr;
	int fd, err = 0;

	if (strlen(name) >= IFNAMSIZ)
		return -ENODEV;
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&ifr, 0, sizeof(ifr));
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
