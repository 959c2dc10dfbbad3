/*
 * Parent -> worker messages over a SOCK_SEQPACKET socketpair: one message
 * per datagram, a socket attached with SCM_RIGHTS where the message says so.
 * Both ends are this program, forked: plain structs, no versioning needed.
 */
#ifndef MCRD_WIRE_H
#define MCRD_WIRE_H

#include <net/if.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include "rule.h"

#define WIRE_MAX_INPUTS 1024  /* input slots a worker holds */

enum wire_type {
	W_EGRESS_ADD = 1, /* + fd */
	W_EGRESS_DEL,
	W_INPUT_ADD,      /* + fd */
	W_INPUT_DEL,
	W_RULE_ADD,       /* followed by nout struct wire_out */
	W_RULE_DEL,
	W_OUTPUT_SET,     /* one output of a rule starts or stops sending */
};

struct wire_out {
	int32_t egress;       /* egress slot, -1: not sending */
	uint32_t stats;       /* output counter slot */
	struct in_addr group;
	uint16_t port;
};

#define W_F_GSO 0x1 /* EGRESS_ADD: the socket may send UDP GSO runs */

struct wire_msg {
	uint16_t type;
	uint16_t flags;       /* W_F_* */
	int32_t slot;         /* egress or input slot */
	uint32_t stats;       /* counter slot: link (INPUT_ADD) or rule (RULE_ADD) */
	uint32_t out_index;   /* OUTPUT_SET */
	int32_t egress;       /* OUTPUT_SET */
	uint32_t nout;        /* RULE_ADD */
	char name[MCR_NAME_MAX];
	struct mcr_input in;  /* RULE_ADD; INPUT_ADD uses in.dev */
	struct wire_out out[];
};

/* The largest message: a rule with every output. */
#define WIRE_MSG_MAX (sizeof(struct wire_msg) + MCR_MAX_OUTPUTS * sizeof(struct wire_out))

/* Sends m (len bytes) with fd attached when fd >= 0.  0 or -errno. */
int wire_send(int sock, const struct wire_msg *m, size_t len, int fd);
/*
 * Receives one message into buf (cap bytes); *fd gets an attached socket or
 * -1.  Returns the length, 0 at end of stream, or -errno (-EAGAIN: none).
 */
ssize_t wire_recv(int sock, void *buf, size_t cap, int *fd);

#endif
