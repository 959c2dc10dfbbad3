/* SIGINT/SIGTERM handling: stop cleanly and still print the report. */
#ifndef MCR_TOOL_SIGNALS_H
#define MCR_TOOL_SIGNALS_H

#include <signal.h>

/* Set once SIGINT or SIGTERM arrived. */
extern volatile sig_atomic_t mcr_tool_stop;

/*
 * Blocks SIGINT/SIGTERM and installs the handler.  The signals are then
 * delivered only inside ppoll/epoll_pwait called with *waitmask, so a stop
 * request can never slip in between checking mcr_tool_stop and sleeping.
 * 0 or -errno.
 */
int mcr_tool_signals_init(sigset_t *waitmask);

#endif
