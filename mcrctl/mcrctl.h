/*
 * mcrctl: the command-line client of mcrd's control socket.
 *
 * Every file but mcrctl.c (main) is also linked into the unit tests beside
 * the daemon's objects, so every external symbol here starts with mcrctl_.
 */
#ifndef MCRCTL_H
#define MCRCTL_H

#include <linux/netlink.h>
#include <netinet/in.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ctl.h"
#include "rule.h"
#include "rulefilter.h"
#include "tracerec.h"

#define MCRCTL_VERSION "0.1.0"

/* Exit codes, as ip(8). */
enum {
	MCRCTL_EXIT_OK = 0,
	MCRCTL_EXIT_USAGE = 1,  /* syntax or usage error */
	MCRCTL_EXIT_DAEMON = 2, /* mcrd refused, or cannot be reached */
};

/* Global options (args.c), set by main() from the command line. */
struct mcrctl_opts {
	bool stats;             /* -s */
	bool json;              /* -j */
	bool pretty;            /* -p */
	bool conf;              /* -c: rule show prints mcrd.conf syntax */
	const char *socket;     /* -S; MCR_CTL_SOCKET by default */
	const char *err_prefix; /* "FILE:LINE: " in batch mode, else "" */
	FILE *errfp;            /* where errors go; stderr when NULL */
};
extern struct mcrctl_opts mcrctl_opt;

/* Called for each object message of a reply; < 0 when it could not be used. */
typedef int (*mcrctl_msg_fn)(const struct nlmsghdr *nlh, void *data);

/* ---- args.c: argument helpers ---- */

/* Prints "[prefix]Error: <message>" to mcrctl_opt.errfp (or stderr). */
void mcrctl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The stream errors and usage-on-error go to. */
FILE *mcrctl_errfp(void);
/* Is arg a non-empty prefix of word? */
bool mcrctl_matches(const char *arg, const char *word);
/*
 * The index of the first word in words[0..n) that arg is a prefix of
 * (table order gives priority, as ip does), or -1.
 */
int mcrctl_lookup(const char *arg, const char *const *words, size_t n);
/* Value parsers: 0, or print an error naming arg and return -EINVAL. */
int mcrctl_get_addr(const char *arg, struct mcr_addr *out);
int mcrctl_get_port(const char *arg, uint16_t *out);
/* lo..255; what names the value in the message ("ttl"). */
int mcrctl_get_u8(const char *arg, const char *what, uint8_t lo, uint8_t *out);
int mcrctl_get_u32(const char *arg, const char *what, uint32_t lo, uint32_t hi, uint32_t *out);
int mcrctl_get_ifname(const char *arg, char dev[IFNAMSIZ]);
/* "[dev NAME]", the arguments of a show filtered by interface: dev ("" = all).  0 or -EINVAL. */
int mcrctl_parse_dev_filter(int argc, char **argv, char dev[IFNAMSIZ]);
/*
 * "OBJECT show [ dev IFNAME ]": a request of type with flags, each reply
 * printed by fn, which gets the interface asked for ("" for all) as data.
 */
int mcrctl_show_dev(int argc, char **argv, uint16_t type, uint8_t flags, mcrctl_msg_fn fn);
/* "Error: missing argument after "kw"": returns -EINVAL. */
int mcrctl_missing_arg(const char *kw);

/*
 * Moves to the value of the keyword at *argv; returns -EINVAL from the
 * calling function when there is none.  Uses the caller's argc and argv.
 */
#define NEXT_ARG()                                                \
	do {                                                      \
		const char *kw_ = *argv;                          \
		argv++;                                           \
		if (--argc <= 0)                                  \
			return mcrctl_missing_arg(kw_);           \
	} while (0)

/*
 * Splits a batch line in place into at most max words: words are separated
 * by blanks, "double quotes" group (with \" and \\ inside), and a word
 * starting with # starts a comment.  Returns the number of words (0 for a
 * blank or comment line), -EINVAL for an unterminated quote, -E2BIG when
 * there are more than max words.
 */
int mcrctl_split_line(char *line, char **argv, int max);

/* The longest batch line: a rule with 4096 outputs spelled out fits. */
#define MCRCTL_LINE_MAX (1u << 20)
/*
 * Reads one line of at most max bytes (its newline dropped) into *buf,
 * grown as needed.  1 a line, 0 end of file, -E2BIG longer than max,
 * -EINVAL a NUL byte in it, -EIO a read error, -ENOMEM.
 */
int mcrctl_read_line(FILE *fp, char **buf, size_t *cap, size_t max);

/* ---- command.c: one table per object drives dispatch and usage ---- */

struct mcrctl_cmd {
	const char *name;                  /* matched by prefix, in table order */
	int (*fn)(int argc, char **argv);  /* the words after the command; NULL: help */
	const char *args;                  /* synopsis after the name; NULL: an unlisted alias */
};

struct mcrctl_object {
	const char *name;
	const struct mcrctl_cmd *cmds;     /* ends with a row whose name is NULL */
	int (*bare)(int argc, char **argv);/* run when no command follows; NULL: one is needed */
	const char *bare_args;             /* its synopsis line; NULL: not listed */
	const char *notes;                 /* printed after the synopsis lines */
};

/* "Usage: mcrctl OBJECT CMD ARGS" for each listed row, then the notes. */
void mcrctl_usage(const struct mcrctl_object *o, FILE *fp);
/* Runs the row argv[0] fits (or bare); an unknown command is an error. */
int mcrctl_dispatch(const struct mcrctl_object *o, int argc, char **argv);

extern const struct mcrctl_object mcrctl_rule_object, mcrctl_link_object,
	mcrctl_worker_object, mcrctl_monitor_object, mcrctl_reload_object;
extern const struct mcrctl_object mcrctl_group_object; /* group.c (issue 18) */

/* ---- client.c: one connection, reused for every request ---- */

#define MCRCTL_REQ_MONITOR  0x1 /* no timeout; read events until the daemon closes */
#define MCRCTL_REQ_RAW_MSGS 0x2 /* print DONE's messages raw to stderr, whatever the status */

/* Connects now (listings do, before printing anything): an exit code. */
int mcrctl_connect(void);
/* The sequence number for the next request. */
uint32_t mcrctl_next_seq(void);
/*
 * Connects if needed, sends req, passes each reply message but DONE to fn,
 * and returns the exit code: 0, or 2 when the daemon refused (each A_MSG
 * printed as an error), could not be reached or sent a bad reply.
 */
int mcrctl_request(const struct nlmsghdr *req, mcrctl_msg_fn fn, void *data, unsigned flags);
/* Starts a request of type with no attributes; NULL on ENOMEM. */
struct nlmsghdr *mcrctl_msg_new(size_t len, uint16_t type, uint8_t flags);
void mcrctl_client_close(void);

/* ---- rule.c ---- */

/*
 * Parsers for the words after "rule add", "rule del" and "rule show".  0, or
 * an error printed and -EINVAL.  r is zeroed first; on success its outputs
 * are allocated (mcr_rule_free).
 */
int mcrctl_parse_rule_add(int argc, char **argv, struct mcr_rule *r);
int mcrctl_parse_rule_del(int argc, char **argv, struct mcr_rule *r);
int mcrctl_parse_rule_show(int argc, char **argv, struct mcr_rule_filter *f);
/* Prints one rule (text line(s) or a JSON object named key, or in an array when NULL). */
void mcrctl_print_rule(const char *key, const struct mcr_rule *r,
		       const struct mcr_rule_info *info);
/* "    drops: none" or every reason and count; JSON "drops": {reason: count}. */
void mcrctl_print_drops(const uint64_t *drops);

/* ---- trace.c, pcap.c: rule trace ---- */

/*
 * Parser for the words after "rule trace": the request into t, the output
 * file into *file (NULL: text to stdout; "-": pcap to stdout).  0, or an
 * error printed and -EINVAL.
 */
int mcrctl_parse_rule_trace(int argc, char **argv, struct mcr_trace_info *t, const char **file);
int mcrctl_rule_trace(int argc, char **argv);
/* One line of text for a record: time, direction, addresses, ports, TTL, length. */
void mcrctl_trace_line(FILE *fp, const struct mcr_trace_rec *r);
/* file opened for writing (truncated), or NULL with the reason printed (outfile.c). */
FILE *mcrctl_open_out(const char *file);
/* A pcap file's header, and one record.  0 or -EIO. */
int mcrctl_pcap_begin(FILE *fp);
int mcrctl_pcap_put(FILE *fp, const struct mcr_trace_rec *r);

/* ---- link.c, worker.c, monitor.c, reload.c ---- */

void mcrctl_print_link(const char *key, const struct mcr_link_info *l);

void mcrctl_print_worker(const char *key, const struct mcr_worker_info *w);

/* Prints one MCR_MSG_EVENT: "[rule-added] <rule line>", or a JSON object. */
int mcrctl_print_event(const struct nlmsghdr *nlh);

#endif
