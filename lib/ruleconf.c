/* Rules in mcrd.conf syntax (ruleconf.h). */
#include "ruleconf.h"

#include <errno.h>

#include "addr.h"

/* Names and interfaces are printable, with no quote or backslash: quoted as they are. */
static bool printable(const struct mcr_rule *r)
{
	if (!mcr_rule_name_valid(r->name) || !mcr_redundancy_name(r->red.mode))
		return false;
	for (unsigned i = 0; i < mcr_rule_ninputs(r); i++)
		if (!mcr_ifname_valid(mcr_rule_input(r, i)->dev))
			return false;
	for (unsigned i = 0; i < r->nout; i++)
		if (!mcr_ifname_valid(r->out[i].dev) || r->out[i].egress >= MCR_EGRESS__MAX)
			return false;
	return true;
}

static void print_output(FILE *fp, const struct mcr_output *o)
{
	char g[MCR_ADDRSTRLEN];

	fprintf(fp, "{ dev = \"%s\"; group = \"%s\"; port = %u;", o->dev,
		mcr_addr_str(o->group, g), o->port);
	if (o->ttl)
		fprintf(fp, " %s = %u;", o->ttl_fixed ? "fixed_ttl" : "ttl", o->ttl);
	if (o->egress != MCR_EGRESS_AUTO)
		fprintf(fp, " egress = \"%s\";", mcr_egress_name(o->egress));
	if (o->keep_source)
		fputs(" source = \"keep\";", fp);
	if (o->listeners)
		fputs(" listeners = true;", fp);
	fputs(" }", fp);
}

static void print_input(FILE *fp, const struct mcr_input *in)
{
	char g[MCR_ADDRSTRLEN];

	fprintf(fp, "{ dev = \"%s\"; group = \"%s\"; port = %u;", in->dev,
		mcr_addr_str(in->group, g), in->port);
	if (mcr_addr_set(in->source))
		fprintf(fp, " source = \"%s\";", mcr_addr_str(in->source, g));
	if (in->join != MCR_JOIN_ALWAYS)
		fprintf(fp, " join = \"%s\";", mcr_join_name(in->join));
	fputs(" }", fp);
}

/* One input as a group; several as a list, then the redundancy settings. */
static void print_inputs(FILE *fp, const struct mcr_rule *r)
{
	const struct mcr_redund *d = &r->red;

	fputs("    in  = ", fp);
	if (!r->nmore) {
		print_input(fp, &r->in);
		fputs(";\n", fp);
		return;
	}
	for (unsigned i = 0; i < mcr_rule_ninputs(r); i++) {
		fputs(i ? ",\n            " : "( ", fp);
		print_input(fp, mcr_rule_input(r, i));
	}
	fprintf(fp, " );\n    redundancy = \"%s\";", mcr_redundancy_name(d->mode));
	if (d->mode == MCR_REDUNDANCY_MERGE)
		fprintf(fp, " merge_window_ms = %u;", d->window_ms);
	else if (d->mode == MCR_REDUNDANCY_FAILOVER)
		fprintf(fp, " failover_ms = %u; revert_ms = %u;", d->failover_ms, d->revert_ms);
	fputs("\n", fp);
}

void mcr_ruleconf_begin(FILE *fp)
{
	fputs("# mcrd rules in mcrd.conf(5) syntax\nrules = (\n", fp);
}

int mcr_ruleconf_print(FILE *fp, const struct mcr_rule *r, size_t index)
{
	if (!printable(r))
		return -EINVAL;
	fprintf(fp, "%s  { name = \"%s\";\n", index ? ",\n" : "", r->name);
	print_inputs(fp, r);
	fputs("    out = (", fp);
	for (unsigned i = 0; i < r->nout; i++) {
		fputs(i ? ",\n            " : " ", fp);
		print_output(fp, &r->out[i]);
	}
	fputs(" ); }", fp);
	return ferror(fp) ? -EIO : 0;
}

int mcr_ruleconf_end(FILE *fp, size_t n)
{
	fputs(n ? "\n);\n" : ");\n", fp);
	return ferror(fp) ? -EIO : 0;
}

int mcr_ruleconf_print_all(FILE *fp, const struct mcr_rule *v, size_t n)
{
	int err = 0;

	mcr_ruleconf_begin(fp);
	for (size_t i = 0; i < n && !err; i++)
		err = mcr_ruleconf_print(fp, &v[i], i);
	return mcr_ruleconf_end(fp, n) ? -EIO : err;
}
