/* Rate-limited log lines that say how many were held back. */
#include "ratelog.h"

#include <stdio.h>
#include <time.h>

#include "log.h"

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* True when a line may go now; *skipped is how many were held back before it. */
static bool allow(struct mcr_ratelog *r, unsigned *skipped)
{
	uint64_t now = now_ms();

	if (r->last_ms && now - r->last_ms < r->every_ms) {
		r->skipped++;
		return false;
	}
	*skipped = r->skipped;
	r->skipped = 0;
	r->last_ms = now ? now : 1;
	return true;
}

bool mcr_ratelog_allow(struct mcr_ratelog *r, char *more, size_t len)
{
	unsigned skipped;

	if (!allow(r, &skipped))
		return false;
	if (skipped)
		snprintf(more, len, "; %u more since the last such line", skipped);
	else if (len)
		more[0] = 0;
	return true;
}

void mcr_ratelog_flush(struct mcr_ratelog *r, int prio, const char *prefix, const char *what)
{
	unsigned skipped;

	/* Checked first: a flush that may not go yet is no line held back. */
	if (!r->skipped || now_ms() - r->last_ms < r->every_ms || !allow(r, &skipped))
		return;
	mcr_log(prio, "%s: %u more %s since the last such line", prefix, skipped, what);
}
