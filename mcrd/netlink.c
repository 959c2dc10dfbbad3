/* Netlink with libmnl: validate every attribute before reading it. */
#include "netlink.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "iface.h"
#include "log.h"

#define NL_RCVBUF (4 << 20)
#define NL_BUF    32768 /* a multiple of the page size, as netlink dumps expect */
#define NL_DUMP_TRIES 3 /* a dump interrupted by changes (NLM_F_DUMP_INTR) is retried */
/*
 * Draining after an overrun is bounded, so that a storm that never pauses
 * cannot stall us, but by bytes: a read takes one event of a few hundred
 * bytes, not NL_BUF, and the queue may hold twice NL_RCVBUF of them.
 */
#define NL_DRAIN_BYTES (4 * (size_t)NL_RCVBUF)

struct netlink {
	struct mnl_socket *sock;
	unsigned overruns;
	bool stale; /* the last resync failed: the table may miss changes */
};

struct link_attrs {
	const struct nlattr *name, *mtu, *linkinfo, *address, *link;
	bool foreign;
};

static int link_attr_cb(const struct nlattr *a, void *data)
{
	struct link_attrs *la = data;

	switch (mnl_attr_get_type(a)) {
	case IFLA_IFNAME:
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0 ||
		    mnl_attr_get_payload_len(a) > IFNAMSIZ)
			return MNL_CB_ERROR;
		la->name = a;
		break;
	case IFLA_MTU:
		if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		la->mtu = a;
		break;
	case IFLA_LINKINFO:
		if (mnl_attr_validate(a, MNL_TYPE_NESTED) < 0)
			return MNL_CB_ERROR;
		la->linkinfo = a;
		break;
	case IFLA_ADDRESS:
		if (mnl_attr_validate(a, MNL_TYPE_BINARY) < 0)
			return MNL_CB_ERROR;
		la->address = a;
		break;
	case IFLA_LINK:
		if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		la->link = a;
		break;
	case IFLA_LINK_NETNSID: /* the lower device is in another namespace: not ours */
		la->link = NULL;
		la->foreign = true;
		break;
	}
	return MNL_CB_OK;
}

/* The link kind (veth, bridge, vlan, ...) of a device made by software. */
static enum iface_kind link_kind(const struct nlattr *linkinfo)
{
	static const char *const stacked[] = { "vlan", "macvlan", "macvtap", "ipvlan", "ipvtap" };
	static const char *const aggregate[] = { "bond", "team" };
	const struct nlattr *a;

	if (!linkinfo)
		return IFK_PHYS;
	mnl_attr_for_each_nested(a, linkinfo) {
		const char *k;

		if (mnl_attr_get_type(a) != IFLA_INFO_KIND)
			continue;
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
			return IFK_VIRTUAL;
		k = mnl_attr_get_str(a);
		for (size_t i = 0; i < sizeof(stacked) / sizeof(stacked[0]); i++)
			if (!strcmp(k, stacked[i]))
				return IFK_STACKED;
		for (size_t i = 0; i < sizeof(aggregate) / sizeof(aggregate[0]); i++)
			if (!strcmp(k, aggregate[i]))
				return IFK_AGGREGATE;
		return IFK_VIRTUAL;
	}
	return IFK_PHYS;
}

static int on_link(const struct nlmsghdr *nlh)
{
	const struct ifinfomsg *ifi;
	struct link_attrs la = { 0 };
	const uint8_t *mac;
	enum iface_kind kind;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
		return 0;
	ifi = mnl_nlmsg_get_payload(nlh);
	if (ifi->ifi_index <= 0)
		return 0;
	if (nlh->nlmsg_type == RTM_DELLINK) {
		iface_table_del_link(ifi->ifi_index);
		return 1;
	}
	if (mnl_attr_parse(nlh, sizeof(*ifi), link_attr_cb, &la) != MNL_CB_OK || !la.name)
		return 0;
	kind = link_kind(la.linkinfo);
	iface_table_set_link(ifi->ifi_index, mnl_attr_get_str(la.name), ifi->ifi_flags,
			     la.mtu ? mnl_attr_get_u32(la.mtu) : 0, kind != IFK_PHYS);
	mac = la.address && mnl_attr_get_payload_len(la.address) == 6 ? mnl_attr_get_payload(la.address)
								       : NULL;
	iface_table_set_hw(ifi->ifi_index, ifi->ifi_type, mac,
			   la.link && !la.foreign ? (int)mnl_attr_get_u32(la.link) : 0, kind);
	return 1;
}

struct addr_tb {
	const struct nlattr *tb[IFA_MAX + 1];
	size_t size; /* of the family's address */
};

static int addr_attr_cb(const struct nlattr *a, void *data)
{
	struct addr_tb *x = data;
	int t = mnl_attr_get_type(a);

	if (t == IFA_LOCAL || t == IFA_ADDRESS) {
		if (mnl_attr_validate2(a, MNL_TYPE_BINARY, x->size) < 0)
			return MNL_CB_ERROR;
		x->tb[t] = a;
	} else if (t == IFA_FLAGS) {
		if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
			return MNL_CB_ERROR;
		x->tb[t] = a;
	}
	return MNL_CB_OK;
}

/*
 * An IPv6 address is ours to use once Duplicate Address Detection let it
 * be: one still tentative or whose DAD failed is recorded as absent (the
 * kernel announces it again, RTM_NEWADDR without IFA_F_TENTATIVE, when DAD
 * completes).  An optimistic one (RFC 4429) is usable, as the kernel's own
 * source selection takes it.  IFA_FLAGS carries all 32 bits; ifa_flags
 * only the low 8, where these flags are.
 */
static bool addr6_usable(const struct ifaddrmsg *ifa, const struct nlattr *flags)
{
	uint32_t f = flags ? mnl_attr_get_u32(flags) : ifa->ifa_flags;

	if (f & IFA_F_DADFAILED)
		return false;
	return !(f & IFA_F_TENTATIVE) || (f & IFA_F_OPTIMISTIC);
}

static int on_addr(const struct nlmsghdr *nlh)
{
	struct addr_tb x = { .size = sizeof(struct in_addr) };
	const struct ifaddrmsg *ifa;
	const struct nlattr *a;
	struct in_addr in;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifa))
		return 0;
	ifa = mnl_nlmsg_get_payload(nlh);
	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return 0;
	if (ifa->ifa_family == AF_INET6)
		x.size = sizeof(struct in6_addr);
	if (mnl_attr_parse(nlh, sizeof(*ifa), addr_attr_cb, &x) != MNL_CB_OK)
		return 0;
	/* IFA_LOCAL is the interface's own address on point-to-point links. */
	a = x.tb[IFA_LOCAL] ? x.tb[IFA_LOCAL] : x.tb[IFA_ADDRESS];
	if (!a)
		return 0;
	if (ifa->ifa_family == AF_INET6) {
		iface_table_addr6((int)ifa->ifa_index, mnl_attr_get_payload(a),
				  nlh->nlmsg_type == RTM_NEWADDR && addr6_usable(ifa, x.tb[IFA_FLAGS]));
		return 1;
	}
	memcpy(&in, mnl_attr_get_payload(a), sizeof(in));
	iface_table_addr((int)ifa->ifa_index, in, nlh->nlmsg_type == RTM_NEWADDR,
			 ifa->ifa_flags & IFA_F_SECONDARY);
	return 1;
}

/*
 * Does the message at nlh fit in the n bytes left?  mnl_nlmsg_ok() is not
 * enough: it compares (int)nlmsg_len <= n, so a length of 2^31 or more is
 * negative there and passes (mnl_nlmsg_next() then jumps far outside the
 * buffer); and libmnl walks attributes up to the message's aligned end, up
 * to 3 bytes past an unaligned nlmsg_len at the end of the buffer.
 */
static bool msg_fits(const struct nlmsghdr *nlh, int n)
{
	return mnl_nlmsg_ok(nlh, n) && ((uint64_t)nlh->nlmsg_len + 3) / 4 * 4 <= (uint64_t)n;
}

int netlink_apply(const void *buf, size_t len)
{
	const struct nlmsghdr *nlh = buf;
	int n = (int)len, applied = 0;

	if (len > INT32_MAX)
		return -EINVAL;
	while (msg_fits(nlh, n)) {
		switch (nlh->nlmsg_type) {
		case RTM_NEWLINK:
		case RTM_DELLINK:
			applied |= on_link(nlh);
			break;
		case RTM_NEWADDR:
		case RTM_DELADDR:
			applied |= on_addr(nlh);
			break;
		}
		nlh = mnl_nlmsg_next(nlh, &n);
	}
	/* Bytes left over that do not form a message: the framing is broken. */
	return n == 0 || applied ? applied : -EINVAL;
}

/* One dump request on a private socket, every reply applied. */
static int dump(struct mnl_socket *s, uint16_t type, uint8_t family)
{
	static char buf[NL_BUF];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtgenmsg *g;
	unsigned seq = (unsigned)time(NULL), portid = mnl_socket_get_portid(s);
	ssize_t n;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->rtgen_family = family;
	if (mnl_socket_sendto(s, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	while ((n = mnl_socket_recvfrom(s, buf, sizeof(buf))) > 0) {
		int r;

		netlink_apply(buf, (size_t)n);
		r = mnl_cb_run(buf, (size_t)n, seq, portid, NULL, NULL);
		if (r == MNL_CB_STOP)
			return 0;
		if (r < 0)
			return -errno;
	}
	return n < 0 ? -errno : 0;
}

/* One dump of links then addresses into a fresh table, swapped in if complete. */
static int resync_once(struct mnl_socket *s)
{
	int err;

	iface_table_begin();
	err = dump(s, RTM_GETLINK, AF_PACKET);
	if (!err)
		err = dump(s, RTM_GETADDR, AF_INET);
	if (!err)
		err = dump(s, RTM_GETADDR, AF_INET6);
	if (err)
		iface_table_abort();
	else
		iface_table_commit();
	return err;
}

int netlink_resync(void)
{
	int err = -EINTR;

	for (int i = 0; i < NL_DUMP_TRIES && err == -EINTR; i++) {
		/* A fresh socket per try: an interrupted dump may leave replies queued. */
		struct mnl_socket *s = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);

		if (!s)
			return -errno;
		if (mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) < 0)
			err = -errno;
		else
			err = resync_once(s);
		mnl_socket_close(s);
		if (err == -EINTR)
			log_info("netlink: dump interrupted by changes (try %d of %d)", i + 1,
				 NL_DUMP_TRIES);
	}
	return err;
}

int netlink_open(struct netlink **out)
{
	struct netlink *nl = calloc(1, sizeof(*nl));
	int sz = NL_RCVBUF, err;

	if (!nl)
		return -ENOMEM;
	nl->sock = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (!nl->sock) {
		err = -errno;
		free(nl);
		return err;
	}
	if (setsockopt(mnl_socket_get_fd(nl->sock), SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
		setsockopt(mnl_socket_get_fd(nl->sock), SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	/* Subscribe before dumping, so no change falls between the two. */
	if (mnl_socket_bind(nl->sock, RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR,
			    MNL_SOCKET_AUTOPID) < 0 ||
	    (errno = -netlink_resync()) != 0) {
		err = -errno;
		netlink_close(nl);
		return err;
	}
	*out = nl;
	return 0;
}

void netlink_close(struct netlink *nl)
{
	if (!nl)
		return;
	mnl_socket_close(nl->sock);
	free(nl);
}

int netlink_fd(const struct netlink *nl)
{
	return mnl_socket_get_fd(nl->sock);
}

/*
 * Discards the queued events: they are older than the dump that follows,
 * and replaying them on top of it would undo newer state (an address's
 * tentative announcement replayed over a dump that saw it usable would
 * remove it for good when its DAD completion was among the events lost).
 */
static void drain(struct netlink *nl, char *buf)
{
	for (size_t bytes = 0; bytes < NL_DRAIN_BYTES;) {
		ssize_t n = mnl_socket_recvfrom(nl->sock, buf, NL_BUF);

		if ((n < 0 && errno != ENOBUFS) || n == 0)
			break; /* EAGAIN: empty */
		bytes += n < 0 ? NL_BUF : (size_t)n; /* a further overrun counts too */
	}
}

/* 1 when the table was replaced, 0 when the old one stays (retried later). */
static int resync(struct netlink *nl)
{
	int err = netlink_resync();

	if (err) {
		if (!nl->stale)
			log_err("netlink: resync failed: %s; keeping the old interface table, "
				"retrying every second", strerror(-err));
		nl->stale = true;
		return 0;
	}
	if (nl->stale)
		log_notice("netlink: resync succeeded, interface table current");
	nl->stale = false;
	return 1;
}

int netlink_read(struct netlink *nl)
{
	static char buf[NL_BUF];
	int changed = 0;

	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl->sock, buf, sizeof(buf));

		if (n > 0) {
			changed |= netlink_apply(buf, (size_t)n) > 0;
			continue;
		}
		if (n < 0 && errno == ENOBUFS) {
			/* Events were lost: the table can only be trusted after a new dump. */
			nl->overruns++;
			log_warn("netlink: event overrun (%u so far), resynchronising", nl->overruns);
			drain(nl, buf);
			nl->stale = true;
			break; /* events that arrive from now on are newer than the dump */
		}
		break; /* EAGAIN: drained */
	}
	if (nl->stale)
		changed |= resync(nl);
	return changed;
}

int netlink_retry(struct netlink *nl)
{
	return nl->stale ? resync(nl) : 0;
}
