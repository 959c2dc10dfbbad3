/*
 * The runtime plan: the configured rules resolved to interfaces and sockets,
 * and the per-interface lookup tables the data path reads.
 */
#ifndef MCRD_RELAY_H
#define MCRD_RELAY_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>

#include "egress.h"
#include "match.h"
#include "membership.h"
#include "rule.h"
#include "stats.h"

struct rt_output {
	const struct mcr_output *cfg;
	struct sockaddr_in dst;
	int fd;               /* -1: not sending (see why) */
	const char *why;      /* NULL when active */
	struct out_stats st;
};

struct rt_rule {
	const struct mcr_rule *cfg;
	struct rt_output *out;
	unsigned nout;
	const char *pending;  /* NULL when active, else why not */
	bool joined;
	int in_ifindex;
	struct rule_stats st;
};

struct rt_input {
	char dev[IFNAMSIZ];
	int ifindex;
	unsigned mtu;
	int fd;               /* AF_PACKET socket */
	int exact_filter;     /* 0: kernel passes any multicast, we filter */
	struct mcr_match match;
	struct link_stats st;
	bool armed;           /* a multishot receive is outstanding */
};

struct relay {
	struct rt_rule *rules;
	size_t nrules;
	struct rt_input *inputs;
	size_t ninputs;
	struct egress *egress;
	struct membership *memb;
	unsigned max_mtu;     /* largest input MTU, sizes receive buffers */
};

/* Resolve rules (which must outlive the relay) and open sockets; 0 or -errno. */
int relay_build(struct relay *r, const struct mcr_ruleset *rules);
/* Leave every group and close every socket. */
void relay_free(struct relay *r);
/* Adds the kernel's per-socket drop counts to each input's counters. */
void relay_poll_kernel_drops(struct relay *r);
size_t relay_active_rules(const struct relay *r);
/* Log every counter (SIGUSR1 and exit). */
void relay_log_stats(const struct relay *r);

#endif
