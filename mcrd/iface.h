/*
 * The interface table: name, index, flags, operational state, MTU and IPv4
 * addresses of every interface, kept current from netlink (netlink.c).
 * Before netlink fills it (and in unit tests) lookups ask the kernel by ioctl.
 */
#ifndef MCRD_IFACE_H
#define MCRD_IFACE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#define IFACE_MAX_ADDR 8

struct iface_info {
	int ifindex;
	unsigned flags;    /* IFF_* */
	unsigned mtu;
	/*
	 * Created by software (a link kind such as veth, bridge, vlan, or the
	 * loopback): frames sent there may reach local captures unsegmented.
	 * Unknown (ioctl) counts as virtual.
	 */
	bool virt;
	bool naddr_known;  /* addresses are known (table), not just the interface (ioctl) */
	unsigned naddr;
	struct in_addr addr[IFACE_MAX_ADDR];
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
void iface_table_addr(int ifindex, struct in_addr a, bool add);
bool iface_table_active(void);
/* The largest MTU of any interface but the loopback (at least 1500): sizes receive rings. */
unsigned iface_max_mtu(void);
/* Name of the interface with ifindex, or NULL. */
const char *iface_name(int ifindex);

#endif
