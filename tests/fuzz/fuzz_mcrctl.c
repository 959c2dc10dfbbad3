/*
 * The mcrctl argument parser on argv vectors: the input split on NUL bytes
 * is the command line after the program name, run through mcrctl's own
 * main() (mcrctl/mcrctl.c, included here with main renamed): global
 * options, the object table, every command's parser and, for -batch, the
 * line splitter.  No socket is used (tests/fuzz/stub_client.c): each
 * request is checked as mcrd would check it, and "show" gets canned replies.
 *
 * -batch FILE and -Socket PATH keep their syntax, but FILE is always the
 * harness's own file, holding the input with NULs as newlines: a fuzzed
 * name must not make the harness read stdin, /dev/zero or the host's files.
 */
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <unistd.h>

#include "fuzz.h"
#include "stub_client.h"

int mcrctl_main(int argc, char **argv);
#define main mcrctl_main
#include "../../mcrctl/mcrctl.c"
#undef main

#include "ctl.h"

#define ARGV_MAX 256

static char batch_path[64];
static FILE *devnull;
static const struct nlmsghdr *replies[5];

/* A reply of each kind mcrctl's listings print. */
static void make_replies(void)
{
	static uint8_t buf[5][4096];
	struct mcr_trace_info ti = { .name = "cam1", .id = 1, .frames = 1, .ended = true,
				     .reason = "count reached" };
	_Alignas(8) uint8_t rec[64] = { 0 };
	struct mcr_output out = { .dev = "eth1", .port = 6000, .ttl = 4 };
	struct mcr_rule r = { .name = "cam1", .in = { .dev = "eth0", .port = 5001 },
			      .out = &out, .nout = 1 };
	struct mcr_out_info oi = { .state = MCR_STATE_PENDING, .reason = "down", .packets = 1 };
	struct mcr_rule_info info = { .state = MCR_STATE_ACTIVE, .worker = 1, .has_stats = true,
				      .packets = 10, .bps = 1234567, .out = &oi };
	struct mcr_link_info l = { .name = "eth0", .ifindex = 2, .state = "up", .naddr = 1,
				   .rules = 1, .has_stats = true, .frames = 5 };
	struct nlmsghdr *nlh;
	struct nlattr *n;

	r.in.group = mcr_addr4((struct in_addr){ htonl(0xef010101) });
	out.group = mcr_addr4((struct in_addr){ htonl(0xef020202) });
	l.addr[0].s_addr = htonl(0x0a000001);
	nlh = mcr_ctl_msg_start(buf[0], sizeof(buf[0]), MCR_MSG_RULE, 1, 0);
	if (mcr_ctl_put_rule(nlh, sizeof(buf[0]), &r, &info))
		abort();
	replies[0] = nlh;
	nlh = mcr_ctl_msg_start(buf[1], sizeof(buf[1]), MCR_MSG_LINK, 1, 0);
	if (mcr_ctl_put_link(nlh, sizeof(buf[1]), &l))
		abort();
	replies[1] = nlh;
	nlh = mcr_ctl_msg_start(buf[2], sizeof(buf[2]), MCR_MSG_WORKER, 1, 0);
	n = mnl_attr_nest_start(nlh, MCR_A_WORKER);
	mnl_attr_put_u32(nlh, MCR_WORKER_INDEX, 0);
	mnl_attr_put_u32(nlh, MCR_WORKER_PID, 100);
	mnl_attr_put_u32(nlh, MCR_WORKER_CPU, UINT32_MAX);
	mnl_attr_put_u64(nlh, MCR_WORKER_PACKETS_IN, 3);
	mnl_attr_nest_end(nlh, n);
	replies[2] = nlh;
	nlh = mcr_ctl_msg_start(buf[3], sizeof(buf[3]), MCR_MSG_EVENT, 0, 0);
	mnl_attr_put_u32(nlh, MCR_A_EVENT, MCR_EV_RELOAD);
	mnl_attr_put_u32(nlh, MCR_A_STATUS, 0);
	replies[3] = nlh;
	/* rule trace: one record, and the trace ended (so that its loop ends). */
	nlh = mcr_ctl_msg_start(buf[4], sizeof(buf[4]), MCR_MSG_TRACE, 1, 0);
	*(struct mcr_trace_rec *)(void *)rec = (struct mcr_trace_rec){ 64, 40, 40, MCR_TRACE_RX, 0, 0 };
	mnl_attr_put(nlh, MCR_A_TRACE_DATA, sizeof(rec), rec);
	if (mcr_ctl_put_trace(nlh, sizeof(buf[4]), &ti))
		abort();
	replies[4] = nlh;
	fuzz_client_replies = replies;
	fuzz_client_nreplies = 5;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int fd;

	(void)argc;
	(void)argv;
	snprintf(batch_path, sizeof(batch_path), "/tmp/mcrctl-fuzz-batch.%d", (int)getpid());
	/* Help and listings go to stdout: /dev/null (libFuzzer reports on stderr). */
	fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
	devnull = fopen("/dev/null", "w");
	if (fd < 0 || !devnull || dup2(fd, STDOUT_FILENO) < 0)
		abort();
	close(fd);
	make_replies();
	return 0;
}

/* Does main() take word as an option with a value (-Socket, -batch)? */
static bool takes_value(const char *word, bool *batchopt)
{
	const char *opt = word;

	if (opt[0] != '-' || !opt[1])
		return false;
	if (opt[1] == '-' && opt[2])
		opt++;
	*batchopt = mcrctl_matches(opt, "-batch");
	return *batchopt || mcrctl_matches(opt, "-Socket");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *argv[ARGV_MAX + 2];
	char *buf = malloc(size + 1);
	int argc = 1, ret;
	bool batchopt, batch_used = false;
	FILE *f, *saved_stderr;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[0] = "mcrctl";
	for (size_t i = 0; i < size && argc <= ARGV_MAX; i++) {
		argv[argc++] = &buf[i];
		i += strlen(&buf[i]);
	}
	argv[argc] = NULL;
	/* Options as main() reads them: the value after -batch is ours. */
	for (int i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++)
		if (takes_value(argv[i], &batchopt) && i + 1 < argc) {
			if (batchopt) {
				argv[i + 1] = batch_path;
				batch_used = true;
			}
			i++;
		}
	if (batch_used) {
		if (!(f = fopen(batch_path, "w")))
			abort();
		for (size_t i = 0; i < size; i++)
			fputc(data[i] ? data[i] : '\n', f);
		fclose(f);
	}
	mcrctl_opt = (struct mcrctl_opts){ .socket = MCR_CTL_SOCKET, .err_prefix = "",
					   .errfp = devnull };
	/* Usage on errors goes to stderr, the FILE: quiet it (fd 2 stays libFuzzer's). */
	saved_stderr = stderr;
	stderr = devnull;
	ret = mcrctl_main(argc, argv);
	stderr = saved_stderr;
	FUZZ_ASSERT(ret == MCRCTL_EXIT_OK || ret == MCRCTL_EXIT_USAGE || ret == MCRCTL_EXIT_DAEMON);
	/* main() leaves the prefix of a batch's last line behind: a pointer into its stack. */
	mcrctl_opt.err_prefix = "";
	fflush(stdout);
	if (batch_used)
		unlink(batch_path);
	free(buf);
	return 0;
}
