/*
 * libconfig 1.5 reads an integer literal without an L suffix as a 32-bit
 * int and silently wraps it: "port = 4294972297;" reads as 5001.  Before
 * libconfig sees the text, each integer literal outside the 32-bit range is
 * rewritten as the 64-bit literal of the same value ("4294972297L"), so the
 * range checks see the number as written.  A value beyond 64 bits becomes
 * INT64_MAX or INT64_MIN, which no range check accepts either.
 */
#ifndef MCR_CONFINT_H
#define MCR_CONFINT_H

/*
 * text with those literals rewritten (line breaks untouched, so lines keep
 * their numbers): a new malloc'ed string, or NULL (out of memory).
 */
char *mcr_conf_widen_ints(const char *text);

#endif
