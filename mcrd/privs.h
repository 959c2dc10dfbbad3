/* Capabilities: the daemon keeps only what it needs once it has started. */
#ifndef MCRD_PRIVS_H
#define MCRD_PRIVS_H

/*
 * Limits permitted, effective and bounding sets to CAP_NET_RAW (AF_PACKET,
 * SO_BINDTODEVICE), CAP_NET_ADMIN (buffer sizes beyond the sysctl maxima),
 * CAP_SETUID and CAP_SETGID (for dropping to the workers' user).  Everything
 * else, CAP_SYS_ADMIN and CAP_DAC_OVERRIDE included, is gone for good.
 * 0 or -errno (e.g. -EPERM when not privileged: then nothing is changed).
 */
int privs_limit(void);

#endif
