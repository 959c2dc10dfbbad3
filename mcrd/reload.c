/* Reload as a difference between the running rules and the file. */
#include "reload.h"

#include <errno.h>
#include <string.h>

#include "config.h"
#include "log.h"

/* A file rule may not take the name or input of a runtime rule. */
static int check_runtime_conflicts(const struct relay *r, const struct mcr_ruleset *rs,
				   struct mcr_errlist *el)
{
	int err = 0;

	for (size_t i = 0; i < rs->n; i++) {
		const struct mcr_rule *n = &rs->v[i];
		const struct rt_rule *old = relay_find(r, n->name);

		if (old && old->cfg.origin == MCR_ORIGIN_RUNTIME) {
			mcr_errlist_add(el, n->line, "rule \"%s\": name taken by a runtime rule "
					"(mcrctl rule del name %s first)", n->name, n->name);
			err = -EINVAL;
		}
		old = relay_find_input(r, &n->in);
		if (old && old->cfg.origin == MCR_ORIGIN_RUNTIME) {
			mcr_errlist_add(el, n->line, "rule \"%s\": same input as runtime rule \"%s\"",
					n->name, old->cfg.name);
			err = -EINVAL;
		}
	}
	return err;
}

static void remove_stale(struct relay *r, const struct mcr_ruleset *rs, struct reload_result *res)
{
	for (size_t i = 0; i < r->nrules;) {
		const struct rt_rule *rr = r->rules[i];
		const struct mcr_rule *n = mcr_ruleset_find(rs, rr->cfg.name);

		if (rr->cfg.origin != MCR_ORIGIN_CONFIG || (n && mcr_rule_equal(n, &rr->cfg))) {
			i++;
			continue;
		}
		if (n)
			res->changed++;
		else
			res->removed++;
		log_info("reload: %s rule \"%s\"", n ? "replacing" : "removing", rr->cfg.name);
		relay_del(r, rr->cfg.name); /* shifts the array: do not advance */
	}
}

int reload_apply(struct relay *r, const char *path, struct mcr_errlist *el,
		 struct reload_result *res)
{
	struct mcr_config cfg;
	int err;

	memset(res, 0, sizeof(*res));
	err = mcr_config_load_file(path, &cfg, el);
	if (err)
		return -EINVAL;
	if (check_runtime_conflicts(r, &cfg.rules, el)) {
		mcr_config_free(&cfg);
		return -EINVAL;
	}
	remove_stale(r, &cfg.rules, res);
	for (size_t i = 0; i < cfg.rules.n; i++) {
		if (relay_find(r, cfg.rules.v[i].name)) {
			res->unchanged++;
			continue;
		}
		err = relay_add(r, &cfg.rules.v[i], el);
		if (err)
			log_err("reload: rule \"%s\": %s", cfg.rules.v[i].name, strerror(-err));
		else
			res->added++;
	}
	res->added -= res->changed;
	mcr_config_free(&cfg);
	return 0;
}

int reload_initial(struct relay *r, const struct mcr_ruleset *rules)
{
	struct mcr_errlist el;
	int err = 0;

	mcr_errlist_init(&el, NULL);
	for (size_t i = 0; i < rules->n && !err; i++)
		err = relay_add(r, &rules->v[i], &el);
	for (size_t i = 0; i < el.n; i++)
		log_err("%s", el.v[i].msg);
	mcr_errlist_free(&el);
	return err;
}
