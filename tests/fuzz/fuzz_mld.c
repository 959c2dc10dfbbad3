/*
 * The MLD parser (lib/mld.c) on any packet a host on an output link can
 * send.  Invariants: an accepted message lies inside the input, a v2
 * report's records are walked exactly nrec times inside it, and a
 * rejection is one of the named reasons.
 */
#include <string.h>

#include "fuzz.h"
#include "mld.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mld_msg m;
	struct mld_record r;
	enum mld_reject why = mld_parse(data, size, &m);
	unsigned n = 0, sum = 0;
	size_t off = 0;

	FUZZ_ASSERT(why < MLD_R__MAX);
	if (why != MLD_OK)
		return 0;
	FUZZ_ASSERT(m.version >= 1 && m.version <= 2);
	if (m.type == MLD_QUERY && m.nsrc)
		FUZZ_ASSERT(m.srcs + 16 * (size_t)m.nsrc <= data + size);
	if (m.type != MLD_V2_REPORT)
		return 0;
	FUZZ_ASSERT(m.recs + m.recs_len <= data + size);
	while (mld_record_next(&m, &off, &r)) {
		FUZZ_ASSERT(r.srcs + 16 * (size_t)r.nsrc <= m.recs + m.recs_len);
		for (unsigned i = 0; i < r.nsrc; i++)
			sum += mld_src(r.srcs, i).s6_addr[15] & 1;
		n++;
	}
	FUZZ_ASSERT(n == m.nrec && off == m.recs_len);
	(void)sum;
	return 0;
}
