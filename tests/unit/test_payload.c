/* Unit tests for the mcrgen/mcrsink payload format and its CRC32C. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../../tools/crc32c.h"
#include "../../tools/payload.h"

static const size_t sizes[] = { 24, 25, 31, 32, 33, 100, 1400, 1472, 9000, 65507 };

static void test_crc32c_vectors(void **state)
{
	static const uint8_t zeros[32];
	const char *s = "123456789";

	(void)state;
	/* Check value from the CRC catalogue, and RFC 3720 B.4 (32 zero bytes). */
	assert_int_equal(mcr_tool_crc32c(0, s, 9), 0xe3069283u);
	assert_int_equal(mcr_tool_crc32c_portable(0, s, 9), 0xe3069283u);
	assert_int_equal(mcr_tool_crc32c(0, zeros, 32), 0x8a9136aau);
	assert_int_equal(mcr_tool_crc32c_portable(0, zeros, 32), 0x8a9136aau);
	/* Chaining equals one pass. */
	assert_int_equal(mcr_tool_crc32c(mcr_tool_crc32c(0, s, 4), s + 4, 5), 0xe3069283u);
}

static void test_crc32c_paths_agree(void **state)
{
	uint8_t buf[1000];

	(void)state;
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)(i * 131 + 7);
	for (size_t off = 0; off < 9; off++)
		for (size_t n = 0; n + off <= sizeof(buf); n += 37)
			assert_int_equal(mcr_tool_crc32c(0, buf + off, n),
					 mcr_tool_crc32c_portable(0, buf + off, n));
}

static void test_valid_payload_verifies(void **state)
{
	uint8_t *buf = malloc(MCR_PAYLOAD_MAX);

	(void)state;
	assert_non_null(buf);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		uint32_t stream = 0;
		uint64_t seq = 0;

		assert_int_equal(mcr_payload_fill(buf, sizes[i], 77 + (uint32_t)i, 1000 + i), sizes[i]);
		assert_int_equal(mcr_payload_check(buf, sizes[i], &stream, &seq), 0);
		assert_int_equal(stream, 77 + i);
		assert_int_equal(seq, 1000 + i);
		/* Header is in network byte order. */
		assert_int_equal(buf[0], 'M');
		assert_int_equal(buf[3], 'G');
		assert_int_equal(buf[19], sizes[i] & 0xff);
	}
	free(buf);
}

static void test_extreme_ids(void **state)
{
	uint8_t buf[64];
	uint32_t stream;
	uint64_t seq;

	(void)state;
	mcr_payload_fill(buf, sizeof(buf), UINT32_MAX, UINT64_MAX);
	assert_int_equal(mcr_payload_check(buf, sizeof(buf), &stream, &seq), 0);
	assert_int_equal(stream, UINT32_MAX);
	assert_true(seq == UINT64_MAX);
	/* Output pointers are optional. */
	assert_int_equal(mcr_payload_check(buf, sizeof(buf), NULL, NULL), 0);
}

/* Flip every byte in turn: the magic gives -EPROTO, anything else -EBADMSG. */
static void flip_each_byte(size_t len, uint8_t mask)
{
	uint8_t *buf = malloc(len);

	assert_non_null(buf);
	mcr_payload_fill(buf, len, 5, 42);
	for (size_t i = 0; i < len; i++) {
		buf[i] ^= mask;
		assert_int_equal(mcr_payload_check(buf, len, NULL, NULL), i < 4 ? -EPROTO : -EBADMSG);
		buf[i] ^= mask;
	}
	assert_int_equal(mcr_payload_check(buf, len, NULL, NULL), 0);
	free(buf);
}

static void test_flipped_byte_detected(void **state)
{
	(void)state;
	flip_each_byte(24, 0x01);
	flip_each_byte(24, 0xff);
	flip_each_byte(33, 0x80);
	flip_each_byte(1400, 0x01);
	flip_each_byte(1400, 0x5a);
	flip_each_byte(9000, 0x10);
}

static void test_wrong_length_rejected(void **state)
{
	uint8_t buf[1401];

	(void)state;
	/* Too small or too large to fill. */
	assert_int_equal(mcr_payload_fill(buf, 23, 0, 0), 0);
	assert_int_equal(mcr_payload_fill(buf, 0, 0, 0), 0);
	assert_int_equal(mcr_payload_fill(buf, MCR_PAYLOAD_MAX + 1, 0, 0), 0);

	mcr_payload_fill(buf, 1400, 1, 2);
	buf[1400] = 0;
	/* Truncated: shorter than the header, or than the length field says. */
	for (size_t n = 4; n < 24; n++)
		assert_int_equal(mcr_payload_check(buf, n, NULL, NULL), -EBADMSG);
	assert_int_equal(mcr_payload_check(buf, 1399, NULL, NULL), -EBADMSG);
	assert_int_equal(mcr_payload_check(buf, 24, NULL, NULL), -EBADMSG);
	/* Padded. */
	assert_int_equal(mcr_payload_check(buf, 1401, NULL, NULL), -EBADMSG);
	/* Too short to even hold the magic. */
	for (size_t n = 0; n < 4; n++)
		assert_int_equal(mcr_payload_check(buf, n, NULL, NULL), -EPROTO);
}

static void test_foreign_traffic(void **state)
{
	uint8_t buf[100];

	(void)state;
	memset(buf, 0, sizeof(buf));
	assert_int_equal(mcr_payload_check(buf, sizeof(buf), NULL, NULL), -EPROTO);
	memcpy(buf, "GET / HTTP/1.0\r\n", 16);
	assert_int_equal(mcr_payload_check(buf, sizeof(buf), NULL, NULL), -EPROTO);
}

static void test_packets_differ(void **state)
{
	uint8_t a[200], b[200], c[200];

	(void)state;
	mcr_payload_fill(a, sizeof(a), 1, 10);
	mcr_payload_fill(b, sizeof(b), 1, 11);
	mcr_payload_fill(c, sizeof(c), 2, 10);
	/* Each body byte depends on both stream and seq. */
	for (size_t i = MCR_PAYLOAD_HDR_LEN; i < sizeof(a); i += 8) {
		assert_memory_not_equal(a + i, b + i, 8);
		assert_memory_not_equal(a + i, c + i, 8);
	}
	/* A body spliced from another packet of the same stream is caught. */
	memcpy(a + 100, b + 100, 100);
	assert_int_equal(mcr_payload_check(a, sizeof(a), NULL, NULL), -EBADMSG);
}

static void test_gen_matches_fill(void **state)
{
	static const uint64_t seqs[] = { 0, 1, 2, 255, 256, 65536, 1ull << 40, UINT64_MAX };
	static const uint32_t streams[] = { 0, 1, 4095, 0x01020304, UINT32_MAX };
	uint8_t *a = malloc(MCR_PAYLOAD_MAX), *b = malloc(MCR_PAYLOAD_MAX);

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct mcr_payload_gen g;

		assert_int_equal(mcr_payload_gen_init(&g, sizes[i]), 0);
		for (size_t s = 0; s < sizeof(streams) / sizeof(streams[0]); s++)
			for (size_t q = 0; q < sizeof(seqs) / sizeof(seqs[0]); q++) {
				mcr_payload_gen_fill(&g, a, streams[s], seqs[q]);
				mcr_payload_fill(b, sizes[i], streams[s], seqs[q]);
				assert_memory_equal(a, b, sizes[i]);
				assert_int_equal(mcr_payload_check(a, sizes[i], NULL, NULL), 0);
			}
		mcr_payload_gen_free(&g);
	}
	free(a);
	free(b);
}

static void test_gen_rejects_bad_size(void **state)
{
	struct mcr_payload_gen g;

	(void)state;
	assert_int_equal(mcr_payload_gen_init(&g, 23), -EINVAL);
	assert_int_equal(mcr_payload_gen_init(&g, MCR_PAYLOAD_MAX + 1), -EINVAL);
	mcr_payload_gen_free(&g); /* safe after a failed init */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc32c_vectors),
		cmocka_unit_test(test_crc32c_paths_agree),
		cmocka_unit_test(test_valid_payload_verifies),
		cmocka_unit_test(test_extreme_ids),
		cmocka_unit_test(test_flipped_byte_detected),
		cmocka_unit_test(test_wrong_length_rejected),
		cmocka_unit_test(test_foreign_traffic),
		cmocka_unit_test(test_packets_differ),
		cmocka_unit_test(test_gen_matches_fill),
		cmocka_unit_test(test_gen_rejects_bad_size),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
