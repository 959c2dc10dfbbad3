/*
 * Rules printed in mcrd.conf syntax (mcrd.conf(5)): what `mcrctl -c rule
 * show` writes, so that rules added at run time can be saved into a
 * drop-in file and come back after a restart.  The text loads with
 * lib/config.c into rules equal to the ones printed (mcr_rule_equal), and
 * printing those again gives the same text: every output setting is
 * written out (group and port always, ttl or fixed_ttl, egress when not
 * auto, source "keep").
 */
#ifndef MCR_RULECONF_H
#define MCR_RULECONF_H

#include <stddef.h>
#include <stdio.h>

#include "rule.h"

/*
 * A rules list as a stream: begin, then each rule with its index (a comma
 * goes before every rule but the first), then end with the number printed.
 * mcr_ruleconf_print refuses (-EINVAL, nothing printed) a rule whose name
 * or interfaces could not be read back (not what mcr_rule_name_valid and
 * mcr_ifname_valid accept).  0, or -EIO on a write error.
 */
void mcr_ruleconf_begin(FILE *fp);
int mcr_ruleconf_print(FILE *fp, const struct mcr_rule *r, size_t index);
int mcr_ruleconf_end(FILE *fp, size_t n);
/* All of it for the n rules of v. */
int mcr_ruleconf_print_all(FILE *fp, const struct mcr_rule *v, size_t n);

#endif
