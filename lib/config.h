/* Loading the rule file (libconfig syntax) into a validated configuration. */
#ifndef MCR_CONFIG_H
#define MCR_CONFIG_H

#include "errlist.h"
#include "hostport.h"
#include "rule.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#define MCR_DEFAULT_CONFIG SYSCONFDIR "/mcrd/mcrd.conf"
#define MCR_MAX_WORKERS    64
#define MCR_USER_MAX       33
#define MCR_LOOP_GUARD_DEFAULT 100   /* ms */
#define MCR_LOOP_GUARD_MAX     10000
#define MCR_SPREAD_DEFAULT     16    /* outputs: a rule this wide uses every worker */
#define MCR_RX_RING_DEFAULT    32    /* MiB per ingress socket: 16384 frames at MTU 1500 */
#define MCR_RX_RING_MAX        1024

/* UDP GSO on the outputs (`gso`): auto = on physical interfaces only. */
enum mcr_gso { MCR_GSO_AUTO, MCR_GSO_ON, MCR_GSO_OFF };

/* igmp = { ... }: the querier's timers (RFC 3376 8); 0 = the RFC's default. */
struct mcr_igmp_conf {
	unsigned query_interval_ms, query_response_ms, robustness, last_member_interval_ms;
};

struct mcr_config {
	unsigned workers; /* 0: one per online CPU ("auto") */
	char user[MCR_USER_MAX];
	enum mcr_gso gso;
	unsigned loop_guard_ms; /* fixed-TTL rules drop a payload seen again this soon */
	char metrics[MCR_HOSTPORT_MAX]; /* where /metrics listens ("" : nowhere) */
	unsigned spread_outputs; /* rules with this many outputs are served by every worker */
	unsigned rx_ring_mib; /* each ingress socket's receive ring */
	struct mcr_igmp_conf igmp;
	struct mcr_ruleset rules;
};

void mcr_config_init(struct mcr_config *c);
void mcr_config_free(struct mcr_config *c);
/*
 * Parse and validate; on any problem every one is added to el (whose file
 * name prefixes them), c is left empty and -EINVAL returned.
 */
int mcr_config_load_file(const char *path, struct mcr_config *c, struct mcr_errlist *el);
int mcr_config_load_string(const char *text, struct mcr_config *c, struct mcr_errlist *el);

#endif
