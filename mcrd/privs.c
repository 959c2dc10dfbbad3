/* Capability limiting with libcap. */
#include "privs.h"

#include <errno.h>
#include <stdbool.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "log.h"

static const cap_value_t keep[] = { CAP_NET_RAW, CAP_NET_ADMIN, CAP_SETUID, CAP_SETGID };
#define NKEEP (sizeof(keep) / sizeof(keep[0]))

static bool kept(cap_value_t c)
{
	for (unsigned i = 0; i < NKEEP; i++)
		if (keep[i] == c)
			return true;
	return false;
}

int privs_limit(void)
{
	cap_t caps;
	int err = 0;

	if (!CAP_IS_SUPPORTED(CAP_SETPCAP))
		return -ENOTSUP;
	/* The bounding set first: dropping from it needs CAP_SETPCAP, still held. */
	for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++)
		if (!kept(c) && CAP_IS_SUPPORTED(c) && cap_drop_bound(c) < 0 && errno != EINVAL)
			return -errno;
	caps = cap_init();
	if (!caps)
		return -ENOMEM;
	if (cap_set_flag(caps, CAP_PERMITTED, NKEEP, keep, CAP_SET) < 0 ||
	    cap_set_flag(caps, CAP_EFFECTIVE, NKEEP, keep, CAP_SET) < 0 ||
	    cap_set_proc(caps) < 0)
		err = -errno;
	cap_free(caps);
	if (!err)
		prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	return err;
}
