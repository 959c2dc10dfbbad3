/*
 * An output's state in the plan: which egress it sends through, or why it
 * waits.  Every sending output holds its interface's UDP egress socket;
 * one that sends at layer 2 also holds its worker's transmit ring there
 * (the socket stays for datagrams too large for the ring or the MTU).
 */
#include "plan.h"

#include <net/if_arp.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "iface.h"
#include "log.h"

#define SYS(c, op, ...) ((c)->sys->op((c)->sys_arg, __VA_ARGS__))

/*
 * GSO runs leave a NIC as separate datagrams (the NIC or the kernel
 * segments them before the wire); a device that hands frames on in
 * software (veth, bridge, loopback, or a vlan over one) hands a run on
 * whole, which captures there (tcpdump, another mcrd's AF_PACKET input)
 * see as one oversized frame, unless it does not take UDP GSO
 * (tx-udp-segmentation off): then the kernel cuts the run into datagrams
 * before the device gets them.  Hence "auto" (iface_info.virt; the device
 * is asked when the output's socket opens: egress.c).
 */
static enum egress_gso use_gso(const struct plan_config *c, const struct iface_info *ii)
{
	if (c->gso != MCR_GSO_AUTO)
		return c->gso == MCR_GSO_ON ? EGRESS_GSO_YES : EGRESS_GSO_NO;
	return ii->virt ? EGRESS_GSO_DEVICE : EGRESS_GSO_YES;
}

/* Why output o cannot send now, or NULL with its egress socket in *fd. */
static const char *output_state(const struct plan_config *c, const struct plan_rule *rr,
				const struct plan_output *o, struct iface_info *ii, int *fd)
{
	if (iface_lookup(o->cfg->dev, ii))
		return "interface not found";
	if (!(ii->flags & IFF_UP))
		return "interface down";
	if (!iface_has_carrier(ii))
		return "no carrier";
	/*
	 * An output sends from its interface's own address of the group's
	 * family; without one the kernel would take another interface's.  Not
	 * every interface has an IPv6 link-local one: none during DAD, with
	 * addrgenmode none or disable_ipv6.
	 */
	if (ii->naddr_known && !o->cfg->keep_source) {
		if (!mcr_addr_is6(o->cfg->group) && !ii->naddr)
			return "no IPv4 address";
		if (mcr_addr_is6(o->cfg->group) && !ii->naddr6)
			return "no IPv6 address";
	}
	if (!plan_output_wanted(c, rr, o, ii))
		return plan_no_listeners;
	*fd = SYS(c, egress_get, o->cfg->dev, ii->ifindex, use_gso(c, ii), o->cfg->group.family);
	return *fd < 0 ? "socket failed" : NULL;
}

/*
 * Why o cannot send through a transmit ring on ii, or NULL.  The frame
 * builder keeps the datagram's family, so an output of the other family
 * than its input's (4 -> 6, 6 -> 4) takes its socket.  An output without
 * an address to send from never gets here (output_state).
 */
static const char *l2_unusable(const struct mcr_output *cfg, int in_family,
			       const struct iface_info *ii)
{
	if (cfg->egress == MCR_EGRESS_SOCKET)
		return "egress socket";
	if ((ii->flags & IFF_LOOPBACK) || ii->type != ARPHRD_ETHER || !ii->has_mac)
		return "egress packet: not an Ethernet interface";
	if (!mcr_addr_is_multicast(cfg->group))
		return "egress packet: not a multicast group";
	if (cfg->group.family != in_family)
		return "egress packet: not across families";
	return NULL;
}

/*
 * The source of an IPv6 output's frames, as the kernel would pick it for
 * the group (RFC 6724, rule 2): a link-local address for a link-local
 * group, a wider one for the others, else what there is.
 */
static struct in6_addr source6(const struct iface_info *ii, struct mcr_addr group)
{
	bool link = mcr_addr_mc_scope(group) <= 2;

	for (unsigned i = 0; i < ii->naddr6; i++)
		if (!!IN6_IS_ADDR_LINKLOCAL(&ii->addr6[i]) == link)
			return ii->addr6[i];
	return ii->naddr6 ? ii->addr6[0] : in6addr_any;
}

/*
 * The transmit ring for o (in *txfd, with what its frames carry in *l2),
 * -1 for socket egress, or why an output that must send at layer 2 waits:
 * one set to egress "packet", or one that keeps the datagram's source
 * (which a UDP socket cannot).
 */
static const char *l2_state(const struct plan_config *c, const struct plan_rule *rr,
			    const struct plan_output *o, const struct iface_info *ii, int fd,
			    int *txfd, struct plan_l2 *l2)
{
	const char *why = l2_unusable(o->cfg, rr->cfg.in.group.family, ii);

	bool must = o->cfg->egress == MCR_EGRESS_PACKET || o->cfg->keep_source;

	*txfd = -1;
	if (why)
		return must ? why : NULL;
	*txfd = SYS(c, tx_get, ii->ifindex, o->worker, ii->mtu);
	if (*txfd < 0) {
		if (must)
			return "egress packet: transmit ring failed";
		log_warn("rule \"%s\": output dev %s: no transmit ring (%s); sending through "
			 "a UDP socket", rr->cfg.name, o->cfg->dev, strerror(-*txfd));
		*txfd = -1;
		return NULL;
	}
	memcpy(l2->mac, ii->mac, sizeof(l2->mac));
	l2->saddr = ii->naddr ? ii->addr[0] : (struct in_addr){ 0 };
	if (mcr_addr_is6(o->cfg->group))
		l2->saddr6 = source6(ii, o->cfg->group);
	l2->sport = SYS(c, egress_port, fd);
	l2->mtu = (uint16_t)(ii->mtu > 65535 ? 65535 : ii->mtu);
	return NULL;
}

static bool l2_equal(const struct plan_l2 *a, const struct plan_l2 *b)
{
	return !memcmp(a->mac, b->mac, sizeof(a->mac)) && a->saddr.s_addr == b->saddr.s_addr &&
	       !memcmp(&a->saddr6, &b->saddr6, sizeof(a->saddr6)) && a->sport == b->sport &&
	       a->mtu == b->mtu;
}

void plan_output_release(const struct plan_config *c, struct plan_output *o)
{
	if (o->txfd >= 0)
		SYS(c, tx_put, o->txfd);
	o->txfd = -1;
}

static void log_change(const struct plan_rule *rr, const struct plan_output *o, const char *was)
{
	if (o->why == plan_no_listeners && o->why != was)
		log_info("rule \"%s\": output dev %s: no listeners; this output waits",
			 rr->cfg.name, o->cfg->dev);
	else if (o->why && o->why != was)
		log_warn("rule \"%s\": output dev %s: %s; this output waits", rr->cfg.name,
			 o->cfg->dev, o->why);
	else if (!o->why && was)
		log_notice("rule \"%s\": output dev %s is sending (%s)", rr->cfg.name, o->cfg->dev,
			   o->txfd >= 0 ? "packet" : "socket");
}

/*
 * An output sends when its interface exists, is up with carrier and has an
 * address (or keeps the datagram's).  The caller tells the worker when
 * what it holds changed (returns true).
 */
static bool refresh(const struct plan_config *c, struct plan_rule *rr, struct plan_output *o)
{
	const char *was = o->why;
	int wasfd = o->fd, wastx = o->txfd, fd = -1, txfd = -1;
	struct plan_l2 l2 = { 0 }, wasl2 = o->l2;
	struct iface_info ii = { 0 };

	o->why = output_state(c, rr, o, &ii, &fd);
	if (!o->why)
		o->why = l2_state(c, rr, o, &ii, fd, &txfd, &l2);
	if (o->txfd >= 0)
		SYS(c, tx_put, o->txfd); /* after the get: a ring kept is not reopened */
	o->fd = o->why ? -1 : fd;
	o->txfd = o->why ? -1 : txfd;
	if (o->why && txfd >= 0)
		SYS(c, tx_put, txfd);
	o->l2 = o->txfd >= 0 ? l2 : (struct plan_l2){ 0 };
	if (!o->why)
		o->ifindex = ii.ifindex;
	log_change(rr, o, was);
	return o->fd != wasfd || o->txfd != wastx || !l2_equal(&o->l2, &wasl2);
}

void plan_output_refresh(const struct plan_config *c, struct plan_rule *rr, unsigned i)
{
	if (refresh(c, rr, &rr->out[i]) && rr->attached)
		c->ops->output_set(c->ops_arg, rr, i);
}

/*
 * Whether a datagram must have its UDP checksum checked first is the
 * rule's, not a worker's: the owner counts what is dropped, and every
 * serving worker must drop the same datagrams.
 */
void plan_rule_flags(const struct plan_config *c, struct plan_rule *rr)
{
	bool verify = false;

	for (unsigned i = 0; i < rr->cfg.nout; i++)
		verify |= rr->out[i].fd >= 0 && rr->out[i].txfd < 0;
	if (verify == rr->verify)
		return;
	rr->verify = verify;
	if (rr->attached)
		c->ops->rule_flags(c->ops_arg, rr);
}
