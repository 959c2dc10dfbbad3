/* mcrctl rule add | del | show | flush (the printer is ruleprint.c). */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <libmnl/libmnl.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "esc.h"
#include "mcrctl.h"
#include "print.h"
#include "ruleconf.h"


/* ---- parsers ---- */

enum kw { KW_NAME, KW_IN, KW_OUT, KW_DEV, KW_GROUP, KW_PORT, KW_SOURCE, KW_TTL, KW_EGRESS,
	  KW_FIXED_TTL, KW_ORIGIN, KW_REDUNDANCY, KW_WINDOW, KW_FAILOVER, KW_REVERT, KW_JOIN,
	  KW_LISTENERS };
static const char *const kw_words[] = { "name", "in",	  "out", "dev",	   "group",
					"port", "source", "ttl", "egress", "fixed-ttl",
					"origin", "redundancy", "merge-window-ms", "failover-ms",
					"revert-ms", "join", "listeners" };
#define KW_N (sizeof(kw_words) / sizeof(kw_words[0]))

/* Looks up a keyword among those allowed (bit (1 << kw) in allowed). */
static int keyword(const char *arg, unsigned allowed)
{
	int k = mcrctl_lookup(arg, kw_words, KW_N);

	if (k < 0 || !(allowed & (1u << k))) {
		mcrctl_err("unknown keyword \"%s\"", mcr_esc_name(arg));
		return -1;
	}
	return k;
}

static int duplicate(unsigned *seen, int k)
{
	if (*seen & (1u << k)) {
		mcrctl_err("duplicate \"%s\"", kw_words[k]);
		return -EINVAL;
	}
	*seen |= 1u << k;
	return 0;
}

static int get_name(const char *arg, char name[MCR_NAME_MAX])
{
	if (strlen(arg) >= MCR_NAME_MAX || !mcr_rule_name_valid(arg)) {
		mcrctl_err("\"%s\" is not a valid rule name", mcr_esc_name(arg));
		return -EINVAL;
	}
	snprintf(name, MCR_NAME_MAX, "%s", arg);
	return 0;
}

/* What "in" or "out" still needs: 0, or an error about the first missing keyword. */
static int section_complete(const char *sect, unsigned seen, unsigned need)
{
	static const int order[] = { KW_DEV, KW_GROUP, KW_PORT };

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if ((need & (1u << order[i])) && !(seen & (1u << order[i]))) {
			mcrctl_err("\"%s\" needs \"%s\"", sect, kw_words[order[i]]);
			return -EINVAL;
		}
	return 0;
}

/* ttl N (a cap) or fixed-ttl N (absolute), one of them per output. */
static int get_ttl(const char *arg, int k, unsigned seen, struct mcr_output *o)
{
	if (seen & (1u << (k == KW_TTL ? KW_FIXED_TTL : KW_TTL))) {
		mcrctl_err("\"ttl\" and \"fixed-ttl\" exclude each other");
		return -EINVAL;
	}
	o->ttl_fixed = k == KW_FIXED_TTL;
	return mcrctl_get_u8(arg, kw_words[k], 1, &o->ttl);
}

/* An output's "source": only "keep" (the datagram's own address and port). */
static int get_keep(const char *arg, bool *keep)
{
	if (strcmp(arg, "keep")) {
		mcrctl_err("output source \"%s\": only \"keep\" is valid", mcr_esc_name(arg));
		return -EINVAL;
	}
	*keep = true;
	return 0;
}

#define B(k) (1u << (k))
#define IN_NEEDS  (B(KW_DEV) | B(KW_GROUP) | B(KW_PORT))

enum section { SEC_NONE, SEC_IN, SEC_OUT };

/* The value of keyword k (dev, group, port, source or ttl) into the section's field. */
static int parse_value(int k, const char *arg, enum section sec, unsigned out_seen,
		       struct mcr_input *in, struct mcr_output *o)
{
	switch (k) {
	case KW_DEV:
		return mcrctl_get_ifname(arg, sec == SEC_IN ? in->dev : o->dev);
	case KW_GROUP:
		return mcrctl_get_addr(arg, sec == SEC_IN ? &in->group : &o->group);
	case KW_PORT:
		return mcrctl_get_port(arg, sec == SEC_IN ? &in->port : &o->port);
	case KW_SOURCE:
		if (sec != SEC_IN)
			return get_keep(arg, &o->keep_source);
		if (mcrctl_get_addr(arg, &in->source))
			return -EINVAL;
		in->source = mcr_addr_any_unset(in->source); /* 0.0.0.0, ::: any source */
		return 0;
	case KW_JOIN:
		if (!mcr_join_parse(arg, &in->join))
			return 0;
		mcrctl_err("join \"%s\": not \"always\" or \"demand\"", mcr_esc_name(arg));
		return -EINVAL;
	case KW_EGRESS:
		if (!mcr_egress_parse(arg, &o->egress))
			return 0;
		mcrctl_err("egress \"%s\": not \"auto\", \"packet\" or \"socket\"", mcr_esc_name(arg));
		return -EINVAL;
	default:
		return get_ttl(arg, k, out_seen, o);
	}
}

/* An error for each output that repeats an earlier one (the TTL does not count). */
static int check_same_outputs(const struct mcr_rule *r)
{
	unsigned *first = calloc(r->nout ? r->nout : 1, sizeof(*first));
	char a[MCR_ADDRSTRLEN];
	int err = 0;

	if (!first || mcr_rule_same_outputs(r, NULL, first)) {
		mcrctl_err("out of memory");
		free(first);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < r->nout; i++) {
		const struct mcr_output *o = &r->out[i];

		if (first[i] == i)
			continue;
		mcrctl_err("output %u duplicates output %u (dev %s group %s port %u)", i + 1,
			   first[i] + 1, o->dev, mcr_addr_str(o->group, a), o->port);
		err = -EINVAL;
	}
	free(first);
	return err;
}

/*
 * redundancy MODE and the settings of a mode, anywhere at the rule's level;
 * a setting of another mode than the rule's is refused once all are read.
 */
static int parse_redundancy(int k, const char *arg, struct mcr_rule *r, struct mcr_redund *set)
{
	switch (k) {
	case KW_REDUNDANCY:
		if (!mcr_redundancy_parse(arg, &r->red.mode))
			return 0;
		mcrctl_err("redundancy \"%s\": not \"merge\", \"failover\" or \"none\"",
			   mcr_esc_name(arg));
		return -EINVAL;
	case KW_WINDOW:
		return mcrctl_get_u32(arg, kw_words[k], 1, MCR_MERGE_WINDOW_MAX, &set->window_ms);
	case KW_FAILOVER:
		return mcrctl_get_u32(arg, kw_words[k], 1, MCR_FAILOVER_MAX, &set->failover_ms);
	default:
		/* revert-ms 0 is a value (never back): marked given with the top bit. */
		if (mcrctl_get_u32(arg, kw_words[k], 0, MCR_REVERT_MAX, &set->revert_ms))
			return -EINVAL;
		set->revert_ms |= 1u << 31;
		return 0;
	}
}

/* The mode's defaults and the settings given, each only with its own mode. */
static int apply_redundancy(struct mcr_rule *r, const struct mcr_redund *set)
{
	uint8_t mode = r->red.mode;
	int err = 0;

	mcr_redund_init(&r->red, mode);
	if (set->window_ms && mode != MCR_REDUNDANCY_MERGE) {
		mcrctl_err("\"%s\" needs \"redundancy merge\"", kw_words[KW_WINDOW]);
		err = -EINVAL;
	} else if (set->window_ms) {
		r->red.window_ms = set->window_ms;
	}
	if ((set->failover_ms || set->revert_ms) && mode != MCR_REDUNDANCY_FAILOVER) {
		mcrctl_err("\"%s\" needs \"redundancy failover\"",
			   kw_words[set->failover_ms ? KW_FAILOVER : KW_REVERT]);
		err = -EINVAL;
	}
	if (mode == MCR_REDUNDANCY_FAILOVER && set->failover_ms)
		r->red.failover_ms = set->failover_ms;
	if (mode == MCR_REDUNDANCY_FAILOVER && set->revert_ms)
		r->red.revert_ms = set->revert_ms & ~(1u << 31);
	return err ? -EINVAL : 0;
}

/*
 * The shared parser of "rule add" (outputs allowed) and "rule del" (not).
 * Keywords are looked up among all of them, so that one in the wrong place
 * can be named; then checked against where they may appear.  A bad value
 * is reported and parsing goes on, so that every bad value is; a word out
 * of place stops it.
 */
static int parse_rule(int argc, char **argv, struct mcr_rule *r, bool add)
{
	enum section sec = SEC_NONE;
	unsigned top = 0, in = 0, out = 0, cap = 0, nin = 0;
	unsigned allowed = add ? (unsigned)~B(KW_ORIGIN)
			       : (unsigned)~(B(KW_OUT) | B(KW_TTL) | B(KW_EGRESS) | B(KW_FIXED_TTL) |
					     B(KW_ORIGIN) | B(KW_REDUNDANCY) | B(KW_WINDOW) |
					     B(KW_FAILOVER) | B(KW_REVERT) | B(KW_JOIN) | B(KW_LISTENERS));
	struct mcr_redund set = { 0 };
	struct mcr_output *o = NULL;
	bool bad_value = false;
	int k;

	memset(r, 0, sizeof(*r));
	r->origin = MCR_ORIGIN_RUNTIME;
	for (; argc > 0; argc--, argv++) {
		if ((k = keyword(*argv, allowed)) < 0)
			goto bad;
		switch (k) {
		case KW_NAME:
		case KW_REDUNDANCY:
		case KW_WINDOW:
		case KW_FAILOVER:
		case KW_REVERT:
			if (duplicate(&top, k))
				goto bad;
			NEXT_ARG();
			if (k == KW_NAME ? get_name(*argv, r->name) : parse_redundancy(k, *argv, r, &set))
				bad_value = true;
			break;
		case KW_IN:
			/* One input to delete by; up to MCR_MAX_INPUTS to add, all before the outputs. */
			if ((!add && duplicate(&top, k)) || (sec == SEC_IN &&
							     section_complete("in", in, IN_NEEDS)))
				goto bad;
			if (top & B(KW_OUT)) {
				mcrctl_err("every \"in\" must come before \"out\"");
				goto bad;
			}
			if (nin == MCR_MAX_INPUTS) {
				mcrctl_err("more than %d inputs", MCR_MAX_INPUTS);
				goto bad;
			}
			r->nmore = nin++;
			top |= B(KW_IN);
			in = 0;
			sec = SEC_IN;
			break;
		case KW_OUT:
			if (!(top & B(KW_IN))) {
				mcrctl_err("\"in\" must come before \"out\"");
				goto bad;
			}
			if (sec == SEC_IN && section_complete("in", in, IN_NEEDS))
				goto bad;
			if (sec == SEC_OUT && section_complete("out", out, B(KW_DEV)))
				goto bad;
			if (r->nout == MCR_MAX_OUTPUTS) {
				mcrctl_err("more than %d outputs", MCR_MAX_OUTPUTS);
				goto bad;
			}
			if (r->nout == cap) {
				unsigned ncap = cap ? cap * 2 : 4;
				struct mcr_output *v = realloc(r->out, ncap * sizeof(*v));

				if (!v) {
					mcrctl_err("out of memory");
					goto bad;
				}
				r->out = v;
				cap = ncap;
			}
			o = &r->out[r->nout++];
			memset(o, 0, sizeof(*o));
			o->group = r->in.group;
			o->port = r->in.port;
			top |= B(KW_OUT);
			out = 0;
			sec = SEC_OUT;
			break;
		default:
			/* dev, group, port, source, ttl: inside "in" or "out". */
			if (sec == SEC_NONE) {
				mcrctl_err("\"%s\" must follow \"in\"%s", kw_words[k],
					   add ? " or \"out\"" : "");
				goto bad;
			}
			if ((sec == SEC_IN && (k == KW_TTL || k == KW_EGRESS || k == KW_FIXED_TTL ||
					       k == KW_LISTENERS)) || (sec == SEC_OUT && k == KW_JOIN)) {
				mcrctl_err("\"%s\" is not valid in \"%s\"", kw_words[k],
					   sec == SEC_IN ? "in" : "out");
				goto bad;
			}
			if (duplicate(sec == SEC_IN ? &in : &out, k))
				goto bad;
			if (k == KW_LISTENERS) { /* a flag: no value */
				o->listeners = true;
				break;
			}
			NEXT_ARG();
			if (parse_value(k, *argv, sec, out, mcr_rule_input_mut(r, r->nmore), o))
				bad_value = true;
			break;
		}
	}
	if (sec == SEC_IN && section_complete("in", in, IN_NEEDS))
		goto bad;
	if (sec == SEC_OUT && section_complete("out", out, B(KW_DEV)))
		goto bad;
	if (add) {
		if (!(top & B(KW_IN))) {
			mcrctl_err("missing \"in\"");
			goto bad;
		}
		if (!r->nout) {
			mcrctl_err("missing \"out\"");
			goto bad;
		}
	} else if ((top & B(KW_NAME)) && (top & B(KW_IN))) {
		mcrctl_err("\"name\" and \"in\" cannot be used together");
		goto bad;
	} else if (!(top & (B(KW_NAME) | B(KW_IN)))) {
		mcrctl_err("missing \"name\" or \"in\"");
		goto bad;
	}
	if (!bad_value && apply_redundancy(r, &set))
		bad_value = true;
	/* Outputs are compared once every value in them is known good. */
	if (bad_value || (add && check_same_outputs(r)))
		goto bad;
	return 0;
bad:
	mcr_rule_free(r);
	return -EINVAL;
}

/*
 * NEXT_ARG() returns from parse_rule without freeing: wrap it so that the
 * outputs allocated so far are released on that path too.
 */
static int parse_rule_clean(int argc, char **argv, struct mcr_rule *r, bool add)
{
	int ret;

	r->out = NULL;
	ret = parse_rule(argc, argv, r, add);
	if (ret)
		mcr_rule_free(r);
	return ret;
}

int mcrctl_parse_rule_add(int argc, char **argv, struct mcr_rule *r)
{
	return parse_rule_clean(argc, argv, r, true);
}

int mcrctl_parse_rule_del(int argc, char **argv, struct mcr_rule *r)
{
	return parse_rule_clean(argc, argv, r, false);
}

int mcrctl_parse_rule_show(int argc, char **argv, struct mcr_rule_filter *f)
{
	unsigned seen = 0;
	int k;

	memset(f, 0, sizeof(*f));
	for (; argc > 0; argc--, argv++) {
		if ((k = keyword(*argv, B(KW_NAME) | B(KW_DEV) | B(KW_GROUP) | B(KW_ORIGIN))) < 0 ||
		    duplicate(&seen, k))
			return -EINVAL;
		NEXT_ARG();
		if (k == KW_NAME && get_name(*argv, f->name))
			return -EINVAL;
		if (k == KW_DEV && mcrctl_get_ifname(*argv, f->dev))
			return -EINVAL;
		if (k == KW_GROUP) {
			if (mcrctl_get_addr(*argv, &f->group))
				return -EINVAL;
			f->has_group = true;
		}
		if (k == KW_ORIGIN) {
			if (!strcmp(*argv, "config") || !strcmp(*argv, "runtime")) {
				f->origin = *argv[0] == 'c' ? MCR_ORIGIN_CONFIG : MCR_ORIGIN_RUNTIME;
				f->has_origin = true;
			} else {
				mcrctl_err("origin \"%s\": not \"config\" or \"runtime\"",
					   mcr_esc_name(*argv));
				return -EINVAL;
			}
		}
	}
	return 0;
}

/* ---- commands ---- */

static int rule_send(uint16_t type, const struct mcr_rule *r)
{
	size_t len = mcr_ctl_rule_size(r);
	struct nlmsghdr *nlh = mcrctl_msg_new(len, type, 0);
	int ret;

	if (!nlh)
		return MCRCTL_EXIT_DAEMON;
	if (mcr_ctl_put_rule(nlh, len, r, NULL)) {
		mcrctl_err("rule too large to send");
		free(nlh);
		return MCRCTL_EXIT_USAGE;
	}
	ret = mcrctl_request(nlh, NULL, NULL, 0);
	free(nlh);
	return ret;
}

static int rule_add(int argc, char **argv)
{
	struct mcr_rule r;
	int ret;

	if (mcrctl_parse_rule_add(argc, argv, &r))
		return MCRCTL_EXIT_USAGE;
	ret = rule_send(MCR_CMD_RULE_ADD, &r);
	mcr_rule_free(&r);
	return ret;
}

static int rule_del(int argc, char **argv)
{
	struct mcr_rule r;
	int ret;

	if (mcrctl_parse_rule_del(argc, argv, &r))
		return MCRCTL_EXIT_USAGE;
	ret = rule_send(MCR_CMD_RULE_DEL, &r);
	mcr_rule_free(&r);
	return ret;
}

/* With -c, the rules in mcrd.conf syntax; data counts those printed. */
static int show_conf(const struct mcr_rule *r, size_t *n)
{
	int err = mcr_ruleconf_print(mcrctl_print_fp(), r, *n);

	if (err == -EINVAL)
		mcrctl_err("rule \"%s\" cannot be written in mcrd.conf syntax", mcr_esc_name(r->name));
	else if (!err)
		(*n)++;
	return err;
}

static int show_one(const struct nlmsghdr *nlh, void *data)
{
	struct mcr_rule r;
	struct mcr_rule_info info;
	char err[256];
	int ret = 0;

	if (nlh->nlmsg_type != MCR_MSG_RULE)
		return 0;
	if (mcr_ctl_get_rule(nlh, &r, &info, err, sizeof(err))) {
		mcrctl_err("bad reply from mcrd: %s", err);
		return -EINVAL;
	}
	if (mcrctl_opt.conf)
		ret = show_conf(&r, data);
	else
		mcrctl_print_rule(NULL, &r, &info);
	mcr_rule_free(&r);
	mcr_rule_info_free(&info);
	return ret;
}

static int rule_show(int argc, char **argv)
{
	struct mcr_rule_filter f;
	struct nlmsghdr *nlh;
	size_t len = 512, n = 0;
	int ret;

	if (mcrctl_parse_rule_show(argc, argv, &f))
		return MCRCTL_EXIT_USAGE;
	if (mcrctl_connect())
		return MCRCTL_EXIT_DAEMON;
	if (!(nlh = mcrctl_msg_new(len, MCR_CMD_RULE_GET, mcrctl_opt.stats ? MCR_F_STATS : 0)))
		return MCRCTL_EXIT_DAEMON;
	if (mcr_ctl_put_filter(nlh, len, &f)) {
		free(nlh);
		return MCRCTL_EXIT_USAGE;
	}
	if (mcrctl_opt.conf)
		mcr_ruleconf_begin(mcrctl_print_fp());
	else
		mcrctl_print_start();
	ret = mcrctl_request(nlh, show_one, &n, 0);
	if (mcrctl_opt.conf && mcr_ruleconf_end(mcrctl_print_fp(), n) && !ret)
		ret = MCRCTL_EXIT_USAGE;
	else if (!mcrctl_opt.conf)
		mcrctl_print_end();
	free(nlh);
	return ret;
}

static int rule_flush(int argc, char **argv)
{
	struct nlmsghdr *nlh;
	int ret;

	if (argc > 0) {
		mcrctl_err("unknown keyword \"%s\"", mcr_esc_name(argv[0]));
		return MCRCTL_EXIT_USAGE;
	}
	if (!(nlh = mcrctl_msg_new(64, MCR_CMD_RULE_FLUSH, 0)))
		return MCRCTL_EXIT_DAEMON;
	ret = mcrctl_request(nlh, NULL, NULL, 0);
	free(nlh);
	return ret;
}

static const struct mcrctl_cmd rule_cmds[] = {
	{ "add", rule_add, "[ name NAME ] in INPUT [ in INPUT ]... [ REDUNDANCY ]\n"
			   "        out OUTPUT [ out OUTPUT ]..." },
	{ "del", rule_del, "{ name NAME | in INPUT }" },
	{ "delete", rule_del, NULL },
	{ "show", rule_show, "[ name NAME ] [ dev IFNAME ] [ group ADDR ] [ origin { config | runtime } ]" },
	{ "list", rule_show, NULL },
	{ "flush", rule_flush, "" },
	{ "trace", mcrctl_rule_trace, "name NAME [ count N ] [ bytes N ] [ out ] [ file FILE ]" },
	{ "help", NULL, "" },
	{ NULL, NULL, NULL },
};

const struct mcrctl_object mcrctl_rule_object = {
	.name = "rule",
	.cmds = rule_cmds,
	.bare = rule_show,
	.notes = "INPUT  := dev IFNAME group GROUP port PORT [ source ADDR ]\n"
		 "          [ join { always | demand } ]\n"
		 "OUTPUT := dev IFNAME [ group ADDR ] [ port PORT ] [ ttl TTL | fixed-ttl TTL ]\n"
		 "          [ egress { auto | packet | socket } ] [ source keep ]\n"
		 "          [ listeners ]\n"
		 "NAME   := up to 63 printable characters, no blanks or quotes;\n"
		 "          without one, mcrd names the rule IFNAME:GROUP:PORT of its (first) input\n"
		 "GROUP  := an IPv4 multicast address, e.g. 239.1.1.1\n"
		 "ADDR   := an IPv4 address\n"
		 "PORT   := 1..65535\n"
		 "TTL    := 1..255.  A frame leaves with the datagram's TTL minus one (as a\n"
		 "          router's would; dropped at 0), at most ttl.  fixed-ttl sets it\n"
		 "          outright, for TTL-1 services (mDNS, SSDP): the setting that can loop.\n"
		 "egress: packet builds frames and sends them through an AF_PACKET ring,\n"
		 "socket through a UDP socket; auto (default) uses packet where it can.\n"
		 "source keep: the datagram's own source address and port (packet only).\n"
		 "listeners: sent only while a host on the link is a member of the output\n"
		 "group (mcrd learns members by IGMP: \"mcrctl group show\").  join demand:\n"
		 "the input group is joined only while some output wants the stream.\n"
		 "REDUNDANCY := redundancy merge [ merge-window-ms MS ]\n"
		 "            | redundancy failover [ failover-ms MS ] [ revert-ms MS ]\n"
		 "          several inputs (2..4) carrying one stream: merge relays the first\n"
		 "          copy of each RTP sequence number (SMPTE 2022-7), failover the first\n"
		 "          input that delivers (mcrd.conf(5)).\n"
		 "An output's group and port default to the (first) input's.  show with -s\n"
		 "adds counters; dev and group match any input or output.  With -c, show\n"
		 "prints the rules in mcrd.conf syntax: \"mcrctl -c rule show origin runtime\"\n"
		 "is a drop-in file that keeps the runtime rules across a restart.  flush\n"
		 "removes every rule, from the configuration file too.\n"
		 "trace records the frames the rule receives (out: and what each output\n"
		 "sends) until count (100) frames are in, or bytes of them, or Ctrl-C;\n"
		 "file FILE writes them as pcap (- for stdout), else one line each.\n",
};
