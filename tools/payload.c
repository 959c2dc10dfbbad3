/* Filling and verifying mcrgen payloads; the format is in payload.h. */
#include "payload.h"

#include "crc32c.h"

#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define OFF_MAGIC  0
#define OFF_STREAM 4
#define OFF_SEQ    8
#define OFF_LEN    16
#define OFF_CSUM   20
#define TMPL_SALT  0x4d43524754706c74ull /* "MCRGTplt" */

/* splitmix64 finalizer: cheap, and every input bit affects every output bit. */
static uint64_t mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static uint64_t seq_word(uint32_t stream, uint64_t seq)
{
	return mix64(mix64(stream) ^ seq);
}

static void put32(uint8_t *p, uint32_t v)
{
	v = htobe32(v);
	memcpy(p, &v, 4);
}

static void put64(uint8_t *p, uint64_t v)
{
	v = htobe64(v);
	memcpy(p, &v, 8);
}

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return be32toh(v);
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, 8);
	return be64toh(v);
}

static void put_header(uint8_t *buf, size_t len, uint32_t stream, uint64_t seq)
{
	put32(buf + OFF_MAGIC, MCR_PAYLOAD_MAGIC);
	put32(buf + OFF_STREAM, stream);
	put64(buf + OFF_SEQ, seq);
	put32(buf + OFF_LEN, (uint32_t)len);
	put32(buf + OFF_CSUM, 0);
}

/* Body of n bytes with seq word m; m = 0 gives the bare template. */
static void put_body(uint8_t *body, size_t n, uint64_t m)
{
	uint8_t w[8];

	for (size_t i = 0; i < n; i += 8) {
		put64(w, mix64(i / 8 ^ TMPL_SALT) ^ m);
		memcpy(body + i, w, n - i < 8 ? n - i : 8);
	}
}

static int len_ok(size_t len)
{
	return len >= MCR_PAYLOAD_MIN && len <= MCR_PAYLOAD_MAX;
}

size_t mcr_payload_fill(uint8_t *buf, size_t len, uint32_t stream, uint64_t seq)
{
	if (!len_ok(len))
		return 0;
	put_header(buf, len, stream, seq);
	put_body(buf + MCR_PAYLOAD_HDR_LEN, len - MCR_PAYLOAD_HDR_LEN, seq_word(stream, seq));
	put32(buf + OFF_CSUM, mcr_tool_crc32c(0, buf, len));
	return len;
}

int mcr_payload_check(const uint8_t *buf, size_t len, uint32_t *stream, uint64_t *seq)
{
	static const uint8_t zero[4];
	uint32_t crc;

	if (len < 4 || get32(buf + OFF_MAGIC) != MCR_PAYLOAD_MAGIC)
		return -EPROTO;
	if (len < MCR_PAYLOAD_HDR_LEN || get32(buf + OFF_LEN) != len)
		return -EBADMSG;
	crc = mcr_tool_crc32c(0, buf, OFF_CSUM);
	crc = mcr_tool_crc32c(crc, zero, sizeof(zero));
	crc = mcr_tool_crc32c(crc, buf + MCR_PAYLOAD_HDR_LEN, len - MCR_PAYLOAD_HDR_LEN);
	if (crc != get32(buf + OFF_CSUM))
		return -EBADMSG;
	if (stream)
		*stream = get32(buf + OFF_STREAM);
	if (seq)
		*seq = get64(buf + OFF_SEQ);
	return 0;
}

/*
 * CRC32C is affine: crc(a ^ b) = crc(a) ^ crc(b) ^ crc(zeros).  So the CRC
 * change caused by one field byte having value v is the XOR of the changes
 * of its set bits, each measured once on an otherwise all-zero payload.
 * Table rows: 0-3 stream bytes, 4-11 seq bytes, 12-19 bytes of M.
 */
static void build_row(uint32_t row[256], uint8_t *scratch, size_t len,
		      size_t first, size_t stride, uint32_t zero_crc)
{
	uint32_t bit[8];

	for (int b = 0; b < 8; b++) {
		for (size_t i = first; i < len; i += stride)
			scratch[i] = (uint8_t)(1u << b);
		bit[b] = mcr_tool_crc32c(0, scratch, len) ^ zero_crc;
		for (size_t i = first; i < len; i += stride)
			scratch[i] = 0;
	}
	for (unsigned v = 0; v < 256; v++) {
		row[v] = 0;
		for (int b = 0; b < 8; b++)
			if (v & (1u << b))
				row[v] ^= bit[b];
	}
}

static void build_tables(struct mcr_payload_gen *g, uint8_t *scratch)
{
	size_t len = g->len;
	uint32_t zero_crc = mcr_tool_crc32c(0, scratch, len);

	for (size_t k = 0; k < 4; k++)
		build_row(g->tab[k], scratch, len, OFF_STREAM + k, len, zero_crc);
	for (size_t k = 0; k < 8; k++)
		build_row(g->tab[4 + k], scratch, len, OFF_SEQ + k, len, zero_crc);
	for (size_t k = 0; k < 8; k++)
		build_row(g->tab[12 + k], scratch, len, MCR_PAYLOAD_HDR_LEN + k, 8, zero_crc);
}

int mcr_payload_gen_init(struct mcr_payload_gen *g, size_t len)
{
	size_t body = len - MCR_PAYLOAD_HDR_LEN;
	uint8_t *scratch;

	memset(g, 0, sizeof(*g));
	if (!len_ok(len))
		return -EINVAL;
	g->len = len;
	g->tmpl = calloc(1, (body + 7) / 8 * 8 + 8);
	scratch = calloc(1, len);
	if (!g->tmpl || !scratch) {
		free(scratch);
		mcr_payload_gen_free(g);
		return -ENOMEM;
	}
	put_body(g->tmpl, body, 0);
	build_tables(g, scratch);
	put_header(scratch, len, 0, 0);
	memcpy(scratch + MCR_PAYLOAD_HDR_LEN, g->tmpl, body);
	g->base_crc = mcr_tool_crc32c(0, scratch, len);
	free(scratch);
	return 0;
}

void mcr_payload_gen_free(struct mcr_payload_gen *g)
{
	free(g->tmpl);
	g->tmpl = NULL;
}

/* CRC change for an n-byte big-endian field held in be, table rows from row. */
static uint32_t field_crc(const uint32_t (*tab)[256], const uint8_t *be, int n)
{
	uint32_t c = 0;

	for (int k = 0; k < n; k++)
		c ^= tab[k][be[k]];
	return c;
}

typedef uint64_t v2u64 __attribute__((vector_size(16)));

/* out = tmpl ^ m; 16 bytes per step (SSE2/NEON), then single words. */
static void xor_body(uint8_t *out, const uint8_t *tmpl, size_t n, uint64_t m)
{
	v2u64 mm = { m, m }, v;
	size_t i = 0;
	uint64_t w;

	for (; i + 16 <= n; i += 16) {
		memcpy(&v, tmpl + i, 16);
		v ^= mm;
		memcpy(out + i, &v, 16);
	}
	for (; i < n; i += 8) {
		memcpy(&w, tmpl + i, 8); /* tmpl is padded to whole words */
		w ^= m;
		memcpy(out + i, &w, n - i < 8 ? n - i : 8);
	}
}

void mcr_payload_gen_fill(const struct mcr_payload_gen *g, uint8_t *buf,
			  uint32_t stream, uint64_t seq)
{
	uint8_t mbe[8];
	uint64_t m;
	uint32_t crc;

	put_header(buf, g->len, stream, seq);
	put64(mbe, seq_word(stream, seq));
	memcpy(&m, mbe, 8); /* XOR in memory order works on any endianness */
	xor_body(buf + MCR_PAYLOAD_HDR_LEN, g->tmpl, g->len - MCR_PAYLOAD_HDR_LEN, m);
	crc = g->base_crc ^ field_crc(g->tab, buf + OFF_STREAM, 4) ^
	      field_crc(g->tab + 4, buf + OFF_SEQ, 8) ^ field_crc(g->tab + 12, mbe, 8);
	put32(buf + OFF_CSUM, crc);
}
