/* Messages, exit codes and argument parsers shared by mcrgen and mcrsink. */
#ifndef MCR_TOOL_CLI_H
#define MCR_TOOL_CLI_H

#include "addr.h"

#include <netinet/in.h>

#define MCR_TOOL_EXIT_OK      0
#define MCR_TOOL_EXIT_USAGE   1
#define MCR_TOOL_EXIT_RUNTIME 2

/* "mcrgen" or "mcrsink": the prefix of every message.  Set by main(). */
extern const char *mcr_tool_prog;

/* Prints "PROG: message" to stderr. */
void mcr_tool_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints a hint to run --help; returns MCR_TOOL_EXIT_USAGE. */
int mcr_tool_usage_hint(void);
/* mcr_tool_err, then the hint; returns MCR_TOOL_EXIT_USAGE. */
int mcr_tool_usage_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Reports what getopt_long rejected (optstring must start with ':'). */
int mcr_tool_getopt_err(int c, char **argv);

/*
 * Parsers for the value of option opt (e.g. "-s").  Each returns 0, or
 * prints "PROG: OPT "VALUE" <reason>" and returns -EINVAL or -ERANGE.
 */
int mcr_tool_arg_uint(const char *opt, const char *arg, unsigned long lo,
		      unsigned long hi, unsigned long *out);
/* An IPv4 or IPv6 address, IPv6 bare or in brackets. */
int mcr_tool_arg_addr(const char *opt, const char *arg, struct mcr_addr *out);
int mcr_tool_arg_ifname(const char *opt, const char *arg);
/* Non-negative decimal seconds such as "2" or "0.5", at most 10^7. */
int mcr_tool_arg_seconds(const char *opt, const char *arg, double *out);

#endif
