/* tests/fuzz/stub_client.c: replies handed to mcrctl's callbacks, and a count of requests. */
#ifndef MCR_FUZZ_STUB_CLIENT_H
#define MCR_FUZZ_STUB_CLIENT_H

#include <linux/netlink.h>
#include <stddef.h>

extern const struct nlmsghdr *const *fuzz_client_replies;
extern size_t fuzz_client_nreplies;
extern unsigned fuzz_client_requests;

#endif
