/* mcrsink's final report, as text or as one JSON object. */
#ifndef MCR_TOOL_SINKREPORT_H
#define MCR_TOOL_SINKREPORT_H

#include "hdrseen.h"
#include "seqtrack.h"
#include "stream.h"

#include <stdbool.h>
#include <stdio.h>

struct mcr_tool_report_row {
	const struct mcr_tool_stream *s;
	struct mcr_tool_counts c;
	struct mcr_tool_hdrs h;
};

/*
 * Prints one line (or JSON object) per row and a total.  seconds is the run
 * time and stop names what ended it ("idle", "max", "signal", "error").
 */
void mcr_tool_report(FILE *f, const struct mcr_tool_report_row *rows, size_t n,
		     bool json, double seconds, const char *stop);

#endif
