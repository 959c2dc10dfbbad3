/* Shared counter slots with FIFO free lists. */
#include "counters.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

struct fifo {
	uint32_t *v;
	uint32_t cap, head, n;
};

static struct rule_stats *rules;
static struct out_stats *outs;
static struct link_stats *links;
static struct redund_stats *redunds;
static struct qlink_stats *qlinks;
static struct fifo free_rules, free_outs, free_links, free_redunds, free_qlinks;

static void *shared(size_t bytes)
{
	/* Untouched pages cost nothing: size for the most, pay for the used. */
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static int fifo_init(struct fifo *f, uint32_t cap)
{
	f->v = malloc(cap * sizeof(*f->v));
	if (!f->v)
		return -ENOMEM;
	f->cap = f->n = cap;
	f->head = 0;
	for (uint32_t i = 0; i < cap; i++)
		f->v[i] = i;
	return 0;
}

static uint32_t fifo_pop(struct fifo *f)
{
	uint32_t s;

	if (!f->n)
		return UINT32_MAX;
	s = f->v[f->head];
	f->head = (f->head + 1) % f->cap;
	f->n--;
	return s;
}

static void fifo_push(struct fifo *f, uint32_t s)
{
	if (f->n < f->cap)
		f->v[(f->head + f->n++) % f->cap] = s;
}

int counters_init(void)
{
	rules = shared(CNT_RULES * sizeof(*rules));
	outs = shared(CNT_OUTS * sizeof(*outs));
	links = shared(CNT_LINKS * sizeof(*links));
	redunds = shared(CNT_REDUND * sizeof(*redunds));
	qlinks = shared(CNT_QLINKS * sizeof(*qlinks));
	if (!rules || !outs || !links || !redunds || !qlinks || fifo_init(&free_rules, CNT_RULES) ||
	    fifo_init(&free_outs, CNT_OUTS) || fifo_init(&free_links, CNT_LINKS) ||
	    fifo_init(&free_redunds, CNT_REDUND) || fifo_init(&free_qlinks, CNT_QLINKS))
		return -ENOMEM;
	return 0;
}

int counters_readonly(void)
{
	if (mprotect(rules, CNT_RULES * sizeof(*rules), PROT_READ) ||
	    mprotect(outs, CNT_OUTS * sizeof(*outs), PROT_READ) ||
	    mprotect(links, CNT_LINKS * sizeof(*links), PROT_READ) ||
	    mprotect(redunds, CNT_REDUND * sizeof(*redunds), PROT_READ) ||
	    mprotect(qlinks, CNT_QLINKS * sizeof(*qlinks), PROT_READ))
		return -errno;
	return 0;
}

struct rule_stats *counters_rule(uint32_t s) { return &rules[s]; }
struct out_stats *counters_out(uint32_t s) { return &outs[s]; }
struct link_stats *counters_link(uint32_t s) { return &links[s]; }
struct redund_stats *counters_redund(uint32_t s) { return &redunds[s]; }
struct qlink_stats *counters_qlink(uint32_t s) { return &qlinks[s]; }

uint32_t counters_alloc_rule(void)
{
	uint32_t s = fifo_pop(&free_rules);

	if (s != UINT32_MAX)
		memset(&rules[s], 0, sizeof(rules[s]));
	return s;
}

uint32_t counters_alloc_out(void)
{
	uint32_t s = fifo_pop(&free_outs);

	if (s != UINT32_MAX)
		memset(&outs[s], 0, sizeof(outs[s]));
	return s;
}

uint32_t counters_alloc_link(void)
{
	uint32_t s = fifo_pop(&free_links);

	if (s != UINT32_MAX)
		memset(&links[s], 0, sizeof(links[s]));
	return s;
}

uint32_t counters_alloc_redund(void)
{
	uint32_t s = fifo_pop(&free_redunds);

	if (s != UINT32_MAX)
		memset(&redunds[s], 0, sizeof(redunds[s]));
	return s;
}

uint32_t counters_alloc_qlink(void)
{
	uint32_t s = fifo_pop(&free_qlinks);

	if (s != UINT32_MAX)
		memset(&qlinks[s], 0, sizeof(qlinks[s]));
	return s;
}

void counters_free_rule(uint32_t s) { fifo_push(&free_rules, s); }
void counters_free_out(uint32_t s) { fifo_push(&free_outs, s); }
void counters_free_link(uint32_t s) { fifo_push(&free_links, s); }
void counters_free_redund(uint32_t s) { fifo_push(&free_redunds, s); }
void counters_free_qlink(uint32_t s) { fifo_push(&free_qlinks, s); }
