/*
 * The config loader on file text (lib/config.c): the input is written to
 * a file in a private directory and loaded with mcr_config_load_file(), as
 * mcrd does.  Includes are followed for real, relative to that directory,
 * which holds a few drop-ins (conf.d/), one including itself to reach the
 * depth limit.  An input with no include at all is also loaded with
 * mcr_config_load_string(), which must come to the same result.
 *
 * Include patterns that could leave that directory (absolute, "..", a
 * component starting with ".", brackets, escapes) are not run: the harness
 * must not read /dev/zero or the host's files.  That is a limit of the
 * harness, not of the loader.
 */
#include <errno.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "fuzz.h"
#include "rule.h"

static char dir[] = "/tmp/mcrd-fuzz-config.XXXXXX";
static char conf_path[sizeof(dir) + 16];

static void put(const char *name, const void *data, size_t len)
{
	char path[sizeof(dir) + 64];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (!(f = fopen(path, "w")) || fwrite(data, 1, len, f) != len || fclose(f))
		abort();
}

static void put_file(const char *name, const char *text)
{
	put(name, text, strlen(text));
}

static int rm_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	return remove(path);
}

/* The private directory goes when the run ends. */
static void rm_dir(void)
{
	nftw(dir, rm_entry, 8, FTW_DEPTH | FTW_PHYS);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char sub[sizeof(dir) + 8];

	(void)argc;
	(void)argv;
	if (!mkdtemp(dir))
		abort();
	atexit(rm_dir);
	snprintf(sub, sizeof(sub), "%s/conf.d", dir);
	snprintf(conf_path, sizeof(conf_path), "%s/fuzz.conf", dir);
	if (mkdir(sub, 0700))
		abort();
	put_file("conf.d/10-cam.conf",
		 "rules = ( { name = \"cam2\"; in = { dev = \"eth0\"; group = \"239.1.1.2\";"
		 " port = 5002; }; out = { dev = \"eth1\"; ttl = 3; }; } );\n");
	put_file("conf.d/20-bad.conf", "workers = 2;\nrules = ( { name = \"x y\"; } );\n");
	put_file("conf.d/30-loop.conf", "@include \"30-loop.conf\"\nrules = ();\n");
	put_file("conf.d/40-syntax.conf", "rules = ( { name = ; \n");
	put_file("main.conf", "@include \"conf.d/10-cam.conf\"\nrules = ();\n");
	return 0;
}

/* Would this include pattern stay in the harness's directory? */
static bool pattern_safe(const char *p, size_t n)
{
	if (n && p[0] == '/')
		return false;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '[' || p[i] == '\\' || p[i] == '\n')
			return false;
		if (p[i] == '.' && (i == 0 || p[i - 1] == '/'))
			return false;
	}
	return true;
}

/* Every line naming "include" is checked, a superset of what the loader follows. */
static bool includes_safe(const char *text)
{
	for (const char *p = text; (p = strstr(p, "include")); p += 7) {
		const char *eol = strchr(p, '\n'), *open, *close;

		if (!eol)
			eol = p + strlen(p);
		open = memchr(p, '"', (size_t)(eol - p));
		while (open) {
			close = memchr(open + 1, '"', (size_t)(eol - open - 1));
			if (!pattern_safe(open + 1, (size_t)((close ? close : eol) - open - 1)))
				return false;
			if (!close)
				break;
			open = memchr(close + 1, '"', (size_t)(eol - close - 1));
		}
	}
	return true;
}

static void check_config(const struct mcr_config *c)
{
	char line[4096];

	FUZZ_ASSERT(c->workers <= MCR_MAX_WORKERS);
	FUZZ_ASSERT(c->user[0] && strnlen(c->user, MCR_USER_MAX) < MCR_USER_MAX);
	for (size_t i = 0; i < c->rules.n; i++) {
		const struct mcr_rule *r = &c->rules.v[i];
		struct mcr_errlist el;

		/* A loaded rule is valid on its own and unique in its set. */
		FUZZ_ASSERT(mcr_rule_name_valid(r->name));
		FUZZ_ASSERT(mcr_ruleset_find(&c->rules, r->name) == r);
		FUZZ_ASSERT(mcr_ruleset_find_input(&c->rules, &r->in) == r);
		mcr_errlist_init(&el, NULL);
		FUZZ_ASSERT(mcr_rule_check(r, &el) == 0 && el.n == 0);
		mcr_errlist_free(&el);
		FUZZ_ASSERT(r->origin == MCR_ORIGIN_CONFIG);
		(void)mcr_rule_format(r, line, sizeof(line));
	}
}

/* Loads with one of the two entry points; returns the result, the rule and problem counts. */
static int load(bool file, const char *text, size_t *nrules, size_t *nerr)
{
	char line[1024];
	struct mcr_config c;
	struct mcr_errlist el;
	int r;

	mcr_errlist_init(&el, file ? NULL : conf_path);
	r = file ? mcr_config_load_file(conf_path, &c, &el) : mcr_config_load_string(text, &c, &el);
	FUZZ_ASSERT(r == 0 || r == -EINVAL || r == -ENOMEM);
	/* Every failure says why; success has nothing to say. */
	FUZZ_ASSERT((r == 0) == (el.n == 0) || r == -ENOMEM);
	for (size_t i = 0; i < el.n; i++)
		mcr_errlist_format(&el, i, line, sizeof(line));
	*nerr = el.n;
	*nrules = 0;
	if (r == 0) {
		check_config(&c);
		*nrules = c.rules.n;
		mcr_config_free(&c);
	} else {
		FUZZ_ASSERT(c.rules.n == 0 && !c.rules.v);
	}
	mcr_errlist_free(&el);
	return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);
	size_t nrules, nerr, nrules2, nerr2;
	int r, r2;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	/* The file holds the bytes as they are, NULs too; the string stops at one. */
	if (includes_safe(text) && !memmem(data, size, "include", 7) == !strstr(text, "include")) {
		put("fuzz.conf", data, size);
		r = load(true, NULL, &nrules, &nerr);
		if (!strstr(text, "include") && !memchr(data, 0, size)) {
			r2 = load(false, text, &nrules2, &nerr2);
			FUZZ_ASSERT(r == r2 && nrules == nrules2 && nerr == nerr2);
		}
	}
	free(text);
	return 0;
}
