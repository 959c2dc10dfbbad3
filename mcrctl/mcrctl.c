/*
 * mcrctl: global options, the object table, batch mode and main().
 *
 *   mcrctl [ OPTIONS ] OBJECT COMMAND ...      (see usage() below)
 *
 * Objects and commands are matched by prefix in table order, as ip(8) does:
 * the first entry a prefix fits wins ("r" is rule, "re" is reload).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "esc.h"
#include "mcrctl.h"
#include "print.h"

static const struct entry {
	const char *name;
	const struct mcrctl_object *obj;  /* NULL: help */
	bool shortcut; /* "show" is "rule show": the word itself goes to the object */
} entries[] = {
	{ "rule", &mcrctl_rule_object, false },
	{ "link", &mcrctl_link_object, false },
	{ "group", &mcrctl_group_object, false },
	{ "worker", &mcrctl_worker_object, false },
	{ "monitor", &mcrctl_monitor_object, false },
	{ "reload", &mcrctl_reload_object, false },
	{ "show", &mcrctl_rule_object, true },
	{ "add", &mcrctl_rule_object, true },
	{ "delete", &mcrctl_rule_object, true },
	{ "help", NULL, false },
};
#define N_ENTRIES (sizeof(entries) / sizeof(entries[0]))

static void usage(FILE *fp)
{
	const char *sep = "";

	fputs("Usage: mcrctl [ OPTIONS ] OBJECT { COMMAND | help }\n"
	      "       mcrctl [ OPTIONS ] -b[atch] FILE [ -f[orce] ]\n"
	      "       mcrctl -V[ersion] | -h[elp] | help [ OBJECT ]\n"
	      "where  OBJECT  := { ", fp);
	for (size_t i = 0; i < N_ENTRIES; i++)
		if (entries[i].obj && !entries[i].shortcut) {
			fprintf(fp, "%s%s", sep, entries[i].name);
			sep = " | ";
		}
	fputs(" }\n"
	      "       OPTIONS := { -s[tatistics] | -j[son] | -p[retty] | -c[onfig] | -S[ocket] PATH }\n"
	      "       show, add and del stand for rule show, rule add and rule del.\n"
	      "       Objects, commands and keywords may be shortened to a prefix; a\n"
	      "       prefix that fits several objects means the first in the order\n"
	      "       above: \"r\" is rule, \"re\" is reload, \"ru sh\" is rule show.\n"
	      "       -j prints JSON (one array per listing), -p indents it.\n"
	      "       -c makes rule show print the rules in mcrd.conf syntax.\n"
	      "       -S is the control socket, " MCR_CTL_SOCKET " by default.\n"
	      "       -b runs one command per line of FILE (- for stdin); # starts a\n"
	      "       comment; it stops at the first failing line unless -force.\n"
	      "Exit codes: 0 success, 1 syntax or usage error, 2 mcrd refused or\n"
	      "cannot be reached.\n",
	      fp);
}

static void usage_all(FILE *fp)
{
	usage(fp);
	for (size_t i = 0; i < N_ENTRIES; i++)
		if (entries[i].obj && !entries[i].shortcut) {
			fputc('\n', fp);
			mcrctl_usage(entries[i].obj, fp);
		}
}

static int find_entry(const char *word)
{
	for (size_t i = 0; i < N_ENTRIES; i++)
		if (mcrctl_matches(word, entries[i].name))
			return (int)i;
	return -1;
}

static int help(int argc, char **argv)
{
	int i;

	if (argc > 0 && (i = find_entry(argv[0])) >= 0 && entries[i].obj) {
		mcrctl_usage(entries[i].obj, stdout);
		return MCRCTL_EXIT_OK;
	}
	usage_all(stdout);
	return MCRCTL_EXIT_OK;
}

/* Runs "OBJECT ARGS..." and returns its exit code. */
static int run(int argc, char **argv)
{
	int i = find_entry(argv[0]);

	if (i < 0) {
		mcrctl_err("unknown object \"%s\", try \"mcrctl help\"", mcr_esc_name(argv[0]));
		usage(mcrctl_errfp());
		return MCRCTL_EXIT_USAGE;
	}
	if (!entries[i].obj)
		return help(argc - 1, argv + 1);
	if (mcrctl_opt.conf && entries[i].obj != &mcrctl_rule_object) {
		mcrctl_err("-config applies to rule show only, not to \"%s\"", entries[i].name);
		return MCRCTL_EXIT_USAGE;
	}
	if (entries[i].shortcut)
		return mcrctl_dispatch(entries[i].obj, argc, argv);
	return mcrctl_dispatch(entries[i].obj, argc - 1, argv + 1);
}

static int batch(const char *file, bool force)
{
	FILE *fp = strcmp(file, "-") ? fopen(file, "r") : stdin;
	char *line = NULL, prefix[MCR_ESC_PATH + 16], name[MCR_ESC_PATH];
	size_t cap = 0;
	unsigned lineno = 0;
	int last = MCRCTL_EXIT_OK, rc;

	mcr_esc(strcmp(file, "-") ? file : "<stdin>", name, sizeof(name));
	if (!fp) {
		mcrctl_err("cannot open %s: %s", name, strerror(errno));
		return MCRCTL_EXIT_USAGE;
	}
	while ((rc = mcrctl_read_line(fp, &line, &cap, MCRCTL_LINE_MAX)) != 0) {
		int max, argc, ret;
		char **argv;

		lineno++;
		snprintf(prefix, sizeof(prefix), "%s:%u: ", name, lineno);
		mcrctl_opt.err_prefix = prefix;
		if (rc < 0) {
			/* No next line to go on with: stop, -force or not. */
			if (rc == -E2BIG)
				mcrctl_err("line is longer than %u bytes", MCRCTL_LINE_MAX);
			else if (rc == -EINVAL)
				mcrctl_err("line holds a NUL byte");
			else
				mcrctl_err("cannot read: %s", strerror(-rc));
			last = MCRCTL_EXIT_USAGE;
			break;
		}
		max = (int)(strlen(line) / 2 + 2);
		argv = calloc((size_t)max, sizeof(*argv));
		if (!argv) {
			mcrctl_err("out of memory");
			ret = MCRCTL_EXIT_USAGE;
		} else if ((argc = mcrctl_split_line(line, argv, max)) < 0) {
			mcrctl_err("unterminated quote");
			ret = MCRCTL_EXIT_USAGE;
		} else {
			ret = argc ? run(argc, argv) : MCRCTL_EXIT_OK;
		}
		free(argv);
		fflush(stdout);
		if (ret) {
			last = ret;
			if (!force)
				break;
		}
	}
	mcrctl_opt.err_prefix = "";
	free(line);
	if (fp != stdin)
		fclose(fp);
	return last;
}

int main(int argc, char **argv)
{
	const char *batch_file = NULL;
	bool force = false;
	int ret;

	while (argc > 1 && argv[1][0] == '-' && argv[1][1]) {
		const char *opt = argv[1];

		if (opt[1] == '-' && opt[2]) /* --json is -json */
			opt++;
		if (mcrctl_matches(opt, "-statistics") || mcrctl_matches(opt, "-stats")) {
			mcrctl_opt.stats = true;
		} else if (mcrctl_matches(opt, "-json")) {
			mcrctl_opt.json = true;
		} else if (mcrctl_matches(opt, "-pretty")) {
			mcrctl_opt.pretty = true;
		} else if (mcrctl_matches(opt, "-config")) {
			mcrctl_opt.conf = true;
		} else if (mcrctl_matches(opt, "-Socket") || mcrctl_matches(opt, "-batch")) {
			if (argc < 3) {
				mcrctl_missing_arg(argv[1]);
				return MCRCTL_EXIT_USAGE;
			}
			if (opt[1] == 'S')
				mcrctl_opt.socket = argv[2];
			else
				batch_file = argv[2];
			argc--, argv++;
		} else if (mcrctl_matches(opt, "-force")) {
			force = true;
		} else if (mcrctl_matches(opt, "-Version")) {
			printf("mcrctl %s (control protocol %d)\n", MCRCTL_VERSION, MCR_CTL_VERSION);
			return MCRCTL_EXIT_OK;
		} else if (mcrctl_matches(opt, "-help")) {
			usage_all(stdout);
			return MCRCTL_EXIT_OK;
		} else {
			mcrctl_err("unknown option \"%s\", try \"mcrctl help\"", mcr_esc_name(argv[1]));
			usage(stderr);
			return MCRCTL_EXIT_USAGE;
		}
		argc--, argv++;
	}
	if (mcrctl_opt.conf && (mcrctl_opt.json || mcrctl_opt.stats)) {
		mcrctl_err("-config prints mcrd.conf syntax: not with %s",
			   mcrctl_opt.json ? "-json" : "-statistics");
		return MCRCTL_EXIT_USAGE;
	}
	mcrctl_print_setup(NULL, mcrctl_opt.json, mcrctl_opt.pretty);

	if (batch_file) {
		if (argc > 1) {
			mcrctl_err("\"%s\": no command may follow -batch FILE", mcr_esc_name(argv[1]));
			return MCRCTL_EXIT_USAGE;
		}
		ret = batch(batch_file, force);
	} else if (argc > 1) {
		ret = run(argc - 1, argv + 1);
	} else {
		usage(stderr);
		ret = MCRCTL_EXIT_USAGE;
	}
	mcrctl_client_close();
	if (fflush(stdout) && !ret)
		ret = MCRCTL_EXIT_USAGE;
	return ret;
}
