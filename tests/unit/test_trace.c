/*
 * Rule traces: the shared buffer the data path records into (mcrd/trace.c)
 * stops by itself at its count or bytes and never writes for another
 * epoch; records read back whole and malformed ones are refused
 * (lib/ctltrace.c); the trace codec; mcrctl's arguments, text lines and
 * pcap file (mcrctl/trace.c, mcrctl/pcap.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "frames.h"
#include "../../mcrctl/mcrctl.h"
#include "tracerec.h"
#include "../../mcrd/trace.h"

static uint8_t frame[FRAME_MAX];
static size_t frame_len;

/* A ring header as the kernel fills it for frame. */
static struct tpacket2_hdr ring_hdr(uint32_t sec)
{
	return (struct tpacket2_hdr){ .tp_len = (uint32_t)frame_len, .tp_snaplen = (uint32_t)frame_len,
				      .tp_sec = sec, .tp_nsec = 5 };
}

/* The records published in slot, checked whole; returns how many, by kind. */
static unsigned records(unsigned slot, unsigned *rx, unsigned *out)
{
	const struct trace_buf *b = trace_buf(slot);
	const struct mcr_trace_rec *r;
	size_t off = 0;
	unsigned n = 0;
	int k;

	*rx = *out = 0;
	while ((k = mcr_trace_next(b->data, trace_used(b), &off, &r)) > 0) {
		n++;
		*rx += r->kind == MCR_TRACE_RX;
		*out += r->kind == MCR_TRACE_OUT;
		assert_int_equal(r->caplen, frame_len);
		assert_memory_equal(r->frame, frame, frame_len);
	}
	assert_int_equal(k, 0);
	return n;
}

static void test_count(void **state)
{
	struct trace_ref t = { trace_buf(0), 0 };
	struct tpacket2_hdr h = ring_hdr(100);
	unsigned rx, out;

	(void)state;
	t.epoch = trace_arm(0, 3, TRACE_BUF_BYTES, 0);
	for (int i = 0; i < 5; i++)
		trace_rx(&t, &h, frame, frame_len);
	assert_int_equal(records(0, &rx, &out), 3);
	assert_int_equal(trace_buf(0)->frames, 3);
	assert_true(trace_buf(0)->full);
	assert_false(trace_out_next(&t)); /* no "out": none wanted */
	/* Armed again: a new epoch, empty; the old holder writes nothing. */
	struct trace_ref old = t;
	t.epoch = trace_arm(0, 10, TRACE_BUF_BYTES, 0);
	assert_int_not_equal(t.epoch, old.epoch);
	assert_int_equal(trace_used(trace_buf(0)), 0);
	trace_rx(&old, &h, frame, frame_len);
	assert_int_equal(trace_used(trace_buf(0)), 0);
	trace_rx(&t, &h, frame, frame_len);
	assert_int_equal(records(0, &rx, &out), 1);
}

static void test_bytes(void **state)
{
	struct trace_ref t = { trace_buf(1), 0 };
	struct tpacket2_hdr h = ring_hdr(1);
	size_t rec = (sizeof(struct mcr_trace_rec) + frame_len + 7) & ~(size_t)7;
	unsigned rx, out;

	(void)state;
	t.epoch = trace_arm(1, 1000, (uint32_t)(rec * 4 + rec / 2), 0);
	for (int i = 0; i < 10; i++)
		trace_rx(&t, &h, frame, frame_len);
	assert_int_equal(records(1, &rx, &out), 4);
	assert_true(trace_buf(1)->full);
	assert_true(trace_used(trace_buf(1)) <= trace_buf(1)->max_bytes);
	/* No more than the buffer, whatever was asked. */
	trace_arm(1, 10, UINT32_MAX, 0);
	assert_int_equal(trace_buf(1)->max_bytes, TRACE_DATA_MAX);
}

/* A trace over gives its memory back: past the header's page, its records read as zeros. */
static void test_release(void **state)
{
	struct trace_ref t = { trace_buf(3), 0 };
	struct tpacket2_hdr h = ring_hdr(9);
	const uint8_t *data = trace_buf(3)->data;
	size_t used, nonzero = 0;

	(void)state;
	t.epoch = trace_arm(3, 200, TRACE_BUF_BYTES, 0);
	for (int i = 0; i < 200; i++)
		trace_rx(&t, &h, frame, frame_len);
	used = trace_used(trace_buf(3));
	assert_true(used > 3 * 4096);
	trace_release(3);
	for (size_t i = 4096; i < used; i++)
		nonzero += data[i] != 0;
	assert_int_equal(nonzero, 0);
	assert_int_equal(trace_buf(3)->epoch, t.epoch); /* the header stays */
}

/* With "out", each recorded packet's outputs follow, then it stops. */
static void test_out(void **state)
{
	struct trace_ref t = { trace_buf(2), 0 };
	struct tpacket2_hdr h = ring_hdr(7);
	unsigned rx, out, sent = 0;

	(void)state;
	t.epoch = trace_arm(2, 2, TRACE_BUF_BYTES, TRACE_F_OUT);
	for (int round = 0; round < 3; round++) {
		trace_rx(&t, &h, frame, frame_len);
		while (trace_out_next(&t)) {
			trace_out(&t, 0, frame, frame_len);
			trace_out(&t, 1, frame, frame_len);
			sent++;
		}
	}
	assert_int_equal(sent, 2);
	assert_int_equal(records(2, &rx, &out), 6);
	assert_int_equal(rx, 2);
	assert_int_equal(out, 4);
	assert_true(trace_buf(2)->full);
}

static void test_record_check(void **state)
{
	_Alignas(8) uint8_t buf[128] = { 0 };
	struct mcr_trace_rec *r = (struct mcr_trace_rec *)(void *)buf;
	const struct mcr_trace_rec *got;
	size_t off;

	(void)state;
	*r = (struct mcr_trace_rec){ 40, 8, 60, MCR_TRACE_RX, 0, 1 };
	off = 0;
	assert_int_equal(mcr_trace_next(buf, 40, &off, &got), 1);
	assert_int_equal(off, 40);
	assert_int_equal(mcr_trace_next(buf, 40, &off, &got), 0);
	off = 0;
	assert_int_equal(mcr_trace_next(buf, 39, &off, &got), -EINVAL);  /* past the data */
	r->len = 36;
	off = 0;
	assert_int_equal(mcr_trace_next(buf, 40, &off, &got), -EINVAL);  /* not a multiple of 8 */
	r->len = 40;
	r->caplen = 17;
	off = 0;
	assert_int_equal(mcr_trace_next(buf, 40, &off, &got), -EINVAL);  /* frame past the record */
	r->caplen = 8;
	r->wirelen = 7;
	off = 0;
	assert_int_equal(mcr_trace_next(buf, 40, &off, &got), -EINVAL);  /* more kept than sent */
	r->wirelen = 60;
	r->kind = 3;
	off = 0;
	assert_int_equal(mcr_trace_next(buf, 40, &off, &got), -EINVAL);
	r->kind = MCR_TRACE_OUT;
	r->len = 0xfffffff8u;
	off = 0;
	assert_int_equal(mcr_trace_next(buf, 40, &off, &got), -EINVAL);
}

static void test_codec(void **state)
{
	uint32_t buf[256];
	struct nlmsghdr *nlh = mcr_ctl_msg_start(buf, sizeof(buf), MCR_CMD_TRACE_START, 1, 0);
	struct mcr_trace_info t = { "cam1", 7, 50, 4096, MCR_TRACE_F_OUT, 3, true, "count reached" }, got;
	char err[128];

	(void)state;
	assert_int_equal(mcr_ctl_put_trace(nlh, sizeof(buf), &t), 0);
	assert_int_equal(mcr_ctl_msg_check(nlh, nlh->nlmsg_len, err, sizeof(err)), 0);
	assert_int_equal(mcr_ctl_get_trace(nlh, &got, err, sizeof(err)), 0);
	assert_string_equal(got.name, t.name);
	assert_string_equal(got.reason, t.reason);
	assert_true(got.id == t.id && got.count == t.count && got.bytes == t.bytes &&
		    got.flags == t.flags && got.frames == t.frames && got.ended == t.ended);
	/* A name no rule may have is refused. */
	nlh = mcr_ctl_msg_start(buf, sizeof(buf), MCR_CMD_TRACE_START, 1, 0);
	snprintf(t.name, sizeof(t.name), "a b");
	assert_int_equal(mcr_ctl_put_trace(nlh, sizeof(buf), &t), 0);
	assert_int_equal(mcr_ctl_get_trace(nlh, &got, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "\"a b\" is not a valid rule name"));
	nlh = mcr_ctl_msg_start(buf, sizeof(buf), MCR_CMD_TRACE_READ, 1, 0);
	assert_int_equal(mcr_ctl_get_trace(nlh, &got, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "no trace attribute"));
}

/* Splits a command line and parses it as "rule trace" words. */
static int parse(const char *line, struct mcr_trace_info *t, const char **file)
{
	static char copy[256];
	char *argv[16];
	int argc;

	snprintf(copy, sizeof(copy), "%s", line);
	argc = mcrctl_split_line(copy, argv, 16);
	return mcrctl_parse_rule_trace(argc, argv, t, file);
}

static char errs[512];

static void test_args(void **state)
{
	struct mcr_trace_info t;
	const char *file;
	FILE *fp = fmemopen(errs, sizeof(errs), "w");

	(void)state;
	mcrctl_opt.errfp = fp;
	assert_int_equal(parse("name cam1", &t, &file), 0);
	assert_string_equal(t.name, "cam1");
	assert_null(file);
	assert_int_equal(t.count, 0);
	assert_int_equal(parse("n cam1 c 5 b 4096 o f x.pcap", &t, &file), 0);
	assert_int_equal(t.count, 5);
	assert_int_equal(t.bytes, 4096);
	assert_int_equal(t.flags, MCR_TRACE_F_OUT);
	assert_string_equal(file, "x.pcap");
	assert_int_equal(parse("count 5", &t, &file), -EINVAL);
	assert_int_equal(parse("name cam1 count 0", &t, &file), -EINVAL);
	assert_int_equal(parse("name cam1 count 5 count 6", &t, &file), -EINVAL);
	assert_int_equal(parse("name cam1 size 5", &t, &file), -EINVAL);
	assert_int_equal(parse("name cam1 file", &t, &file), -EINVAL);
	assert_int_equal(parse("name a\"b", &t, &file), -EINVAL);
	fclose(fp);
	mcrctl_opt.errfp = NULL;
	assert_non_null(strstr(errs, "Error: missing \"name\"\n"));
	assert_non_null(strstr(errs, "Error: count \"0\": not a number 1..4294967295\n"));
	assert_non_null(strstr(errs, "Error: duplicate \"count\"\n"));
	assert_non_null(strstr(errs, "Error: unknown keyword \"size\"\n"));
	assert_non_null(strstr(errs, "Error: missing argument after \"file\"\n"));
}

static void test_output(void **state)
{
	_Alignas(8) uint8_t rec[sizeof(struct mcr_trace_rec) + FRAME_MAX];
	struct mcr_trace_rec *r = (struct mcr_trace_rec *)(void *)rec;
	char *text = NULL;
	size_t len = 0;
	uint32_t h[10];
	FILE *fp;

	(void)state;
	*r = (struct mcr_trace_rec){ 0, (uint32_t)frame_len, (uint32_t)frame_len + 4, MCR_TRACE_OUT,
				     1, 1700000000123456789ull };
	memcpy(r->frame, frame, frame_len);
	fp = open_memstream(&text, &len);
	mcrctl_trace_line(fp, r);
	fclose(fp);
	assert_non_null(strstr(text, ".123456 out 2  10.0.0.5:40000 > 239.1.1.1:5001 ttl 64 tos 0x00 len 100\n"));
	free(text);
	/* pcap: nanosecond magic, version 2.4, Ethernet; each record's times and lengths. */
	fp = open_memstream(&text, &len);
	assert_int_equal(mcrctl_pcap_begin(fp), 0);
	assert_int_equal(mcrctl_pcap_put(fp, r), 0);
	fclose(fp);
	assert_int_equal(len, 24 + 16 + frame_len);
	memcpy(h, text, sizeof(h));
	assert_int_equal(h[0], 0xa1b23c4d);
	assert_int_equal(h[1], 2 | 4 << 16);
	assert_int_equal(h[5], 1);
	assert_int_equal(h[6], 1700000000);
	assert_int_equal(h[7], 123456789);
	assert_int_equal(h[8], frame_len);
	assert_int_equal(h[9], frame_len + 4);
	assert_memory_equal(text + 40, frame, frame_len);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_count),
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_out),
		cmocka_unit_test(test_release),
		cmocka_unit_test(test_record_check),
		cmocka_unit_test(test_codec),
		cmocka_unit_test(test_args),
		cmocka_unit_test(test_output),
	};

	frame_len = build_udp_frame(frame, NO_VLAN, 5, "239.1.1.1", 5001, 100);
	if (trace_init())
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
