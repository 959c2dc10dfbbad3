/* The main file's settings besides rules (confglobal.h). */
#include "confglobal.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "esc.h"
#include "hostport.h"

static int line_of(const config_setting_t *s)
{
	return (int)config_setting_source_line(s);
}

static int parse_workers(struct mcr_errlist *el, const config_setting_t *w, struct mcr_config *c)
{
	int type = config_setting_type(w);
	long long n;

	if (type == CONFIG_TYPE_STRING && !strcmp(config_setting_get_string(w), "auto")) {
		c->workers = 0;
		return 0;
	}
	if (type != CONFIG_TYPE_INT && type != CONFIG_TYPE_INT64) {
		mcr_errlist_add(el, line_of(w), "workers must be \"auto\" or 1..%d", MCR_MAX_WORKERS);
		return -EINVAL;
	}
	n = config_setting_get_int64(w);
	if (n < 1 || n > MCR_MAX_WORKERS) {
		if (n == INT64_MAX || n == INT64_MIN) /* beyond 64 bits (confint.h) */
			mcr_errlist_add(el, line_of(w), "workers out of range 1..%d", MCR_MAX_WORKERS);
		else
			mcr_errlist_add(el, line_of(w), "workers %lld out of range 1..%d", n,
					MCR_MAX_WORKERS);
		return -EINVAL;
	}
	c->workers = (unsigned)n;
	return 0;
}

/* An integer setting in lo..hi, or the message and -EINVAL. */
static int top_uint(struct mcr_errlist *el, const config_setting_t *s, long long lo,
		    long long hi, const char *what, unsigned *out)
{
	int type = config_setting_type(s);
	long long v = type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64
			      ? config_setting_get_int64(s) : lo - 1;

	if (v < lo || v > hi) {
		mcr_errlist_add(el, line_of(s), "%s", what);
		return -EINVAL;
	}
	*out = (unsigned)v;
	return 0;
}

static int parse_user(struct mcr_errlist *el, const config_setting_t *u, struct mcr_config *c)
{
	const char *v = config_setting_type(u) == CONFIG_TYPE_STRING ? config_setting_get_string(u) : NULL;

	if (!v || !*v || strlen(v) >= sizeof(c->user)) {
		mcr_errlist_add(el, line_of(u), "user must be a user name of 1..%d characters",
				MCR_USER_MAX - 1);
		return -EINVAL;
	}
	snprintf(c->user, sizeof(c->user), "%s", v);
	return 0;
}

static int parse_gso(struct mcr_errlist *el, const config_setting_t *g, struct mcr_config *c)
{
	static const char *const names[] = { [MCR_GSO_AUTO] = "auto", [MCR_GSO_ON] = "on",
					     [MCR_GSO_OFF] = "off" };
	const char *v = config_setting_type(g) == CONFIG_TYPE_STRING ? config_setting_get_string(g) : NULL;

	for (unsigned i = 0; v && i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(v, names[i])) {
			c->gso = (enum mcr_gso)i;
			return 0;
		}
	}
	mcr_errlist_add(el, line_of(g), "gso must be \"auto\", \"on\" or \"off\"");
	return -EINVAL;
}

/* metrics = "HOST:PORT": the address the Prometheus endpoint listens on. */
static int parse_metrics(struct mcr_errlist *el, const config_setting_t *m, struct mcr_config *c)
{
	const char *v = config_setting_type(m) == CONFIG_TYPE_STRING ? config_setting_get_string(m) : NULL;
	struct sockaddr_storage ss;
	const char *why;
	char e[MCR_ESC_NAME];
	socklen_t len;

	if (!v) {
		mcr_errlist_add(el, line_of(m), "metrics must be a string \"ADDRESS:PORT\"");
		return -EINVAL;
	}
	if (mcr_parse_hostport(v, &ss, &len, &why)) {
		mcr_errlist_add(el, line_of(m), "metrics \"%s\": %s", mcr_esc(v, e, sizeof(e)), why);
		return -EINVAL;
	}
	snprintf(c->metrics, sizeof(c->metrics), "%s", v);
	return 0;
}

void mcr_conf_globals(const config_setting_t *root, struct mcr_config *c, struct mcr_errlist *el)
{
	const config_setting_t *s;

	if ((s = config_setting_get_member(root, "workers")))
		parse_workers(el, s, c);
	if ((s = config_setting_get_member(root, "user")))
		parse_user(el, s, c);
	if ((s = config_setting_get_member(root, "gso")))
		parse_gso(el, s, c);
	if ((s = config_setting_get_member(root, "loop_guard_ms")))
		top_uint(el, s, 0, MCR_LOOP_GUARD_MAX,
			 "loop_guard_ms must be 0..10000 (milliseconds; 0: off)", &c->loop_guard_ms);
	if ((s = config_setting_get_member(root, "spread_outputs")))
		top_uint(el, s, 0, MCR_MAX_OUTPUTS,
			 "spread_outputs must be 0..4096 (0: a rule is never spread)", &c->spread_outputs);
	if ((s = config_setting_get_member(root, "rx_ring_mib")))
		top_uint(el, s, 1, MCR_RX_RING_MAX,
			 "rx_ring_mib must be 1..1024 (MiB per receive ring)", &c->rx_ring_mib);
	if ((s = config_setting_get_member(root, "metrics")))
		parse_metrics(el, s, c);
	if ((s = config_setting_get_member(root, "igmp")))
		mcr_conf_igmp(s, c, el);
}
