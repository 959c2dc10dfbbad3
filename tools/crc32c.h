/* CRC32C (Castagnoli), the payload checksum of mcrgen/mcrsink. */
#ifndef MCR_TOOL_CRC32C_H
#define MCR_TOOL_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/*
 * Continues a CRC32C: start with crc = 0; mcr_tool_crc32c(mcr_tool_crc32c(0,
 * a), b) equals the CRC of a followed by b.  Uses SSE4.2 when the CPU has it.
 */
uint32_t mcr_tool_crc32c(uint32_t crc, const void *buf, size_t len);
/* The same without the CPU instruction, so tests can compare both paths. */
uint32_t mcr_tool_crc32c_portable(uint32_t crc, const void *buf, size_t len);

#endif
