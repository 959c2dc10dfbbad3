/*
 * The parent's plan: every rule resolved to interfaces and sockets.  A rule
 * is attached to the worker its (group, port) hashes to; that worker gets
 * its own AF_PACKET socket on the input, filtered to its own rules.  The
 * plan reconciles the rules against the interface table (iface.h) and
 * tells the workers what to hold through an ops table (never through the
 * pool); it opens sockets and joins groups through a sys table, so that
 * both can be faked in unit tests.
 */
#ifndef MCRD_PLAN_H
#define MCRD_PLAN_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "ctl.h"
#include "errlist.h"
#include "filter.h"
#include "rule.h"
#include "rxring.h"
#include "stats.h"
#include "egress.h"
#include "txring.h"

#define PLAN_MAX_INPUTS  1024

struct plan;
struct iface_info;

/* What layer-2 egress writes into an output's frames. */
struct plan_l2 {
	uint8_t mac[6];       /* the interface's */
	struct in_addr saddr; /* its primary address */
	struct in6_addr saddr6; /* an IPv6 output's: one of the group's scope (planout.c) */
	uint16_t sport;       /* network order: the UDP egress socket's port, for both paths */
	uint16_t mtu;
};

struct plan_output {
	const struct mcr_output *cfg;
	int fd;               /* UDP egress socket (names it to workers); -1: waits (see why) */
	int txfd;             /* its worker's transmit ring socket: packet egress; -1: socket */
	int ifindex;          /* of the egress socket */
	const char *why;      /* NULL when sending */
	struct plan_l2 l2;    /* with txfd */
	unsigned worker;      /* the worker that sends it (see plan_rule.nworkers) */
	uint32_t st_slot;
	struct out_stats *st; /* shared counters */
};

/* One input of a rule (a rule has 1..MCR_MAX_INPUTS). */
struct plan_rin {
	bool attached;        /* its interface's socket of each serving worker filters it in */
	bool joined;
	int ifindex;
	int slot;             /* index of its plan_input while attached, else -1 */
	const char *pending;  /* NULL when it can deliver, else why not */
	int claim_fd;         /* its claim in the namespace (sys input_claim), -1: none */
	bool shared;          /* another mcrd holds that claim */
};

struct plan_rule {
	struct mcr_rule cfg;  /* owned copy */
	struct plan_output *out;
	/* NULL when active (one of its inputs can deliver), else why not (its first input's reason) */
	const char *pending;
	bool attached;        /* in its workers' tables: some input is attached */
	struct plan_rin in[MCR_MAX_INPUTS]; /* cfg's inputs, in order */
	unsigned worker;      /* owner, by consistent hash of (group, port) of its first input */
	/*
	 * Workers serving it: worker, worker + 1, ... (mod the pool).  A rule
	 * with many outputs (spread_outputs) is served by every worker, each
	 * reading the input and sending its share of the outputs; the owner
	 * alone counts the rule's packets and per-packet drops.
	 */
	unsigned nworkers;
	bool verify;          /* some output sends through a socket (see table.h) */
	uint32_t st_slot;
	struct rule_stats *st;
	uint64_t last_packets, last_bytes; /* at the previous tick */
	uint64_t pps, bps;    /* over the last second */
	/* Several inputs (redund.h): their counters, and what the last tick saw of them. */
	uint32_t rst_slot;
	struct redund_stats *rst; /* NULL: one input */
	uint64_t in_last[MCR_MAX_INPUTS], in_pps[MCR_MAX_INPUTS];
	uint64_t last_switches;
	bool input_shared;    /* another mcrd holds the claim of one of its inputs: both relay it */
};

/* An input interface (name, ifindex) while a rule uses it. */
struct plan_input {
	char dev[IFNAMSIZ];
	int ifindex;
	unsigned mtu;         /* last seen: warned about once per change */
	unsigned nrules;
	int wfd[MCR_MAX_WORKERS];       /* worker w's socket, -1: none */
	unsigned wrules[MCR_MAX_WORKERS];
	int wexact[MCR_MAX_WORKERS];    /* its filter is exact (not "any multicast") */
	uint32_t wst_slot[MCR_MAX_WORKERS]; /* its link counters */
};

/* What workers must hold; worker -1 in egress_add means every worker. */
struct plan_ops {
	void (*egress_add)(void *arg, int w, int fd, bool gso);
	void (*egress_del)(void *arg, int fd);
	void (*input_add)(void *arg, unsigned w, size_t slot, const struct plan_input *in);
	void (*input_del)(void *arg, unsigned w, size_t slot);
	/* The rule's share of worker w (w serves it). */
	void (*rule_add)(void *arg, const struct plan_rule *rr, unsigned w);
	/* Which of its inputs are attached (their slots) changed. */
	void (*rule_inputs)(void *arg, const struct plan_rule *rr, unsigned w);
	void (*rule_del)(void *arg, const struct plan_rule *rr, unsigned w);
	void (*output_set)(void *arg, const struct plan_rule *rr, unsigned i);
	/* Its rule-wide flags (verify) changed: tell every serving worker. */
	void (*rule_flags)(void *arg, const struct plan_rule *rr);
	void (*tx_add)(void *arg, unsigned w, int fd, int gso_fd, const struct txring_geom *g);
	void (*tx_del)(void *arg, unsigned w, int fd);
};

typedef void (*plan_egress_fn)(void *arg, int fd, bool gso);

/*
 * Sockets and memberships.  egress_get returns a shared socket per
 * (interface, TTL) and reports a newly opened one through the callback
 * given to plansys_new(); functions return an fd or 0, or -errno.
 */
struct plan_sys {
	int (*ingress_open)(void *s, int ifindex, const struct filter_key *k, size_t n, int *exact,
			    struct rxring_size sz);
	int (*ingress_filter)(void *s, int fd, const struct filter_key *k, size_t n, int *exact);
	unsigned (*ingress_drops)(void *s, int fd);
	void (*ingress_close)(void *s, int fd);
	int (*egress_get)(void *s, const char *dev, int ifindex, enum egress_gso gso, int family);
	void (*egress_forget)(void *s, int ifindex);
	void (*egress_foreach)(void *s, plan_egress_fn fn, void *arg);
	/* The local port (network order) egress socket fd sends from. */
	uint16_t (*egress_port)(void *s, int fd);
	/*
	 * Worker w's transmit ring socket on ifindex, shared and counted: the
	 * first get opens it (and tells the plan, plan_tx_opened), the last put
	 * closes it.  fd or -errno.
	 */
	int (*tx_get)(void *s, int ifindex, unsigned w, unsigned mtu);
	void (*tx_put)(void *s, int fd);
	/* Closes worker w's transmit rings and opens them anew (a restarted worker). */
	void (*tx_renew)(void *s, unsigned w);
	int (*join)(void *s, int ifindex, struct mcr_addr group, struct mcr_addr source);
	int (*leave)(void *s, int ifindex, struct mcr_addr group, struct mcr_addr source);
	/* The input's claim in the network namespace: -EADDRINUSE, another mcrd holds it. */
	int (*input_claim)(void *s, const struct mcr_input *in);
	void (*input_unclaim)(void *s, int fd);
};

struct plan_config {
	unsigned nworkers;
	struct rxring_size rx; /* the receive rings: slots for rx.mtu, rx.mib per socket */
	enum mcr_gso gso;
	unsigned spread_outputs; /* rules with this many outputs use every worker; 0: never */
	const struct plan_ops *ops;
	void *ops_arg;
	const struct plan_sys *sys;
	void *sys_arg;
	/*
	 * Demand (issue 18): whether link ifindex has a member of group (IPv4:
	 * IGMP, IPv6: MLD) for traffic from src (unset: any source).  NULL:
	 * every link always has.
	 */
	bool (*wants)(void *arg, int ifindex, struct mcr_addr group, struct mcr_addr src);
	void *wants_arg;
};

int plan_new(struct plan **p, const struct plan_config *c);
/* Leaves every group and closes every socket; tells the workers nothing. */
void plan_free(struct plan *p);
/*
 * A rule became active or pending, or one of its several inputs did (not
 * called for a rule's first state).
 */
void plan_on_change(struct plan *p, void (*fn)(void *arg, const struct plan_rule *), void *arg);
/* A failover rule's workers switched to another input (seen at the tick). */
void plan_on_switch(struct plan *p, void (*fn)(void *arg, const struct plan_rule *), void *arg);
/* The sys table opened (or is closing) an egress socket: tell the workers. */
void plan_egress_opened(void *plan, int fd, bool gso);
void plan_egress_closing(void *plan, int fd, bool gso);
/* ... or worker w's transmit ring socket: tell that worker. */
void plan_tx_opened(void *plan, unsigned w, int fd, int gso_fd, const struct txring_geom *g);
void plan_tx_closing(void *plan, unsigned w, int fd);

/*
 * Adds a rule (copied).  Refuses a duplicate name or input, with the
 * reason in el: -EEXIST.  A rule whose interfaces are missing is added
 * pending.  -ENOMEM, -ENOSPC (no counter slots) change nothing.
 */
int plan_add(struct plan *p, const struct mcr_rule *cfg, struct mcr_errlist *el);
/* What plan_add refuses of cfg: its name or input taken (each in el), -EEXIST; or 0. */
int plan_check_new(const struct plan *p, const struct mcr_rule *cfg, struct mcr_errlist *el);
/* Removes the rule; -ENOENT. */
int plan_del(struct plan *p, const char *name);

/*
 * Two-step adds, for a reload that must change nothing unless all of it
 * can be done: plan_prepare allocates a rule and its counters without
 * touching anything running (the reason in el when it fails); plan_reserve
 * makes room for n more rules; plan_insert then cannot fail.
 */
int plan_prepare(struct plan *p, const struct mcr_rule *cfg, struct plan_rule **rr,
		 struct mcr_errlist *el);
void plan_discard(struct plan_rule *rr);
int plan_reserve(struct plan *p, size_t n);
void plan_insert(struct plan *p, struct plan_rule *rr);

/* Whether worker w (of n) serves rr. */
static inline bool plan_rule_serves(const struct plan_rule *rr, unsigned w, unsigned n)
{
	return (w + n - rr->worker) % n < rr->nworkers;
}

const struct plan_rule *plan_find(const struct plan *p, const char *name);
const struct plan_rule *plan_find_input(const struct plan *p, const struct mcr_input *in);
size_t plan_nrules(const struct plan *p);
const struct plan_rule *plan_rule(const struct plan *p, size_t i);
size_t plan_active_rules(const struct plan *p);
size_t plan_ninputs(const struct plan *p);
unsigned plan_nworkers(const struct plan *p);
/* Input slot i (NULL: unused), of plan_input_slots(). */
const struct plan_input *plan_input(const struct plan *p, size_t i);
size_t plan_input_slots(const struct plan *p);

/*
 * Brings every rule and output in line with the interface table: attach
 * what can run, detach what lost its interface, reopen sockets of
 * interfaces re-created with a new index.  Idempotent.
 */
void plan_reconcile(struct plan *p);
/* Sends worker w everything it should hold (after it was (re)started). */
void plan_replay(struct plan *p, unsigned w);
/* Once a second: kernel drop counts, per-rule rates, input claims another mcrd held. */
void plan_tick(struct plan *p);

/* ---- inside the plan module (plan.c, planin.c, planout.c, planstats.c) ---- */

struct plan {
	struct plan_config c;
	struct plan_rule **rules;
	size_t nrules, caprules;
	struct plan_input *inputs[PLAN_MAX_INPUTS];
	size_t ninputs;       /* slots in use */
	void (*on_change)(void *arg, const struct plan_rule *rr);
	void *change_arg;
	void (*on_switch)(void *arg, const struct plan_rule *rr);
	void *switch_arg;
};

/* planin.c: a rule's inputs, the plan's ingress sockets, filters and memberships. */
/*
 * Brings each input of rr in line with the interface table (attach, detach,
 * re-attach) and rr onto or off its workers; sets each input's pending
 * reason and rr->pending.  True when the state of one of several inputs changed.
 */
bool plan_rule_inputs(struct plan *p, struct plan_rule *rr);
/* Every input of rr detached, and rr off its workers. */
void plan_rule_detach(struct plan *p, struct plan_rule *rr);
/* The input's MTU as last seen (warned about once when it outgrows the rings). */
void plan_input_mtu(const struct plan *p, struct plan_input *in, unsigned mtu);
/* Worker w's socket on input slot: opened, refiltered or closed to match its rules there. */
int plan_input_refresh(struct plan *p, struct plan_input *in, size_t slot, unsigned w);
void plan_input_release(struct plan *p, size_t slot);

/*
 * Inside the plan module (plan.c, planout.c): an output brought in line
 * with its interface (reports a change to the worker when rr is attached),
 * and an output that stops (its transmit ring released).
 */
void plan_output_refresh(const struct plan_config *c, struct plan_rule *rr, unsigned i);
/* The rule-wide flags from its outputs; tells the workers when they changed. */
void plan_rule_flags(const struct plan_config *c, struct plan_rule *rr);
void plan_output_release(const struct plan_config *c, struct plan_output *o);

/* plandemand.c: outputs sent only to listeners, inputs joined on demand (issue 18). */
extern const char plan_no_listeners[];
/* Whether output o (on interface ii) is wanted: always, or a member of its group is there. */
bool plan_output_wanted(const struct plan_config *c, const struct plan_rule *rr,
			const struct plan_output *o, const struct iface_info *ii);
/* Whether some output of rr wants the stream (an always-on output does). */
bool plan_rule_wanted(const struct plan *p, const struct plan_rule *rr);

/* Counters (planstats.c). */
/* The rule's state and counters for the control protocol; info->out must be freed. */
int plan_rule_info(const struct plan_rule *rr, bool stats, struct mcr_rule_info *info);
/* Sum of the link counters of every input on dev (every worker). */
void plan_link_stats(const struct plan *p, const char *dev, struct link_stats *out);
struct plan_worker_stats {
	uint32_t rules;
	uint64_t packets_in, packets_out, drops;
};
/* What worker w owns: its attached rules and the sum of their counters. */
void plan_worker_stats(const struct plan *p, unsigned w, struct plan_worker_stats *out);
/* Log every counter (SIGUSR1 and exit). */
void plan_log_stats(const struct plan *p);

#endif
