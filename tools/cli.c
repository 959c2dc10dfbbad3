/* Uniform "PROG: what is wrong" messages so scripts and people see the cause. */
#include "cli.h"

#include "addr.h"
#include "esc.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *mcr_tool_prog = "mcrtool";

/* Arguments are quoted through mcr_esc_name(); no control byte passes anyway. */
__attribute__((format(printf, 1, 0)))
static void verr(const char *fmt, va_list ap)
{
	char *msg = NULL;

	fprintf(stderr, "%s: %s\n", mcr_tool_prog,
		vasprintf(&msg, fmt, ap) < 0 ? "out of memory" : mcr_sanitize(msg));
	free(msg);
}

void mcr_tool_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(fmt, ap);
	va_end(ap);
}

int mcr_tool_usage_hint(void)
{
	fprintf(stderr, "Try '%s --help' for more information.\n", mcr_tool_prog);
	return MCR_TOOL_EXIT_USAGE;
}

int mcr_tool_usage_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(fmt, ap);
	va_end(ap);
	return mcr_tool_usage_hint();
}

int mcr_tool_getopt_err(int c, char **argv)
{
	/* getopt has already advanced optind past the offending word. */
	const char *word = argv[optind - 1];

	if (c == ':')
		return mcr_tool_usage_err("option \"%s\" needs an argument", mcr_esc_name(word));
	if (optopt && strncmp(word, "--", 2))
		return mcr_tool_usage_err("unknown option \"-%c\"", optopt);
	return mcr_tool_usage_err("unknown option \"%s\"", mcr_esc_name(word));
}

int mcr_tool_arg_uint(const char *opt, const char *arg, unsigned long lo,
		      unsigned long hi, unsigned long *out)
{
	int err = mcr_parse_uint(arg, lo, hi, out);

	if (err == -ERANGE)
		mcr_tool_err("%s \"%s\" is out of range (%lu..%lu)", opt, mcr_esc_name(arg), lo, hi);
	else if (err)
		mcr_tool_err("%s \"%s\" is not a decimal number", opt, mcr_esc_name(arg));
	return err;
}

int mcr_tool_arg_addr(const char *opt, const char *arg, struct mcr_addr *out)
{
	char bare[MCR_ADDRSTRLEN];
	size_t n = strlen(arg);
	int err = -EINVAL;

	/* "[ff0e::1]" as in a stream spec, or bare. */
	if (arg[0] == '[' && n >= 2 && n - 2 < sizeof(bare) && arg[n - 1] == ']') {
		memcpy(bare, arg + 1, n - 2);
		bare[n - 2] = '\0';
		err = mcr_addr_parse(bare, out);
	} else if (arg[0] != '[') {
		err = mcr_addr_parse(arg, out);
	}
	if (err)
		mcr_tool_err("%s \"%s\" is not a valid IPv4 or IPv6 address", opt, mcr_esc_name(arg));
	return err;
}

int mcr_tool_arg_ifname(const char *opt, const char *arg)
{
	if (mcr_ifname_valid(arg))
		return 0;
	mcr_tool_err("%s \"%s\" is not a valid interface name", opt, mcr_esc_name(arg));
	return -EINVAL;
}

int mcr_tool_arg_seconds(const char *opt, const char *arg, double *out)
{
	char *end;
	double v;

	/* strtod alone would also take "inf", "0x10", " 5" or "-1". */
	if (!arg || !strchr("0123456789.", arg[0]) || strpbrk(arg, "xXeEpP"))
		goto bad;
	errno = 0;
	v = strtod(arg, &end);
	if (end == arg || *end || errno || !isfinite(v))
		goto bad;
	if (v > 1e7) {
		mcr_tool_err("%s \"%s\" is out of range (0..10000000 seconds)", opt,
			     mcr_esc_name(arg));
		return -ERANGE;
	}
	*out = v;
	return 0;
bad:
	mcr_tool_err("%s \"%s\" is not a number of seconds", opt, mcr_esc_name(arg));
	return -EINVAL;
}
