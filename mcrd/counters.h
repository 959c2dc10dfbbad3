/*
 * Counters in memory shared by the parent and the workers: a worker writes
 * the slots of what it owns (the parent those of its IGMP and MLD links),
 * the parent reads them at any time (mcrctl -s, SIGUSR1), the metrics
 * process too.  Slots outlive a worker, so a restart loses no count.  A freed
 * slot goes to the back of a FIFO, so a late write from a send still in
 * flight never lands in a new owner's counters.
 */
#ifndef MCRD_COUNTERS_H
#define MCRD_COUNTERS_H

#include <stdint.h>

#include "stats.h"

#define CNT_RULES  65536
#define CNT_OUTS   (1u << 20)
#define CNT_LINKS  16384
#define CNT_REDUND 4096     /* rules with several inputs */
#define CNT_QLINKS 256      /* IGMP and MLD links (querier.c: 64 at a time) */

int counters_init(void);              /* before the first fork; 0 or -ENOMEM */
/* In a process that only reads them (the metrics process): read-only from now on.  0 or -errno. */
int counters_readonly(void);
struct rule_stats *counters_rule(uint32_t slot);
struct out_stats *counters_out(uint32_t slot);
struct link_stats *counters_link(uint32_t slot);
struct redund_stats *counters_redund(uint32_t slot);
struct qlink_stats *counters_qlink(uint32_t slot);
/* Allocation (parent only): a zeroed slot, or UINT32_MAX when none is free. */
uint32_t counters_alloc_rule(void);
uint32_t counters_alloc_out(void);
uint32_t counters_alloc_link(void);
uint32_t counters_alloc_redund(void);
uint32_t counters_alloc_qlink(void);
void counters_free_rule(uint32_t slot);
void counters_free_out(uint32_t slot);
void counters_free_link(uint32_t slot);
void counters_free_redund(uint32_t slot);
void counters_free_qlink(uint32_t slot);

#endif
