/*
 * The rule model: an input (dev, group, port[, source]) relayed to outputs;
 * or several inputs carrying one stream, merged or failed over (rulein.c).
 */
#ifndef MCR_RULE_H
#define MCR_RULE_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "errlist.h"

#define MCR_NAME_MAX    64   /* including the NUL */
#define MCR_MAX_OUTPUTS 4096
#define MCR_MAX_INPUTS  4    /* inputs of one rule (redundancy) */

enum mcr_origin { MCR_ORIGIN_CONFIG, MCR_ORIGIN_RUNTIME };

/*
 * How an output sends: "packet" builds the frame itself and transmits it
 * through an AF_PACKET ring (layer 2, no IP output per datagram); "socket"
 * through a UDP socket (the kernel's IP output: netfilter, routing,
 * fragmentation); "auto" picks packet wherever it can.
 */
enum mcr_egress { MCR_EGRESS_AUTO, MCR_EGRESS_PACKET, MCR_EGRESS_SOCKET, MCR_EGRESS__MAX };

struct mcr_input {
	char dev[IFNAMSIZ];
	struct mcr_addr group;  /* IPv4 or IPv6 multicast */
	uint16_t port;          /* host order */
	struct mcr_addr source; /* the group's family, or AF_UNSPEC: any source (ASM) */
	uint8_t join;           /* enum mcr_join */
};

/* When an input's group is joined: always, or while an output wants the stream (issue 18). */
enum mcr_join { MCR_JOIN_ALWAYS, MCR_JOIN_DEMAND, MCR_JOIN__MAX };

struct mcr_output {
	char dev[IFNAMSIZ];
	struct mcr_addr group;  /* either family: another than the input's translates */
	uint16_t port;
	/*
	 * Router semantics: a frame leaves with the datagram's TTL minus one
	 * (dropped, as ttl_expired, where that is 0), at most ttl (0: no cap).
	 * With ttl_fixed every frame leaves with ttl instead: what TTL-1
	 * services (mDNS, SSDP) need, and the setting that can loop.
	 */
	uint8_t ttl;
	bool ttl_fixed;
	uint8_t egress;        /* enum mcr_egress */
	bool keep_source;      /* the datagram's source address and port (packet egress) */
	/* Sent only while the link has a member of the group (IGMP, mcrd/querier.c). */
	bool listeners;
	int line;
};

/*
 * How a rule uses several inputs that carry the same stream: "merge"
 * relays the first copy of each RTP sequence number from any input
 * (SMPTE 2022-7), "failover" relays one input at a time, the first listed
 * that delivers.
 */
enum mcr_redundancy { MCR_REDUNDANCY_NONE, MCR_REDUNDANCY_MERGE, MCR_REDUNDANCY_FAILOVER,
		      MCR_REDUNDANCY__MAX };

#define MCR_MERGE_WINDOW_DEFAULT 10      /* ms: SMPTE 2022-7 class A (low skew) */
/* 2022-7 class C skew; the 32768 sequence numbers merge keeps cover it up to 218k pps */
#define MCR_MERGE_WINDOW_MAX     150
#define MCR_FAILOVER_DEFAULT     200     /* ms of silence before the next input */
#define MCR_FAILOVER_MAX         60000
#define MCR_REVERT_DEFAULT       2000    /* ms an earlier input is healthy before it is used again */
#define MCR_REVERT_MAX           3600000 /* 0: never go back */

struct mcr_redund {
	uint8_t mode;          /* enum mcr_redundancy */
	uint32_t window_ms;    /* merge: how late a copy may arrive after a later one */
	uint32_t failover_ms;  /* failover */
	uint32_t revert_ms;    /* failover */
};

struct mcr_rule {
	char name[MCR_NAME_MAX];
	struct mcr_input in;    /* the first input */
	struct mcr_output *out; /* owned */
	unsigned nout;
	int line;
	enum mcr_origin origin;
	/* Inputs after the first (redundancy only): more[0..nmore). */
	struct mcr_input more[MCR_MAX_INPUTS - 1];
	unsigned nmore;
	struct mcr_redund red;
};

struct mcr_ruleset {
	struct mcr_rule *v;
	size_t n, cap;
};

/* Input i of r, 0 <= i < mcr_rule_ninputs(r): in, then more[]. */
static inline unsigned mcr_rule_ninputs(const struct mcr_rule *r)
{
	return 1 + r->nmore;
}

static inline const struct mcr_input *mcr_rule_input(const struct mcr_rule *r, unsigned i)
{
	return i ? &r->more[i - 1] : &r->in;
}

static inline struct mcr_input *mcr_rule_input_mut(struct mcr_rule *r, unsigned i)
{
	return i ? &r->more[i - 1] : &r->in;
}

/* ---- rulein.c: several inputs and redundancy ---- */

/* "none", "merge", "failover"; NULL for a value out of range. */
const char *mcr_redundancy_name(unsigned mode);
/* 0 and *mode, or -EINVAL for an unknown name. */
int mcr_redundancy_parse(const char *name, uint8_t *mode);
/* mode with its default settings. */
void mcr_redund_init(struct mcr_redund *d, uint8_t mode);
bool mcr_redund_equal(const struct mcr_redund *a, const struct mcr_redund *b);
/* Whether any input of r is in. */
bool mcr_rule_has_input(const struct mcr_rule *r, const struct mcr_input *in);
/* The first input of a that b has too, or NULL. */
const struct mcr_input *mcr_rule_shared_input(const struct mcr_rule *a, const struct mcr_rule *b);
/*
 * The inputs (none the same as another; their groups and sources are
 * mcr_rule_check_input's) and the redundancy settings (a mode with two inputs or more,
 * values in range); each problem into el.  0 or -EINVAL.
 */
int mcr_rule_check_more(const struct mcr_rule *r, struct mcr_errlist *el);

/* "always", "demand"; NULL out of range.  mcr_join_parse: 0 and *j, or -EINVAL. */
const char *mcr_join_name(unsigned j);
int mcr_join_parse(const char *name, uint8_t *j);
/* "auto", "packet", "socket"; NULL for a value out of range. */
const char *mcr_egress_name(unsigned e);
/* 0 and *e, or -EINVAL for an unknown name. */
int mcr_egress_parse(const char *name, uint8_t *e);
/* "dev:group:port", the name a rule gets when none is given. */
void mcr_rule_default_name(const struct mcr_rule *r, char *buf, size_t len);
bool mcr_rule_name_valid(const char *name);
/* r and other have the same name, and it is r's default name (same input, then). */
bool mcr_rule_named_after(const struct mcr_rule *r, const struct mcr_rule *other);
/* Checks one rule on its own (every input); adds each problem to el; 0 or -EINVAL. */
int mcr_rule_check(const struct mcr_rule *r, struct mcr_errlist *el);
/*
 * Its two halves, for a parser that found problems of its own and lists
 * the others too: the inputs (group, source; redundancy), and the outputs
 * (count, each one, duplicates) skipping output i when ok && !ok[i], and
 * the comparison with the inputs unless in_ok.
 */
int mcr_rule_check_input(const struct mcr_rule *r, struct mcr_errlist *el);
int mcr_rule_check_outputs(const struct mcr_rule *r, bool in_ok, const bool *ok,
			   struct mcr_errlist *el);
/*
 * Two outputs are the same when dev, group and port are: a receiver would
 * get every packet twice, whatever the TTLs.  mcr_rule_same_outputs sets
 * first[i] to the index of the first output the same as output i, or to i
 * (outputs with ok && !ok[i] take no part).  0 or -ENOMEM.
 */
bool mcr_output_same(const struct mcr_output *a, const struct mcr_output *b);
int mcr_rule_same_outputs(const struct mcr_rule *r, const bool *ok, unsigned *first);
bool mcr_input_equal(const struct mcr_input *a, const struct mcr_input *b);
bool mcr_rule_equal(const struct mcr_rule *a, const struct mcr_rule *b);
/* Deep copy; 0 or -ENOMEM. */
int mcr_rule_copy(struct mcr_rule *dst, const struct mcr_rule *src);
void mcr_rule_free(struct mcr_rule *r);
/* One line: "name in dev G:P [source S][ in ...][ merge ...] -> dev G:P ttl N, ..." */
int mcr_rule_format(const struct mcr_rule *r, char *buf, size_t len);

void mcr_ruleset_init(struct mcr_ruleset *s);
void mcr_ruleset_free(struct mcr_ruleset *s);
struct mcr_rule *mcr_ruleset_find(const struct mcr_ruleset *s, const char *name);
/* The rule one of whose inputs is in, or NULL. */
struct mcr_rule *mcr_ruleset_find_input(const struct mcr_ruleset *s,
					const struct mcr_input *in);
/*
 * Takes ownership of r's outputs on success.  Refuses a duplicate name or
 * an input another rule has, with -EEXIST (reason added to el, at r's
 * line); -ENOMEM.
 */
int mcr_ruleset_add(struct mcr_ruleset *s, struct mcr_rule *r, struct mcr_errlist *el);
/* Removes and frees rule i, keeping the order of the others. */
void mcr_ruleset_remove(struct mcr_ruleset *s, size_t i);

#endif
