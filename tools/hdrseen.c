/* Per-stream IP header observations for mcrsink. */
#include "hdrseen.h"

#include <errno.h>
#include <string.h>

int mcr_tool_hdrs_enable(int fd)
{
	int one = 1;

	if (setsockopt(fd, IPPROTO_IP, IP_RECVTTL, &one, sizeof(one)) ||
	    setsockopt(fd, IPPROTO_IP, IP_RECVTOS, &one, sizeof(one)))
		return -errno;
	return 0;
}

static void range(uint8_t *lo, uint8_t *hi, uint8_t v, bool first)
{
	if (first || v < *lo)
		*lo = v;
	if (first || v > *hi)
		*hi = v;
}

void mcr_tool_hdrs_add(struct mcr_tool_hdrs *h, const struct msghdr *mh)
{
	const struct sockaddr_in *from = mh->msg_name;
	bool first = !h->any;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR((struct msghdr *)mh, c)) {
		int v = 0;

		if (c->cmsg_level != IPPROTO_IP)
			continue;
		if (c->cmsg_type == IP_TTL && c->cmsg_len >= CMSG_LEN(sizeof(int))) {
			memcpy(&v, CMSG_DATA(c), sizeof(v));
			range(&h->ttl_min, &h->ttl_max, (uint8_t)v, first);
		} else if (c->cmsg_type == IP_TOS && c->cmsg_len >= CMSG_LEN(1)) {
			range(&h->tos_min, &h->tos_max, *(const uint8_t *)CMSG_DATA(c), first);
		}
	}
	if (from && mh->msg_namelen >= sizeof(*from)) {
		h->from = from->sin_addr;
		h->from_port = ntohs(from->sin_port);
	}
	h->any = true;
}
