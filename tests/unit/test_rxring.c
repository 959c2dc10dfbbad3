/*
 * The receive ring's shape and its frame hand-over, with the kernel's side
 * played by the test: it marks slots TP_STATUS_USER, as tpacket_rcv does.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../mcrd/rxring.h"

static void check_shape(unsigned mtu, unsigned mib)
{
	struct tpacket_req q;
	long page = sysconf(_SC_PAGESIZE);

	rxring_geometry((struct rxring_size){ mtu, mib }, &q);
	/* The kernel's own checks (packet_set_ring) */
	assert_int_equal(q.tp_block_size % (unsigned)page, 0);
	assert_int_equal(q.tp_frame_size % TPACKET_ALIGNMENT, 0);
	assert_true(q.tp_frame_size <= q.tp_block_size);
	assert_int_equal(q.tp_frame_nr, q.tp_block_size / q.tp_frame_size * q.tp_block_nr);
	/* Ours: a whole frame of the link fits after the slot's header */
	assert_true(q.tp_frame_size >= 80 + mtu);
	assert_true(q.tp_frame_nr >= 1024);
}

static void test_geometry(void **state)
{
	struct tpacket_req q;

	(void)state;
	for (unsigned mib = 1; mib <= 1024; mib *= 4) {
		check_shape(1500, mib);
		check_shape(9000, mib);
		check_shape(9216, mib);
		check_shape(65535, mib);
	}
	/* The default: 32 MiB of 2 KiB slots */
	rxring_geometry((struct rxring_size){ 1500, 32 }, &q);
	assert_int_equal(q.tp_frame_size, 2048);
	assert_int_equal(q.tp_frame_nr, 16384);
	assert_int_equal((size_t)q.tp_block_size * q.tp_block_nr, 32u << 20);
	/* Jumbo frames: 7 slots of 9088 bytes in each 64 KiB block */
	rxring_geometry((struct rxring_size){ 9000, 16 }, &q);
	assert_int_equal(q.tp_frame_size, 9088);
	assert_int_equal(q.tp_frame_nr, 256 * 7);
	/* Too small a ring for 1024 frames grows to 1024 */
	rxring_geometry((struct rxring_size){ 1500, 1 }, &q);
	assert_int_equal(q.tp_frame_nr, 1024);
	/* The largest: 1 GiB, its byte count beyond 32 bits when shifted naively */
	rxring_geometry((struct rxring_size){ 1500, 1024 }, &q);
	assert_int_equal(q.tp_frame_nr, 1u << 19);
}

/* A ring of two 64 KiB blocks in plain memory. */
static struct rxring *fake_ring(void)
{
	struct rxring *r = calloc(1, sizeof(*r));

	assert_non_null(r);
	r->frame_size = 2048;
	r->block_size = 65536;
	r->per_block = 32;
	r->nframes = 64;
	r->len = 2 * 65536;
	r->map = mmap(NULL, r->len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(r->map != MAP_FAILED);
	r->refs = calloc(r->nframes, sizeof(*r->refs));
	assert_non_null(r->refs);
	return r;
}

static void kernel_fills(struct rxring *r, unsigned i)
{
	assert_int_equal(rxring_frame(r, i)->tp_status, TP_STATUS_KERNEL);
	rxring_frame(r, i)->tp_status = TP_STATUS_USER;
}

static void test_frame_address(void **state)
{
	struct rxring *r = fake_ring();

	(void)state;
	assert_ptr_equal(rxring_frame(r, 0), r->map);
	assert_ptr_equal(rxring_frame(r, 31), r->map + 31 * 2048);
	assert_ptr_equal(rxring_frame(r, 32), r->map + 65536);
	assert_ptr_equal(rxring_frame(r, 63), r->map + 65536 + 31 * 2048);
	rxring_free(r);
}

static void test_in_order_hand_back(void **state)
{
	struct rxring *r = fake_ring();
	unsigned a, b;

	(void)state;
	assert_null(rxring_next(r));          /* nothing filled yet */
	kernel_fills(r, 0);
	kernel_fills(r, 1);
	assert_ptr_equal(rxring_next(r), rxring_frame(r, 0));
	a = rxring_take(r);
	assert_ptr_equal(rxring_next(r), rxring_frame(r, 1));
	b = rxring_take(r);
	assert_int_equal(a, 0);
	assert_int_equal(b, 1);
	assert_int_equal(r->held, 2);
	assert_null(rxring_next(r));          /* frame 2 is the kernel's */
	/* A second reference (a send in flight) keeps the slot. */
	r->refs[a]++;
	rxring_put(r, a);
	assert_int_equal(rxring_frame(r, a)->tp_status, TP_STATUS_USER);
	rxring_put(r, a);
	assert_int_equal(rxring_frame(r, a)->tp_status, TP_STATUS_KERNEL);
	rxring_put(r, b);
	assert_int_equal(r->held, 0);
	rxring_free(r);
}

/* Every slot held: the USER frame at head is an old one, not a new one. */
static void test_full_ring_wraps(void **state)
{
	struct rxring *r = fake_ring();

	(void)state;
	for (unsigned i = 0; i < r->nframes; i++) {
		kernel_fills(r, i);
		assert_int_equal(rxring_take(r), i);
	}
	assert_int_equal(r->head, 0);
	assert_null(rxring_next(r));
	rxring_put(r, 0);
	assert_null(rxring_next(r));          /* back with the kernel, not refilled */
	kernel_fills(r, 0);
	assert_ptr_equal(rxring_next(r), rxring_frame(r, 0));
	for (unsigned i = 1; i < r->nframes; i++)
		rxring_put(r, i);
	assert_int_equal(r->held, 0);
	rxring_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_geometry),
		cmocka_unit_test(test_frame_address),
		cmocka_unit_test(test_in_order_hand_back),
		cmocka_unit_test(test_full_ring_wraps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
