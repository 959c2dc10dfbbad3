/*
 * The main file's settings other than rules (workers, user, gso,
 * loop_guard_ms, spread_outputs, rx_ring_mib, metrics, igmp), each checked
 * with the line it is on.  Part of the loader (config.c); drop-in files
 * may set none of them.
 */
#ifndef MCR_CONFGLOBAL_H
#define MCR_CONFGLOBAL_H

#include <libconfig.h>

#include "config.h"
#include "errlist.h"

/* Reads the settings present under root into c; each problem into el. */
void mcr_conf_globals(const config_setting_t *root, struct mcr_config *c, struct mcr_errlist *el);
/* configmp.c: igmp = { query_interval_ms; query_response_ms; robustness; last_member_interval_ms; } */
void mcr_conf_igmp(const config_setting_t *g, struct mcr_config *c, struct mcr_errlist *el);

#endif
