/*
 * Integer literals libconfig would wrap, rewritten as 64-bit literals.
 * The scan follows libconfig's lexer as far as it matters here: strings,
 * the three comment forms, and words (names, numbers, floats).
 */
#include "confint.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool word_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '*' || c == '.' || c == '-' ||
	       c == '+';
}

static int digit_value(char c, unsigned base)
{
	if (isdigit((unsigned char)c))
		return c - '0';
	if (base == 16 && isxdigit((unsigned char)c))
		return tolower((unsigned char)c) - 'a' + 10;
	return -1;
}

/*
 * Whether word w (n bytes) is an integer literal as libconfig reads one:
 * [-+]?[0-9]+ or 0[xX][0-9a-fA-F]+, either with an optional L or LL.
 * Its value goes to *v, saturated at the 64-bit limits.
 */
static bool int_literal(const char *w, size_t n, int64_t *v)
{
	bool hex = n > 2 && w[0] == '0' && (w[1] == 'x' || w[1] == 'X'), neg = false;
	unsigned base = hex ? 16 : 10;
	uint64_t u = 0, limit;
	bool over = false;
	size_t i = hex ? 2 : 0;

	for (int l = 0; l < 2 && n > i && w[n - 1] == 'L'; l++)
		n--;
	if (!hex && n && (w[0] == '-' || w[0] == '+'))
		neg = w[i++] == '-';
	if (i >= n)
		return false;
	for (; i < n; i++) {
		int d = digit_value(w[i], base);

		if (d < 0)
			return false;
		if (u > (UINT64_MAX - (unsigned)d) / base)
			over = true;
		else
			u = u * base + (unsigned)d;
	}
	limit = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	if (over || u > limit)
		u = limit;
	*v = !neg ? (int64_t)u : u == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)u;
	return true;
}

/* Copies what is kept of text[0..n) to out (when not NULL); returns its length. */
static size_t keep(char *out, const char *text, size_t n)
{
	if (out)
		memcpy(out, text, n);
	return n;
}

/* Where the comment or string starting at p ends (past it), or NULL if none starts. */
static const char *skip_non_code(const char *p)
{
	if (*p == '"') {
		for (p++; *p && *p != '"'; p++)
			if (*p == '\\' && p[1])
				p++;
		return *p ? p + 1 : p;
	}
	if (*p == '#' || (p[0] == '/' && p[1] == '/'))
		return p + strcspn(p, "\n");
	if (p[0] == '/' && p[1] == '*') {
		const char *e = strstr(p + 2, "*/");

		return e ? e + 2 : p + strlen(p);
	}
	return NULL;
}

/* The rewritten text into out (NULL: only measured); returns its length. */
static size_t widen(const char *text, char *out)
{
	const char *p = text;
	size_t len = 0;

	while (*p) {
		const char *e = skip_non_code(p);
		int64_t v;
		size_t n;

		if (e) {
			len += keep(out ? out + len : NULL, p, (size_t)(e - p));
			p = e;
			continue;
		}
		if (!word_char(*p) || (p > text && word_char(p[-1]))) {
			len += keep(out ? out + len : NULL, p++, 1);
			continue;
		}
		for (n = 0; word_char(p[n]); n++)
			;
		if (int_literal(p, n, &v) && (v < INT32_MIN || v > INT32_MAX)) {
			char lit[32];

			len += keep(out ? out + len : NULL, lit,
				    (size_t)snprintf(lit, sizeof(lit), "%" PRId64 "L", v));
		} else {
			len += keep(out ? out + len : NULL, p, n);
		}
		p += n;
	}
	return len;
}

char *mcr_conf_widen_ints(const char *text)
{
	size_t len = widen(text, NULL);
	char *out = malloc(len + 1);

	if (!out)
		return NULL;
	widen(text, out);
	out[len] = 0;
	return out;
}
