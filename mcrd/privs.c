/* Capability limiting with libcap. */
#include "privs.h"

#include <errno.h>
#include <grp.h>
#include <stdbool.h>
#include <unistd.h>
#include <sys/capability.h>
#include <sys/prctl.h>

#include "log.h"

static const cap_value_t keep[] = { CAP_NET_RAW, CAP_NET_ADMIN, CAP_SETUID, CAP_SETGID,
				     CAP_SETPCAP, CAP_KILL };
#define NKEEP (sizeof(keep) / sizeof(keep[0]))

static bool kept(cap_value_t c)
{
	for (unsigned i = 0; i < NKEEP; i++)
		if (keep[i] == c)
			return true;
	return false;
}

/* Dropping from the bounding set needs CAP_SETPCAP; without it, skip. */
static void drop_bound(bool (*keep_it)(cap_value_t))
{
	for (cap_value_t c = 0; c <= CAP_LAST_CAP; c++)
		if (!keep_it(c) && CAP_IS_SUPPORTED(c) && cap_drop_bound(c) < 0 && errno == EPERM)
			return;
}

static bool keep_none(cap_value_t c)
{
	(void)c;
	return false;
}

int privs_limit(void)
{
	cap_t caps;
	int err = 0;

	drop_bound(kept);
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

int privs_drop(uid_t uid, gid_t gid)
{
	cap_t none;
	int err = 0;

	drop_bound(keep_none);
	if (setgroups(0, NULL) < 0 || setresgid(gid, gid, gid) < 0 || setresuid(uid, uid, uid) < 0)
		return -errno;
	/* A non-root uid loses every capability; make it explicit for uid 0 too. */
	none = cap_init();
	if (!none)
		return -ENOMEM;
	if (cap_set_proc(none) < 0)
		err = -errno;
	cap_free(none);
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (!err && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		err = -errno;
	return err;
}
