/* A list of "FILE:LINE: reason" problems, collected so every one is reported. */
#ifndef MCR_ERRLIST_H
#define MCR_ERRLIST_H

#include <stddef.h>

struct mcr_err {
	char file[256]; /* el->file when the problem was added, escaped; "" for none */
	int line;       /* 0 when no line applies */
	char msg[256];
};

struct mcr_errlist {
	const char *file; /* prefix of problems added from now on; may be NULL */
	struct mcr_err *v;
	size_t n, cap;
};

void mcr_errlist_init(struct mcr_errlist *el, const char *file);
void mcr_errlist_free(struct mcr_errlist *el);
/*
 * Adds a problem.  Callers quote user strings through mcr_esc(); any
 * control byte left in the message still becomes '?'.
 */
void mcr_errlist_add(struct mcr_errlist *el, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Formats entry i as "FILE:LINE: msg" (or "FILE: msg", or "msg"). */
void mcr_errlist_format(const struct mcr_errlist *el, size_t i, char *buf, size_t len);

#endif
