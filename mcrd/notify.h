/* systemd readiness notification (sd_notify protocol, without libsystemd). */
#ifndef MCRD_NOTIFY_H
#define MCRD_NOTIFY_H

/*
 * Sends state (e.g. "READY=1") to $NOTIFY_SOCKET when it is set; a no-op
 * otherwise.  0 or -errno.
 */
int notify_send(const char *state);

#endif
