/*
 * The metrics catalog: what the metrics process needs to name the
 * counters it reads in shared memory (counters.h).  The parent writes it
 * into a sealed memfd whenever the rules, their state, the workers or the
 * reload status change, and hands the fd over; the metrics process maps it
 * read-only, checks it and renders /metrics from it and the live counters.
 *
 * Fixed-size records after a header: rules, then their outputs (each rule
 * owns a run of them), input links (one per input and worker), workers,
 * the IGMP and MLD links of listeners outputs (querier.c) and the inputs
 * of rules with several (redundancy: each such rule owns a run of them).
 * Labels are resolved here, once per change; counters are read live.
 */
#ifndef MCRD_METCAT_H
#define MCRD_METCAT_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rule.h"

#define METCAT_MAGIC   0x7461636du /* "mcat" */
#define METCAT_VERSION 4

/* The reload counts and times the parent keeps (main.c). */
struct metcat_status {
	int64_t start_time;        /* unix seconds */
	int64_t reload_time;       /* of the last successful reload; 0: none yet */
	uint64_t reloads_ok, reloads_refused;
	bool last_refused;         /* the last reload was refused */
};

struct metcat_hdr {
	uint32_t magic, version;
	uint32_t nrules, nouts, nlinks, nworkers;
	struct metcat_status st;
	uint32_t nqlinks;
	uint32_t nins;
};

#define METCAT_R_ACTIVE   0x1  /* not pending */
#define METCAT_R_ATTACHED 0x2  /* on its worker */

struct metcat_rule {
	char name[MCR_NAME_MAX];
	char dev[IFNAMSIZ];
	struct mcr_addr group, source;
	uint16_t port;
	uint8_t flags;             /* METCAT_R_* */
	uint8_t origin;            /* enum mcr_origin */
	uint32_t worker;
	uint32_t slot;             /* its rule counters */
	uint32_t first_out, nout;  /* outs[first_out .. first_out + nout) */
	uint32_t nworkers;         /* serving it: worker, worker + 1, ... (spread_outputs) */
	/*
	 * Several inputs: ins[first_in .. first_in + nin) with 2 <= nin <=
	 * MCR_MAX_INPUTS, and their counters (counters_redund).  nin 0: one input.
	 */
	uint32_t rslot;
	uint32_t first_in, nin;
	uint8_t mode;              /* enum mcr_redundancy */
};

struct metcat_out {
	char dev[IFNAMSIZ];
	struct mcr_addr group;
	uint16_t port;
	uint8_t up;                /* sending */
	uint8_t layer2;            /* through a transmit ring */
	uint32_t slot;             /* its output counters */
	uint32_t worker;           /* the one that sends it */
};

struct metcat_link {
	char dev[IFNAMSIZ];
	uint32_t worker;
	uint32_t slot;             /* its link counters */
	uint32_t open;             /* the worker has a socket on it */
};

struct metcat_worker {
	int32_t pid;               /* 0: being restarted */
	uint32_t restarts;
};

/* An output link's IGMP (AF_INET) or MLD (AF_INET6) listener state. */
struct metcat_qlink {
	char dev[IFNAMSIZ];
	uint32_t family;
	uint32_t slot;             /* its counters (counters_qlink) */
};

/* An input of a rule with several, as the rule lists it. */
struct metcat_in {
	char dev[IFNAMSIZ];
	struct mcr_addr group, source;
	uint16_t port;
	uint8_t active;            /* not pending: it can deliver */
};

/* A checked catalog, pointing into its mapping. */
struct metcat {
	const struct metcat_hdr *hdr;
	const struct metcat_rule *rule;
	const struct metcat_out *out;
	const struct metcat_link *link;
	const struct metcat_worker *worker;
	const struct metcat_qlink *qlink;
	const struct metcat_in *in;
};

struct plan;
struct pool;
struct querier;

/*
 * Changes whenever anything the catalog holds of p, pool and q (may be
 * NULL) does (a hash of it): the parent rebuilds only then.
 */
uint64_t metcat_fingerprint(const struct plan *p, const struct pool *pool,
			    const struct querier *q);
/* The catalog of p, pool, q and st in a new sealed memfd (*fd).  0 or -errno. */
int metcat_build(const struct plan *p, const struct pool *pool, const struct querier *q,
		 const struct metcat_status *st, int *fd);
/*
 * Checks len bytes at map as a catalog: header, sizes, every index and
 * counter slot in range, every string terminated.  0 and c, or -EINVAL.
 */
int metcat_check(const void *map, size_t len, struct metcat *c);

#endif
