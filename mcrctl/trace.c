/*
 * mcrctl rule trace: the frames a rule receives (with "out", also what
 * each of its outputs sends), read from mcrd as it records them and
 * written as pcap (file F, or - for stdout) or as one line per frame.  It
 * ends by itself once mcrd has recorded count frames (or bytes of them),
 * or on Ctrl-C, which stops the trace in mcrd first.
 */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "addr.h"
#include "esc.h"
#include "mcrctl.h"
#include "packet.h"

#define POLL_NS (100 * 1000 * 1000) /* between reads that found nothing */

enum { T_NAME, T_COUNT, T_BYTES, T_OUT, T_FILE };
static const char *const words[] = { "name", "count", "bytes", "out", "file" };

static int get_u32(const char *arg, const char *what, uint32_t *out)
{
	unsigned long v;

	if (mcr_parse_uint(arg, 1, UINT32_MAX, &v)) {
		mcrctl_err("%s \"%s\": not a number 1..%u", what, mcr_esc_name(arg), UINT32_MAX);
		return -EINVAL;
	}
	*out = (uint32_t)v;
	return 0;
}

int mcrctl_parse_rule_trace(int argc, char **argv, struct mcr_trace_info *t, const char **file)
{
	unsigned seen = 0;
	int k;

	memset(t, 0, sizeof(*t));
	*file = NULL;
	for (; argc > 0; argc--, argv++) {
		if ((k = mcrctl_lookup(*argv, words, sizeof(words) / sizeof(words[0]))) < 0) {
			mcrctl_err("unknown keyword \"%s\"", mcr_esc_name(*argv));
			return -EINVAL;
		}
		if (seen & (1u << k)) {
			mcrctl_err("duplicate \"%s\"", words[k]);
			return -EINVAL;
		}
		seen |= 1u << k;
		if (k == T_OUT) {
			t->flags |= MCR_TRACE_F_OUT;
			continue;
		}
		NEXT_ARG();
		if ((k == T_NAME && (strlen(*argv) >= MCR_NAME_MAX || !mcr_rule_name_valid(*argv)) &&
		     (mcrctl_err("\"%s\" is not a valid rule name", mcr_esc_name(*argv)), 1)) ||
		    (k == T_COUNT && get_u32(*argv, "count", &t->count)) ||
		    (k == T_BYTES && get_u32(*argv, "bytes", &t->bytes)))
			return -EINVAL;
		if (k == T_NAME)
			snprintf(t->name, sizeof(t->name), "%s", *argv);
		if (k == T_FILE)
			*file = *argv;
	}
	if (!t->name[0]) {
		mcrctl_err("missing \"name\"");
		return -EINVAL;
	}
	return 0;
}

void mcrctl_trace_line(FILE *fp, const struct mcr_trace_rec *r)
{
	time_t sec = (time_t)(r->ts_ns / 1000000000u);
	char when[16] = "", s[MCR_ADDRPORTSTRLEN], d[MCR_ADDRPORTSTRLEN];
	struct mcr_pkt p;
	enum mcr_drop why = mcr_parse_frame(r->frame, r->caplen, &p);
	struct tm tm;

	if (localtime_r(&sec, &tm))
		strftime(when, sizeof(when), "%H:%M:%S", &tm);
	fprintf(fp, "%s.%06u ", when, (unsigned)(r->ts_ns % 1000000000u / 1000u));
	if (r->kind == MCR_TRACE_RX)
		fputs("in     ", fp);
	else
		fprintf(fp, "out %-3u", r->out + 1u);
	if (why)
		fprintf(fp, "%u bytes, not relayable: %s\n", r->wirelen, mcr_drop_name(why));
	else
		fprintf(fp, "%s > %s %s %u tos 0x%02x len %u\n",
			mcr_addr_port_str(p.family == AF_INET6 ? mcr_addr6(&p.src6) : mcr_addr4(p.src),
					  p.sport, s),
			mcr_addr_port_str(p.family == AF_INET6 ? mcr_addr6(&p.dst6) : mcr_addr4(p.dst),
					  p.dport, d),
			p.family == AF_INET6 ? "hlim" : "ttl", p.ttl, p.tos, p.len);
}

/* ---- the session with mcrd ---- */

struct session {
	struct mcr_trace_info info;   /* the last reply's */
	FILE *fp;
	bool pcap;
	uint8_t *buf;                 /* an 8-aligned copy of each data attribute */
	uint64_t rx, out, written;    /* records and pcap bytes */
	int err;                      /* a write error or a malformed record */
	bool got;                     /* the last reply held records */
};

static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
	(void)sig;
	interrupted = 1;
}

static void take_records(struct session *s, const struct nlattr *a)
{
	size_t len = mnl_attr_get_payload_len(a), off = 0;
	const struct mcr_trace_rec *r;
	int k;

	memcpy(s->buf, mnl_attr_get_payload(a), len); /* attributes are 4-aligned, records 8 */
	while ((k = mcr_trace_next(s->buf, len, &off, &r)) > 0) {
		s->got = true;
		if (r->kind == MCR_TRACE_RX)
			s->rx++;
		else
			s->out++;
		if (!s->pcap)
			mcrctl_trace_line(s->fp, r);
		else if (mcrctl_pcap_put(s->fp, r))
			s->err = -EIO;
		else
			s->written += 16 + r->caplen;
	}
	if (k < 0) {
		mcrctl_err("bad reply from mcrd: a malformed trace record");
		s->err = -EINVAL;
	}
}

static int on_reply(const struct nlmsghdr *nlh, void *data)
{
	struct session *s = data;
	const struct nlattr *a;
	char err[160];

	if (nlh->nlmsg_type != MCR_MSG_TRACE)
		return 0;
	if (mcr_ctl_get_trace(nlh, &s->info, err, sizeof(err))) {
		mcrctl_err("bad reply from mcrd: %s", err);
		s->err = -EINVAL;
		return -EINVAL;
	}
	mnl_attr_for_each(a, nlh, MCR_CTLHDR_LEN)
		if (mnl_attr_get_type(a) == MCR_A_TRACE_DATA)
			take_records(s, a);
	return s->err;
}

/* One request about trace t (type MCR_CMD_TRACE_*): an exit code. */
static int request(uint16_t type, const struct mcr_trace_info *t, struct session *s)
{
	struct nlmsghdr *nlh = mcrctl_msg_new(512, type, 0);
	int ret;

	if (!nlh)
		return MCRCTL_EXIT_DAEMON;
	if (mcr_ctl_put_trace(nlh, 512, t)) {
		free(nlh);
		return MCRCTL_EXIT_USAGE;
	}
	s->got = false;
	ret = mcrctl_request(nlh, on_reply, s, 0);
	free(nlh);
	return ret;
}

/* Reads until mcrd ends the trace, or Ctrl-C (which stops it first). */
static int follow(struct session *s, uint32_t id)
{
	struct mcr_trace_info q = { .id = id };
	struct timespec pause = { 0, POLL_NS };
	int ret;

	while (!(ret = request(MCR_CMD_TRACE_READ, &q, s)) && !s->info.ended && !s->err) {
		if (interrupted) {
			request(MCR_CMD_TRACE_STOP, &q, s);
			snprintf(s->info.reason, sizeof(s->info.reason), "interrupted");
			break;
		}
		fflush(s->fp);
		if (!s->got)
			nanosleep(&pause, NULL);
	}
	return ret ? ret : s->err ? MCRCTL_EXIT_DAEMON : MCRCTL_EXIT_OK;
}

static FILE *open_out(const char *file, struct session *s)
{
	s->pcap = file != NULL;
	if (!file || !strcmp(file, "-"))
		return stdout;
	return s->fp = mcrctl_open_out(file);
}

static int run(struct session *s, struct mcr_trace_info *req, const char *file)
{
	struct sigaction sa = { .sa_handler = on_interrupt };
	int ret;

	if ((ret = request(MCR_CMD_TRACE_START, req, s)))
		return ret;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	ret = follow(s, s->info.id);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	if (fflush(s->fp) && !ret) {
		mcrctl_err("cannot write %s: %s", file ? mcr_esc_name(file) : "stdout", strerror(errno));
		ret = MCRCTL_EXIT_USAGE;
	}
	fprintf(mcrctl_errfp(), "trace of rule %s: %llu frames in, %llu out%s%s%s%s\n", req->name,
		(unsigned long long)s->rx, (unsigned long long)s->out,
		s->info.reason[0] ? "; " : "", s->info.reason,
		file && strcmp(file, "-") ? "; written to " : "",
		file && strcmp(file, "-") ? mcr_esc_name(file) : "");
	return ret;
}

int mcrctl_rule_trace(int argc, char **argv)
{
	struct session s = { .fp = NULL };
	struct mcr_trace_info req;
	const char *file;
	int ret;

	if (mcrctl_parse_rule_trace(argc, argv, &req, &file))
		return MCRCTL_EXIT_USAGE;
	if (mcrctl_connect())
		return MCRCTL_EXIT_DAEMON;
	if (!(s.buf = malloc(65536)) || !(s.fp = open_out(file, &s))) {
		free(s.buf);
		return MCRCTL_EXIT_USAGE;
	}
	if (s.pcap && mcrctl_pcap_begin(s.fp)) {
		mcrctl_err("cannot write %s: %s", mcr_esc_name(file), strerror(EIO));
		ret = MCRCTL_EXIT_USAGE;
	} else {
		ret = run(&s, &req, file);
	}
	if (s.fp != stdout && fclose(s.fp) && !ret) {
		mcrctl_err("cannot write %s: %s", mcr_esc_name(file), strerror(errno));
		ret = MCRCTL_EXIT_USAGE;
	}
	free(s.buf);
	return ret;
}
