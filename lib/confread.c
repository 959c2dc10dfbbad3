/* Reading a rule file: a regular file only, opened without blocking. */
#include "confread.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * Reads fd to its end into a NUL-terminated buffer that grows as needed
 * (a file still being written has no trustworthy size), up to
 * MCR_CONFIG_MAX_BYTES: one byte more is -EFBIG.
 */
static int read_whole(int fd, char **textp, size_t *np)
{
	size_t cap = 0, n = 0;
	char *text = NULL;

	for (;;) {
		ssize_t got;

		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 4096;
			char *t;

			if (cap > MCR_CONFIG_MAX_BYTES)
				break;
			if (ncap > MCR_CONFIG_MAX_BYTES)
				ncap = MCR_CONFIG_MAX_BYTES + 1;
			if (!(t = realloc(text, ncap + 1))) {
				free(text);
				return -ENOMEM;
			}
			text = t;
			cap = ncap;
		}
		got = read(fd, text + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int err = -errno;

			free(text);
			return err;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	if (n > MCR_CONFIG_MAX_BYTES) {
		free(text);
		return -EFBIG;
	}
	text[n] = 0;
	*textp = text;
	*np = n;
	return 0;
}

/* Why st is not a file to read, or NULL. */
static const char *not_regular(const struct stat *st, int *err)
{
	if (S_ISREG(st->st_mode))
		return NULL;
	*err = S_ISDIR(st->st_mode) ? -EISDIR : -EINVAL;
	return S_ISDIR(st->st_mode) ? "is a directory" : "not a regular file";
}

/*
 * Opens path, a regular file, for reading.  A device is never opened (stat
 * first), and the open cannot block (a FIFO's would wait for a writer):
 * what was opened is checked again, in case path changed in between.
 */
static int open_regular(const char *path, const char **why)
{
	struct stat st;
	int fd, err = 0;

	if (!*path) {
		*why = "the path is empty";
		return -ENOENT;
	}
	if (stat(path, &st) < 0) {
		err = -errno;
		*why = strerror(-err);
		return err;
	}
	if ((*why = not_regular(&st, &err)))
		return err;
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)) < 0) {
		err = -errno;
		*why = strerror(-err);
		return err;
	}
	if (fstat(fd, &st) < 0) {
		err = -errno;
		*why = strerror(-err);
	} else {
		*why = not_regular(&st, &err);
	}
	if (*why) {
		close(fd);
		return err;
	}
	return fd;
}

int mcr_conf_read(const char *path, char **text, size_t *len, const char **why)
{
	int fd = open_regular(path, why), err;

	if (fd < 0)
		return fd;
	err = read_whole(fd, text, len);
	close(fd);
	if (err == -EFBIG)
		*why = "larger than 16 MiB";
	else if (err)
		*why = strerror(-err);
	return err;
}
