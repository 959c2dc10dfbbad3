/*
 * The files mcrctl writes (rule trace ... file F), opened apart from the
 * rest so that the fuzz harnesses replace this file and never write the
 * host's files (tests/fuzz/stub_client.c).
 */
#include <errno.h>
#include <string.h>

#include "esc.h"
#include "mcrctl.h"

FILE *mcrctl_open_out(const char *file)
{
	FILE *fp = fopen(file, "we");

	if (!fp)
		mcrctl_err("cannot write %s: %s", mcr_esc_name(file), strerror(errno));
	return fp;
}
