/*
 * Stands in for mcrctl/client.c and mcrctl/outfile.c in the harnesses: no
 * socket is ever opened (a fuzzed "-S PATH" must not reach a daemon the
 * netns tests run) and no file written (rule trace ... file F).  Every
 * request mcrctl builds must pass the daemon's own check and decode; the
 * harness may give canned replies for the callbacks.
 */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "ctl.h"
#include "mcrctl.h"
#include "stub_client.h"

const struct nlmsghdr *const *fuzz_client_replies;
size_t fuzz_client_nreplies;
unsigned fuzz_client_requests;

static uint32_t seq;

uint32_t mcrctl_next_seq(void)
{
	return ++seq;
}

struct nlmsghdr *mcrctl_msg_new(size_t len, uint16_t type, uint8_t flags)
{
	void *buf = calloc(1, len);

	if (!buf) {
		mcrctl_err("out of memory");
		return NULL;
	}
	return mcr_ctl_msg_start(buf, len, type, mcrctl_next_seq(), flags);
}

void mcrctl_client_close(void)
{
}

/* rule trace ... file F: never the host's files. */
FILE *mcrctl_open_out(const char *file)
{
	(void)file;
	return fopen("/dev/null", "we");
}

int mcrctl_connect(void)
{
	return MCRCTL_EXIT_OK;
}

int mcrctl_request(const struct nlmsghdr *req, mcrctl_msg_fn fn, void *data, unsigned flags)
{
	char err[256];
	const struct nlattr *a;

	(void)flags;
	fuzz_client_requests++;
	/* What mcrctl sends, mcrd must accept as well formed. */
	if (mcr_ctl_msg_check(req, req->nlmsg_len, err, sizeof(err))) {
		fprintf(stderr, "mcrctl built a request mcrd refuses: %s\n", err);
		abort();
	}
	if ((a = mcr_ctl_attr(req, MCR_A_RULE))) {
		struct mcr_rule r;

		if (mcr_ctl_get_rule(req, &r, NULL, err, sizeof(err))) {
			fprintf(stderr, "mcrctl sent a rule mcrd cannot decode: %s\n", err);
			abort();
		}
		mcr_rule_free(&r);
	}
	for (size_t i = 0; fn && i < fuzz_client_nreplies; i++)
		if (fn(fuzz_client_replies[i], data) < 0)
			return MCRCTL_EXIT_DAEMON;
	return MCRCTL_EXIT_OK;
}
