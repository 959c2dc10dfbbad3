/*
 * The mcrd control protocol, shared by the daemon and mcrctl.
 *
 * Transport: a Unix SOCK_STREAM socket (default /run/mcrd/mcrd.sock).  The
 * stream carries netlink-format messages back to back: a struct nlmsghdr
 * whose nlmsg_len covers the whole message, then struct mcr_ctlhdr, then
 * netlink attributes (built and parsed with libmnl).  A stream, not
 * datagrams, because a rule with 4096 outputs and their counters exceeds
 * what one Unix datagram may carry.
 *
 * A message holds at most one rule: MCR_A_RULE, then one MCR_A_OUT per
 * output.  The layout may change between releases within version 1: use
 * mcrctl and mcrd of one release.
 *
 * Every request gets zero or more object messages (MCR_MSG_RULE, _LINK,
 * _WORKER) and then exactly one MCR_MSG_DONE holding MCR_A_STATUS (0 or
 * -errno) and any number of MCR_A_MSG strings (human-readable reasons).
 * MCR_CMD_MONITOR instead streams MCR_MSG_EVENT messages until the client
 * closes.  nlmsg_seq of every reply echoes the request's.
 */
#ifndef MCR_CTL_H
#define MCR_CTL_H

#include <linux/netlink.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <net/if.h>
#include <netinet/in.h>

#include "packet.h"
#include "rule.h"

#define MCR_CTL_VERSION     1
#define MCR_CTL_SOCKET      "/run/mcrd/mcrd.sock"
#define MCR_CTL_MSG_MAX     (4u << 20)   /* largest message either side accepts */
#define MCR_ERRNO_MAX       4095         /* a DONE status is 0 or -1..-4095 */

struct mcr_ctlhdr {
	uint8_t version;   /* MCR_CTL_VERSION */
	uint8_t flags;     /* MCR_F_* */
	uint16_t reserved; /* 0 */
};
#define MCR_CTLHDR_LEN      sizeof(struct mcr_ctlhdr)
#define MCR_F_STATS         0x01         /* GET: include counters */

/* nlmsg_type values (above NLMSG_MIN_TYPE so they never clash with NLMSG_*). */
enum mcr_msg_type {
	MCR_CMD_RULE_ADD = 0x20,  /* A_RULE */
	MCR_CMD_RULE_DEL,         /* A_RULE with RULE_NAME, or with RULE_IN */
	MCR_CMD_RULE_GET,         /* optional A_FILTER_* ; replies MSG_RULE each */
	MCR_CMD_RULE_FLUSH,       /* removes every rule (config and runtime) */
	MCR_CMD_LINK_GET,         /* replies MSG_LINK each */
	MCR_CMD_WORKER_GET,       /* replies MSG_WORKER each */
	MCR_CMD_RELOAD,           /* DONE carries the file's problems as A_MSG */
	MCR_CMD_MONITOR,          /* then MSG_EVENT until the client closes */
	MCR_CMD_TRACE_START,      /* A_TRACE (name, count, bytes, flags); replies MSG_TRACE (id) */
	MCR_CMD_TRACE_READ,       /* A_TRACE (id); replies MSG_TRACE: state, A_TRACE_DATA */
	MCR_CMD_TRACE_STOP,       /* A_TRACE (id) */
	MCR_CMD_GROUP_GET,        /* replies MSG_GROUP per listened link (issue 18) */
	MCR_MSG_RULE = 0x40,
	MCR_MSG_LINK,
	MCR_MSG_WORKER,
	MCR_MSG_EVENT,
	MCR_MSG_DONE,
	MCR_MSG_TRACE,
	MCR_MSG_GROUP,            /* A_GLINK, then one A_MGROUP per group */
};

/* Top-level attributes. */
enum mcr_attr {
	MCR_A_UNSPEC,
	MCR_A_RULE,          /* nested: MCR_RULE_* */
	MCR_A_LINK,          /* nested: MCR_LINK_* */
	MCR_A_WORKER,        /* nested: MCR_WORKER_* */
	MCR_A_STATUS,        /* u32 holding an int: 0 or -errno */
	MCR_A_MSG,           /* string; may repeat */
	MCR_A_FILTER_NAME,   /* string */
	MCR_A_FILTER_DEV,    /* string */
	MCR_A_FILTER_GROUP,  /* u32, network order */
	MCR_A_EVENT,         /* u32: enum mcr_event; with the object attribute */
	/*
	 * nested: MCR_OUT_*; one per output of the MCR_A_RULE before it, in
	 * order.  Top-level rather than inside the rule because a nest's
	 * nla_len is 16 bits and 4096 outputs need ~800 KiB.
	 */
	MCR_A_OUT,
	MCR_A_FILTER_ORIGIN, /* u8: enum mcr_origin */
	MCR_A_TRACE,         /* nested: MCR_TRACE_* */
	MCR_A_TRACE_DATA,    /* binary: whole trace records (tracerec.h); may repeat */
	MCR_A_GLINK,         /* nested: MCR_GL_*: a link's IGMP state (ctlgroup.c) */
	MCR_A_MGROUP,        /* nested: MCR_GG_*: one group's members; may repeat */
	MCR_A_FILTER_GROUP6, /* binary: 16-byte IPv6 group (instead of MCR_A_FILTER_GROUP) */
	__MCR_A_MAX
};
#define MCR_A_MAX (__MCR_A_MAX - 1)

enum mcr_rule_attr {
	MCR_RULE_UNSPEC,
	MCR_RULE_NAME,       /* string */
	MCR_RULE_IN,         /* nested: MCR_IN_* */
	MCR_RULE_ORIGIN,     /* u8: enum mcr_origin */
	MCR_RULE_STATE,      /* u8: enum mcr_state */
	MCR_RULE_REASON,     /* string: why pending */
	MCR_RULE_WORKER,     /* u32: owning worker index */
	MCR_RULE_PACKETS,    /* u64 */
	MCR_RULE_BYTES,      /* u64 */
	MCR_RULE_PPS,        /* u64: over the last second */
	MCR_RULE_BPS,        /* u64: bits per second over the last second */
	MCR_RULE_DROPS,      /* nested: attribute type = enum mcr_drop, u64 count */
	MCR_RULE_NOTE,       /* string: a warning about the rule that does not stop it */
	/* Rules with several inputs (redundancy): */
	MCR_RULE_INPUT,      /* nested: MCR_IN_*; the input after the last, may repeat */
	MCR_RULE_REDUNDANCY, /* u8: enum mcr_redundancy; absent = none */
	MCR_RULE_MERGE_WINDOW, /* u32: ms; absent = the default */
	MCR_RULE_FAILOVER,   /* u32: ms; absent = the default */
	MCR_RULE_REVERT,     /* u32: ms; absent = the default */
	MCR_RULE_ACTIVE_INPUT, /* u32: failover, the input relayed (0 = the first) */
	MCR_RULE_SWITCHES,   /* u64: failover, changes of the input relayed */
	MCR_RULE_RESYNCS,    /* u64: merge, the stream followed anew */
	__MCR_RULE_MAX
};
#define MCR_RULE_MAX (__MCR_RULE_MAX - 1)

enum mcr_in_attr {
	MCR_IN_UNSPEC,
	MCR_IN_DEV,          /* string */
	MCR_IN_GROUP,        /* u32, network order */
	MCR_IN_PORT,         /* u16, host order */
	MCR_IN_SOURCE,       /* u32, network order; absent = any source */
	/* Info, for each input of a rule with several: */
	MCR_IN_STATE,        /* u8: enum mcr_state */
	MCR_IN_REASON,       /* string: why pending */
	MCR_IN_PACKETS,      /* u64 */
	MCR_IN_DUPLICATES,   /* u64 */
	MCR_IN_FILLED,       /* u64: merge, numbers it missed that another input supplied */
	MCR_IN_LATE,         /* u64 */
	MCR_IN_PPS,          /* u64: packets over the last second */
	MCR_IN_JOIN,         /* u8: enum mcr_join; absent = always */
	/* An IPv6 input: these instead of MCR_IN_GROUP and MCR_IN_SOURCE. */
	MCR_IN_GROUP6,       /* binary: 16 bytes, network order */
	MCR_IN_SOURCE6,      /* binary: 16 bytes; absent = any source */
	__MCR_IN_MAX
};
#define MCR_IN_MAX (__MCR_IN_MAX - 1)

enum mcr_out_attr {
	MCR_OUT_UNSPEC,
	MCR_OUT_DEV,         /* string; the only one a request needs */
	MCR_OUT_GROUP,       /* u32, network order; absent = the input's */
	MCR_OUT_PORT,        /* u16; absent = the input's */
	MCR_OUT_TTL,         /* u8: cap on the datagram's TTL - 1; absent = none */
	MCR_OUT_STATE,       /* u8: enum mcr_state */
	MCR_OUT_REASON,      /* string */
	MCR_OUT_PACKETS,     /* u64 */
	MCR_OUT_BYTES,       /* u64 */
	MCR_OUT_ERRORS,      /* u64 */
	MCR_OUT_EGRESS,      /* u8: enum mcr_egress, as configured; absent = auto */
	MCR_OUT_KEEP_SOURCE, /* u8: 1 = the datagram's source address and port */
	MCR_OUT_PATH,        /* u8: enum mcr_egress in use (packet or socket); info only */
	MCR_OUT_FIXED_TTL,   /* u8: every frame's TTL (instead of MCR_OUT_TTL) */
	MCR_OUT_LISTENERS,   /* u8: 1 = sent only while the link has members (issue 18) */
	MCR_OUT_GROUP6,      /* binary: 16-byte IPv6 group (instead of MCR_OUT_GROUP) */
	MCR_OUT_GSO,         /* u64: of MCR_OUT_PACKETS, those sent in GSO runs */
	__MCR_OUT_MAX
};
#define MCR_OUT_MAX (__MCR_OUT_MAX - 1)

/* A listened link (MCR_A_GLINK) and its groups (MCR_A_MGROUP), issue 18. */
enum mcr_glink_attr {
	MCR_GL_UNSPEC,
	MCR_GL_DEV,          /* string */
	MCR_GL_IFINDEX,      /* u32 */
	MCR_GL_SELF,         /* u32: our address on the link; 0: none */
	MCR_GL_QUERIER,      /* u32: the querier's address; 0: none known */
	MCR_GL_QUERIER_SELF, /* u8: 1 = we are querier */
	MCR_GL_OTHER_MS,     /* u32: other querier present timer left */
	MCR_GL_COUNTERS,     /* nested: enum mcr_glink_counter, u64 each */
	MCR_GL_REJECTS,      /* nested: enum igmp_reject (MLD: enum mld_reject), u64 each */
	MCR_GL_FAMILY,       /* u8: AF_INET6 for an MLD link; absent: AF_INET (IGMP) */
	MCR_GL_SELF6,        /* binary: 16-byte IPv6 self (instead of MCR_GL_SELF) */
	MCR_GL_QUERIER6,     /* binary: 16-byte IPv6 querier (instead of MCR_GL_QUERIER) */
	MCR_GL_ROBUSTNESS,   /* u8: the robustness in use (the other querier's while it is) */
	MCR_GL_QUERY_INTERVAL_MS, /* u32: the query interval in use (likewise) */
	__MCR_GL_MAX
};
#define MCR_GL_MAX (__MCR_GL_MAX - 1)

enum mcr_glink_counter {
	MCR_GC_UNSPEC, MCR_GC_RX, MCR_GC_REPORTS, MCR_GC_LEAVES, MCR_GC_QUERIES_IN,
	MCR_GC_QUERIES_OUT, MCR_GC_TABLE_FULL, MCR_GC_TX_ERRORS, MCR_GC_JOINS, MCR_GC_EXPIRIES,
	MCR_GC_ELECTIONS, MCR_GC__MAX
};

enum mcr_mgroup_attr {
	MCR_GG_UNSPEC,
	MCR_GG_GROUP,        /* u32 */
	MCR_GG_EXCLUDE,      /* u8: filter mode EXCLUDE */
	MCR_GG_VERSION,      /* u8: compatibility mode 1..3 */
	MCR_GG_EXPIRES_MS,   /* u32: group timer left (EXCLUDE) */
	MCR_GG_REPORTER,     /* u32: last v1/v2 reporter */
	MCR_GG_SOURCE,       /* u32 address, may repeat; each followed by ... */
	MCR_GG_SOURCE_MS,    /* u32: its timer left (0: excluded) */
	MCR_GG_GROUP6,       /* binary: 16-byte IPv6 group (MLD; instead of MCR_GG_GROUP) */
	MCR_GG_REPORTER6,    /* binary: 16 bytes, last MLDv1 reporter */
	MCR_GG_SOURCE6,      /* binary: 16 bytes, may repeat as MCR_GG_SOURCE */
	__MCR_GG_MAX
};
#define MCR_GG_MAX (__MCR_GG_MAX - 1)

enum mcr_link_attr {
	MCR_LINK_UNSPEC,
	MCR_LINK_NAME,       /* string */
	MCR_LINK_IFINDEX,    /* u32; 0 when the interface does not exist */
	MCR_LINK_STATE,      /* string: "up", "down", "absent" */
	MCR_LINK_ADDR,       /* u32 network order; may repeat */
	MCR_LINK_RULES,      /* u32: rules using it (input or output) */
	MCR_LINK_FRAMES,     /* u64: frames received (input links) */
	MCR_LINK_DROPS,      /* nested like MCR_RULE_DROPS */
	MCR_LINK_ADDR6,      /* binary: 16-byte IPv6 address; may repeat */
	__MCR_LINK_MAX
};
#define MCR_LINK_MAX (__MCR_LINK_MAX - 1)

enum mcr_worker_attr {
	MCR_WORKER_UNSPEC,
	MCR_WORKER_INDEX,    /* u32 */
	MCR_WORKER_PID,      /* u32 */
	MCR_WORKER_CPU,      /* u32; UINT32_MAX = not pinned */
	MCR_WORKER_UID,      /* u32 */
	MCR_WORKER_RULES,    /* u32 */
	MCR_WORKER_PACKETS_IN,  /* u64 */
	MCR_WORKER_PACKETS_OUT, /* u64 */
	MCR_WORKER_DROPS,    /* u64: all reasons */
	__MCR_WORKER_MAX
};
#define MCR_WORKER_MAX (__MCR_WORKER_MAX - 1)

enum mcr_trace_attr {
	MCR_TRACE_UNSPEC,
	MCR_TRACE_NAME,      /* string: the rule */
	MCR_TRACE_ID,        /* u32 */
	MCR_TRACE_COUNT,     /* u32: frames received to record */
	MCR_TRACE_BYTES,     /* u32: bytes of records at most */
	MCR_TRACE_FLAGS,     /* u32: MCR_TRACE_F_* */
	MCR_TRACE_FRAMES,    /* u32: frames received recorded so far */
	MCR_TRACE_ENDED,     /* u8: 1 once it has stopped and every record was read */
	MCR_TRACE_REASON,    /* string: why it stopped */
	__MCR_TRACE_MAX
};
#define MCR_TRACE_MAX (__MCR_TRACE_MAX - 1)
#define MCR_TRACE_F_OUT 0x1  /* also what each output sends */

enum mcr_state { MCR_STATE_PENDING, MCR_STATE_ACTIVE };

enum mcr_event {
	MCR_EV_RULE_ADDED = 1,    /* with A_RULE */
	MCR_EV_RULE_REMOVED,      /* with A_RULE */
	MCR_EV_RULE_ACTIVE,       /* with A_RULE */
	MCR_EV_RULE_PENDING,      /* with A_RULE (its reason) */
	MCR_EV_LINK,              /* with A_LINK */
	MCR_EV_RELOAD,            /* with A_STATUS and A_MSG */
	MCR_EV_RULE_SWITCH,       /* with A_RULE: a failover relays another input */
	MCR_EV_MEMBER_JOIN,       /* with A_GLINK (dev, family) and A_MGROUP: first member */
	MCR_EV_MEMBER_LEAVE,      /* with A_GLINK (dev, family) and A_MGROUP: last one gone */
};

/* What the daemon knows of a rule beyond its definition. */
struct mcr_out_info {
	uint8_t state;
	uint8_t path;               /* MCR_EGRESS_PACKET or _SOCKET while sending; else AUTO */
	char reason[96];
	uint64_t packets, bytes, errors;
	uint64_t gso;               /* of packets, those sent in GSO runs */
};

/* Each input of a rule with several (info.in[] of others stays zero). */
struct mcr_in_info {
	uint8_t state;
	char reason[96];
	uint64_t packets, duplicates, filled, late, pps;
};

struct mcr_rule_info {
	uint8_t state;
	char reason[96];
	char note[96];              /* "" or, e.g., another mcrd relays the same input */
	uint32_t worker;
	bool has_stats;
	uint64_t packets, bytes, pps, bps;
	uint64_t drops[MCR_DROP__MAX];
	struct mcr_out_info *out;   /* rule->nout entries, or NULL */
	struct mcr_in_info in[MCR_MAX_INPUTS];
	uint32_t active_in;         /* failover */
	uint64_t switches, resyncs;
};

struct mcr_link_info {
	char name[IFNAMSIZ];
	uint32_t ifindex;
	char state[8];              /* "up", "down", "absent" */
	struct in_addr addr[8];
	unsigned naddr;
	struct in6_addr addr6[8];
	unsigned naddr6;
	uint32_t rules;
	bool has_stats;
	uint64_t frames;
	uint64_t drops[MCR_DROP__MAX];
};

#define MCR_GROUP_SOURCES 64
struct mcr_group_info {
	struct mcr_addr group, reporter; /* the link's family; reporter unset: none */
	uint8_t exclude, version;
	uint32_t expires_ms;
	unsigned nsrc;
	struct mcr_addr src[MCR_GROUP_SOURCES];
	uint32_t src_ms[MCR_GROUP_SOURCES];
};

#define MCR_GLINK_REJECTS 16
struct mcr_glink_info {
	char dev[IFNAMSIZ];
	uint32_t ifindex;
	uint8_t family;                /* AF_INET (IGMP) or AF_INET6 (MLD) */
	struct mcr_addr self, querier; /* unset: none */
	uint8_t querier_self;
	uint32_t other_ms;
	/* In use: the configured ones, or the other querier's (RFC 3376 4.1.6, 4.1.7); 0: not told. */
	uint8_t robustness;
	uint32_t query_interval_ms;
	uint64_t counters[MCR_GC__MAX];
	uint64_t rejects[MCR_GLINK_REJECTS];
	unsigned ngroups;
	struct mcr_group_info *groups; /* decoded: allocated, the caller frees */
};

struct mcr_worker_info {
	uint32_t present;           /* bit 1 << MCR_WORKER_x of each attribute decoded */
	uint32_t index, pid, cpu;   /* cpu UINT32_MAX: not pinned */
	uint32_t uid, rules;
	uint64_t packets_in, packets_out, drops;
};

/* A rule trace, as requested (name, count, bytes, flags) and as reported (id, frames, ended, reason). */
struct mcr_trace_info {
	char name[MCR_NAME_MAX];
	uint32_t id, count, bytes, flags, frames;
	bool ended;
	char reason[96];
};

/* Text names: "active"/"pending", "config"/"runtime", "rule-added"... */
const char *mcr_state_name(unsigned state);
const char *mcr_origin_name(unsigned origin);
const char *mcr_event_name(unsigned event);

/*
 * Start a message in buf (len bytes): netlink header + mcr_ctlhdr.
 * Returns the header (nlmsg_len tracks what is added).
 */
struct nlmsghdr *mcr_ctl_msg_start(void *buf, size_t len, uint16_t type, uint32_t seq,
				   uint8_t flags);
/*
 * Checks a whole received message: nlmsg_len within len and >= header,
 * version, reserved zero, every attribute well formed (libmnl), at most
 * one rule and no output before it.  0 or -EBADMSG / -EPROTO (version) with
 * a reason in err.
 */
int mcr_ctl_msg_check(const void *buf, size_t len, char *err, size_t errlen);
/* The first top-level attribute of type t, or NULL. */
const struct nlattr *mcr_ctl_attr(const struct nlmsghdr *nlh, uint16_t t);

/* Appends MCR_A_STATUS and each message of msgs (n of them).  0 or -EMSGSIZE. */
int mcr_ctl_put_done(struct nlmsghdr *nlh, size_t len, int status, const char *const *msgs,
		     size_t n);
/* Reads DONE: status and up to max messages (pointers into the message). */
int mcr_ctl_get_done(const struct nlmsghdr *nlh, int *status, const char **msgs, size_t max,
		     size_t *n);

/* ---- ctlrule.c ---- */

/* A buffer sized for rule r with its counters. */
size_t mcr_ctl_rule_size(const struct mcr_rule *r);
/*
 * Appends MCR_A_RULE and an MCR_A_OUT per output of r; info (may be NULL)
 * adds state, reason, worker and, when info->has_stats, counters.  0, or
 * -EMSGSIZE when buf is too small.  info->worker == UINT32_MAX is omitted.
 */
int mcr_ctl_put_rule(struct nlmsghdr *nlh, size_t len, const struct mcr_rule *r,
		     const struct mcr_rule_info *info);
/*
 * Decodes the rule of nlh (a message that passed mcr_ctl_msg_check) into r
 * (outputs allocated; free with mcr_rule_free) and, when info is non-NULL,
 * info (info->out allocated to r->nout entries; free with
 * mcr_rule_info_free).  Validates every nested attribute's type, length and
 * range.  0 or -EINVAL with a reason in err.  Does not apply
 * mcr_rule_check(); the receiver does.  info->worker is UINT32_MAX when the
 * message has no MCR_RULE_WORKER.
 */
int mcr_ctl_get_rule(const struct nlmsghdr *nlh, struct mcr_rule *r, struct mcr_rule_info *info,
		     char *err, size_t errlen);
void mcr_rule_info_free(struct mcr_rule_info *info);

/* ---- ctllink.c, ctlworker.c ---- */

/* Appends MCR_A_LINK.  0 or -EMSGSIZE. */
int mcr_ctl_put_link(struct nlmsghdr *nlh, size_t len, const struct mcr_link_info *l);
/* Decodes MCR_A_LINK.  0 or -EINVAL with a reason in err. */
int mcr_ctl_get_link(const struct nlattr *a, struct mcr_link_info *l, char *err, size_t errlen);
/* Appends MCR_A_WORKER with every field of w.  0 or -EMSGSIZE. */
int mcr_ctl_put_worker(struct nlmsghdr *nlh, size_t len, const struct mcr_worker_info *w);
/* Decodes MCR_A_WORKER (index required).  0 or -EINVAL with a reason in err. */
int mcr_ctl_get_worker(const struct nlattr *a, struct mcr_worker_info *w, char *err,
		       size_t errlen);

/* ---- ctlgroup.c ---- */

/* Bytes a MSG_GROUP for l's groups takes at most. */
size_t mcr_ctl_group_size(unsigned ngroups);
/* Appends MCR_A_GLINK (not l->groups), then one MCR_A_MGROUP.  0 or -EMSGSIZE. */
int mcr_ctl_put_glink(struct nlmsghdr *nlh, size_t len, const struct mcr_glink_info *l);
int mcr_ctl_put_group(struct nlmsghdr *nlh, size_t len, const struct mcr_group_info *g);
/* Decodes a MSG_GROUP, groups allocated in l->groups.  0, -ENOMEM or -EINVAL (reason in err). */
int mcr_ctl_get_glink(const struct nlmsghdr *nlh, struct mcr_glink_info *l, char *err,
		      size_t errlen);

/* ---- ctltrace.c ---- */

/* Appends MCR_A_TRACE with every field of t that is set.  0 or -EMSGSIZE. */
int mcr_ctl_put_trace(struct nlmsghdr *nlh, size_t len, const struct mcr_trace_info *t);
/* Decodes the message's MCR_A_TRACE.  0, or -EINVAL with a reason in err. */
int mcr_ctl_get_trace(const struct nlmsghdr *nlh, struct mcr_trace_info *t, char *err,
		      size_t errlen);

#endif
