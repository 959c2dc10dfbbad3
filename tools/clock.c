/* Time helpers; waiting uses ppoll so blocked signals get in only while asleep. */
#include "clock.h"

#include <errno.h>
#include <poll.h>
#include <time.h>

uint64_t mcr_tool_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * MCR_TOOL_NSEC + (uint64_t)ts.tv_nsec;
}

uint64_t mcr_tool_sec_to_ns(double sec)
{
	if (sec <= 0)
		return 0;
	if (sec >= 1e10)
		return UINT64_MAX / 2;
	return (uint64_t)(sec * 1e9);
}

int mcr_tool_wait_until(uint64_t deadline, const sigset_t *waitmask)
{
	uint64_t now = mcr_tool_now_ns();
	struct timespec ts;

	/* ppoll sleeps relative, but the caller's schedule is absolute: no drift. */
	while (now < deadline) {
		ts.tv_sec = (time_t)((deadline - now) / MCR_TOOL_NSEC);
		ts.tv_nsec = (long)((deadline - now) % MCR_TOOL_NSEC);
		if (ppoll(NULL, 0, &ts, waitmask) < 0 && errno == EINTR)
			return -EINTR;
		now = mcr_tool_now_ns();
	}
	return 0;
}
