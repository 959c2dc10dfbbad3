/*
 * User strings (names, paths, arguments) as they may appear in a message:
 * escaped so that no byte reaches a terminal or a log raw, and cut so that
 * a huge one cannot flood either.  Every message that quotes a user string
 * goes through mcr_esc().
 */
#ifndef MCR_ESC_H
#define MCR_ESC_H

#include <stddef.h>

/* Buffer sizes: a name shows up to 64 characters, a path up to 252. */
#define MCR_ESC_NAME 68
#define MCR_ESC_PATH 256

/*
 * Writes s into buf (len >= 4 bytes) with every byte outside printable
 * ASCII as \xNN and a backslash as \\.  When the result does not fit, it
 * is cut at a whole character and ends in "...".  NULL prints as "".
 * Returns buf.
 */
const char *mcr_esc(const char *s, char *buf, size_t len);
/*
 * mcr_esc() of s into one of four static buffers of MCR_ESC_NAME bytes, for
 * a message quoting up to four user strings.  Not for threads.
 */
const char *mcr_esc_name(const char *s);
/*
 * The safety net of a whole formatted message: each byte outside printable
 * ASCII becomes '?', in place.  Returns s.
 */
char *mcr_sanitize(char *s);

#endif
