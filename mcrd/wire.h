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
	W_OUTPUT_SET,     /* one output of a rule changes (out[0]) */
	W_TX_ADD,         /* + fd: a transmit ring socket (txring.h) */
	W_TX_DEL,
	W_RULE_FLAGS,     /* a rule's W_F_* flags changed */
	W_TRACE,          /* rule `name` records into trace buffer `slot` (trace.h), -1: stops */
	W_RULE_INPUTS,    /* which of a rule's inputs are attached changed (in_slot[]) */
	W_TX_GSO,         /* + fd: the GSO socket of transmit ring `slot` (after its TX_ADD) */
};

#define WO_KEEP_SOURCE 0x1 /* wire_out.flags: the datagram's source address and port */
#define WO_TTL_FIXED   0x2 /* wire_out.flags: ttl is every frame's TTL, not a cap */
#define WO_IPV6        0x4 /* wire_out.flags: an IPv6 destination (group6) */

struct wire_out {
	uint32_t index;       /* the output's place in the rule (OUTPUT_SET names it) */
	int32_t egress;       /* UDP egress slot (the parent's fd), -1: not sending */
	int32_t tx;           /* transmit ring slot (the parent's fd), -1: socket egress */
	uint32_t stats;       /* output counter slot */
	struct in_addr group;
	struct in6_addr group6; /* with WO_IPV6, instead of group */
	uint16_t port;
	uint16_t mtu;         /* of the output interface (transmit ring only) */
	struct in_addr saddr; /* the output interface's address (transmit ring only) */
	struct in6_addr saddr6; /* with WO_IPV6, instead of saddr */
	uint16_t sport;       /* network order: the UDP egress socket's port */
	uint8_t mac[6];       /* the output interface's MAC (transmit ring only) */
	uint8_t ttl;          /* cap on the datagram's TTL - 1 (0: none), or with WO_TTL_FIXED the TTL */
	uint8_t flags;        /* WO_* */
};

#define W_F_GSO       0x1  /* EGRESS_ADD: the socket may send UDP GSO runs */
/* RULE_ADD, RULE_FLAGS: the rule as a whole (it may be spread over workers). */
#define W_F_PRIMARY   0x2  /* this worker owns it: counts its packets and per-packet drops */
#define W_F_VERIFY    0x4  /* some output sends through a socket: check UDP checksums */
#define W_F_TTL_ROUTER 0x8 /* some output has router semantics */
#define W_F_TTL_FIXED 0x10 /* some output has a fixed TTL: the loop guard watches */

struct wire_msg {
	uint16_t type;
	uint16_t flags;       /* W_F_* */
	int32_t slot;         /* egress or input slot */
	uint32_t stats;       /* counter slot: link (INPUT_ADD) or rule (RULE_ADD) */
	uint32_t out_index;   /* OUTPUT_SET */
	uint32_t nout;        /* RULE_ADD: this worker's share; OUTPUT_SET: 1 */
	uint32_t tx_frame_size, tx_frames; /* TX_ADD: the ring's shape */
	uint32_t loop_ms;     /* RULE_ADD: the loop guard's window (fixed-TTL outputs), 0: off */
	uint32_t epoch;       /* TRACE: the trace's epoch in its buffer */
	char name[MCR_NAME_MAX];
	struct mcr_input in;  /* RULE_ADD: its first input; INPUT_ADD uses in.dev */
	/*
	 * RULE_ADD, RULE_INPUTS: the rule's inputs (in, then more[]) and their
	 * input slots, -1 where not attached; with several, the redundancy
	 * settings and counter slot (RULE_ADD).
	 */
	uint32_t nin;
	int32_t in_slot[MCR_MAX_INPUTS];
	struct mcr_input more[MCR_MAX_INPUTS - 1];
	struct mcr_redund red;
	uint32_t rstats;
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
