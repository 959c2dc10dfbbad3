/* Text or JSON output through one set of calls (see print.h). */
#include "print.h"

#include <stdarg.h>
#include <string.h>

#define DEPTH_MAX 16

static struct {
	FILE *fp;
	bool json, pretty;
	int depth;                   /* open containers */
	bool array[DEPTH_MAX + 1];   /* container at depth d is an array */
	unsigned count[DEPTH_MAX + 1]; /* values written in it */
} P;

void mcrctl_print_setup(FILE *fp, bool json, bool pretty)
{
	memset(&P, 0, sizeof(P));
	P.fp = fp;
	P.json = json;
	P.pretty = pretty;
}

bool mcrctl_print_is_json(void)
{
	return P.json;
}

FILE *mcrctl_print_fp(void)
{
	return P.fp ? P.fp : stdout;
}

static void newline_indent(int depth)
{
	fputc('\n', mcrctl_print_fp());
	for (int i = 0; i < depth; i++)
		fputs("    ", mcrctl_print_fp());
}

/* Length of the valid UTF-8 sequence at s, or 0. */
static int utf8_len(const unsigned char *s)
{
	int n;
	unsigned char lo = 0x80, hi = 0xbf;

	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 0;
	/* No overlong forms, no surrogates, nothing above U+10FFFF. */
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (int i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

void mcrctl_json_escape(FILE *fp, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	fputc('"', fp);
	while (*s) {
		int n;

		switch (*s) {
		case '"': fputs("\\\"", fp); break;
		case '\\': fputs("\\\\", fp); break;
		case '\b': fputs("\\b", fp); break;
		case '\f': fputs("\\f", fp); break;
		case '\n': fputs("\\n", fp); break;
		case '\r': fputs("\\r", fp); break;
		case '\t': fputs("\\t", fp); break;
		default:
			if (*s < 0x20 || *s == 0x7f) {
				fprintf(fp, "\\u%04x", *s);
			} else if (*s < 0x80) {
				fputc(*s, fp);
			} else if ((n = utf8_len(s)) > 0) {
				fwrite(s, 1, (size_t)n, fp);
				s += n;
				continue;
			} else {
				fputs("\\ufffd", fp);
			}
		}
		s++;
	}
	fputc('"', fp);
}

/* Separator and key before a JSON value at the current depth. */
static void json_member(const char *key)
{
	FILE *fp = mcrctl_print_fp();

	if (P.count[P.depth]++)
		fputc(P.depth ? ',' : '\n', fp);
	if (P.depth && P.pretty)
		newline_indent(P.depth);
	if (P.depth && !P.array[P.depth]) {
		mcrctl_json_escape(fp, key ? key : "");
		fputs(P.pretty ? ": " : ":", fp);
	}
}

static void json_open(const char *key, bool array)
{
	if (P.depth == DEPTH_MAX)
		return;
	json_member(key);
	fputc(array ? '[' : '{', mcrctl_print_fp());
	P.depth++;
	P.array[P.depth] = array;
	P.count[P.depth] = 0;
}

static void json_close(bool array)
{
	FILE *fp = mcrctl_print_fp();

	if (P.depth == 0)
		return;
	if (P.pretty && P.count[P.depth])
		newline_indent(P.depth - 1);
	fputc(array ? ']' : '}', fp);
	if (--P.depth == 0) {
		fputc('\n', fp);
		P.count[0] = 0;
	}
}

void mcrctl_open_object(const char *key)
{
	if (P.json)
		json_open(key, false);
}

void mcrctl_close_object(void)
{
	if (P.json)
		json_close(false);
}

void mcrctl_open_array(const char *key)
{
	if (P.json)
		json_open(key, true);
}

void mcrctl_close_array(void)
{
	if (P.json)
		json_close(true);
}

void mcrctl_print_start(void)
{
	mcrctl_open_array(NULL);
}

void mcrctl_print_end(void)
{
	mcrctl_close_array();
}

void mcrctl_print_string(enum mcrctl_pt t, const char *key, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (P.json && (t & MCRCTL_JSON)) {
		const char *v = va_arg(ap, const char *);

		json_member(key);
		if (v)
			mcrctl_json_escape(mcrctl_print_fp(), v);
		else
			fputs("null", mcrctl_print_fp());
	} else if (!P.json && (t & MCRCTL_TEXT)) {
		vfprintf(mcrctl_print_fp(), fmt, ap);
	}
	va_end(ap);
}

void mcrctl_print_uint(enum mcrctl_pt t, const char *key, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (P.json && (t & MCRCTL_JSON)) {
		json_member(key);
		fprintf(mcrctl_print_fp(), "%u", va_arg(ap, unsigned));
	} else if (!P.json && (t & MCRCTL_TEXT)) {
		vfprintf(mcrctl_print_fp(), fmt, ap);
	}
	va_end(ap);
}

void mcrctl_print_int(enum mcrctl_pt t, const char *key, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (P.json && (t & MCRCTL_JSON)) {
		json_member(key);
		fprintf(mcrctl_print_fp(), "%d", va_arg(ap, int));
	} else if (!P.json && (t & MCRCTL_TEXT)) {
		vfprintf(mcrctl_print_fp(), fmt, ap);
	}
	va_end(ap);
}

void mcrctl_print_u64(enum mcrctl_pt t, const char *key, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (P.json && (t & MCRCTL_JSON)) {
		json_member(key);
		fprintf(mcrctl_print_fp(), "%llu", (unsigned long long)va_arg(ap, uint64_t));
	} else if (!P.json && (t & MCRCTL_TEXT)) {
		vfprintf(mcrctl_print_fp(), fmt, ap);
	}
	va_end(ap);
}

void mcrctl_print_null(enum mcrctl_pt t, const char *key, const char *text)
{
	if (P.json && (t & MCRCTL_JSON)) {
		json_member(key);
		fputs("null", mcrctl_print_fp());
	} else if (!P.json && (t & MCRCTL_TEXT) && text) {
		fputs(text, mcrctl_print_fp());
	}
}

void mcrctl_print_text(const char *fmt, ...)
{
	va_list ap;

	if (P.json)
		return;
	va_start(ap, fmt);
	vfprintf(mcrctl_print_fp(), fmt, ap);
	va_end(ap);
}

void mcrctl_print_nl(void)
{
	if (!P.json)
		fputc('\n', mcrctl_print_fp());
}
