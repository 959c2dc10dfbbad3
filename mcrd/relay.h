/*
 * The runtime plan, in two roles.
 *
 * In the parent, a relay holds every rule resolved to interfaces and
 * sockets: one AF_PACKET socket per (input interface, worker) filtered to
 * that worker's rules, egress sockets, memberships; it tells the pool what
 * each worker must hold.  In a worker, a relay holds only what the parent
 * sent it (rules, inputs, sockets) and the data path reads it.  The same
 * rule, output and input structures serve both, so the data path is one.
 */
#ifndef MCRD_RELAY_H
#define MCRD_RELAY_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "egress.h"
#include "errlist.h"
#include "match.h"
#include "membership.h"
#include "rule.h"
#include "stats.h"

#define RELAY_MAX_INPUTS  1024
#define RELAY_MAX_WORKERS MCR_MAX_WORKERS

struct pool;

struct rt_output {
	const struct mcr_output *cfg;
	struct sockaddr_in dst;
	int fd;               /* -1: not sending (see why); in the parent, the
			       * parent's egress fd, which names it to workers */
	int ifindex;          /* of the egress socket (parent) */
	const char *why;      /* NULL when active (parent) */
	bool gso;             /* worker: may send GSO runs (cleared if refused) */
	uint16_t gso_limit;   /* worker: runs of payloads this large go singly (0: none) */
	uint32_t st_slot;
	struct out_stats *st; /* shared counters */
};

struct rt_rule {
	struct mcr_rule cfg;  /* owned copy */
	struct rt_output *out;
	const char *pending;  /* NULL when active, else why not */
	bool attached;        /* on its worker: in the input's table and filter */
	bool joined;
	bool dead;            /* removed; freed when no send is in flight */
	int in_ifindex;
	int in_slot;          /* index of its input in inputs[] */
	unsigned worker;      /* owner, by consistent hash of (group, port) */
	unsigned inflight;    /* sends submitted and not yet completed (worker) */
	uint32_t st_slot;
	struct rule_stats *st;
	uint64_t last_packets, last_bytes; /* at the previous tick */
	uint64_t pps, bps;    /* over the last second */
	struct rt_rule *next_dead;
};

struct rt_input {
	char dev[IFNAMSIZ];
	int ifindex;
	unsigned mtu;          /* last seen: warned about once per change */
	/* worker side */
	int fd;               /* AF_PACKET socket; -1 in the parent */
	struct rxring *ring;  /* its receive ring, mapped */
	struct mcr_match match;
	struct link_stats *st;
	bool armed;           /* a multishot poll on the ring is outstanding */
	bool rx_ready;        /* the ring may hold frames to read */
	bool closing;         /* cancel the poll, then close */
	bool cancel_sent;
	/* parent side: one socket per worker that owns rules on it */
	unsigned nrules;
	int wfd[RELAY_MAX_WORKERS];
	unsigned wrules[RELAY_MAX_WORKERS];
	int wexact[RELAY_MAX_WORKERS];
	uint32_t wst_slot[RELAY_MAX_WORKERS];
};

typedef void (*relay_change_fn)(void *arg, const struct rt_rule *rr);

struct relay {
	bool parent;          /* plans and owns counter slots (vs a worker's copy) */
	unsigned nworkers;
	struct pool *pool;    /* parent: where worker state goes */
	struct rt_rule **rules;
	size_t nrules, caprules;
	struct rt_input *inputs[RELAY_MAX_INPUTS];
	size_t ninputs;       /* slots in use, including closing ones */
	struct rt_rule *dead; /* removed rules with sends still in flight */
	struct egress *egress;
	struct membership *memb;
	unsigned max_mtu;     /* sizes the slots of the receive rings */
	enum mcr_gso gso;     /* the file's gso setting, read at start */
	relay_change_fn on_change; /* a rule became active or pending */
	void *change_arg;
};

/* The parent's relay, planning for nworkers workers. */
int relay_init(struct relay *r, unsigned nworkers, struct pool *pool);
/* A worker's relay: filled by worker.c from the parent's messages. */
void relay_init_worker(struct relay *r);
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
/* Whether outputs on interface ii may send UDP GSO runs (r->gso, ii->virt). */
struct iface_info;
bool relay_gso(const struct relay *r, const struct iface_info *ii);
/* A send of rr completed: frees a removed rule after its last send. */
void relay_send_done(struct relay *r, struct rt_rule *rr);
/* An input's socket is closed and its slot freed (receive cancelled). */
void relay_input_closed(struct relay *r, size_t idx);
/* Frees a rule (worker: after the parent removed it). */
void relay_rule_free(struct relay *r, struct rt_rule *rr);
/* Rebuilds a worker input's match table from the rules on it. */
int relay_rebuild_match(struct relay *r, size_t slot);
/*
 * Brings every rule and output in line with the interface table: attach
 * what can run, detach what lost its interface, reopen sockets of
 * interfaces re-created with a new index.  Idempotent.
 */
void relay_reconcile(struct relay *r);
/* Sends worker w everything it should hold (after it was (re)started). */
void relay_replay(struct relay *r, unsigned w);
/* Once a second: kernel drop counts, per-rule rates. */
void relay_tick(struct relay *r);
size_t relay_active_rules(const struct relay *r);
/* Sum of an input's link counters over its workers (parent). */
void relay_link_stats(const struct relay *r, const struct rt_input *in, struct link_stats *out);
/* Log every counter (SIGUSR1 and exit). */
void relay_log_stats(const struct relay *r);

#endif
