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

#define LOWER_DEPTH 4 /* vlan over macvlan over ...: enough for any real stack */

struct iface {
	char name[IFNAMSIZ];
	struct iface_info info;
	enum iface_kind kind;
	int lower;        /* IFLA_LINK in this namespace, 0: none */
	unsigned nprimary; /* addr[0..nprimary) are primary */
};

struct table {
	unsigned n;
	struct iface e[IFACE_MAX];
};

/*
 * Two tables: lookups read `live`; a dump fills `next`, which replaces
 * `live` only once the dump completed, so a failed dump changes nothing.
 * `cur` is where netlink writes: `live` for events, `next` during a dump.
 */
static struct table tables[2];
static struct table *live = &tables[0], *cur = &tables[0];
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
	info->virt = true;
	close(fd);
	return 0;
fail:
	err = errno == ENXIO ? -ENODEV : -errno;
	close(fd);
	return err;
}

static struct iface *by_index(struct table *t, int ifindex)
{
	for (unsigned i = 0; i < t->n; i++)
		if (t->e[i].info.ifindex == ifindex)
			return &t->e[i];
	return NULL;
}

/* Whether e hands frames on in software: through its stack of lower devices. */
static bool is_virtual(struct table *t, const struct iface *e)
{
	for (int depth = 0; e && depth < LOWER_DEPTH; depth++) {
		if (e->info.flags & IFF_LOOPBACK)
			return true;
		switch (e->kind) {
		case IFK_PHYS:
		case IFK_AGGREGATE:
			return false;
		case IFK_VIRTUAL:
			return true;
		case IFK_STACKED:
			e = e->lower ? by_index(t, e->lower) : NULL;
			break;
		}
	}
	return true; /* lower device unknown (another namespace) or too deep */
}

int iface_lookup(const char *name, struct iface_info *info)
{
	if (!active)
		return ioctl_lookup(name, info);
	for (unsigned i = 0; i < live->n; i++)
		if (!strcmp(live->e[i].name, name)) {
			*info = live->e[i].info;
			info->virt = is_virtual(live, &live->e[i]);
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
	cur = live == &tables[0] ? &tables[1] : &tables[0];
	cur->n = 0;
}

void iface_table_commit(void)
{
	if (cur == live)
		return;
	live = cur;
	active = true;
}

void iface_table_abort(void)
{
	cur = live;
}

bool iface_table_active(void)
{
	return active;
}

void iface_table_set_link(int ifindex, const char *name, unsigned flags, unsigned mtu, bool virt)
{
	struct iface *e = by_index(cur, ifindex);

	if (!e) {
		if (cur->n == IFACE_MAX)
			return;
		e = &cur->e[cur->n++];
		memset(e, 0, sizeof(*e));
		e->info.ifindex = ifindex;
		e->info.naddr_known = true;
	}
	snprintf(e->name, sizeof(e->name), "%s", name); /* also a rename */
	e->info.flags = flags;
	e->info.virt = virt || (flags & IFF_LOOPBACK);
	e->kind = virt ? IFK_VIRTUAL : IFK_PHYS;
	if (mtu)
		e->info.mtu = mtu;
}

void iface_table_set_hw(int ifindex, unsigned short type, const uint8_t *mac, int lower,
			enum iface_kind kind)
{
	struct iface *e = by_index(cur, ifindex);

	if (!e)
		return;
	e->info.type = type;
	e->info.has_mac = mac != NULL;
	if (mac)
		memcpy(e->info.mac, mac, sizeof(e->info.mac));
	e->lower = lower;
	e->kind = kind;
}

void iface_table_del_link(int ifindex)
{
	struct iface *e = by_index(cur, ifindex);

	if (e)
		*e = cur->e[--cur->n];
}

/* Keeps the order: primaries first, each group in the order announced. */
void iface_table_addr(int ifindex, struct in_addr a, bool add, bool secondary)
{
	struct iface *e = by_index(cur, ifindex);
	struct iface_info *in;
	unsigned i;

	if (!e)
		return;
	in = &e->info;
	for (i = 0; i < in->naddr && in->addr[i].s_addr != a.s_addr; i++)
		;
	if (!add && i < in->naddr) {
		if (i < e->nprimary)
			e->nprimary--;
		memmove(&in->addr[i], &in->addr[i + 1], (--in->naddr - i) * sizeof(a));
	} else if (add && i == in->naddr && in->naddr < IFACE_MAX_ADDR) {
		i = secondary ? in->naddr : e->nprimary++;
		memmove(&in->addr[i + 1], &in->addr[i], (in->naddr++ - i) * sizeof(a));
		in->addr[i] = a;
	}
}

void iface_table_addr6(int ifindex, const struct in6_addr *a, bool add)
{
	struct iface *e = by_index(cur, ifindex);
	struct iface_info *in;
	unsigned i;

	if (!e)
		return;
	in = &e->info;
	for (i = 0; i < in->naddr6 && memcmp(&in->addr6[i], a, sizeof(*a)); i++)
		;
	if (!add && i < in->naddr6)
		memmove(&in->addr6[i], &in->addr6[i + 1], (--in->naddr6 - i) * sizeof(*a));
	else if (add && i == in->naddr6 && in->naddr6 < IFACE_MAX_ADDR)
		in->addr6[in->naddr6++] = *a;
}

const char *iface_name(int ifindex)
{
	struct iface *e = by_index(live, ifindex);

	return e ? e->name : NULL;
}

unsigned iface_max_mtu(void)
{
	unsigned m = 1500;

	/* Not the loopback's 64 KiB: every receive ring slot would be that big. */
	for (unsigned i = 0; i < live->n; i++)
		if (live->e[i].info.mtu > m && !(live->e[i].info.flags & IFF_LOOPBACK))
			m = live->e[i].info.mtu;
	return m;
}
