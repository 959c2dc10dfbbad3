/*
 * The command tables: each object (rule, link, ...) is one table whose rows
 * drive both dispatch and the usage text, so the two cannot drift apart.
 */
#include <string.h>

#include "esc.h"
#include "mcrctl.h"

void mcrctl_usage(const struct mcrctl_object *o, FILE *fp)
{
	const char *lead = "Usage:";

	if (o->bare_args) {
		fprintf(fp, "%s mcrctl %s%s%s\n", lead, o->name, o->bare_args[0] ? " " : "",
			o->bare_args);
		lead = "      ";
	}
	for (const struct mcrctl_cmd *c = o->cmds; c->name; c++) {
		if (!c->args)
			continue;
		fprintf(fp, "%s mcrctl %s %s%s%s\n", lead, o->name, c->name, c->args[0] ? " " : "",
			c->args);
		lead = "      ";
	}
	fputs(o->notes, fp);
}

int mcrctl_dispatch(const struct mcrctl_object *o, int argc, char **argv)
{
	const struct mcrctl_cmd *c;

	if (argc < 1 && o->bare)
		return o->bare(0, argv);
	for (c = o->cmds; argc > 0 && c->name; c++)
		if (mcrctl_matches(argv[0], c->name))
			break;
	if (argc < 1 || !c->name) {
		if (argc < 1)
			mcrctl_err("\"%s\" needs a command", o->name);
		else
			mcrctl_err("unknown command \"%s\" for \"%s\"", mcr_esc_name(argv[0]), o->name);
		mcrctl_usage(o, mcrctl_errfp());
		return MCRCTL_EXIT_USAGE;
	}
	if (!c->fn) {
		mcrctl_usage(o, stdout);
		return MCRCTL_EXIT_OK;
	}
	return c->fn(argc - 1, argv + 1);
}
