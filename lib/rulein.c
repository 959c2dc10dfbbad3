/*
 * A rule's inputs after the first, and how it uses them (redundancy):
 * names, defaults and the checks of a rule on its own.  mcrd/redund.c is
 * what a worker does with them.
 */
#include "rule.h"

#include <errno.h>
#include <string.h>

#include "addr.h"

static const char *const redundancy_names[MCR_REDUNDANCY__MAX] = {
	[MCR_REDUNDANCY_NONE] = "none",
	[MCR_REDUNDANCY_MERGE] = "merge",
	[MCR_REDUNDANCY_FAILOVER] = "failover",
};

const char *mcr_redundancy_name(unsigned mode)
{
	return mode < MCR_REDUNDANCY__MAX ? redundancy_names[mode] : NULL;
}

int mcr_redundancy_parse(const char *name, uint8_t *mode)
{
	for (unsigned i = 0; i < MCR_REDUNDANCY__MAX; i++)
		if (!strcmp(name, redundancy_names[i])) {
			*mode = (uint8_t)i;
			return 0;
		}
	return -EINVAL;
}

void mcr_redund_init(struct mcr_redund *d, uint8_t mode)
{
	memset(d, 0, sizeof(*d));
	d->mode = mode;
	if (mode == MCR_REDUNDANCY_MERGE)
		d->window_ms = MCR_MERGE_WINDOW_DEFAULT;
	if (mode == MCR_REDUNDANCY_FAILOVER) {
		d->failover_ms = MCR_FAILOVER_DEFAULT;
		d->revert_ms = MCR_REVERT_DEFAULT;
	}
}

bool mcr_redund_equal(const struct mcr_redund *a, const struct mcr_redund *b)
{
	return a->mode == b->mode && a->window_ms == b->window_ms &&
	       a->failover_ms == b->failover_ms && a->revert_ms == b->revert_ms;
}

bool mcr_rule_has_input(const struct mcr_rule *r, const struct mcr_input *in)
{
	for (unsigned i = 0; i < mcr_rule_ninputs(r); i++)
		if (mcr_input_equal(mcr_rule_input(r, i), in))
			return true;
	return false;
}

const struct mcr_input *mcr_rule_shared_input(const struct mcr_rule *a, const struct mcr_rule *b)
{
	for (unsigned i = 0; i < mcr_rule_ninputs(a); i++)
		if (mcr_rule_has_input(b, mcr_rule_input(a, i)))
			return mcr_rule_input(a, i);
	return NULL;
}

/* Input i (> 0) unlike every input before it. */
static void check_unique(const struct mcr_rule *r, unsigned i, struct mcr_errlist *el)
{
	const struct mcr_input *in = mcr_rule_input(r, i);
	char a[MCR_ADDRSTRLEN];

	for (unsigned k = 0; k < i; k++)
		if (mcr_input_equal(mcr_rule_input(r, k), in)) {
			mcr_errlist_add(el, r->line, "rule \"%s\": input %u duplicates input %u "
					"(dev %s group %s port %u)", r->name, i + 1, k + 1,
					in->dev, mcr_addr_str(in->group, a), in->port);
			return;
		}
}

static void check_range(const struct mcr_rule *r, const char *what, uint32_t v, uint32_t lo,
			uint32_t hi, struct mcr_errlist *el)
{
	if (v < lo || v > hi)
		mcr_errlist_add(el, r->line, "rule \"%s\": %s %u out of range %u..%u", r->name,
				what, v, lo, hi);
}

/* The mode suits the inputs, and only its own settings are set, in range. */
static void check_redundancy(const struct mcr_rule *r, struct mcr_errlist *el)
{
	const struct mcr_redund *d = &r->red;

	if (d->mode >= MCR_REDUNDANCY__MAX) {
		mcr_errlist_add(el, r->line, "rule \"%s\": unknown redundancy %u", r->name, d->mode);
		return;
	}
	if (r->nmore && d->mode == MCR_REDUNDANCY_NONE)
		mcr_errlist_add(el, r->line, "rule \"%s\": %u inputs need redundancy \"merge\" or "
				"\"failover\"", r->name, mcr_rule_ninputs(r));
	if (!r->nmore && d->mode != MCR_REDUNDANCY_NONE)
		mcr_errlist_add(el, r->line, "rule \"%s\": redundancy \"%s\" needs at least 2 inputs",
				r->name, mcr_redundancy_name(d->mode));
	if (d->mode == MCR_REDUNDANCY_MERGE)
		check_range(r, "merge window (ms)", d->window_ms, 1, MCR_MERGE_WINDOW_MAX, el);
	else if (d->window_ms)
		mcr_errlist_add(el, r->line, "rule \"%s\": a merge window needs redundancy \"merge\"",
				r->name);
	if (d->mode == MCR_REDUNDANCY_FAILOVER) {
		check_range(r, "failover time (ms)", d->failover_ms, 1, MCR_FAILOVER_MAX, el);
		check_range(r, "revert time (ms)", d->revert_ms, 0, MCR_REVERT_MAX, el);
	} else if (d->failover_ms || d->revert_ms) {
		mcr_errlist_add(el, r->line, "rule \"%s\": failover and revert times need "
				"redundancy \"failover\"", r->name);
	}
}

int mcr_rule_check_more(const struct mcr_rule *r, struct mcr_errlist *el)
{
	size_t before = el->n;

	if (r->nmore > MCR_MAX_INPUTS - 1) {
		mcr_errlist_add(el, r->line, "rule \"%s\": %u inputs, more than the %d allowed",
				r->name, r->nmore + 1, MCR_MAX_INPUTS);
		return -EINVAL;
	}
	for (unsigned i = 1; i < mcr_rule_ninputs(r); i++)
		check_unique(r, i, el);
	check_redundancy(r, el);
	return el->n == before ? 0 : -EINVAL;
}
