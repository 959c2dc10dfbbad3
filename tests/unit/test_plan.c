/*
 * The parent's plan with fake ops and a fake sys table: reconcile against
 * the interface table, pending reasons, all-or-nothing reload, and the
 * replay to a restarted worker.  No socket is opened and no worker runs:
 * every effect is read from what the fakes recorded.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "../../mcrd/counters.h"
#include "hash.h"
#include "../../mcrd/iface.h"
#include "../../mcrd/metcat.h"
#include "../../mcrd/plan.h"
#include "../../mcrd/pool.h"
#include "../../mcrd/reload.h"

/* What the fakes saw. */
struct rec {
	unsigned egress_add[MCR_MAX_WORKERS], egress_del;
	unsigned input_add[MCR_MAX_WORKERS], input_del[MCR_MAX_WORKERS];
	unsigned rule_add[MCR_MAX_WORKERS], rule_del[MCR_MAX_WORKERS];
	unsigned rule_inputs[MCR_MAX_WORKERS];
	int last_slots[MCR_MAX_INPUTS]; /* the attached inputs' slots in the last rule_add/inputs */
	unsigned output_set, rule_flags;
	unsigned shares[MCR_MAX_WORKERS]; /* outputs in the last rule_add to each worker */
	unsigned tx_add[MCR_MAX_WORKERS], tx_del[MCR_MAX_WORKERS], tx_open, tx_renew;
	int tx_refs[64 * 64];        /* per (ifindex, worker): outputs holding its ring */
	char last_rule_add[MCR_NAME_MAX];
	unsigned opened, closed, joins, leaves, changes;
	int next_fd;
	bool fail_ingress;
	bool claimed_elsewhere;         /* another mcrd holds every input's claim */
	unsigned claims, unclaims;
	const struct plan_rule *last_change;
};

static struct rec R;

static void op_egress_add(void *arg, int w, int fd, bool gso)
{
	(void)arg, (void)fd, (void)gso;
	for (unsigned i = 0; i < MCR_MAX_WORKERS; i++)
		if (w < 0 || (unsigned)w == i)
			R.egress_add[i]++;
}

static void op_egress_del(void *arg, int fd)
{
	(void)arg, (void)fd;
	R.egress_del++;
}

static void op_input_add(void *arg, unsigned w, size_t slot, const struct plan_input *in)
{
	(void)arg, (void)slot;
	assert_true(in->wfd[w] >= 0); /* a worker is handed an open socket */
	R.input_add[w]++;
}

static void op_input_del(void *arg, unsigned w, size_t slot)
{
	(void)arg, (void)slot;
	R.input_del[w]++;
}

static void note_slots(const struct plan_rule *rr)
{
	for (unsigned i = 0; i < MCR_MAX_INPUTS; i++)
		R.last_slots[i] = i < mcr_rule_ninputs(&rr->cfg) && rr->in[i].attached ? rr->in[i].slot
										     : -1;
}

static void op_rule_add(void *arg, const struct plan_rule *rr, unsigned w)
{
	(void)arg;
	assert_true(rr->attached);
	R.rule_add[w]++;
	R.shares[w] = 0;
	for (unsigned i = 0; i < rr->cfg.nout; i++)
		R.shares[w] += rr->out[i].worker == w;
	snprintf(R.last_rule_add, sizeof(R.last_rule_add), "%s", rr->cfg.name);
	note_slots(rr);
}

static void op_rule_inputs(void *arg, const struct plan_rule *rr, unsigned w)
{
	(void)arg;
	assert_true(rr->attached);
	R.rule_inputs[w]++;
	note_slots(rr);
}

static void op_rule_del(void *arg, const struct plan_rule *rr, unsigned w)
{
	(void)arg, (void)rr;
	R.rule_del[w]++;
}

static void op_rule_flags(void *arg, const struct plan_rule *rr)
{
	(void)arg, (void)rr;
	R.rule_flags++;
}

static void op_output_set(void *arg, const struct plan_rule *rr, unsigned i)
{
	(void)arg, (void)rr, (void)i;
	R.output_set++;
}

static void op_tx_add(void *arg, unsigned w, int fd, int gso_fd, const struct txring_geom *g)
{
	(void)arg, (void)fd, (void)gso_fd;
	assert_true(g->frame_size >= 2048 && g->nframes > 0);
	R.tx_add[w]++;
}

static void op_tx_del(void *arg, unsigned w, int fd)
{
	(void)arg, (void)fd;
	R.tx_del[w]++;
}

static const struct plan_ops fake_ops = {
	.egress_add = op_egress_add,
	.egress_del = op_egress_del,
	.input_add = op_input_add,
	.input_del = op_input_del,
	.rule_add = op_rule_add,
	.rule_inputs = op_rule_inputs,
	.rule_del = op_rule_del,
	.output_set = op_output_set,
	.rule_flags = op_rule_flags,
	.tx_add = op_tx_add,
	.tx_del = op_tx_del,
};

static struct plan *P; /* the plan the fake egress reports to */

static int sys_ingress_open(void *s, int ifindex, const struct filter_key *k, size_t n, int *exact,
			    struct rxring_size sz)
{
	(void)s, (void)ifindex, (void)k, (void)n, (void)sz;
	if (R.fail_ingress)
		return -EPERM;
	*exact = 1;
	R.opened++;
	return R.next_fd++;
}

static int sys_ingress_filter(void *s, int fd, const struct filter_key *k, size_t n, int *exact)
{
	(void)s, (void)fd, (void)k, (void)n;
	*exact = 1;
	return 0;
}

static unsigned sys_ingress_drops(void *s, int fd)
{
	(void)s, (void)fd;
	return 0;
}

static void sys_ingress_close(void *s, int fd)
{
	(void)s, (void)fd;
	R.closed++;
}

/* One shared socket per interface, as egress.c keeps them. */
static int efd[64];

static int sys_egress_get(void *s, const char *dev, int ifindex, enum egress_gso gso,
			  int family)
{
	(void)s, (void)dev, (void)family;
	if (!efd[ifindex]) {
		efd[ifindex] = 5000 + ifindex;
		plan_egress_opened(P, efd[ifindex], gso == EGRESS_GSO_YES);
	}
	return efd[ifindex];
}

static void sys_egress_forget(void *s, int ifindex)
{
	(void)s, (void)ifindex;
}

static void sys_egress_foreach(void *s, plan_egress_fn fn, void *arg)
{
	(void)s;
	for (int i = 0; i < 64; i++)
		if (efd[i])
			fn(arg, efd[i], false);
}

static uint16_t sys_egress_port(void *s, int fd)
{
	(void)s;
	return htons((uint16_t)(40000 + fd % 1000));
}

/* Transmit rings: fd 9000 + ifindex * 64 + worker, counted like txsocks.c. */
static int sys_tx_get(void *s, int ifindex, unsigned w, unsigned mtu)
{
	struct txring_geom g;
	int fd = 9000 + ifindex * 64 + (int)w;

	(void)s;
	txring_geometry(mtu, &g);
	if (!R.tx_refs[fd - 9000]++) {
		R.tx_open++;
		plan_tx_opened(P, w, fd, -1, &g);
	}
	return fd;
}

static void sys_tx_put(void *s, int fd)
{
	(void)s;
	assert_true(R.tx_refs[fd - 9000] > 0);
	if (!--R.tx_refs[fd - 9000])
		plan_tx_closing(P, (unsigned)((fd - 9000) % 64), fd);
}

static void sys_tx_renew(void *s, unsigned w)
{
	struct txring_geom g;

	(void)s;
	txring_geometry(1500, &g);
	for (int i = 0; i < 64; i++)
		if (R.tx_refs[i * 64 + (int)w]) {
			R.tx_renew++;
			plan_tx_opened(P, w, 9000 + i * 64 + (int)w, -1, &g);
		}
}

/* Outputs holding a transmit ring on ifindex, any worker's. */
static int tx_refs_dev(int ifindex)
{
	int n = 0;

	for (int w = 0; w < 64; w++)
		n += R.tx_refs[ifindex * 64 + w];
	return n;
}

static int sys_join(void *s, int ifindex, struct mcr_addr g, struct mcr_addr src)
{
	(void)s, (void)ifindex, (void)g, (void)src;
	R.joins++;
	return 0;
}

static int sys_leave(void *s, int ifindex, struct mcr_addr g, struct mcr_addr src)
{
	(void)s, (void)ifindex, (void)g, (void)src;
	R.leaves++;
	return 0;
}

static int sys_input_claim(void *s, const struct mcr_input *in)
{
	(void)s, (void)in;
	if (R.claimed_elsewhere)
		return -EADDRINUSE;
	R.claims++;
	return R.next_fd++;
}

static void sys_input_unclaim(void *s, int fd)
{
	(void)s, (void)fd;
	R.unclaims++;
}

static const struct plan_sys fake_sys = {
	.ingress_open = sys_ingress_open,
	.ingress_filter = sys_ingress_filter,
	.ingress_drops = sys_ingress_drops,
	.ingress_close = sys_ingress_close,
	.egress_get = sys_egress_get,
	.egress_forget = sys_egress_forget,
	.egress_foreach = sys_egress_foreach,
	.egress_port = sys_egress_port,
	.tx_get = sys_tx_get,
	.tx_put = sys_tx_put,
	.tx_renew = sys_tx_renew,
	.join = sys_join,
	.leave = sys_leave,
	.input_claim = sys_input_claim,
	.input_unclaim = sys_input_unclaim,
};

static void on_change(void *arg, const struct plan_rule *rr)
{
	(void)arg;
	R.changes++;
	R.last_change = rr;
}

#define UP (IFF_UP | IFF_RUNNING)

/* The interface table: a0 (2), b0 (3), both up with an address, c0 (4) down. */
static void links_fill(unsigned a0, unsigned b0, bool b0_addr)
{
	struct in_addr a;

	if (a0 != ~0u)
		iface_table_set_link(2, "a0", a0, 1500, true);
	if (b0 != ~0u)
		iface_table_set_link(3, "b0", b0, 1500, true);
	iface_table_set_link(4, "c0", IFF_UP, 1500, true);
	inet_pton(AF_INET, "198.18.0.1", &a);
	iface_table_addr(2, a, true, false);
	inet_pton(AF_INET, "198.18.1.1", &a);
	if (b0_addr)
		iface_table_addr(3, a, true, false);
}

static void links(unsigned a0, unsigned b0, bool b0_addr)
{
	iface_table_begin();
	links_fill(a0, b0, b0_addr);
	iface_table_commit();
}

/* A plan of 2 workers over the fakes; rules of spread outputs or more use both. */
static int setup_plan(unsigned spread)
{
	struct plan_config pc = { .nworkers = 2, .rx = { 1500, 8 }, .spread_outputs = spread,
				  .ops = &fake_ops, .sys = &fake_sys };

	memset(&R, 0, sizeof(R));
	memset(efd, 0, sizeof(efd));
	R.next_fd = 100;
	links(UP, UP, true);
	if (plan_new(&P, &pc))
		return -1;
	plan_on_change(P, on_change, NULL);
	return 0;
}

static int setup(void **state)
{
	(void)state;
	return setup_plan(0);
}

static int setup_spread(void **state)
{
	(void)state;
	return setup_plan(4);
}

static int teardown(void **state)
{
	(void)state;
	plan_free(P);
	P = NULL;
	return 0;
}

/* A rule from one line of mcrd.conf syntax. */
static void rule_of(const char *text, struct mcr_config *c)
{
	struct mcr_errlist el;
	char buf[1024];

	snprintf(buf, sizeof(buf), "rules = ( %s );", text);
	mcr_errlist_init(&el, "test");
	assert_int_equal(mcr_config_load_string(buf, c, &el), 0);
	mcr_errlist_free(&el);
}

static int add(const char *text)
{
	struct mcr_errlist el;
	struct mcr_config c;
	int err;

	rule_of(text, &c);
	mcr_errlist_init(&el, NULL);
	err = plan_add(P, &c.rules.v[0], &el);
	mcr_errlist_free(&el);
	mcr_config_free(&c);
	return err;
}

#define R1 "{ name = \"r1\"; in = { dev = \"a0\"; group = \"239.1.1.1\"; port = 5001; };" \
	   " out = ( { dev = \"b0\"; group = \"239.2.2.2\"; port = 6000; } ); }"
#define R2 "{ name = \"r2\"; in = { dev = \"a0\"; group = \"239.1.1.2\"; port = 5001; };" \
	   " out = ( { dev = \"b0\"; } ); }"

static void test_add_active(void **state)
{
	const struct plan_rule *rr;

	(void)state;
	assert_int_equal(add(R1), 0);
	rr = plan_find(P, "r1");
	assert_non_null(rr);
	assert_null(rr->pending);
	assert_true(rr->attached);
	assert_true(rr->in[0].joined);
	assert_int_equal(rr->out[0].fd >= 0, 1);
	assert_null(rr->out[0].why);
	assert_int_equal(R.opened, 1);
	assert_int_equal(R.rule_add[rr->worker], 1);
	assert_int_equal(R.input_add[rr->worker], 1);
	assert_int_equal(R.egress_add[0], 1); /* every worker hears of the egress socket */
	assert_int_equal(R.egress_add[1], 1);
	assert_int_equal(R.changes, 0); /* a rule's first state is not a change */
	assert_int_equal(plan_active_rules(P), 1);
	/* Same name, same input: refused, nothing else touched. */
	assert_int_equal(add(R1), -EEXIST);
	assert_int_equal(R.opened, 1);
	assert_int_equal(plan_nrules(P), 1);
}

/* What plan_add refuses, every reason of it: a taken name and a taken input. */
static void test_check_new(void **state)
{
	struct mcr_errlist el;
	struct mcr_config c;

	(void)state;
	assert_int_equal(add(R1), 0);
	rule_of("{ name = \"r1\"; in = { dev = \"a0\"; group = \"239.1.1.1\"; port = 5001; };"
		" out = ( { dev = \"b1\"; } ); }", &c);
	mcr_errlist_init(&el, NULL);
	assert_int_equal(plan_check_new(P, &c.rules.v[0], &el), -EEXIST);
	assert_int_equal(el.n, 2);
	assert_string_equal(el.v[0].msg, "rule \"r1\": duplicate name");
	assert_string_equal(el.v[1].msg, "rule \"r1\": same input as rule \"r1\"");
	el.n = 0;
	assert_int_equal(plan_add(P, &c.rules.v[0], &el), -EEXIST);
	assert_int_equal(el.n, 2);
	mcr_config_free(&c);
	/* Unnamed, so named after its input: the one reason, not two. */
	assert_int_equal(add("{ in = { dev = \"a0\"; group = \"239.1.1.9\"; port = 5001; };"
			     " out = ( { dev = \"b0\"; } ); }"), 0);
	rule_of("{ in = { dev = \"a0\"; group = \"239.1.1.9\"; port = 5001; };"
		" out = ( { dev = \"b1\"; } ); }", &c);
	el.n = 0;
	assert_int_equal(plan_check_new(P, &c.rules.v[0], &el), -EEXIST);
	assert_int_equal(el.n, 1);
	assert_string_equal(el.v[0].msg, "rule \"a0:239.1.1.9:5001\": duplicate name");
	mcr_config_free(&c);
	mcr_errlist_free(&el);
	assert_int_equal(plan_nrules(P), 2);
}

static void test_pending_reasons(void **state)
{
	const struct plan_rule *rr;

	(void)state;
	links(~0u, UP, false);
	assert_int_equal(add(R1), 0);
	rr = plan_find(P, "r1");
	assert_string_equal(rr->pending, "input interface not found");
	assert_string_equal(rr->out[0].why, "no IPv4 address");
	assert_int_equal(R.opened, 0);

	links(0, UP, true); /* present but down */
	plan_reconcile(P);
	assert_string_equal(rr->pending, "input interface down");
	assert_null(rr->out[0].why);
	assert_int_equal(R.changes, 1);

	links(IFF_UP, UP, true); /* up, no carrier */
	plan_reconcile(P);
	assert_string_equal(rr->pending, "input interface has no carrier");

	links(UP, 0, true); /* output interface down: the rule runs, the output waits */
	plan_reconcile(P);
	assert_null(rr->pending);
	assert_string_equal(rr->out[0].why, "interface down");
	assert_int_equal(rr->out[0].fd, -1);
	assert_ptr_equal(R.last_change, rr);

	links(UP, ~0u, true);
	plan_reconcile(P);
	assert_string_equal(rr->out[0].why, "interface not found");

	/* The input vanishes: detached, its socket closed, the group left. */
	links(~0u, UP, true);
	plan_reconcile(P);
	assert_string_equal(rr->pending, "input interface not found");
	assert_false(rr->attached);
	assert_int_equal(R.closed, 1);
	assert_int_equal(R.leaves, 1);
	assert_int_equal(R.rule_del[rr->worker], 1);
}

static void test_ingress_fails(void **state)
{
	const struct plan_rule *rr;

	(void)state;
	R.fail_ingress = true;
	assert_int_equal(add(R1), 0);
	rr = plan_find(P, "r1");
	assert_string_equal(rr->pending, "ingress socket failed");
	assert_false(rr->attached);
	assert_int_equal(plan_ninputs(P), 0);
	R.fail_ingress = false;
	plan_reconcile(P);
	assert_null(rr->pending);
	assert_int_equal(plan_ninputs(P), 1);
}

/* Re-created under the same name: a new ifindex, so a new socket and membership. */
static void test_recreated(void **state)
{
	const struct plan_rule *rr;

	(void)state;
	assert_int_equal(add(R1), 0);
	rr = plan_find(P, "r1");
	iface_table_begin();
	iface_table_set_link(12, "a0", UP, 1500, true);
	iface_table_set_link(3, "b0", UP, 1500, true);
	iface_table_commit();
	plan_reconcile(P);
	assert_int_equal(rr->in[0].ifindex, 12);
	assert_int_equal(R.opened, 2);
	assert_int_equal(R.closed, 1);
	assert_int_equal(R.joins, 2);
	assert_int_equal(R.leaves, 1);
}

static int reload_text(const char *text, struct reload_result *res, struct mcr_errlist *el)
{
	struct mcr_config c;
	int err;

	rule_of(text, &c);
	err = reload_rules(P, &c.rules, el, res);
	mcr_config_free(&c);
	return err;
}

#define R1B "{ name = \"r1\"; in = { dev = \"a0\"; group = \"239.1.1.1\"; port = 5001; };" \
	    " out = ( { dev = \"b0\"; group = \"239.2.2.3\"; port = 6000; } ); }"
#define R3 "{ name = \"r3\"; in = { dev = \"a0\"; group = \"239.1.1.3\"; port = 5001; };" \
	   " out = ( { dev = \"b0\"; } ); }"

static void test_reload_diff(void **state)
{
	struct reload_result res;
	struct mcr_errlist el;
	const struct plan_rule *r2;

	(void)state;
	assert_int_equal(reload_text(R1 "," R2, &res, NULL), 0);
	assert_int_equal(res.added, 2);
	r2 = plan_find(P, "r2");
	/* r1 changed, r2 unchanged (the same object: untouched), r3 new. */
	mcr_errlist_init(&el, NULL);
	assert_int_equal(reload_text(R1B "," R2 "," R3, &res, &el), 0);
	mcr_errlist_free(&el);
	assert_int_equal(res.added, 1);
	assert_int_equal(res.changed, 1);
	assert_int_equal(res.unchanged, 1);
	assert_int_equal(res.removed, 0);
	assert_ptr_equal(plan_find(P, "r2"), r2);
	assert_int_equal(plan_find(P, "r1")->cfg.out[0].group.v4.s_addr, inet_addr("239.2.2.3"));
	/* Only r3 in the file: r1 and r2 go. */
	assert_int_equal(reload_text(R3, &res, NULL), 0);
	assert_int_equal(res.removed, 2);
	assert_int_equal(res.unchanged, 1);
	assert_int_equal(plan_nrules(P), 1);
}

/* A file rule may not take a runtime rule's name: refused, nothing changes. */
static void test_reload_runtime_conflict(void **state)
{
	struct mcr_config c;
	struct mcr_errlist el;
	struct reload_result res;

	(void)state;
	rule_of(R1, &c);
	c.rules.v[0].origin = MCR_ORIGIN_RUNTIME;
	mcr_errlist_init(&el, NULL);
	assert_int_equal(plan_add(P, &c.rules.v[0], &el), 0);
	mcr_config_free(&c);
	assert_int_equal(reload_text(R1B "," R2, &res, &el), -EINVAL);
	assert_true(el.n >= 1);
	assert_non_null(strstr(el.v[0].msg, "runtime rule"));
	mcr_errlist_free(&el);
	assert_int_equal(plan_nrules(P), 1);
	assert_null(plan_find(P, "r2"));
}

/*
 * The third rule cannot get counter slots: the reload fails naming it, and
 * every running rule is as it was (no rule removed, none added, no worker
 * told anything).
 */
static void test_reload_rollback(void **state)
{
	static uint32_t taken[CNT_RULES];
	struct reload_result res;
	struct mcr_errlist el;
	const struct plan_rule *r1;
	unsigned dels, adds, n = 0;

	(void)state;
	assert_int_equal(reload_text(R1, &res, NULL), 0);
	r1 = plan_find(P, "r1");
	dels = R.rule_del[0] + R.rule_del[1];
	adds = R.rule_add[0] + R.rule_add[1];
	/* Leave exactly two rule counter slots: r1's replacement and r2 fit, r3 does not. */
	while ((taken[n] = counters_alloc_rule()) != UINT32_MAX)
		n++;
	assert_true(n >= 2);
	counters_free_rule(taken[--n]);
	counters_free_rule(taken[--n]);
	mcr_errlist_init(&el, NULL);
	assert_int_equal(reload_text(R1B "," R2 "," R3, &res, &el), -ENOSPC);
	assert_int_equal(el.n, 1);
	assert_non_null(strstr(el.v[0].msg, "rule \"r3\""));
	assert_non_null(strstr(el.v[0].msg, "no counter slots left"));
	mcr_errlist_free(&el);
	assert_int_equal(plan_nrules(P), 1);
	assert_ptr_equal(plan_find(P, "r1"), r1);
	assert_int_equal(r1->cfg.out[0].group.v4.s_addr, inet_addr("239.2.2.2"));
	assert_null(r1->pending);
	assert_int_equal(R.rule_del[0] + R.rule_del[1], dels);
	assert_int_equal(R.rule_add[0] + R.rule_add[1], adds);
	/* The prepared rules gave their slots back: with one more free, it goes through. */
	counters_free_rule(taken[--n]);
	assert_int_equal(reload_text(R1B "," R2 "," R3, &res, NULL), 0);
	assert_int_equal(res.added + res.changed, 3);
	while (n)
		counters_free_rule(taken[--n]);
}

/* Two groups owned by different workers of two. */
static void two_workers(char *g0, char *g1)
{
	struct in_addr g;
	int have0 = 0, have1 = 0;

	for (unsigned i = 1; i < 200 && !(have0 && have1); i++) {
		g.s_addr = htonl(0xef010100 + i);
		if (mcr_worker_of(mcr_addr4(g), 5001, 2) == 0 && !have0)
			have0 = sprintf(g0, "239.1.1.%u", i);
		else if (mcr_worker_of(mcr_addr4(g), 5001, 2) == 1 && !have1)
			have1 = sprintf(g1, "239.1.1.%u", i);
	}
	assert_true(have0 && have1);
}

/* Worker 1 restarts: it alone gets the egress sockets, fresh input sockets and its rules. */
static void test_replay(void **state)
{
	char g0[32], g1[32], text[512];
	unsigned opened;

	(void)state;
	two_workers(g0, g1);
	snprintf(text, sizeof(text), "{ name = \"w0\"; in = { dev = \"a0\"; group = \"%s\"; "
		 "port = 5001; }; out = ( { dev = \"b0\"; } ); }", g0);
	assert_int_equal(add(text), 0);
	snprintf(text, sizeof(text), "{ name = \"w1\"; in = { dev = \"a0\"; group = \"%s\"; "
		 "port = 5001; }; out = ( { dev = \"b0\"; ttl = 4; } ); }", g1);
	assert_int_equal(add(text), 0);
	assert_int_equal(plan_find(P, "w0")->worker, 0);
	assert_int_equal(plan_find(P, "w1")->worker, 1);
	assert_int_equal(R.opened, 2); /* one socket per (input, worker) */
	memset(&R.egress_add, 0, sizeof(R.egress_add));
	memset(&R.rule_add, 0, sizeof(R.rule_add));
	memset(&R.input_add, 0, sizeof(R.input_add));
	opened = R.opened;
	plan_replay(P, 1);
	assert_int_equal(R.egress_add[1], 1); /* b0's one egress socket, whatever the TTL */
	assert_int_equal(R.egress_add[0], 0);
	assert_int_equal(R.input_add[1], 1);
	assert_int_equal(R.input_add[0], 0);
	assert_int_equal(R.opened, opened + 1); /* a fresh socket, not the dead worker's ring */
	assert_int_equal(R.rule_add[1], 1);
	assert_string_equal(R.last_rule_add, "w1");
	assert_int_equal(R.rule_add[0], 0);
}

/* b0 as an Ethernet interface (MAC 02:00:00:00:00:03) with MTU mtu. */
static void b0_ether(unsigned mtu)
{
	static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 3 };

	iface_table_begin();
	links_fill(UP, UP, true);
	iface_table_set_link(3, "b0", UP, mtu, false);
	iface_table_set_hw(3, ARPHRD_ETHER, mac, 0, IFK_VIRTUAL);
	iface_table_set_link(4, "c0", UP, 1500, true); /* up, but no MAC: not Ethernet */
	iface_table_addr(4, (struct in_addr){ htonl(0xc6120201) }, true, false);
	iface_table_commit();
}

/*
 * Layer-2 egress: an Ethernet output with an address sends through its
 * worker's transmit ring, held while an output uses it; a change of MAC
 * reaches the worker; "socket" and a non-Ethernet interface use the socket;
 * "packet" where it cannot be waits.
 */
static void test_l2_egress(void **state)
{
	const struct plan_rule *rr;
	static const uint8_t mac2[6] = { 2, 0, 0, 0, 0, 0x33 };

	(void)state;
	b0_ether(1500);
	assert_int_equal(add(R1), 0);
	rr = plan_find(P, "r1");
	assert_int_equal(rr->out[0].txfd >= 0, 1);
	assert_int_equal(R.tx_open, 1);
	assert_int_equal(R.tx_add[rr->worker], 1);
	assert_int_equal(R.tx_add[1 - rr->worker], 0); /* only the rule's worker */
	assert_int_equal(rr->out[0].l2.mtu, 1500);
	assert_int_equal(rr->out[0].l2.mac[5], 3);
	assert_int_equal(ntohl(rr->out[0].l2.saddr.s_addr), 0xc6120101); /* 198.18.1.1 */
	assert_int_equal(ntohs(rr->out[0].l2.sport), 40000 + rr->out[0].fd % 1000);

	/* A new MAC: the worker is told. */
	R.output_set = 0;
	iface_table_set_hw(3, ARPHRD_ETHER, mac2, 0, IFK_VIRTUAL);
	plan_reconcile(P);
	assert_int_equal(R.output_set, 1);
	assert_int_equal(rr->out[0].l2.mac[5], 0x33);
	plan_reconcile(P); /* nothing changed: nothing sent */
	assert_int_equal(R.output_set, 1);

	/* Down: the ring is let go; up again: a new one. */
	links(UP, 0, true);
	plan_reconcile(P);
	assert_int_equal(rr->out[0].txfd, -1);
	assert_int_equal(tx_refs_dev(3), 0);
	assert_int_equal(R.tx_del[rr->worker], 1);
	b0_ether(1500);
	plan_reconcile(P);
	assert_int_equal(rr->out[0].txfd >= 0, 1);
	assert_int_equal(R.tx_open, 2);

	/* A worker restarted: its rings renewed before its rules. */
	plan_replay(P, rr->worker);
	assert_int_equal(R.tx_renew, 1);
	assert_int_equal(plan_del(P, "r1"), 0);
	assert_int_equal(tx_refs_dev(3), 0);

	/* egress socket: no ring. */
	assert_int_equal(add("{ name = \"s\"; in = { dev = \"a0\"; group = \"239.1.1.9\"; "
			     "port = 9; }; out = ( { dev = \"b0\"; egress = \"socket\"; } ); }"), 0);
	assert_int_equal(plan_find(P, "s")->out[0].txfd, -1);
	assert_null(plan_find(P, "s")->out[0].why);
	/* Not Ethernet (c0 has no MAC): auto takes the socket, packet waits. */
	assert_int_equal(add("{ name = \"c\"; in = { dev = \"a0\"; group = \"239.1.1.8\"; "
			     "port = 8; }; out = ( { dev = \"c0\"; source = \"keep\"; }, "
			     "{ dev = \"c0\"; port = 7; egress = \"packet\"; source = \"keep\"; } ); }"),
			 0);
	rr = plan_find(P, "c");
	assert_int_equal(rr->out[0].txfd, -1);
	/* Keeping the source needs layer 2 as much as egress "packet" does. */
	assert_string_equal(rr->out[0].why, "egress packet: not an Ethernet interface");
	assert_string_equal(rr->out[1].why, "egress packet: not an Ethernet interface");
	/* Not Ethernet, auto, the output's own address: the socket. */
	assert_int_equal(add("{ name = \"d\"; in = { dev = \"a0\"; group = \"239.1.1.7\"; "
			     "port = 8; }; out = ( { dev = \"c0\"; group = \"239.9.9.9\"; } ); }"), 0);
	rr = plan_find(P, "d");
	assert_null(rr->out[0].why);
	assert_true(rr->out[0].fd >= 0);
	assert_int_equal(rr->out[0].txfd, -1);
}

/*
 * An IPv6 output waits for a usable IPv6 address of its interface (the
 * table holds only those: netlink.c leaves tentative ones out), as an IPv4
 * one waits for an IPv4 address, and comes alive when one arrives; an
 * output that keeps the source needs none, and one of the other family
 * only an address of its own family.
 */
static void test_ipv6_address(void **state)
{
	const struct plan_rule *rr;
	struct in6_addr ll;

	(void)state;
	inet_pton(AF_INET6, "fe80::3", &ll);
	b0_ether(1500); /* an IPv4 address, no IPv6 one */
	assert_int_equal(add("{ name = \"v6\"; in = { dev = \"a0\"; group = \"ff0e::1\"; "
			     "port = 5001; }; out = ( { dev = \"b0\"; }, "
			     "{ dev = \"b0\"; port = 5002; source = \"keep\"; }, "
			     "{ dev = \"b0\"; group = \"239.1.1.2\"; } ); }"), 0);
	rr = plan_find(P, "v6");
	assert_null(rr->pending);
	assert_non_null(rr->out[0].why);
	assert_string_equal(rr->out[0].why, "no IPv6 address");
	assert_int_equal(rr->out[0].fd, -1);
	assert_int_equal(rr->out[0].txfd, -1);
	assert_null(rr->out[1].why);
	assert_true(rr->out[1].txfd >= 0);
	assert_null(rr->out[2].why); /* 6 -> 4: from b0's IPv4 address */

	R.output_set = 0;
	iface_table_addr6(3, &ll, true); /* DAD completed */
	plan_reconcile(P);
	assert_null(rr->out[0].why);
	assert_true(rr->out[0].txfd >= 0);
	assert_memory_equal(&rr->out[0].l2.saddr6, &ll, 16);
	assert_true(R.output_set >= 1); /* the worker is told */

	iface_table_addr6(3, &ll, false);
	plan_reconcile(P);
	assert_string_equal(rr->out[0].why, "no IPv6 address");
	assert_int_equal(rr->out[0].txfd, -1);
	assert_null(rr->out[1].why);

	/* 4 -> 6 waits for an IPv6 address too. */
	assert_int_equal(add("{ name = \"x46\"; in = { dev = \"a0\"; group = \"239.4.6.1\"; "
			     "port = 5046; }; out = ( { dev = \"b0\"; group = \"ff05::46\"; } ); }"),
			 0);
	assert_string_equal(plan_find(P, "x46")->out[0].why, "no IPv6 address");
}

/*
 * A wide rule is served by both workers: each gets its own ingress socket
 * and its share of the outputs (round robin), its own transmit rings; a
 * restarted worker gets its share back; a narrow rule stays on its owner.
 */
/* a0 and b0 as links() makes them, and d0 (5), up, or absent. */
static void links_d0(unsigned a0, bool d0)
{
	iface_table_begin();
	links_fill(a0, UP, true);
	if (d0)
		iface_table_set_link(5, "d0", UP, 1500, true);
	iface_table_commit();
}

#define RM "{ name = \"m\"; in = ( { dev = \"a0\"; group = \"239.1.1.1\"; port = 5001; }, " \
	   "{ dev = \"d0\"; group = \"239.1.1.9\"; port = 5009; } ); redundancy = \"merge\";" \
	   " out = ( { dev = \"b0\"; group = \"239.2.2.2\"; } ); }"

/*
 * A rule with two inputs: each attaches, joins and waits on its own; the
 * rule stays active while one can deliver, and its workers hear which
 * inputs they hold.
 */
static void test_inputs(void **state)
{
	const struct plan_rule *rr;
	struct mcr_rule_info info;
	struct mcr_errlist el;
	struct mcr_config c;
	unsigned w;

	(void)state;
	links_d0(UP, true);
	assert_int_equal(add(RM), 0);
	rr = plan_find(P, "m");
	w = rr->worker;
	assert_null(rr->pending);
	assert_true(rr->attached && rr->in[0].attached && rr->in[1].attached);
	assert_true(rr->in[0].joined && rr->in[1].joined);
	assert_non_null(rr->rst);
	assert_int_equal(R.joins, 2);
	assert_int_equal(R.opened, 2);            /* a socket on each interface */
	assert_int_equal(R.rule_add[w], 1);
	assert_true(R.last_slots[0] >= 0 && R.last_slots[1] >= 0);
	assert_int_not_equal(R.last_slots[0], R.last_slots[1]);
	assert_ptr_equal(plan_find_input(P, &rr->cfg.more[0]), rr);

	/* d0 goes: the rule relays from a0, its workers told, d0 left. */
	links_d0(UP, false);
	plan_reconcile(P);
	assert_null(rr->pending);
	assert_string_equal(rr->in[1].pending, "input interface not found");
	assert_false(rr->in[1].attached);
	assert_true(rr->attached);
	assert_int_equal(R.last_slots[1], -1);
	assert_int_equal(R.leaves, 1);
	assert_int_equal(R.closed, 1);
	assert_int_equal(R.changes, 1);           /* an input's change is the rule's event */
	assert_int_equal(plan_rule_info(rr, true, &info), 0);
	assert_int_equal(info.state, MCR_STATE_ACTIVE);
	assert_int_equal(info.in[1].state, MCR_STATE_PENDING);
	assert_string_equal(info.in[1].reason, "input interface not found");
	free(info.out);

	/* a0 down too: the rule waits, with its first input's reason. */
	links_d0(0, false);
	plan_reconcile(P);
	assert_string_equal(rr->pending, "input interface down");
	assert_true(rr->attached);                /* down is not gone: a0's socket stays */
	assert_int_equal(R.changes, 2);

	/* Both back. */
	links_d0(UP, true);
	plan_reconcile(P);
	assert_null(rr->pending);
	assert_true(rr->in[1].attached && rr->in[1].joined);
	assert_true(R.last_slots[1] >= 0);
	assert_int_equal(R.joins, 3);

	/* No other rule may take either input. */
	rule_of("{ name = \"p\"; in = { dev = \"d0\"; group = \"239.1.1.9\"; port = 5009; };"
		" out = ( { dev = \"b0\"; } ); }", &c);
	mcr_errlist_init(&el, NULL);
	assert_int_equal(plan_add(P, &c.rules.v[0], &el), -EEXIST);
	assert_non_null(strstr(el.v[0].msg, "same input as rule \"m\""));
	mcr_errlist_free(&el);
	mcr_config_free(&c);

	/* Removed: both groups left, both sockets closed, the worker told once. */
	assert_int_equal(plan_del(P, "m"), 0);
	assert_int_equal(R.leaves, R.joins);
	assert_int_equal(R.closed, R.opened);
	assert_int_equal(R.rule_del[w], 1);
	assert_int_equal(plan_ninputs(P), 0);
}

static void test_spread(void **state)
{
	const char *wide = "{ name = \"w\"; in = { dev = \"a0\"; group = \"239.1.1.3\"; "
			   "port = 5001; }; out = ( { dev = \"b0\"; port = 1; }, "
			   "{ dev = \"b0\"; port = 2; }, { dev = \"b0\"; port = 3; }, "
			   "{ dev = \"b0\"; port = 4; }, { dev = \"b0\"; port = 5; } ); }";
	struct plan_worker_stats ws[2];
	const struct plan_rule *rr;
	unsigned own;

	(void)state;
	b0_ether(1500);
	assert_int_equal(add(wide), 0);
	rr = plan_find(P, "w");
	own = rr->worker;
	assert_int_equal(rr->nworkers, 2);
	assert_int_equal(R.rule_add[0], 1);
	assert_int_equal(R.rule_add[1], 1);
	assert_int_equal(R.shares[own], 3); /* outputs 1, 3, 5 */
	assert_int_equal(R.shares[1 - own], 2);
	assert_int_equal(R.input_add[0], 1); /* each reads the input */
	assert_int_equal(R.input_add[1], 1);
	assert_int_equal(R.opened, 2);
	assert_int_equal(rr->out[1].worker, 1 - own);
	assert_int_equal(R.tx_add[0], 1); /* a transmit ring on b0 for each */
	assert_int_equal(R.tx_add[1], 1);
	plan_worker_stats(P, 0, &ws[0]);
	plan_worker_stats(P, 1, &ws[1]);
	assert_int_equal(ws[0].rules, 1);
	assert_int_equal(ws[1].rules, 1);
	rr->out[1].st->packets = 9; /* sent by the other worker */
	plan_worker_stats(P, 1 - own, &ws[0]);
	assert_int_equal(ws[0].packets_out, 9);

	R.rule_add[1 - own] = 0;
	plan_replay(P, 1 - own);
	assert_int_equal(R.rule_add[1 - own], 1);
	assert_int_equal(R.shares[1 - own], 2);
	assert_int_equal(R.rule_add[own], 1);

	/* A narrow rule: its owner alone. */
	assert_int_equal(add(R1), 0);
	assert_int_equal(plan_find(P, "r1")->nworkers, 1);
	assert_int_equal(plan_del(P, "w"), 0);
	assert_int_equal(R.rule_del[0], 1);
	assert_int_equal(R.rule_del[1], 1);
}

/*
 * A rule claims its input in the namespace; when another mcrd holds the
 * claim the rule still runs, marked (and noted to mcrctl), and takes the
 * claim once the other lets go.  Removing the rule releases it.
 */
static void test_input_claim(void **state)
{
	struct mcr_rule_info info;
	const struct plan_rule *rr;

	(void)state;
	assert_int_equal(add(R1), 0);
	rr = plan_find(P, "r1");
	assert_true(rr->in[0].claim_fd >= 0);
	assert_false(rr->input_shared);
	assert_int_equal(plan_rule_info(rr, false, &info), 0);
	assert_string_equal(info.note, "");
	free(info.out);
	R.claimed_elsewhere = true;
	assert_int_equal(add(R2), 0);
	rr = plan_find(P, "r2");
	assert_int_equal(rr->in[0].claim_fd, -1);
	assert_true(rr->input_shared);
	assert_null(rr->pending); /* not refused: it relays all the same */
	assert_int_equal(plan_rule_info(rr, false, &info), 0);
	assert_string_equal(info.note, "another mcrd in this network namespace relays this input");
	free(info.out);
	plan_tick(P); /* still held elsewhere */
	assert_true(rr->input_shared);
	R.claimed_elsewhere = false;
	plan_tick(P); /* the other mcrd is gone */
	assert_false(rr->input_shared);
	assert_true(rr->in[0].claim_fd >= 0);
	assert_int_equal(R.claims, 2);
	assert_int_equal(plan_del(P, "r2"), 0);
	assert_int_equal(R.unclaims, 1);
	assert_int_equal(plan_del(P, "r1"), 0);
	assert_int_equal(R.unclaims, 2);
}

static void test_worker_stats(void **state)
{
	struct plan_worker_stats ws0, ws1;
	const struct plan_rule *rr;

	(void)state;
	assert_int_equal(add(R1), 0);
	rr = plan_find(P, "r1");
	rr->st->packets = 7; /* as a worker would count */
	rr->out[0].st->packets = 7;
	plan_worker_stats(P, rr->worker, &ws0);
	plan_worker_stats(P, 1 - rr->worker, &ws1);
	assert_int_equal(ws0.rules, 1);
	assert_int_equal(ws0.packets_out, 7);
	assert_int_equal(ws1.rules, 0);
	assert_int_equal(ws1.packets_out, 0);
}

/* The metrics catalog of the plan: sealed, checked, every name and slot as the plan has it. */
static void test_catalog(void **state)
{
	struct metcat_status st = { .start_time = 1, .reloads_ok = 2 };
	const struct plan_rule *r1, *r2;
	struct pool *pool;
	struct metcat c;
	struct stat sb;
	uint64_t fp;
	void *map;
	int fd;

	(void)state;
	assert_int_equal(pool_new(&pool, 2, "nobody", (struct rxring_size){ 1500, 8 }), 0); /* forks nothing */
	assert_int_equal(add(R1), 0);
	assert_int_equal(add("{ name = \"r3\"; in = { dev = \"zz\"; group = \"239.1.1.3\"; port = 1; };"
			     " out = ( { dev = \"b0\"; }, { dev = \"a0\"; port = 9; } ); }"), 0);
	fp = metcat_fingerprint(P, pool, NULL);
	assert_int_equal(metcat_fingerprint(P, pool, NULL), fp); /* nothing changed, nothing to send */
	assert_int_equal(metcat_build(P, pool, NULL, &st, &fd), 0);
	assert_true(fcntl(fd, F_GET_SEALS) & F_SEAL_WRITE);
	assert_int_equal(fstat(fd, &sb), 0);
	map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_SHARED, fd, 0);
	assert_true(map != MAP_FAILED);
	assert_int_equal(metcat_check(map, (size_t)sb.st_size, &c), 0);
	r1 = plan_find(P, "r1");
	r2 = plan_find(P, "r3");
	assert_int_equal(c.hdr->nrules, 2);
	assert_int_equal(c.hdr->nouts, 3);
	assert_int_equal(c.hdr->nworkers, 2);
	assert_int_equal(c.hdr->nlinks, 2); /* input a0, one link per worker; zz is missing */
	assert_int_equal(c.hdr->st.reloads_ok, 2);
	assert_string_equal(c.rule[0].name, "r1");
	assert_int_equal(c.rule[0].slot, r1->st_slot);
	assert_int_equal(c.rule[0].flags, METCAT_R_ACTIVE | METCAT_R_ATTACHED);
	assert_int_equal(c.rule[0].worker, r1->worker);
	assert_string_equal(c.rule[1].name, "r3");
	assert_int_equal(c.rule[1].flags, 0); /* pending: its input is missing */
	assert_int_equal(c.rule[1].first_out, 1);
	assert_int_equal(c.rule[1].nout, 2);
	assert_int_equal(c.out[0].slot, r1->out[0].st_slot);
	assert_int_equal(c.out[0].port, 6000);
	assert_true(c.out[0].up);
	assert_int_equal(c.out[0].layer2, r1->out[0].txfd >= 0);
	assert_int_equal(c.out[2].slot, r2->out[1].st_slot);
	assert_string_equal(c.out[2].dev, "a0");
	assert_int_equal(c.out[2].port, 9);
	assert_string_equal(c.link[0].dev, "a0");
	assert_int_equal(c.link[r1->worker].open, 1);
	assert_int_equal(c.link[1 - r1->worker].open, 0);
	munmap(map, (size_t)sb.st_size);
	close(fd);
	/* A change the catalog shows changes the fingerprint: a rule goes. */
	assert_int_equal(plan_del(P, "r3"), 0);
	assert_true(metcat_fingerprint(P, pool, NULL) != fp);
	pool_free(pool);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_add_active, setup, teardown),
		cmocka_unit_test_setup_teardown(test_check_new, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pending_reasons, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ingress_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recreated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload_diff, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload_runtime_conflict, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reload_rollback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_replay, setup, teardown),
		cmocka_unit_test_setup_teardown(test_worker_stats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_l2_egress, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ipv6_address, setup, teardown),
		cmocka_unit_test_setup_teardown(test_catalog, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spread, setup_spread, teardown),
		cmocka_unit_test_setup_teardown(test_inputs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_input_claim, setup, teardown),
	};

	if (counters_init())
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
