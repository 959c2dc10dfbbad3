/*
 * One printing path for text and JSON, in the spirit of iproute2's
 * json_print: each call names the JSON key and the text format of one
 * value, and prints whichever the output mode wants.
 *
 *   mcrctl_print_string(MCRCTL_ANY, "dev", " in %s", dev);
 *
 * prints " in eth0" as text, or "dev":"eth0" in JSON.  MCRCTL_TEXT or
 * MCRCTL_JSON restrict a call to one mode.  Each value call takes exactly
 * one value after fmt, of the type its name says.
 */
#ifndef MCRCTL_PRINT_H
#define MCRCTL_PRINT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

enum mcrctl_pt {
	MCRCTL_TEXT = 1,
	MCRCTL_JSON = 2,
	MCRCTL_ANY = MCRCTL_TEXT | MCRCTL_JSON,
};

/* Output to fp (stdout when NULL), as JSON or text; resets the nesting. */
void mcrctl_print_setup(FILE *fp, bool json, bool pretty);
bool mcrctl_print_is_json(void);
FILE *mcrctl_print_fp(void);

/* The top-level JSON array of a listing ([ ... ] and a newline); text: nothing. */
void mcrctl_print_start(void);
void mcrctl_print_end(void);

/* JSON containers (key NULL inside arrays or at the top); text: nothing. */
void mcrctl_open_object(const char *key);
void mcrctl_close_object(void);
void mcrctl_open_array(const char *key);
void mcrctl_close_array(void);

void mcrctl_print_string(enum mcrctl_pt t, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void mcrctl_print_uint(enum mcrctl_pt t, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void mcrctl_print_int(enum mcrctl_pt t, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void mcrctl_print_u64(enum mcrctl_pt t, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* JSON null; text prints text as is (may be NULL). */
void mcrctl_print_null(enum mcrctl_pt t, const char *key, const char *text);
/* Text only. */
void mcrctl_print_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void mcrctl_print_nl(void);

/* Writes s as a JSON string literal, escaped (invalid UTF-8 becomes U+FFFD). */
void mcrctl_json_escape(FILE *fp, const char *s);

#endif
