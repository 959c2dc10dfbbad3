/* The rule file's rules (confrule.c), for its loader (config.c). */
#ifndef MCR_CONFRULE_H
#define MCR_CONFRULE_H

#include <libconfig.h>

#include "config.h"
#include "errlist.h"

/* The rules list into c->rules; every problem into el.  0 or -EINVAL. */
int mcr_conf_rules(struct mcr_errlist *el, const config_setting_t *rules, struct mcr_config *c);
/* Every member of grp is one of keys (NULL-terminated); else a problem naming where. */
void mcr_conf_check_keys(struct mcr_errlist *el, const config_setting_t *grp,
			 const char *const *keys, const char *where);

#endif
