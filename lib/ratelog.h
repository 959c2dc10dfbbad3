/*
 * Log lines that a flood (of clients, say) could repeat without end: at
 * most one per interval, and the count of those held back is told, in the
 * next line or by mcr_ratelog_flush() once the burst is over.
 */
#ifndef MCR_RATELOG_H
#define MCR_RATELOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mcr_ratelog {
	unsigned every_ms;    /* at most one line per this */
	uint64_t last_ms;     /* of the last line, 0: none yet */
	unsigned skipped;     /* held back since */
};

#define MCR_RATELOG_INIT(ms) { .every_ms = (ms) }

/*
 * True when a line may be logged now; more is then "" or "; N more since
 * the last such line", to append to it.
 */
bool mcr_ratelog_allow(struct mcr_ratelog *r, char *more, size_t len);
/* Logs "PREFIX: N more WHAT since the last such line" when lines were held back and may go now. */
void mcr_ratelog_flush(struct mcr_ratelog *r, int prio, const char *prefix, const char *what);

#endif
