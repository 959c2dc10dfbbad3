/*
 * The redundancy state machines (mcrd/redund.c) on any sequence of
 * datagrams: what a hostile or broken sender can put on a merged or
 * failed-over rule's inputs.
 *
 * Input: a header byte (bit 0: failover, else merge; bits 1-2: 2..4
 * inputs), a window/failover byte and a revert byte, then records of
 * [input][ms since the last][length][payload].  Invariants: only the
 * mode's verdicts come back, a relayed merge datagram is RTP, the input
 * counters add up, and a failover relays one of its inputs.
 */
#include <stdbool.h>
#include <string.h>

#include "fuzz.h"
#include "redund.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static void check(const struct redund_stats *st, unsigned nin, uint64_t taken, bool failover)
{
	uint64_t sum = 0;

	for (unsigned i = 0; i < nin; i++) {
		sum += st->in[i].packets;
		FUZZ_ASSERT(st->in[i].duplicates + st->in[i].late <= st->in[i].packets);
	}
	FUZZ_ASSERT(sum == taken);
	FUZZ_ASSERT(!failover || st->active < nin);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mcr_redund cfg = { 0 };
	struct redund_stats st;
	struct redund *r;
	unsigned nin;
	int64_t now = 1000000000LL;
	uint64_t taken = 0;
	bool failover;

	if (size < 3)
		return 0;
	failover = data[0] & 1;
	nin = 2 + (data[0] >> 1) % 3;
	cfg.mode = failover ? MCR_REDUNDANCY_FAILOVER : MCR_REDUNDANCY_MERGE;
	cfg.window_ms = 1 + data[1] % MCR_MERGE_WINDOW_MAX;
	cfg.failover_ms = 1 + data[1];
	cfg.revert_ms = data[2] * 10u;
	if (redund_new(&r, &cfg, nin))
		return 0;
	memset(&st, 0, sizeof(st));
	redund_set_stats(r, &st);
	data += 3;
	size -= 3;
	while (size >= 3) {
		unsigned in = data[0] % (nin + 1); /* nin: an input the rule does not have */
		size_t len = data[2] < size - 3 ? data[2] : size - 3;
		enum mcr_drop d;
		uint16_t seq;
		uint32_t ssrc;

		now += (int64_t)data[1] * 1000000 / 4; /* quarter milliseconds */
		d = redund_take(r, in, data + 3, len, now);
		if (in == nin) {
			FUZZ_ASSERT(d == MCR_DROP_NO_RULE);
		} else if (failover) {
			taken++;
			FUZZ_ASSERT(d == MCR_DROP_NONE || d == MCR_DROP_DUPLICATE);
		} else {
			taken++;
			FUZZ_ASSERT(d == MCR_DROP_NONE || d == MCR_DROP_NOT_RTP ||
				    d == MCR_DROP_DUPLICATE || d == MCR_DROP_LATE);
			FUZZ_ASSERT(d != MCR_DROP_NONE || !redund_rtp(data + 3, len, &seq, &ssrc));
		}
		data += 3 + len;
		size -= 3 + len;
	}
	check(&st, nin, taken, failover);
	redund_free(r);
	return 0;
}
