/*
 * The interface table: name, index, flags, operational state, MTU and IPv4
 * and IPv6 addresses of every interface, kept current from netlink (netlink.c).
 * Before netlink fills it (and in unit tests) lookups ask the kernel by ioctl.
 */
#ifndef MCRD_IFACE_H
#define MCRD_IFACE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#define IFACE_MAX_ADDR 8

/* How a device made by software sends (for GSO: see iface_info.virt). */
enum iface_kind {
	IFK_PHYS,          /* no link kind: a NIC */
	IFK_STACKED,       /* vlan, macvlan, ipvlan: sends through its lower device (IFLA_LINK) */
	IFK_AGGREGATE,     /* bond, team: sends through its (physical) ports */
	IFK_VIRTUAL,       /* veth, bridge, vxlan, dummy, tun, ...: hands frames on in software */
};

struct iface_info {
	int ifindex;
	unsigned flags;    /* IFF_* */
	unsigned mtu;
	unsigned short type; /* ARPHRD_*; 0 when unknown (ioctl) */
	bool has_mac;
	uint8_t mac[6];    /* an Ethernet device's address */
	/*
	 * Frames sent there are handed on in software (veth, bridge, the
	 * loopback, or a vlan/macvlan over one of those), so they may reach
	 * local captures unsegmented; a vlan or macvlan over a NIC, or a bond,
	 * is not.  Unknown (ioctl) counts as virtual.
	 */
	bool virt;
	bool naddr_known;  /* addresses are known (table), not just the interface (ioctl) */
	unsigned naddr;
	struct in_addr addr[IFACE_MAX_ADDR]; /* primary addresses first */
	unsigned naddr6;
	/* Usable ones (DAD done: netlink.c), in the order they became so. */
	struct in6_addr addr6[IFACE_MAX_ADDR];
};

/* 0, or -ENODEV when the interface does not exist, or another -errno. */
int iface_lookup(const char *name, struct iface_info *info);
/*
 * Carrier: IFF_LOWER_UP is current in every link message, while IFF_RUNNING
 * follows the operational state, which the kernel updates up to a second
 * late (linkwatch).
 */
bool iface_has_carrier(const struct iface_info *info);
/* The table, driven by netlink. */
/*
 * A full dump fills a fresh table between begin and commit (which swaps it
 * in) or abort (which drops it: the old table stays).  Events in between
 * would go to the fresh table too; netlink.c reads none during a dump.
 */
void iface_table_begin(void);
void iface_table_commit(void);
void iface_table_abort(void);
void iface_table_set_link(int ifindex, const char *name, unsigned flags, unsigned mtu, bool virt);
void iface_table_del_link(int ifindex);
/* The link-layer facts of a link set_link just announced. */
void iface_table_set_hw(int ifindex, unsigned short type, const uint8_t *mac, int lower,
			enum iface_kind kind);
void iface_table_addr(int ifindex, struct in_addr a, bool add, bool secondary);
/*
 * An IPv6 address of ifindex became usable or stopped being so (removed,
 * or tentative: netlink.c decides); the first IFACE_MAX_ADDR kept.
 */
void iface_table_addr6(int ifindex, const struct in6_addr *a, bool add);
bool iface_table_active(void);
/* The largest MTU of any interface but the loopback (at least 1500): sizes receive rings. */
unsigned iface_max_mtu(void);
/* Name of the interface with ifindex, or NULL. */
const char *iface_name(int ifindex);

#endif
