/* Command-line words: prefix matching, value parsers with ip-style errors, batch lines. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "esc.h"
#include "mcrctl.h"
#include "print.h"

struct mcrctl_opts mcrctl_opt = {
	.socket = MCR_CTL_SOCKET,
	.err_prefix = "",
};

FILE *mcrctl_errfp(void)
{
	return mcrctl_opt.errfp ? mcrctl_opt.errfp : stderr;
}

void mcrctl_err(const char *fmt, ...)
{
	FILE *fp = mcrctl_errfp();
	char *msg = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	/* Arguments are quoted through mcr_esc_name(); no control byte passes anyway. */
	fprintf(fp, "%sError: %s\n", mcrctl_opt.err_prefix ? mcrctl_opt.err_prefix : "",
		n < 0 ? "out of memory" : mcr_sanitize(msg));
	free(msg);
}


bool mcrctl_matches(const char *arg, const char *word)
{
	size_t n = strlen(arg);

	return n > 0 && n <= strlen(word) && !memcmp(arg, word, n);
}

int mcrctl_lookup(const char *arg, const char *const *words, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (mcrctl_matches(arg, words[i]))
			return (int)i;
	return -1;
}

int mcrctl_missing_arg(const char *kw)
{
	mcrctl_err("missing argument after \"%s\"", mcr_esc_name(kw));
	return -EINVAL;
}

int mcrctl_get_addr(const char *arg, struct mcr_addr *out)
{
	if (mcr_addr_parse(arg, out)) {
		mcrctl_err("\"%s\" is not a valid IP address", mcr_esc_name(arg));
		return -EINVAL;
	}
	return 0;
}

int mcrctl_get_port(const char *arg, uint16_t *out)
{
	if (mcr_parse_port(arg, out)) {
		mcrctl_err("\"%s\" is not a valid port", mcr_esc_name(arg));
		return -EINVAL;
	}
	return 0;
}

int mcrctl_get_u8(const char *arg, const char *what, uint8_t lo, uint8_t *out)
{
	unsigned long v;

	if (mcr_parse_uint(arg, lo, 255, &v)) {
		mcrctl_err("argument \"%s\" is wrong: %s must be %u..255", mcr_esc_name(arg), what, lo);
		return -EINVAL;
	}
	*out = (uint8_t)v;
	return 0;
}

int mcrctl_get_u32(const char *arg, const char *what, uint32_t lo, uint32_t hi, uint32_t *out)
{
	unsigned long v;

	if (mcr_parse_uint(arg, lo, hi, &v)) {
		mcrctl_err("argument \"%s\" is wrong: %s must be %u..%u", mcr_esc_name(arg), what,
			   lo, hi);
		return -EINVAL;
	}
	*out = (uint32_t)v;
	return 0;
}

/* Why the kernel would refuse name as an interface name. */
static const char *ifname_problem(const char *name)
{
	if (!*name)
		return "empty";
	if (strlen(name) >= IFNAMSIZ)
		return "longer than 15 characters";
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return "reserved";
	return "only printable characters, and not \"/\", \":\", quotes, backslashes or blanks";
}

int mcrctl_get_ifname(const char *arg, char dev[IFNAMSIZ])
{
	if (!mcr_ifname_valid(arg)) {
		mcrctl_err("\"%s\" is not a valid interface name (%s)", mcr_esc_name(arg),
			   ifname_problem(arg));
		return -EINVAL;
	}
	snprintf(dev, IFNAMSIZ, "%s", arg);
	return 0;
}

int mcrctl_parse_dev_filter(int argc, char **argv, char dev[IFNAMSIZ])
{
	static const char *const kw[] = { "dev" };

	dev[0] = '\0';
	for (; argc > 0; argc--, argv++) {
		if (mcrctl_lookup(*argv, kw, 1) < 0) {
			mcrctl_err("unknown keyword \"%s\"", mcr_esc_name(*argv));
			return -EINVAL;
		}
		if (dev[0]) {
			mcrctl_err("duplicate \"dev\"");
			return -EINVAL;
		}
		if (argc == 1)
			return mcrctl_missing_arg(*argv);
		argc--, argv++;
		if (mcrctl_get_ifname(*argv, dev))
			return -EINVAL;
	}
	return 0;
}

int mcrctl_show_dev(int argc, char **argv, uint16_t type, uint8_t flags, mcrctl_msg_fn fn)
{
	char dev[IFNAMSIZ] = "";
	struct nlmsghdr *nlh;
	int ret;

	if (mcrctl_parse_dev_filter(argc, argv, dev))
		return MCRCTL_EXIT_USAGE;
	if (mcrctl_connect())
		return MCRCTL_EXIT_DAEMON;
	if (!(nlh = mcrctl_msg_new(64, type, flags)))
		return MCRCTL_EXIT_DAEMON;
	mcrctl_print_start();
	ret = mcrctl_request(nlh, fn, dev, 0);
	mcrctl_print_end();
	free(nlh);
	return ret;
}

int mcrctl_split_line(char *line, char **argv, int max)
{
	char *r = line, *w = line;
	int argc = 0;

	for (;;) {
		bool quoted = false;

		while (isspace((unsigned char)*r))
			r++;
		if (!*r || *r == '#')
			break;
		if (argc == max)
			return -E2BIG;
		argv[argc++] = w;
		/* Copy the word down over removed quotes and escapes; w never passes r. */
		while (*r && (quoted || !isspace((unsigned char)*r))) {
			if (*r == '"') {
				quoted = !quoted;
				r++;
				continue;
			}
			if (quoted && *r == '\\' && (r[1] == '"' || r[1] == '\\'))
				r++;
			*w++ = *r++;
		}
		if (quoted)
			return -EINVAL;
		if (*r)
			r++;
		*w++ = '\0';
	}
	return argc;
}

int mcrctl_read_line(FILE *fp, char **buf, size_t *cap, size_t max)
{
	size_t n = 0;
	int c;

	while ((c = getc_unlocked(fp)) != EOF && c != '\n') {
		if (n == max)
			return -E2BIG;
		if (c == '\0')
			return -EINVAL;
		if (n + 1 >= *cap) {
			size_t ncap = *cap ? *cap * 2 : 256;
			char *p = realloc(*buf, ncap);

			if (!p)
				return -ENOMEM;
			*buf = p;
			*cap = ncap;
		}
		(*buf)[n++] = (char)c;
	}
	if (ferror(fp))
		return errno ? -errno : -EIO;
	if (c == EOF && n == 0)
		return 0;
	if (!*buf && !(*buf = malloc(*cap = 1)))
		return -ENOMEM;
	(*buf)[n] = '\0';
	return 1;
}
