/* Escaping and cutting user strings for messages. */
#include "esc.h"

#include <stdio.h>
#include <string.h>

/* How byte c is shown: into out (at least 5 bytes); returns its length. */
static size_t esc_char(unsigned char c, char *out)
{
	if (c == '\\')
		return (size_t)snprintf(out, 5, "\\\\");
	if (c < 0x20 || c >= 0x7f)
		return (size_t)snprintf(out, 5, "\\x%02x", c);
	out[0] = (char)c;
	out[1] = 0;
	return 1;
}

/* Does s, escaped, fit in len bytes with its NUL?  Reads at most len bytes of s. */
static int esc_fits(const char *s, size_t len)
{
	size_t n = 0;
	char one[5];

	for (; *s && n < len; s++)
		n += esc_char((unsigned char)*s, one);
	return n < len;
}

const char *mcr_esc(const char *s, char *buf, size_t len)
{
	size_t pos = 0, room;
	char one[5];

	if (!s)
		s = "";
	/* Whole when it fits; else whole characters up to room, then "...". */
	room = esc_fits(s, len) ? len - 1 : len - 4;
	for (; *s; s++) {
		size_t n = esc_char((unsigned char)*s, one);

		if (pos + n > room)
			break;
		memcpy(buf + pos, one, n);
		pos += n;
	}
	strcpy(buf + pos, *s ? "..." : "");
	return buf;
}

const char *mcr_esc_name(const char *s)
{
	static char buf[4][MCR_ESC_NAME];
	static unsigned next;

	return mcr_esc(s, buf[next++ % 4], MCR_ESC_NAME);
}

char *mcr_sanitize(char *s)
{
	for (char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
	return s;
}
