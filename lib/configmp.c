/* The igmp = { ... } setting of the main file (confglobal.h): the querier's timers. */
#include "confglobal.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

struct knob {
	const char *key;
	long long lo, hi;
	size_t off;
};

static const struct knob knobs[] = {
	{ "query_interval_ms", 1000, 3600000, offsetof(struct mcr_igmp_conf, query_interval_ms) },
	{ "query_response_ms", 100, 25500, offsetof(struct mcr_igmp_conf, query_response_ms) },
	{ "robustness", 1, 7, offsetof(struct mcr_igmp_conf, robustness) },
	{ "last_member_interval_ms", 100, 25500,
	  offsetof(struct mcr_igmp_conf, last_member_interval_ms) },
};
#define NKNOBS (sizeof(knobs) / sizeof(knobs[0]))

static const struct knob *lookup(const char *name)
{
	for (size_t i = 0; i < NKNOBS; i++)
		if (!strcmp(knobs[i].key, name))
			return &knobs[i];
	return NULL;
}

static void knob(const config_setting_t *s, struct mcr_igmp_conf *ic, struct mcr_errlist *el)
{
	const char *name = config_setting_name(s);
	const struct knob *k = lookup(name ? name : "");
	int type = config_setting_type(s);
	long long v;

	if (!k) {
		mcr_errlist_add(el, (int)config_setting_source_line(s),
				"igmp: unknown setting \"%.40s\" (query_interval_ms, query_response_ms, "
				"robustness, last_member_interval_ms)", name ? name : "");
		return;
	}
	v = type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64 ? config_setting_get_int64(s)
								  : k->lo - 1;
	if (v < k->lo || v > k->hi) {
		mcr_errlist_add(el, (int)config_setting_source_line(s),
				"igmp.%s must be an integer in %lld..%lld", k->key, k->lo, k->hi);
		return;
	}
	*(unsigned *)((char *)ic + k->off) = (unsigned)v;
}

void mcr_conf_igmp(const config_setting_t *g, struct mcr_config *c, struct mcr_errlist *el)
{
	struct mcr_igmp_conf *ic = &c->igmp;

	if (!config_setting_is_group(g)) {
		mcr_errlist_add(el, (int)config_setting_source_line(g),
				"igmp must be a group { query_interval_ms = N; ... }");
		return;
	}
	for (int i = 0; i < config_setting_length(g); i++)
		knob(config_setting_get_elem(g, (unsigned)i), ic, el);
	if (ic->query_interval_ms && ic->query_response_ms &&
	    ic->query_response_ms >= ic->query_interval_ms)
		mcr_errlist_add(el, (int)config_setting_source_line(g),
				"igmp.query_response_ms must be less than igmp.query_interval_ms");
}
