/* Shared by the harnesses: libFuzzer entry points and a trap for broken invariants. */
#ifndef MCR_FUZZ_H
#define MCR_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* An invariant the code promises does not hold: a finding, like a crash. */
#define FUZZ_ASSERT(cond)                                                           \
	do {                                                                        \
		if (!(cond)) {                                                      \
			dprintf(2, "%s:%d: invariant failed: %s\n", __FILE__,     \
				__LINE__, #cond);                                   \
			abort();                                                    \
		}                                                                   \
	} while (0)

#endif
