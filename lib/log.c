/* Logging: one sink chosen at start, a level filter, nothing else. */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "esc.h"

static int log_to_stderr = 1;
static int log_level = LOG_NOTICE;
static const char *log_ident = "mcrd";

static const struct {
	const char *name;
	int prio;
} levels[] = {
	{ "error", LOG_ERR },   { "warning", LOG_WARNING }, { "notice", LOG_NOTICE },
	{ "info", LOG_INFO },   { "debug", LOG_DEBUG },
};

void mcr_log_open(const char *ident, int to_stderr, int level)
{
	log_ident = ident;
	log_to_stderr = to_stderr;
	log_level = level;
	if (!to_stderr)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void mcr_log_close(void)
{
	if (!log_to_stderr)
		closelog();
}

int mcr_log_level(void)
{
	return log_level;
}

int mcr_log_level_parse(const char *name)
{
	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++)
		if (!strcasecmp(name, levels[i].name))
			return levels[i].prio;
	return -EINVAL;
}

/* Callers quote user strings through mcr_esc(); no control byte passes anyway. */
void mcr_log(int prio, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	if (prio > log_level)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	mcr_sanitize(line);
	if (log_to_stderr)
		fprintf(stderr, "%s: %s\n", log_ident, line);
	else
		syslog(prio, "%s", line);
}
