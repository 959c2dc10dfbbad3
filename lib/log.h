/* Logging to stderr (foreground) or syslog, filtered by level. */
#ifndef MCR_LOG_H
#define MCR_LOG_H

#include <syslog.h>

void mcr_log_open(const char *ident, int to_stderr, int level);
void mcr_log_close(void);
int mcr_log_level(void);
/* Parse "error", "warning", "notice", "info" or "debug"; -EINVAL otherwise. */
int mcr_log_level_parse(const char *name);
void mcr_log(int prio, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_err(...)    mcr_log(LOG_ERR, __VA_ARGS__)
#define log_warn(...)   mcr_log(LOG_WARNING, __VA_ARGS__)
#define log_notice(...) mcr_log(LOG_NOTICE, __VA_ARGS__)
#define log_info(...)   mcr_log(LOG_INFO, __VA_ARGS__)
#define log_debug(...)  mcr_log(LOG_DEBUG, __VA_ARGS__)

#endif
