/* Rules in mcrd.conf syntax (ruleconf.h). */
#include "ruleconf.h"

#include <errno.h>

#include "addr.h"

/* Names and interfaces are printable, with no quote or backslash: quoted as they are. */
static bool printable(const struct mcr_rule *r)
{
	if (!mcr_rule_name_valid(r->name) || !mcr_ifname_valid(r->in.dev))
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
		mcr_ipv4_str(o->group, g), o->port);
	if (o->ttl)
		fprintf(fp, " %s = %u;", o->ttl_fixed ? "fixed_ttl" : "ttl", o->ttl);
	if (o->egress != MCR_EGRESS_AUTO)
		fprintf(fp, " egress = \"%s\";", mcr_egress_name(o->egress));
	if (o->keep_source)
		fputs(" source = \"keep\";", fp);
	fputs(" }", fp);
}

void mcr_ruleconf_begin(FILE *fp)
{
	fputs("# mcrd rules in mcrd.conf(5) syntax\nrules = (\n", fp);
}

int mcr_ruleconf_print(FILE *fp, const struct mcr_rule *r, size_t index)
{
	char g[MCR_ADDRSTRLEN];

	if (!printable(r))
		return -EINVAL;
	fprintf(fp, "%s  { name = \"%s\";\n    in  = { dev = \"%s\"; group = \"%s\"; port = %u;",
		index ? ",\n" : "", r->name, r->in.dev, mcr_ipv4_str(r->in.group, g), r->in.port);
	if (r->in.source.s_addr != INADDR_ANY)
		fprintf(fp, " source = \"%s\";", mcr_ipv4_str(r->in.source, g));
	fputs(" };\n    out = (", fp);
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
