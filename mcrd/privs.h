/* Capabilities: the daemon keeps only what it needs once it has started. */
#ifndef MCRD_PRIVS_H
#define MCRD_PRIVS_H

#include <sys/types.h>

/*
 * Limits permitted, effective and bounding sets to CAP_NET_RAW (AF_PACKET,
 * SO_BINDTODEVICE), CAP_NET_ADMIN (buffer sizes beyond the sysctl maxima),
 * CAP_SETUID and CAP_SETGID (to start workers as their user),
 * CAP_SETPCAP (so a restarted worker can empty its bounding set) and
 * CAP_KILL (to stop a worker, which runs as another user).  All
 * else, CAP_SYS_ADMIN and CAP_DAC_OVERRIDE included, is gone for good.
 * 0 or -errno.
 */
int privs_limit(void);
/*
 * For a worker: empty bounding set, no supplementary groups, gid and uid of
 * the user, no capabilities left, no_new_privs.  0 or -errno.
 */
int privs_drop(uid_t uid, gid_t gid);

#endif
