/*
 * Reload as a difference between the running rules and the file, in two
 * phases: prepare every new or changed rule (memory, counter slots) while
 * nothing running is touched, then commit, which cannot fail: remove the
 * stale rules and insert the prepared ones.
 */
#include "reload.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* A file rule may not take the name or input of a runtime rule. */
static int check_runtime_conflicts(const struct plan *p, const struct mcr_ruleset *rs,
				   struct mcr_errlist *el)
{
	int err = 0;

	for (size_t i = 0; i < rs->n; i++) {
		const struct mcr_rule *n = &rs->v[i];
		const struct plan_rule *old = plan_find(p, n->name);

		if (old && old->cfg.origin == MCR_ORIGIN_RUNTIME) {
			mcr_errlist_add(el, n->line, "rule \"%s\": name taken by a runtime rule "
					"(mcrctl rule del name %s first)", n->name, n->name);
			err = -EINVAL;
		}
		for (unsigned k = 0; k < mcr_rule_ninputs(n); k++) {
			old = plan_find_input(p, mcr_rule_input(n, k));
			if (old && old->cfg.origin == MCR_ORIGIN_RUNTIME) {
				mcr_errlist_add(el, n->line, "rule \"%s\": same input as runtime "
						"rule \"%s\"", n->name, old->cfg.name);
				err = -EINVAL;
				break;
			}
		}
	}
	return err;
}

/* A running file rule the file no longer has as it is. */
static bool is_stale(const struct plan_rule *rr, const struct mcr_ruleset *rs)
{
	const struct mcr_rule *n = mcr_ruleset_find(rs, rr->cfg.name);

	return rr->cfg.origin == MCR_ORIGIN_CONFIG && !(n && mcr_rule_equal(n, &rr->cfg));
}

/* A file rule that must be (re)started: absent, or running differently. */
static bool is_fresh(const struct plan *p, const struct mcr_rule *n)
{
	const struct plan_rule *rr = plan_find(p, n->name);

	return !rr || !mcr_rule_equal(n, &rr->cfg);
}

/* Phase 1: every fresh rule prepared, or none (the failing one named in el). */
static int prepare_all(struct plan *p, const struct mcr_ruleset *rs, struct plan_rule **prep,
		       struct mcr_errlist *el)
{
	size_t n = 0;
	int err = 0;

	for (size_t i = 0; i < rs->n && !err; i++)
		if (is_fresh(p, &rs->v[i]))
			err = plan_prepare(p, &rs->v[i], &prep[n++], el);
	if (!err && (err = plan_reserve(p, n)))
		mcr_errlist_add(el, 0, "reload: out of memory for %zu rules", n);
	if (err) {
		if (n && !prep[n - 1])
			n--;
		while (n)
			plan_discard(prep[--n]);
	}
	return err;
}

/* Phase 2: cannot fail. */
static void commit(struct plan *p, const struct mcr_ruleset *rs, struct plan_rule **prep,
		   struct reload_result *res)
{
	size_t n = 0;

	for (size_t i = 0; i < plan_nrules(p);) {
		const struct plan_rule *rr = plan_rule(p, i);
		bool changed = mcr_ruleset_find(rs, rr->cfg.name) != NULL;

		if (!is_stale(rr, rs)) {
			i++;
			continue;
		}
		if (changed)
			res->changed++;
		else
			res->removed++;
		log_info("reload: %s rule \"%s\"", changed ? "replacing" : "removing", rr->cfg.name);
		plan_del(p, rr->cfg.name); /* shifts the rules: do not advance */
	}
	for (size_t i = 0; i < rs->n; i++) {
		if (!prep[n] || strcmp(prep[n]->cfg.name, rs->v[i].name)) {
			res->unchanged++;
			continue;
		}
		plan_insert(p, prep[n++]);
	}
	res->added = (unsigned)n - res->changed;
}

int reload_rules(struct plan *p, const struct mcr_ruleset *rs, struct mcr_errlist *el,
		 struct reload_result *res)
{
	struct plan_rule **prep;
	int err;

	memset(res, 0, sizeof(*res));
	if (check_runtime_conflicts(p, rs, el))
		return -EINVAL;
	/* One more than the rules, so the commit's walk always meets a NULL end. */
	if (!(prep = calloc(rs->n + 1, sizeof(*prep)))) {
		mcr_errlist_add(el, 0, "reload: out of memory");
		return -ENOMEM;
	}
	err = prepare_all(p, rs, prep, el);
	if (!err)
		commit(p, rs, prep, res);
	free(prep);
	return err;
}

int reload_apply(struct plan *p, const char *path, struct mcr_errlist *el,
		 struct reload_result *res)
{
	struct mcr_config cfg;
	int err;

	memset(res, 0, sizeof(*res));
	if (mcr_config_load_file(path, &cfg, el))
		return -EINVAL;
	err = reload_rules(p, &cfg.rules, el, res);
	mcr_config_free(&cfg);
	return err;
}

int reload_initial(struct plan *p, const struct mcr_ruleset *rules)
{
	struct mcr_errlist el;
	int err = 0;

	mcr_errlist_init(&el, NULL);
	for (size_t i = 0; i < rules->n && !err; i++)
		err = plan_add(p, &rules->v[i], &el);
	for (size_t i = 0; i < el.n; i++)
		log_err("%s", el.v[i].msg);
	mcr_errlist_free(&el);
	return err;
}
