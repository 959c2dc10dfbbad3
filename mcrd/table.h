/*
 * A worker's table: the rules and inputs the parent handed it, applied
 * from wire messages (wire.h) and read by the data path.  Only the worker
 * process has one; nothing in it is shared with the parent but the
 * counters it points to.
 */
#ifndef MCRD_TABLE_H
#define MCRD_TABLE_H

#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frame.h"
#include "match.h"
#include "match6.h"
#include "redund.h"
#include "rule.h"
#include "rxring.h"
#include "stats.h"
#include "trace.h"
#include "txring.h"
#include "wire.h"

#define TB_MAX_TX 1024   /* transmit rings a worker holds */

struct tb_output {
	uint32_t index;       /* its place in the rule (of which we may send a share) */
	union {
		struct sockaddr_in dst;   /* IPv4 */
		struct sockaddr_in6 dst6; /* IPv6: dst6.sin6_family says which */
	};
	socklen_t dst_len;
	int fd;               /* our copy of the egress socket; -1: not sending */
	bool gso;             /* may send GSO runs (cleared if refused) */
	uint16_t gso_limit;   /* runs of payloads this large go singly (0: none) */
	struct txring *tx;    /* layer-2 egress through this ring; NULL: the socket */
	uint16_t mtu;         /* of the interface: larger datagrams take the socket */
	uint8_t ttl;          /* cap on the datagram's TTL - 1 (0: none), or the TTL itself */
	bool ttl_fixed;
	struct frame_tmpl tmpl; /* with tx */
	struct out_stats *st; /* shared counters */
};

struct tb_rule;

/* One input of a rule: what its entry in the input's match table points to. */
struct tb_rin {
	struct tb_rule *rule;
	unsigned idx;         /* its place among the rule's inputs */
	int slot;             /* our input slot (inputs[]); -1: not attached */
	struct mcr_input key;
};

struct tb_rule {
	char name[MCR_NAME_MAX];
	struct tb_rin in[MCR_MAX_INPUTS];
	unsigned nin;
	struct redund *red;   /* several inputs: which of their datagrams go out */
	unsigned nout;
	struct tb_output *out;
	struct rule_stats *st;
	struct redund_stats *rst; /* with red: the shared slot, written by the owner only */
	unsigned inflight;    /* sends submitted and not yet completed */
	/* The rule as a whole, from the parent (it may be spread over workers). */
	bool primary;         /* this worker counts its packets and per-packet drops */
	bool verify_udp;      /* some output sends through a socket: check UDP checksums first */
	bool ttl_router;      /* some output has router semantics (the datagram's TTL - 1) */
	bool ttl_fixed;       /* some output has a fixed TTL: the loop guard watches */
	struct loopguard *guard; /* with ttl_fixed */
	struct trace_ref *trace; /* NULL: not traced (the data path's one test per packet) */
	bool dead;            /* removed; freed when no send is in flight */
	struct tb_rule *next_dead;
};

struct tb_input {
	char dev[IFNAMSIZ];
	int fd;               /* AF_PACKET socket */
	struct rxring *ring;  /* its receive ring, mapped (NULL: mapping failed) */
	struct mcr_match match;   /* IPv4 rule inputs */
	struct mcr_match6 match6; /* IPv6 rule inputs */
	struct link_stats *st;
	bool armed;           /* a multishot poll on the ring is outstanding */
	bool rx_ready;        /* the ring may hold frames to read */
	bool closing;         /* cancel the poll, then close */
	bool cancel_sent;
};

/* Our copy of a parent egress socket. */
struct tb_esock {
	int fd;
	bool gso;             /* W_F_GSO: GSO runs allowed */
};

struct table {
	struct tb_rule **rules;
	size_t nrules, caprules;
	struct tb_input *inputs[WIRE_MAX_INPUTS];
	size_t ninputs;       /* slots in use, including closing ones */
	struct tb_rule *dead; /* removed rules with sends still in flight */
	struct rxring_size rx; /* the receive rings' shape, as the parent made them */
	struct tb_esock *emap; /* parent egress fd -> our copy */
	size_t nemap;
	int pslot[WIRE_MAX_INPUTS]; /* parent input slot -> ours */
	struct txring *tx[TB_MAX_TX]; /* transmit rings; a dead one waits for its kick */
	size_t ntx;
};

void table_init(struct table *t, struct rxring_size rx);
/* Closes every socket and frees every rule, dead ones included. */
void table_free(struct table *t);
/*
 * Applies one parent message (len bytes, fd attached or -1; the table
 * takes the fd).  A malformed message changes nothing.
 */
void table_apply(struct table *t, const struct wire_msg *m, size_t len, int fd);
/* A send of rr completed: frees a removed rule after its last send. */
void table_send_done(struct table *t, struct tb_rule *rr);
/* The data path has ended the input's receive: close and forget it. */
void table_input_closed(struct table *t, size_t idx);
/* A kick of transmit ring idx completed: frees it if it was removed meanwhile. */
void table_tx_kicked(struct table *t, size_t idx);

#endif
