/*
 * The runtime plan: rules resolved to interfaces and sockets, and the
 * per-interface lookup tables the data path reads.  Rules can be added and
 * removed while traffic flows; the data path and the control socket run in
 * the same thread, so changes apply between two completions.
 */
#ifndef MCRD_RELAY_H
#define MCRD_RELAY_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

#include "egress.h"
#include "errlist.h"
#include "match.h"
#include "membership.h"
#include "rule.h"
#include "stats.h"

#define RELAY_MAX_INPUTS 1024

struct rt_rule;

struct rt_output {
	const struct mcr_output *cfg;
	struct sockaddr_in dst;
	int fd;               /* -1: not sending (see why) */
	int ifindex;          /* of the egress socket fd belongs to */
	const char *why;      /* NULL when active */
	struct out_stats st;
};

struct rt_rule {
	struct mcr_rule cfg;  /* owned copy */
	struct rt_output *out;
	const char *pending;  /* NULL when active, else why not */
	bool attached;        /* in its input's table and filter, sockets open */
	bool joined;
	bool dead;            /* removed; freed when no send is in flight */
	int in_ifindex;
	unsigned inflight;    /* sends submitted and not yet completed */
	struct rule_stats st;
	uint64_t last_packets, last_bytes; /* at the previous tick */
	uint64_t pps, bps;    /* over the last second */
	struct rt_rule *next_dead;
};

struct rt_input {
	char dev[IFNAMSIZ];
	int ifindex;
	unsigned mtu;
	int fd;               /* AF_PACKET socket */
	int exact_filter;     /* 0: kernel passes any multicast, we filter */
	unsigned nrules;
	struct mcr_match match;
	struct link_stats st;
	bool armed;           /* a multishot receive is outstanding */
	bool closing;         /* no rule left: cancel the receive, then close */
	bool cancel_sent;
};

typedef void (*relay_change_fn)(void *arg, const struct rt_rule *rr);

struct relay {
	struct rt_rule **rules;
	size_t nrules, caprules;
	struct rt_input *inputs[RELAY_MAX_INPUTS];
	size_t ninputs;       /* slots in use, including closing ones */
	struct rt_rule *dead; /* removed rules with sends still in flight */
	struct egress *egress;
	struct membership *memb;
	unsigned max_mtu;     /* largest input MTU at start, sizes buffers */
	relay_change_fn on_change; /* a rule became active or pending */
	void *change_arg;
};

int relay_init(struct relay *r);
/* Leave every group and close every socket. */
void relay_free(struct relay *r);
/*
 * Adds a rule (copied).  Refuses a duplicate name or input, with the reason
 * in el: -EEXIST.  A rule whose input interface is missing is added pending.
 */
int relay_add(struct relay *r, const struct mcr_rule *cfg, struct mcr_errlist *el);
/* Removes the rule; -ENOENT. */
int relay_del(struct relay *r, const char *name);
struct rt_rule *relay_find(const struct relay *r, const char *name);
struct rt_rule *relay_find_input(const struct relay *r, const struct mcr_input *in);
/* A send of rr completed: frees a removed rule after its last send. */
void relay_send_done(struct relay *r, struct rt_rule *rr);
/* An input's socket is closed and its slot freed (receive cancelled). */
void relay_input_closed(struct relay *r, size_t idx);
/*
 * Brings every rule and output in line with the interface table: attach
 * what can run, detach what lost its interface, reopen sockets of
 * interfaces re-created with a new index.  Idempotent.
 */
void relay_reconcile(struct relay *r);
/* Once a second: kernel drop counts, per-rule rates. */
void relay_tick(struct relay *r);
size_t relay_active_rules(const struct relay *r);
/* Log every counter (SIGUSR1 and exit). */
void relay_log_stats(const struct relay *r);

#endif
