/* Monotonic time in nanoseconds and signal-aware waiting. */
#ifndef MCR_TOOL_CLOCK_H
#define MCR_TOOL_CLOCK_H

#include <signal.h>
#include <stdint.h>

#define MCR_TOOL_NSEC 1000000000ull

uint64_t mcr_tool_now_ns(void);
/* Seconds as nanoseconds, saturating instead of overflowing. */
uint64_t mcr_tool_sec_to_ns(double sec);
/*
 * Sleeps until CLOCK_MONOTONIC reaches deadline, with waitmask as the signal
 * mask while asleep (see signals.h).  0, or -EINTR if a signal came first.
 */
int mcr_tool_wait_until(uint64_t deadline, const sigset_t *waitmask);

#endif
