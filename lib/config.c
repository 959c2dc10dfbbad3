/*
 * Rule file loader.  libconfig does the syntax; this file reads the files
 * (includes too) and the global settings, confrule.c each rule, and both
 * report every problem with the line it is on.
 */
#include "config.h"

#include <errno.h>
#include <glob.h>
#include <libconfig.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "confglobal.h"
#include "confint.h"
#include "confread.h"
#include "confrule.h"
#include "esc.h"

static const char *const top_keys[] = { "workers", "user", "gso", "loop_guard_ms", "metrics",
					 "spread_outputs", "rx_ring_mib", "rules", "igmp", NULL };

/* Settings of the main file, or (included) of a drop-in: rules only. */
static int load(config_t *cf, struct mcr_config *c, struct mcr_errlist *el, bool included)
{
	static const char *const dropin_keys[] = { "rules", NULL };
	const config_setting_t *root = config_root_setting(cf), *s;
	size_t before = el->n;

	mcr_conf_check_keys(el, root, included ? dropin_keys : top_keys,
			    included ? "an included file (only rules may be set there)" : "the top level");
	if (!included)
		mcr_conf_globals(root, c, el);
	if ((s = config_setting_get_member(root, "rules")))
		mcr_conf_rules(el, s, c);
	return el->n == before ? 0 : -EINVAL;
}

void mcr_config_init(struct mcr_config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->user, sizeof(c->user), "mcrd");
	c->loop_guard_ms = MCR_LOOP_GUARD_DEFAULT;
	c->spread_outputs = MCR_SPREAD_DEFAULT;
	c->rx_ring_mib = MCR_RX_RING_DEFAULT;
	mcr_ruleset_init(&c->rules);
}

void mcr_config_free(struct mcr_config *c)
{
	mcr_ruleset_free(&c->rules);
}

#define INCLUDE_DEPTH    4
#define MAX_INCLUDES     16

struct includes {
	char *pattern[MAX_INCLUDES];
	int line[MAX_INCLUDES];
	unsigned n;
};

/*
 * `@include "PATTERN"` (or `include "PATTERN"`) alone on a line: mcrd
 * handles it, not libconfig (1.5 has no wildcards, and every drop-in has
 * its own rules list).  The line is blanked so line numbers stay exact.
 */
static void take_includes(char *text, const char *base, struct includes *inc,
			  struct mcr_errlist *el)
{
	int line = 1;

	for (char *p = text; *p; line++) {
		char *eol = strchr(p, '\n'), *q = p, *open, *close;

		if (!eol)
			eol = p + strlen(p);
		while (q < eol && (*q == ' ' || *q == '\t'))
			q++;
		if (*q == '@')
			q++;
		if (eol - q > 8 && !strncmp(q, "include", 7) && (q[7] == ' ' || q[7] == '\t') &&
		    (open = memchr(q, '"', (size_t)(eol - q)))) {
			close = memchr(open + 1, '"', (size_t)(eol - open - 1));
			/* libconfig would read a name going on to the next line itself. */
			if (!close) {
				mcr_errlist_add(el, line, "include: the file name must end on its line");
			} else if (inc->n == MAX_INCLUDES) {
				mcr_errlist_add(el, line, "more than %d includes", MAX_INCLUDES);
			} else if (asprintf(&inc->pattern[inc->n], "%s%.*s",
					    open[1] == '/' ? "" : base, (int)(close - open - 1),
					    open + 1) >= 0) {
				inc->line[inc->n++] = line;
			}
			memset(p, ' ', (size_t)(eol - p));
		}
		p = *eol ? eol + 1 : eol;
	}
}

static int load_text(char *text, const char *path, struct mcr_config *c,
		     struct mcr_errlist *el, int depth);

/* Reads path whole and loads it; problems are reported against path. */
static int load_path(const char *path, struct mcr_config *c, struct mcr_errlist *el, int depth)
{
	const char *saved = el->file, *why;
	char *text = NULL;
	size_t n = 0;
	int err;

	el->file = path;
	err = mcr_conf_read(path, &text, &n, &why);
	if (err)
		mcr_errlist_add(el, 0, "%s", why);
	else
		err = load_text(text, path, c, el, depth);
	free(text);
	el->file = saved;
	return err;
}

static void load_includes(const struct includes *inc, struct mcr_config *c,
			  struct mcr_errlist *el, int depth)
{
	for (unsigned i = 0; i < inc->n; i++) {
		char e[MCR_ESC_PATH];
		glob_t g;
		int r;

		if (depth >= INCLUDE_DEPTH) {
			mcr_errlist_add(el, inc->line[i], "includes nested more than %d deep",
					INCLUDE_DEPTH);
			continue;
		}
		r = glob(inc->pattern[i], 0, NULL, &g);
		if (r)
			globfree(&g); /* safe after a failure; the paths below do not use g */
		mcr_esc(inc->pattern[i], e, sizeof(e));
		if (r == GLOB_NOMATCH && !strpbrk(inc->pattern[i], "*?[")) {
			mcr_errlist_add(el, inc->line[i], "include \"%s\": %s", e, strerror(ENOENT));
			continue;
		}
		if (r == GLOB_NOMATCH)
			continue; /* a wildcard matching nothing (an empty conf.d) is fine */
		if (r) {
			mcr_errlist_add(el, inc->line[i], "include \"%s\": cannot be expanded", e);
			continue;
		}
		/* glob() sorts, so drop-ins load in name order. */
		for (size_t k = 0; k < g.gl_pathc; k++)
			load_path(g.gl_pathv[k], c, el, depth + 1);
		globfree(&g);
	}
}

static int load_text(char *text, const char *path, struct mcr_config *c,
		     struct mcr_errlist *el, int depth)
{
	struct includes inc = { .n = 0 };
	char *base = NULL, *slash, *wide;
	size_t before = el->n;
	config_t cf;

	/* Relative include patterns are relative to the including file. */
	if (path && (slash = strrchr(path, '/')))
		base = strndup(path, (size_t)(slash - path + 1));
	take_includes(text, base ? base : "", &inc, el);
	free(base);
	if (!(wide = mcr_conf_widen_ints(text)))
		mcr_errlist_add(el, 0, "out of memory");
	config_init(&cf);
	if (wide && config_read_string(&cf, wide) != CONFIG_TRUE)
		mcr_errlist_add(el, config_error_line(&cf), "%s",
				config_error_text(&cf) ? config_error_text(&cf) : "cannot be read");
	else if (wide)
		load(&cf, c, el, depth > 0);
	config_destroy(&cf);
	free(wide);
	load_includes(&inc, c, el, depth);
	for (unsigned i = 0; i < inc.n; i++)
		free(inc.pattern[i]);
	return el->n == before ? 0 : -EINVAL;
}

int mcr_config_load_file(const char *path, struct mcr_config *c, struct mcr_errlist *el)
{
	int err;

	mcr_config_init(c);
	err = load_path(path, c, el, 0);
	if (err)
		mcr_config_free(c);
	return err;
}

int mcr_config_load_string(const char *text, struct mcr_config *c, struct mcr_errlist *el)
{
	char *copy = strdup(text);
	int err;

	mcr_config_init(c);
	if (!copy)
		return -ENOMEM;
	err = load_text(copy, NULL, c, el, 0);
	free(copy);
	if (err)
		mcr_config_free(c);
	return err;
}
