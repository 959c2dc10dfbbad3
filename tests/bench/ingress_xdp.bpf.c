// SPDX-License-Identifier: GPL-2.0
/*
 * ingress_xdp.bpf.c - the XDP side of ingress_cmp's "xdp" mode: frames of
 * one (group, port), IPv4/UDP, go to the AF_XDP socket of their receive
 * queue; everything else goes on to the kernel (XDP_PASS).  The same match
 * as mcrd's classic BPF filter for one key (mcrd/filter.c): not a fragment,
 * no IP options beyond what IHL says, the UDP header inside the frame.
 *
 * Build: clang -O2 -g -target bpf -I/usr/include/x86_64-linux-gnu \
 *            -c tests/bench/ingress_xdp.bpf.c -o build/ingress_xdp.bpf.o
 * The key is set in .rodata before load.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, __u32);
} xsks SEC(".maps");

/* Set by ingress_cmp before load (struct xdp_key there), network order. */
volatile const struct {
	__u32 group;
	__u16 port;
} key;

SEC("xdp")
int ingress_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct udphdr *udp;

	if ((void *)(ip + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
		return XDP_PASS;
	if (ip->ihl < 5 || ip->protocol != IPPROTO_UDP || ip->daddr != key.group ||
	    (ip->frag_off & bpf_htons(0x3fff)))
		return XDP_PASS;
	udp = (void *)ip + ip->ihl * 4;
	if ((void *)(udp + 1) > end || udp->dest != key.port)
		return XDP_PASS;
	return bpf_redirect_map(&xsks, ctx->rx_queue_index, XDP_PASS);
}

char _license[] SEC("license") = "GPL";
