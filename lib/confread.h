/*
 * Reading a rule file (or a drop-in) whole, without ever blocking: only a
 * regular file is read, so a FIFO or a device named as a rule file is
 * refused instead of hanging the daemon that reads it.
 */
#ifndef MCR_CONFREAD_H
#define MCR_CONFREAD_H

#include <stddef.h>

#define MCR_CONFIG_MAX_BYTES (16u << 20)

/*
 * Reads path into *text (NUL-terminated, malloc'ed; *len bytes).  0, or
 * -errno with *why the reason to print after the file name: "the path is
 * empty", "is a directory", "not a regular file", "larger than 16 MiB", or
 * strerror().
 */
int mcr_conf_read(const char *path, char **text, size_t *len, const char **why);

#endif
