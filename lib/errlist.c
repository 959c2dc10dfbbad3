/* Problem lists: growing array; allocation failure keeps what it has. */
#include "errlist.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esc.h"

void mcr_errlist_init(struct mcr_errlist *el, const char *file)
{
	memset(el, 0, sizeof(*el));
	el->file = file;
}

void mcr_errlist_free(struct mcr_errlist *el)
{
	free(el->v);
	el->v = NULL;
	el->n = el->cap = 0;
}

void mcr_errlist_add(struct mcr_errlist *el, int line, const char *fmt, ...)
{
	va_list ap;

	if (el->n == el->cap) {
		size_t cap = el->cap ? el->cap * 2 : 8;
		struct mcr_err *v = realloc(el->v, cap * sizeof(*v));

		if (!v)
			return;
		el->v = v;
		el->cap = cap;
	}
	mcr_esc(el->file, el->v[el->n].file, sizeof(el->v[el->n].file));
	el->v[el->n].line = line;
	va_start(ap, fmt);
	vsnprintf(el->v[el->n].msg, sizeof(el->v[el->n].msg), fmt, ap);
	va_end(ap);
	mcr_sanitize(el->v[el->n].msg);
	el->n++;
}

void mcr_errlist_format(const struct mcr_errlist *el, size_t i, char *buf, size_t len)
{
	const struct mcr_err *e = &el->v[i];

	if (e->file[0] && e->line > 0)
		snprintf(buf, len, "%s:%d: %s", e->file, e->line, e->msg);
	else if (e->file[0])
		snprintf(buf, len, "%s: %s", e->file, e->msg);
	else
		snprintf(buf, len, "%s", e->msg);
}
