/* Per-stream IP header observations for mcrsink. */
#include "hdrseen.h"

#include <errno.h>
#include <string.h>

int mcr_tool_hdrs_enable(int fd, bool v6)
{
	int one = 1;

	if (v6)
		return (setsockopt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, &one, sizeof(one)) ||
			setsockopt(fd, IPPROTO_IPV6, IPV6_RECVTCLASS, &one, sizeof(one))) ? -errno : 0;
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

/* An int-sized control message's value, or -1 when it is shorter. */
static int cmsg_int(const struct cmsghdr *c)
{
	int v;

	if (c->cmsg_len < CMSG_LEN(sizeof(v)))
		return -1;
	memcpy(&v, CMSG_DATA(c), sizeof(v));
	return v;
}

void mcr_tool_hdrs_add(struct mcr_tool_hdrs *h, const struct msghdr *mh)
{
	const struct sockaddr *from = mh->msg_name;
	bool first = !h->any;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR((struct msghdr *)mh, c)) {
		int lv = c->cmsg_level, ty = c->cmsg_type, v;

		if ((lv == IPPROTO_IP && ty == IP_TTL) || (lv == IPPROTO_IPV6 && ty == IPV6_HOPLIMIT)) {
			if ((v = cmsg_int(c)) >= 0)
				range(&h->ttl_min, &h->ttl_max, (uint8_t)v, first);
		} else if (lv == IPPROTO_IPV6 && ty == IPV6_TCLASS) {
			if ((v = cmsg_int(c)) >= 0)
				range(&h->tos_min, &h->tos_max, (uint8_t)v, first);
		} else if (lv == IPPROTO_IP && ty == IP_TOS && c->cmsg_len >= CMSG_LEN(1)) {
			range(&h->tos_min, &h->tos_max, *(const uint8_t *)CMSG_DATA(c), first);
		}
	}
	if (from && from->sa_family == AF_INET6 && mh->msg_namelen >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *f6 = mh->msg_name;

		h->from = mcr_addr6(&f6->sin6_addr);
		h->from_port = ntohs(f6->sin6_port);
	} else if (from && from->sa_family == AF_INET &&
		   mh->msg_namelen >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *f4 = mh->msg_name;

		h->from = mcr_addr4(f4->sin_addr);
		h->from_port = ntohs(f4->sin_port);
	}
	h->any = true;
}
