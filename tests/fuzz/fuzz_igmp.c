/*
 * The IGMP parser (lib/igmp.c) on any datagram a host on an output link
 * can send.  Invariants: an accepted message lies inside the input, a v3
 * report's records are walked exactly nrec times inside it, and a
 * rejection is one of the named reasons.
 */
#include <string.h>

#include "fuzz.h"
#include "igmp.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct igmp_msg m;
	struct igmp_record r;
	enum igmp_reject why = igmp_parse(data, size, &m);
	unsigned n = 0, sum = 0;
	size_t off = 0;

	FUZZ_ASSERT(why < IGMP_R__MAX);
	if (why != IGMP_OK)
		return 0;
	FUZZ_ASSERT(m.version >= 1 && m.version <= 3);
	if (m.type == IGMP_QUERY && m.nsrc)
		FUZZ_ASSERT(m.srcs + 4 * (size_t)m.nsrc <= data + size);
	if (m.type != IGMP_V3_REPORT)
		return 0;
	FUZZ_ASSERT(m.recs + m.recs_len <= data + size);
	while (igmp_record_next(&m, &off, &r)) {
		FUZZ_ASSERT(r.srcs + 4 * (size_t)r.nsrc <= m.recs + m.recs_len);
		for (unsigned i = 0; i < r.nsrc; i++)
			sum += igmp_src(r.srcs, i).s_addr & 1;
		n++;
	}
	FUZZ_ASSERT(n == m.nrec && off == m.recs_len);
	(void)sum;
	return 0;
}
