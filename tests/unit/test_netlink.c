/* netlink_apply on crafted rtnetlink messages, and the dump table swap. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <sys/socket.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "../../mcrd/iface.h"
#include "../../mcrd/netlink.h"

static char buf[8192];

/* An empty, active table before each test. */
static int fresh_table(void **state)
{
	(void)state;
	iface_table_begin();
	iface_table_commit();
	return 0;
}

static struct nlmsghdr *put_link(void *at, uint16_t type, int ifindex, const char *name,
				 unsigned flags, unsigned mtu)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(at);
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = type;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	ifi->ifi_flags = flags;
	if (name)
		mnl_attr_put_strz(nlh, IFLA_IFNAME, name);
	if (mtu)
		mnl_attr_put_u32(nlh, IFLA_MTU, mtu);
	return nlh;
}

static struct nlmsghdr *put_addr(void *at, uint16_t type, int ifindex, const char *ip)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(at);
	struct ifaddrmsg *ifa;
	struct in6_addr a; /* or an in_addr */
	bool v6 = strchr(ip, ':');

	nlh->nlmsg_type = type;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = v6 ? AF_INET6 : AF_INET;
	ifa->ifa_prefixlen = v6 ? 64 : 24;
	ifa->ifa_index = (unsigned)ifindex;
	inet_pton(ifa->ifa_family, ip, &a);
	mnl_attr_put(nlh, v6 ? IFA_ADDRESS : IFA_LOCAL, v6 ? 16 : 4, &a);
	return nlh;
}

static int apply(const struct nlmsghdr *nlh)
{
	return netlink_apply(nlh, nlh->nlmsg_len);
}

static int link_up(int ifindex, const char *name, unsigned mtu)
{
	return apply(put_link(buf, RTM_NEWLINK, ifindex, name, IFF_UP | IFF_LOWER_UP, mtu));
}

static void test_add(void **state)
{
	struct iface_info ii;

	(void)state;
	assert_int_equal(link_up(7, "eth7", 9000), 1);
	assert_int_equal(iface_lookup("eth7", &ii), 0);
	assert_int_equal(ii.ifindex, 7);
	assert_true(ii.flags & IFF_UP);
	assert_true(iface_has_carrier(&ii));
	assert_int_equal(ii.mtu, 9000);
	assert_int_equal(ii.naddr, 0);
	assert_string_equal(iface_name(7), "eth7");
	assert_int_equal(iface_max_mtu(), 9000);
	assert_int_equal(iface_lookup("eth8", &ii), -ENODEV);
}

/* A link kind (IFLA_LINKINFO/IFLA_INFO_KIND) or the loopback flag: virtual. */
static void test_virtual(void **state)
{
	struct iface_info ii;
	struct nlmsghdr *nlh;
	struct nlattr *li;

	(void)state;
	assert_int_equal(link_up(2, "eth0", 1500), 1);
	assert_int_equal(iface_lookup("eth0", &ii), 0);
	assert_false(ii.virt);

	nlh = put_link(buf, RTM_NEWLINK, 3, "veth0", IFF_UP, 1500);
	li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "veth");
	mnl_attr_nest_end(nlh, li);
	assert_int_equal(apply(nlh), 1);
	assert_int_equal(iface_lookup("veth0", &ii), 0);
	assert_true(ii.virt);

	/* Link info without a kind does not make it virtual. */
	nlh = put_link(buf, RTM_NEWLINK, 4, "eth1", IFF_UP, 1500);
	li = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_nest_end(nlh, li);
	assert_int_equal(apply(nlh), 1);
	assert_int_equal(iface_lookup("eth1", &ii), 0);
	assert_false(ii.virt);

	assert_int_equal(apply(put_link(buf, RTM_NEWLINK, 1, "lo", IFF_UP | IFF_LOOPBACK, 65536)), 1);
	assert_int_equal(iface_lookup("lo", &ii), 0);
	assert_true(ii.virt);

	/* A link info that is not nested is refused, the entry unchanged. */
	nlh = put_link(buf, RTM_NEWLINK, 2, "eth0", IFF_UP, 1500);
	mnl_attr_put_u8(nlh, IFLA_LINKINFO, 1);
	apply(nlh);
	assert_int_equal(iface_lookup("eth0", &ii), 0);
	assert_false(ii.virt);
}

static void test_down(void **state)
{
	struct iface_info ii;

	(void)state;
	link_up(3, "v0", 1500);
	assert_int_equal(apply(put_link(buf, RTM_NEWLINK, 3, "v0", 0, 1500)), 1);
	assert_int_equal(iface_lookup("v0", &ii), 0);
	assert_false(ii.flags & IFF_UP);
	assert_false(iface_has_carrier(&ii));
}

static void test_rename(void **state)
{
	struct iface_info ii;

	(void)state;
	link_up(4, "old", 1500);
	apply(put_addr(buf, RTM_NEWADDR, 4, "198.18.0.1"));
	assert_int_equal(link_up(4, "new", 1500), 1);
	assert_int_equal(iface_lookup("old", &ii), -ENODEV);
	assert_int_equal(iface_lookup("new", &ii), 0);
	assert_int_equal(ii.ifindex, 4);
	assert_int_equal(ii.naddr, 1); /* a rename keeps the addresses */
	assert_string_equal(iface_name(4), "new");
}

static void test_delete_recreate(void **state)
{
	struct iface_info ii;

	(void)state;
	link_up(10, "r-in", 1500);
	apply(put_addr(buf, RTM_NEWADDR, 10, "198.18.1.2"));
	assert_int_equal(apply(put_link(buf, RTM_DELLINK, 10, "r-in", 0, 0)), 1);
	assert_int_equal(iface_lookup("r-in", &ii), -ENODEV);
	assert_null(iface_name(10));
	assert_int_equal(link_up(11, "r-in", 1500), 1);
	assert_int_equal(iface_lookup("r-in", &ii), 0);
	assert_int_equal(ii.ifindex, 11);
	assert_int_equal(ii.naddr, 0); /* the old interface's address went with it */
}

static void test_addr(void **state)
{
	struct iface_info ii;
	struct in_addr b;

	(void)state;
	inet_pton(AF_INET, "198.18.3.1", &b);
	link_up(5, "r-out", 1500);
	assert_int_equal(apply(put_addr(buf, RTM_NEWADDR, 5, "198.18.2.1")), 1);
	apply(put_addr(buf, RTM_NEWADDR, 5, "198.18.3.1"));
	apply(put_addr(buf, RTM_NEWADDR, 5, "198.18.3.1")); /* a repeat adds nothing */
	iface_lookup("r-out", &ii);
	assert_int_equal(ii.naddr, 2);
	assert_int_equal(apply(put_addr(buf, RTM_DELADDR, 5, "198.18.2.1")), 1);
	iface_lookup("r-out", &ii);
	assert_int_equal(ii.naddr, 1);
	assert_int_equal(ii.addr[0].s_addr, b.s_addr);
	apply(put_addr(buf, RTM_DELADDR, 5, "198.18.3.1"));
	iface_lookup("r-out", &ii);
	assert_int_equal(ii.naddr, 0);
}

/* IPv6 addresses are tracked apart (link show); they make no IPv4 address. */
static void test_addr6(void **state)
{
	struct iface_info ii;
	struct in6_addr b;

	(void)state;
	inet_pton(AF_INET6, "2001:db8::1", &b);
	link_up(5, "r-out", 1500);
	assert_int_equal(apply(put_addr(buf, RTM_NEWADDR, 5, "fe80::1")), 1);
	assert_int_equal(apply(put_addr(buf, RTM_NEWADDR, 5, "2001:db8::1")), 1);
	apply(put_addr(buf, RTM_NEWADDR, 5, "2001:db8::1"));
	iface_lookup("r-out", &ii);
	assert_int_equal(ii.naddr6, 2);
	assert_int_equal(ii.naddr, 0);
	assert_int_equal(apply(put_addr(buf, RTM_DELADDR, 5, "fe80::1")), 1);
	iface_lookup("r-out", &ii);
	assert_int_equal(ii.naddr6, 1);
	assert_memory_equal(&ii.addr6[0], &b, 16);
	/* An IPv6 message with a 4-byte address is refused. */
	{
		struct nlmsghdr *nlh = put_addr(buf, RTM_NEWADDR, 5, "10.0.0.1");

		((struct ifaddrmsg *)mnl_nlmsg_get_payload(nlh))->ifa_family = AF_INET6;
		assert_int_equal(apply(nlh), 0);
	}
	iface_lookup("r-out", &ii);
	assert_int_equal(ii.naddr6, 1);
	assert_int_equal(ii.naddr, 0);
}

/* An IPv6 address message with ifa_flags f8 and, unless ~0u, IFA_FLAGS f32. */
static struct nlmsghdr *put_addr6(uint16_t type, int ifindex, const char *ip, uint8_t f8,
				  uint32_t f32)
{
	struct nlmsghdr *nlh = put_addr(buf, type, ifindex, ip);

	((struct ifaddrmsg *)mnl_nlmsg_get_payload(nlh))->ifa_flags = f8;
	if (f32 != ~0u)
		mnl_attr_put_u32(nlh, IFA_FLAGS, f32);
	return nlh;
}

static unsigned naddr6(const char *dev)
{
	struct iface_info ii;

	assert_int_equal(iface_lookup(dev, &ii), 0);
	return ii.naddr6;
}

/*
 * An IPv6 address is recorded once DAD let it be usable: tentative or
 * DAD-failed is absent (the kernel announces it again when DAD completes),
 * optimistic usable; IFA_FLAGS, when there, is the one read.
 */
static void test_addr6_dad(void **state)
{
	struct iface_info ii;
	struct in6_addr ll;

	(void)state;
	inet_pton(AF_INET6, "fe80::1", &ll);
	link_up(5, "r-out", 1500);
	assert_int_equal(apply(put_addr6(RTM_NEWADDR, 5, "fe80::1", IFA_F_TENTATIVE | IFA_F_PERMANENT,
					 IFA_F_TENTATIVE | IFA_F_PERMANENT)), 1);
	assert_int_equal(naddr6("r-out"), 0);
	/* DAD completed: announced again without the flag. */
	assert_int_equal(apply(put_addr6(RTM_NEWADDR, 5, "fe80::1", IFA_F_PERMANENT, IFA_F_PERMANENT)),
			 1);
	iface_lookup("r-out", &ii);
	assert_int_equal(ii.naddr6, 1);
	assert_memory_equal(&ii.addr6[0], &ll, 16);
	/* Only the 8-bit field (no IFA_FLAGS, kernels before 3.14): read there. */
	apply(put_addr6(RTM_NEWADDR, 5, "2001:db8::1", IFA_F_TENTATIVE, ~0u));
	assert_int_equal(naddr6("r-out"), 1);
	apply(put_addr6(RTM_NEWADDR, 5, "2001:db8::1", 0, ~0u));
	assert_int_equal(naddr6("r-out"), 2);
	/* DAD failed on an address recorded as usable: it goes. */
	apply(put_addr6(RTM_NEWADDR, 5, "2001:db8::1", IFA_F_TENTATIVE | IFA_F_DADFAILED,
			IFA_F_TENTATIVE | IFA_F_DADFAILED));
	assert_int_equal(naddr6("r-out"), 1);
	apply(put_addr6(RTM_NEWADDR, 5, "2001:db8::2", IFA_F_DADFAILED, IFA_F_DADFAILED));
	assert_int_equal(naddr6("r-out"), 1);
	/* IFA_FLAGS says tentative though the 8-bit field does not: IFA_FLAGS wins. */
	apply(put_addr6(RTM_NEWADDR, 5, "2001:db8::3", 0, IFA_F_TENTATIVE | IFA_F_NOPREFIXROUTE));
	assert_int_equal(naddr6("r-out"), 1);
	/* and the reverse, with flags above the 8 bits. */
	apply(put_addr6(RTM_NEWADDR, 5, "2001:db8::3", IFA_F_TENTATIVE, IFA_F_NOPREFIXROUTE));
	assert_int_equal(naddr6("r-out"), 2);
	/* Optimistic DAD (RFC 4429): usable while tentative, as the kernel uses it. */
	apply(put_addr6(RTM_NEWADDR, 5, "2001:db8::4", IFA_F_TENTATIVE | IFA_F_OPTIMISTIC,
			IFA_F_TENTATIVE | IFA_F_OPTIMISTIC));
	assert_int_equal(naddr6("r-out"), 3);
	/* An IFA_FLAGS that is not 32 bits: the message is refused, nothing changes. */
	{
		struct nlmsghdr *nlh = put_addr(buf, RTM_NEWADDR, 5, "2001:db8::5");

		mnl_attr_put_u8(nlh, IFA_FLAGS, 0);
		assert_int_equal(apply(nlh), 0);
	}
	assert_int_equal(naddr6("r-out"), 3);
	/* A tentative one removed (RTM_DELADDR) and a dump: tentative ones are not taken. */
	apply(put_addr6(RTM_DELADDR, 5, "2001:db8::3", IFA_F_TENTATIVE, IFA_F_TENTATIVE));
	assert_int_equal(naddr6("r-out"), 2);
	iface_table_begin();
	link_up(5, "r-out", 1500);
	apply(put_addr6(RTM_NEWADDR, 5, "fe80::1", IFA_F_TENTATIVE, IFA_F_TENTATIVE));
	apply(put_addr6(RTM_NEWADDR, 5, "2001:db8::1", 0, 0));
	iface_table_commit();
	iface_lookup("r-out", &ii);
	assert_int_equal(ii.naddr6, 1);
	assert_false(IN6_IS_ADDR_LINKLOCAL(&ii.addr6[0]));
}

/* Several messages in one buffer, as the kernel batches them. */
static void test_batch(void **state)
{
	struct nlmsghdr *m1 = put_link(buf, RTM_NEWLINK, 20, "a", IFF_UP, 1500);
	struct nlmsghdr *m2 = put_link((char *)m1 + NLMSG_ALIGN(m1->nlmsg_len), RTM_NEWLINK, 21,
				       "b", IFF_UP, 1500);
	size_t len = NLMSG_ALIGN(m1->nlmsg_len) + m2->nlmsg_len;
	struct iface_info ii;

	(void)state;
	assert_int_equal(netlink_apply(buf, len), 1);
	assert_int_equal(iface_lookup("a", &ii), 0);
	assert_int_equal(iface_lookup("b", &ii), 0);
}

/* The table holds exactly one interface "keep" with one address. */
static void assert_unchanged(void)
{
	struct iface_info ii;

	assert_int_equal(iface_lookup("keep", &ii), 0);
	assert_int_equal(ii.ifindex, 30);
	assert_int_equal(ii.mtu, 1500);
	assert_true(ii.flags & IFF_UP);
	assert_int_equal(ii.naddr, 1);
	assert_null(iface_name(31));
	assert_int_equal(iface_max_mtu(), 1500);
}

static void test_garbage(void **state)
{
	struct nlmsghdr *nlh;
	struct nlattr *a;

	(void)state;
	link_up(30, "keep", 1500);
	apply(put_addr(buf, RTM_NEWADDR, 30, "198.18.4.1"));

	/* Length beyond the buffer: framing broken. */
	nlh = put_link(buf, RTM_NEWLINK, 31, "bad", IFF_UP, 9000);
	assert_int_equal(netlink_apply(buf, nlh->nlmsg_len - 4), -EINVAL);
	/* Payload shorter than struct ifinfomsg / ifaddrmsg. */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_DELLINK;
	mnl_nlmsg_put_extra_header(nlh, 4);
	assert_int_equal(apply(nlh), 0);
	nlh->nlmsg_type = RTM_DELADDR;
	assert_int_equal(apply(nlh), 0);
	/* A name that is not NUL-terminated. */
	nlh = put_link(buf, RTM_NEWLINK, 30, NULL, 0, 0);
	mnl_attr_put(nlh, IFLA_IFNAME, 3, "abc");
	assert_int_equal(apply(nlh), 0);
	/* A good name, then an MTU of the wrong size: the whole message is refused. */
	nlh = put_link(buf, RTM_NEWLINK, 30, "keep", 0, 0);
	mnl_attr_put_u16(nlh, IFLA_MTU, 9000);
	assert_int_equal(apply(nlh), 0);
	/* An attribute whose length runs past the message. */
	nlh = put_link(buf, RTM_NEWLINK, 31, "bad", IFF_UP, 9000);
	a = (struct nlattr *)((char *)mnl_nlmsg_get_payload(nlh) + NLMSG_ALIGN(sizeof(struct ifinfomsg)));
	a->nla_len = 200;
	assert_int_equal(apply(nlh), 0);
	/* No name at all. */
	assert_int_equal(apply(put_link(buf, RTM_NEWLINK, 31, NULL, IFF_UP, 9000)), 0);
	/* An IPv4 address of the wrong size. */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_DELADDR;
	((struct ifaddrmsg *)mnl_nlmsg_put_extra_header(nlh, sizeof(struct ifaddrmsg)))->ifa_family = AF_INET;
	((struct ifaddrmsg *)mnl_nlmsg_get_payload(nlh))->ifa_index = 30;
	mnl_attr_put(nlh, IFA_LOCAL, 2, "\xc6\x12");
	assert_int_equal(apply(nlh), 0);
	/* A negative ifindex. */
	assert_int_equal(apply(put_link(buf, RTM_DELLINK, -30, "keep", 0, 0)), 0);
	/* Random bytes. */
	memset(buf, 0xa5, 64);
	assert_int_equal(netlink_apply(buf, 64), -EINVAL);
	assert_unchanged();
}

/* A dump fills a fresh table: abort keeps the old one, commit replaces it. */
static void test_dump_swap(void **state)
{
	struct iface_info ii;

	(void)state;
	link_up(30, "keep", 1500);
	apply(put_addr(buf, RTM_NEWADDR, 30, "198.18.4.1"));

	iface_table_begin(); /* a dump that fails part way */
	link_up(31, "partial", 9000);
	assert_int_equal(iface_lookup("partial", &ii), -ENODEV); /* not visible yet */
	iface_table_abort();
	assert_unchanged();
	link_up(32, "event", 1500); /* events after an abort go to the live table */
	assert_int_equal(iface_lookup("event", &ii), 0);

	iface_table_begin(); /* a complete dump: "keep" was re-created as 40 */
	link_up(40, "keep", 1500);
	assert_int_equal(iface_lookup("keep", &ii), 0);
	assert_int_equal(ii.ifindex, 30); /* the old table still answers */
	iface_table_commit();
	assert_int_equal(iface_lookup("keep", &ii), 0);
	assert_int_equal(ii.ifindex, 40);
	assert_int_equal(ii.naddr, 0);
	assert_int_equal(iface_lookup("event", &ii), -ENODEV);
	assert_null(iface_name(30));
	link_up(41, "after", 1500); /* events after a commit go to the new table */
	assert_int_equal(iface_lookup("after", &ii), 0);
}

/* Regressions found by tests/fuzz/fuzz_netlink. */

/* An RTM_NEWLINK for ifindex 2 named eth0 at buf; returns its length (aligned). */
static size_t put_newlink(uint8_t *p)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)p;
	struct ifinfomsg *ifi = (struct ifinfomsg *)(p + NLMSG_HDRLEN);
	struct rtattr *rta = (struct rtattr *)(p + NLMSG_HDRLEN + sizeof(*ifi));

	memset(nlh, 0, NLMSG_HDRLEN + sizeof(*ifi));
	ifi->ifi_index = 2;
	ifi->ifi_flags = IFF_UP;
	rta->rta_type = IFLA_IFNAME;
	rta->rta_len = RTA_LENGTH(5);
	memcpy(RTA_DATA(rta), "eth0", 5);
	nlh->nlmsg_type = RTM_NEWLINK;
	nlh->nlmsg_len = NLMSG_HDRLEN + sizeof(*ifi) + RTA_ALIGN(rta->rta_len);
	return NLMSG_ALIGN(nlh->nlmsg_len);
}

/* A header whose nlmsg_len has bit 31 set, and 16 more bytes. */
static size_t put_huge(uint8_t *p, uint32_t len, uint16_t type)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)p;

	memset(p, 0, 32);
	nlh->nlmsg_len = len;
	nlh->nlmsg_type = type;
	return 32;
}

/*
 * fuzz_netlink crash-ab1b59a9: libmnl's mnl_nlmsg_ok() compares the length
 * as an int, so 0x80020028 passed as "fits", and mnl_nlmsg_next() stepped
 * 2 GiB past the buffer (SEGV).  Such a message breaks the framing.
 */
static void test_length_over_2g(void **state)
{
	static uint8_t b[256] __attribute__((aligned(4)));
	size_t n;

	(void)state;
	fresh_table(NULL);
	n = put_newlink(b);
	n += put_huge(b + n, 0x80020028u, 36 /* not a link or address message */);
	assert_int_equal(netlink_apply(b, n), 1); /* the link before it still applies */
	assert_string_equal(iface_name(2), "eth0");

	fresh_table(NULL);
	n = put_huge(b, 0x80000010u, 36);
	assert_int_equal(netlink_apply(b, n), -EINVAL);
	n = put_huge(b, 0xfffffff0u, RTM_NEWLINK);
	assert_int_equal(netlink_apply(b, n), -EINVAL);
	assert_null(iface_name(0));
}

/*
 * fuzz_netlink crash-100c2c88: an RTM_NEWADDR of 39 bytes ending the buffer,
 * its last IFA_ADDRESS 8 bytes long of which 7 are in the message.  libmnl
 * walks attributes up to the aligned end (40), so the address was read one
 * byte past the buffer (ASan: heap-buffer-overflow in on_addr) and added.
 * A message whose aligned length overruns the buffer breaks the framing.
 */
static void test_unaligned_last_message(void **state)
{
	static const uint8_t newaddr[39] = {
		39, 0, 0, 0, RTM_NEWADDR, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* nlmsghdr */
		AF_INET, 24, 0, 0, 2, 0, 0, 0,                               /* ifaddrmsg, ifindex 2 */
		8, 0, IFA_LOCAL, 0, 10, 0, 0, 1,                             /* whole */
		8, 0, IFA_ADDRESS, 0, 10, 0, 0,                              /* 1 byte short */
	};
	static uint8_t b[256] __attribute__((aligned(4)));
	struct iface_info ii;
	size_t n;

	(void)state;
	fresh_table(NULL);
	n = put_newlink(b);
	memcpy(b + n, newaddr, sizeof(newaddr));
	n += sizeof(newaddr);
	assert_int_equal(netlink_apply(b, n), 1); /* the link applied, the address not */
	assert_int_equal(iface_lookup("eth0", &ii), 0);
	assert_int_equal(ii.naddr, 0);
	/* Alone, it is a framing error; with its padding it is a valid message. */
	assert_int_equal(netlink_apply(newaddr, sizeof(newaddr)), -EINVAL);
	memcpy(b, newaddr, sizeof(newaddr));
	b[sizeof(newaddr)] = 0;
	assert_int_equal(netlink_apply(b, sizeof(newaddr) + 1), 1);
	assert_int_equal(iface_lookup("eth0", &ii), 0);
	assert_int_equal(ii.naddr, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_add, fresh_table),
		cmocka_unit_test_setup(test_down, fresh_table),
		cmocka_unit_test_setup(test_rename, fresh_table),
		cmocka_unit_test_setup(test_delete_recreate, fresh_table),
		cmocka_unit_test_setup(test_addr, fresh_table),
		cmocka_unit_test_setup(test_addr6, fresh_table),
		cmocka_unit_test_setup(test_addr6_dad, fresh_table),
		cmocka_unit_test_setup(test_batch, fresh_table),
		cmocka_unit_test_setup(test_garbage, fresh_table),
		cmocka_unit_test_setup(test_dump_swap, fresh_table),
		cmocka_unit_test_setup(test_virtual, fresh_table),
		cmocka_unit_test_setup(test_length_over_2g, fresh_table),
		cmocka_unit_test_setup(test_unaligned_last_message, fresh_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
