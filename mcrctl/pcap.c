/*
 * pcap files of rule traces (mcrctl rule trace ... file F): the classic
 * libpcap format with nanosecond timestamps (magic 0xa1b23c4d), link type
 * Ethernet, one record per traced frame, as tcpdump -r and Wireshark read
 * them.  Written in host byte order, which the magic tells readers.
 */
#include <errno.h>
#include <stdint.h>

#include "mcrctl.h"

#define PCAP_MAGIC_NS   0xa1b23c4du
#define LINKTYPE_ETHER  1u
#define PCAP_SNAPLEN    262144u

int mcrctl_pcap_begin(FILE *fp)
{
	uint32_t h[6] = { PCAP_MAGIC_NS, 2u | 4u << 16, 0, 0, PCAP_SNAPLEN, LINKTYPE_ETHER };

	return fwrite(h, sizeof(h), 1, fp) == 1 ? 0 : -EIO;
}

int mcrctl_pcap_put(FILE *fp, const struct mcr_trace_rec *r)
{
	uint32_t h[4] = { (uint32_t)(r->ts_ns / 1000000000u), (uint32_t)(r->ts_ns % 1000000000u),
			  r->caplen, r->wirelen };

	if (fwrite(h, sizeof(h), 1, fp) != 1 || fwrite(r->frame, 1, r->caplen, fp) != r->caplen)
		return -EIO;
	return 0;
}
