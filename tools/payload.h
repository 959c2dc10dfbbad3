/*
 * The mcrgen/mcrsink test payload.  Every UDP payload starts with a 24-byte
 * header in network byte order:
 *
 *   0  magic    u32  0x4d435247 ("MCRG")
 *   4  stream   u32  stream id
 *   8  seq      u64  sequence number, from 0 in every stream
 *  16  length   u32  whole payload length, header included
 *  20  checksum u32  CRC32C of the whole payload with this field as 0
 *
 * Body byte i is T[i] ^ M[i % 8]: T is a fixed pseudo-random template and M
 * the 8 big-endian bytes of a hash of (stream, seq), so every packet differs
 * and a byte moved between packets or positions shows up as corruption.
 */
#ifndef MCR_PAYLOAD_H
#define MCR_PAYLOAD_H

#include <stddef.h>
#include <stdint.h>

#define MCR_PAYLOAD_MAGIC   0x4d435247u
#define MCR_PAYLOAD_HDR_LEN 24
#define MCR_PAYLOAD_MIN     MCR_PAYLOAD_HDR_LEN
#define MCR_PAYLOAD_MAX     65507 /* largest IPv4 UDP payload */

/* Writes a len-byte payload; returns len, or 0 if len is out of range. */
size_t mcr_payload_fill(uint8_t *buf, size_t len, uint32_t stream, uint64_t seq);

/*
 * Verifies a received payload.  0 with the stream id and seq stored (either pointer may be NULL);
 * -EPROTO when the magic is missing (not ours); -EBADMSG when it is ours but
 * truncated, of the wrong length or fails the checksum.
 */
int mcr_payload_check(const uint8_t *buf, size_t len, uint32_t *stream, uint64_t *seq);

/*
 * Generator fast path for one payload size: the body template and CRC tables
 * are computed once, then each packet costs one XOR pass and ~20 table
 * lookups instead of a full CRC.  Output is identical to mcr_payload_fill.
 */
struct mcr_payload_gen {
	size_t len;
	uint8_t *tmpl;        /* body template padded to a multiple of 8 */
	uint32_t base_crc;    /* CRC with stream = seq = 0 and M = 0 */
	uint32_t tab[20][256]; /* CRC change per byte value: stream, seq, M */
};

/* 0, -EINVAL (len out of range) or -ENOMEM. */
int mcr_payload_gen_init(struct mcr_payload_gen *g, size_t len);
void mcr_payload_gen_free(struct mcr_payload_gen *g);
/* Writes g->len bytes for (stream, seq) into buf. */
void mcr_payload_gen_fill(const struct mcr_payload_gen *g, uint8_t *buf,
			  uint32_t stream, uint64_t seq);

#endif
