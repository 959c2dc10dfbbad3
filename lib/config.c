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
#include "confint.h"
#include "confread.h"
#include "confrule.h"
#include "esc.h"

static const char *const top_keys[] = { "workers",	    "user",  "gso", "loop_guard_ms",
					 "spread_outputs", "rules", NULL };

static int line_of(const config_setting_t *s)
{
	return (int)config_setting_source_line(s);
}

static int parse_workers(struct mcr_errlist *el, const config_setting_t *w, struct mcr_config *c)
{
	int type = config_setting_type(w);
	long long n;

	if (type == CONFIG_TYPE_STRING && !strcmp(config_setting_get_string(w), "auto")) {
		c->workers = 0;
		return 0;
	}
	if (type != CONFIG_TYPE_INT && type != CONFIG_TYPE_INT64) {
		mcr_errlist_add(el, line_of(w), "workers must be \"auto\" or 1..%d", MCR_MAX_WORKERS);
		return -EINVAL;
	}
	n = config_setting_get_int64(w);
	if (n < 1 || n > MCR_MAX_WORKERS) {
		if (n == INT64_MAX || n == INT64_MIN) /* beyond 64 bits (confint.h) */
			mcr_errlist_add(el, line_of(w), "workers out of range 1..%d", MCR_MAX_WORKERS);
		else
			mcr_errlist_add(el, line_of(w), "workers %lld out of range 1..%d", n,
					MCR_MAX_WORKERS);
		return -EINVAL;
	}
	c->workers = (unsigned)n;
	return 0;
}

/* An integer top-level setting in lo..hi, or the message and -EINVAL. */
static int top_uint(struct mcr_errlist *el, const config_setting_t *s, long long lo,
		    long long hi, const char *what, unsigned *out)
{
	int type = config_setting_type(s);
	long long v = type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64
			      ? config_setting_get_int64(s) : lo - 1;

	if (v < lo || v > hi) {
		mcr_errlist_add(el, line_of(s), "%s", what);
		return -EINVAL;
	}
	*out = (unsigned)v;
	return 0;
}

static int parse_user(struct mcr_errlist *el, const config_setting_t *u, struct mcr_config *c)
{
	const char *v = config_setting_type(u) == CONFIG_TYPE_STRING ? config_setting_get_string(u) : NULL;

	if (!v || !*v || strlen(v) >= sizeof(c->user)) {
		mcr_errlist_add(el, line_of(u), "user must be a user name of 1..%d characters",
				MCR_USER_MAX - 1);
		return -EINVAL;
	}
	snprintf(c->user, sizeof(c->user), "%s", v);
	return 0;
}

static int parse_gso(struct mcr_errlist *el, const config_setting_t *g, struct mcr_config *c)
{
	static const char *const names[] = { [MCR_GSO_AUTO] = "auto", [MCR_GSO_ON] = "on",
					     [MCR_GSO_OFF] = "off" };
	const char *v = config_setting_type(g) == CONFIG_TYPE_STRING ? config_setting_get_string(g) : NULL;

	for (unsigned i = 0; v && i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(v, names[i])) {
			c->gso = (enum mcr_gso)i;
			return 0;
		}
	}
	mcr_errlist_add(el, line_of(g), "gso must be \"auto\", \"on\" or \"off\"");
	return -EINVAL;
}


/* Settings of the main file, or (included) of a drop-in: rules only. */
static int load(config_t *cf, struct mcr_config *c, struct mcr_errlist *el, bool included)
{
	static const char *const dropin_keys[] = { "rules", NULL };
	const config_setting_t *root = config_root_setting(cf), *s;
	size_t before = el->n;

	mcr_conf_check_keys(el, root, included ? dropin_keys : top_keys,
			    included ? "an included file (only rules may be set there)" : "the top level");
	if (!included && (s = config_setting_get_member(root, "workers")))
		parse_workers(el, s, c);
	if (!included && (s = config_setting_get_member(root, "user")))
		parse_user(el, s, c);
	if (!included && (s = config_setting_get_member(root, "gso")))
		parse_gso(el, s, c);
	if (!included && (s = config_setting_get_member(root, "loop_guard_ms")))
		top_uint(el, s, 0, MCR_LOOP_GUARD_MAX,
			 "loop_guard_ms must be 0..10000 (milliseconds; 0: off)", &c->loop_guard_ms);
	if (!included && (s = config_setting_get_member(root, "spread_outputs")))
		top_uint(el, s, 0, MCR_MAX_OUTPUTS,
			 "spread_outputs must be 0..4096 (0: a rule is never spread)", &c->spread_outputs);
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
