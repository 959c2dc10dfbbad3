/*
 * The netlink message handler on raw rtnetlink messages: a buffer as one
 * recv() from the event socket or a dump returns it, applied by
 * netlink_apply() (mcrd/netlink.c) to a fresh interface table
 * (mcrd/iface.c).  Then the table is read back and checked.
 */
#include <errno.h>
#include <net/if.h>
#include <string.h>

#include "fuzz.h"
#include "iface.h"
#include "netlink.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static void check_table(void)
{
	static const char *const names[] = { "lo", "eth0", "eth1", "veth0", "br0", "" };
	struct iface_info ii;

	FUZZ_ASSERT(iface_table_active());
	FUZZ_ASSERT(iface_max_mtu() >= 1500);
	for (int i = -1; i < 64; i++) {
		const char *name = iface_name(i);

		if (!name)
			continue;
		FUZZ_ASSERT(strnlen(name, IFNAMSIZ) < IFNAMSIZ);
		/* The first entry with that name answers; it exists, at least. */
		FUZZ_ASSERT(iface_lookup(name, &ii) == 0);
		FUZZ_ASSERT(ii.naddr <= IFACE_MAX_ADDR && ii.naddr_known);
		(void)iface_has_carrier(&ii);
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (iface_lookup(names[i], &ii) == 0)
			FUZZ_ASSERT(ii.naddr <= IFACE_MAX_ADDR && iface_name(ii.ifindex));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A heap copy of the exact size, aligned as a receive buffer is. */
	void *buf = malloc(size ? size : 1);
	int r;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	/* An empty live table: a dump begun and committed (iface.h). */
	iface_table_begin();
	iface_table_commit();
	r = netlink_apply(buf, size);
	FUZZ_ASSERT(r == 0 || r == 1 || r == -EINVAL);
	check_table();
	/* Applying the same events again must be as safe (renames, re-adds). */
	(void)netlink_apply(buf, size);
	check_table();
	free(buf);
	return 0;
}
