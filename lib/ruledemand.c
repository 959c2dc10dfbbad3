/* Demand-driven relaying's settings in the rule model (rule.h, issue 18). */
#include "rule.h"

#include <errno.h>
#include <string.h>

static const char *const join_names[MCR_JOIN__MAX] = { "always", "demand" };

const char *mcr_join_name(unsigned j)
{
	return j < MCR_JOIN__MAX ? join_names[j] : NULL;
}

int mcr_join_parse(const char *name, uint8_t *j)
{
	for (unsigned i = 0; i < MCR_JOIN__MAX; i++)
		if (!strcmp(name, join_names[i])) {
			*j = (uint8_t)i;
			return 0;
		}
	return -EINVAL;
}
