/* mcrd: options, configuration check, start-up, signals and shutdown. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <poll.h>

#include "addr.h"
#include "config.h"
#include "control.h"
#include "counters.h"
#include "ctl.h"
#include "esc.h"
#include "evloop.h"
#include "feed.h"
#include "iface.h"
#include "log.h"
#include "metrics.h"
#include "netlink.h"
#include "notify.h"
#include "plan.h"
#include "plansys.h"
#include "pool.h"
#include "privs.h"
#include "querier.h"
#include "reload.h"
#include "requests.h"
#include "rxring.h"
#include "trace.h"
#include "tracer.h"
#include "version.h"

struct opts {
	const char *config;
	const char *socket;
	const char *group;
	unsigned workers;     /* -w; 0: from the file */
	int foreground;
	int check;
	int level;
};

struct daemon {
	const struct opts *o;
	struct evloop *ev;
	struct control *ctl;
	struct netlink *nl;
	struct pool *pool;
	struct feed feed;     /* the plan's ops: messages to the pool's workers */
	struct plansys *sys;  /* the plan's sockets */
	struct plan *plan;
	struct requests req;  /* the control requests' view of the daemon */
	struct metrics *metrics; /* NULL: no metrics setting */
	struct querier *querier; /* IGMP on the links of listeners outputs */
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: mcrd [OPTIONS]\n"
		"       mcrd -t [-c FILE]\n"
		"OPTIONS := { -c FILE | -S SOCKET | -G GROUP | -w N | -f | -l LEVEL | -t | -h | -V }\n"
		"  -c FILE   rule file (default %s)\n"
		"  -S SOCKET control socket (default %s)\n"
		"  -G GROUP  group owning the control socket (mode 0660), e.g. mcrd\n"
		"  -w N      worker processes, overriding the file's workers\n"
		"  -f        stay in the foreground and log to stderr (default: daemon, syslog)\n"
		"  -l LEVEL  error | warning | notice | info | debug (default notice)\n"
		"  -t        check the rule file, print every problem as FILE:LINE: reason, exit\n"
		"  -h        this help;  -V  version\n"
		"Signals: TERM/INT stop; HUP reloads the rule file; USR1 logs every counter.\n",
		MCR_DEFAULT_CONFIG, MCR_CTL_SOCKET);
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	char e[MCR_ESC_NAME];
	int c, lvl;

	*o = (struct opts){ .config = MCR_DEFAULT_CONFIG, .socket = MCR_CTL_SOCKET,
			    .level = LOG_NOTICE };
	while ((c = getopt(argc, argv, "c:S:G:w:fl:thV")) != -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 'S':
			o->socket = optarg;
			break;
		case 'G':
			o->group = optarg;
			break;
		case 'w': {
			unsigned long n;

			if (mcr_parse_uint(optarg, 1, MCR_MAX_WORKERS, &n)) {
				fprintf(stderr, "mcrd: -w \"%s\" is not a number of workers (1..%d)\n",
					mcr_esc(optarg, e, sizeof(e)), MCR_MAX_WORKERS);
				return 1;
			}
			o->workers = (unsigned)n;
			break;
		}
		case 'f':
			o->foreground = 1;
			break;
		case 'l':
			lvl = mcr_log_level_parse(optarg);
			if (lvl < 0) {
				fprintf(stderr, "mcrd: \"%s\" is not a log level "
						"(error, warning, notice, info, debug)\n",
					mcr_esc(optarg, e, sizeof(e)));
				return 1;
			}
			o->level = lvl;
			break;
		case 't':
			o->check = 1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("mcrd %s\n", MCRD_VERSION);
			exit(0);
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "mcrd: unexpected argument \"%s\"\n",
			mcr_esc(argv[optind], e, sizeof(e)));
		return 1;
	}
	if (!*o->config) {
		fprintf(stderr, "mcrd: -c: the rule file path is empty\n");
		return 1;
	}
	return 0;
}

/* Prints every problem to stderr; 0 when the file is good. */
static int load_config(const char *path, struct mcr_config *cfg)
{
	struct mcr_errlist el;
	char line[512];
	int err;

	mcr_errlist_init(&el, path);
	err = mcr_config_load_file(path, cfg, &el);
	for (size_t i = 0; i < el.n; i++) {
		mcr_errlist_format(&el, i, line, sizeof(line));
		fprintf(stderr, "%s\n", line);
	}
	mcr_errlist_free(&el);
	return err;
}

/* Reload the rule file; problems are logged and, with el, returned. */
static int do_reload(struct daemon *d, struct mcr_errlist *out, struct reload_result *res)
{
	struct reload_result r;
	struct mcr_errlist el;
	char line[512];
	int err;

	mcr_errlist_init(&el, d->o->config);
	notify_send("RELOADING=1");
	err = reload_apply(d->plan, d->o->config, &el, &r);
	notify_send("READY=1");
	metrics_reloaded(d->metrics, !err);
	if (err) {
		log_err("reload refused, the running rules stay:");
		for (size_t i = 0; i < el.n; i++) {
			mcr_errlist_format(&el, i, line, sizeof(line));
			log_err("%s", line);
			if (out)
				mcr_errlist_add(out, 0, "%s", line);
		}
	} else {
		char e[MCR_ESC_PATH];

		log_notice("reloaded %s: %u added, %u removed, %u changed, %u unchanged",
			   mcr_esc(d->o->config, e, sizeof(e)), r.added, r.removed, r.changed,
			   r.unchanged);
	}
	requests_event_reload(&d->req, err, &el);
	mcr_errlist_free(&el);
	if (res)
		*res = r;
	return err;
}

static int ctl_reload(void *arg, struct mcr_errlist *el, struct reload_result *res)
{
	return do_reload(arg, el, res);
}

static void on_signal(void *arg, int fd)
{
	struct daemon *d = arg;
	struct signalfd_siginfo si;

	while (read(fd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			log_notice("signal %d: stopping", si.ssi_signo);
			evloop_stop(d->ev);
			break;
		case SIGUSR1:
			plan_log_stats(d->plan);
			break;
		case SIGCHLD:
			pool_check(d->pool);
			metrics_check(d->metrics);
			break;
		case SIGHUP:
			do_reload(d, NULL, NULL);
			break;
		}
	}
}

/* Interfaces changed: bring the rules in line (a burst costs one pass). */
static void on_netlink(void *arg, int fd)
{
	struct daemon *d = arg;

	(void)fd;
	if (netlink_read(d->nl) > 0) {
		plan_reconcile(d->plan);
		querier_sync(d->querier, d->plan);
		requests_links_changed(&d->req);
	}
}

static void on_rule_change(void *arg, const struct plan_rule *rr)
{
	struct daemon *d = arg;

	requests_event_rule(&d->req, rr->pending ? MCR_EV_RULE_PENDING : MCR_EV_RULE_ACTIVE, rr);
}

static void on_rule_switch(void *arg, const struct plan_rule *rr)
{
	struct daemon *d = arg;

	requests_event_rule(&d->req, MCR_EV_RULE_SWITCH, rr);
}

static void on_tick(void *arg, int fd)
{
	struct daemon *d = arg;
	uint64_t n;

	if (read(fd, &n, sizeof(n)) == sizeof(n)) {
		if (netlink_retry(d->nl) > 0) /* a resync that failed earlier */
			plan_reconcile(d->plan);
		plan_tick(d->plan);
		querier_sync(d->querier, d->plan); /* rules added or removed since */
		pool_check(d->pool); /* a restart that failed to fork is retried */
		control_tick(d->ctl);
		tracer_tick(d->req.tracer);
		metrics_tick(d->metrics, d->plan, d->pool, d->querier);
	}
}

/* A worker's restart backoff ended. */
static void on_pool_timer(void *arg, int fd)
{
	struct daemon *d = arg;

	(void)fd;
	pool_check(d->pool);
}

static int setup_signals(void)
{
	sigset_t set;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGCHLD);
	sigprocmask(SIG_BLOCK, &set, NULL);
	return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

static int setup_tick(void)
{
	struct itimerspec its = { .it_interval = { 1, 0 }, .it_value = { 1, 0 } };
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);

	if (fd >= 0)
		timerfd_settime(fd, 0, &its, NULL);
	return fd;
}

/* -w, else the file's workers, else one per online CPU. */
static unsigned workers_wanted(const struct opts *o, const struct mcr_config *cfg)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	unsigned n = o->workers ? o->workers : cfg->workers ? cfg->workers : (unsigned)(cpus > 0 ? cpus : 1);

	return n > MCR_MAX_WORKERS ? MCR_MAX_WORKERS : n;
}

/* Many rules mean many sockets; take what the hard limit allows. */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* Members came or went on a listeners output's link: outputs and demand inputs follow. */
static void on_members(void *arg)
{
	struct daemon *d = arg;

	plan_reconcile(d->plan);
}

static void on_member(void *arg, const struct querier_member *e)
{
	struct daemon *d = arg;

	requests_event_member(&d->req, e);
}

/* The igmp setting as the listener state's timers (0: the RFC's default). */
static void igmp_timers(const struct mcr_igmp_conf *ic, struct mbr_timers *t)
{
	mbr_timers_default(t);
	if (ic->query_interval_ms)
		t->query_interval_ms = ic->query_interval_ms;
	if (ic->query_response_ms)
		t->query_response_ms = ic->query_response_ms;
	if (ic->robustness)
		t->robustness = t->lmq_count = ic->robustness;
	if (ic->last_member_interval_ms)
		t->lmq_interval_ms = ic->last_member_interval_ms;
}

static void on_worker_start(void *arg, unsigned w)
{
	struct daemon *d = arg;

	plan_replay(d->plan, w);
}

/* The plan, its sockets and the workers it feeds (none running yet).  0 or -errno. */
static int setup_plan(struct daemon *d, unsigned n, const struct mcr_config *cfg)
{
	struct rxring_size rx = { iface_max_mtu(), cfg->rx_ring_mib };
	struct plan_config pc = { .nworkers = n, .rx = rx, .gso = cfg->gso,
				  .spread_outputs = cfg->spread_outputs,
				  .ops = &feed_ops, .ops_arg = &d->feed,
				  .sys = &plansys_ops, .wants = querier_wants };
	struct tpacket_req ring;
	struct mbr_timers t;
	int err;

	if (!(d->sys = plansys_new()))
		return -ENOMEM;
	if ((err = pool_new(&d->pool, n, cfg->user, rx)))
		return err;
	d->feed = (struct feed){ .pool = d->pool, .nworkers = n, .loop_ms = cfg->loop_guard_ms };
	pc.sys_arg = d->sys;
	igmp_timers(&cfg->igmp, &t);
	if ((err = querier_new(&d->querier, d->ev, &t, on_members, on_member, d)))
		return err;
	pc.wants_arg = d->querier;
	if ((err = plan_new(&d->plan, &pc)))
		return err;
	plansys_notify(d->sys, plan_egress_opened, plan_egress_closing, d->plan);
	pool_on_start(d->pool, on_worker_start, d);
	plan_on_change(d->plan, on_rule_change, d);
	plan_on_switch(d->plan, on_rule_switch, d);
	log_info("UDP GSO: %s", cfg->gso == MCR_GSO_ON ? "on" : cfg->gso == MCR_GSO_OFF ? "off" :
		 "auto (where runs leave as datagrams: through a NIC, or a device without "
		 "tx-udp-segmentation)");
	rxring_geometry(rx, &ring);
	log_info("receive rings: %u frames of %u bytes (%zu MiB) per input interface and worker",
		 ring.tp_frame_nr, ring.tp_frame_size,
		 ((size_t)ring.tp_block_size * ring.tp_block_nr) >> 20);
	return 0;
}

/*
 * The parent's loop and the control socket, before any worker or rule: a
 * socket another mcrd serves stops this one before it relays anything.
 * Clients wait in the backlog until the loop runs, when d->req is set.
 */
static int setup_control(struct daemon *d)
{
	int err = evloop_new(&d->ev, 256, 1024);

	if (err) {
		log_err("start-up: %s", strerror(-err));
		return err;
	}
	return control_open(&d->ctl, d->o->socket, d->o->group, d->ev, requests_table, &d->req);
}

/* The rest of the loop: signals, the tick, netlink, restarts; the requests' view. */
static int setup_loop(struct daemon *d, int sfd, int tfd)
{
	int err;

	if (evloop_watch(d->ev, sfd, POLLIN, on_signal, d) < 0 ||
	    evloop_watch(d->ev, tfd, POLLIN, on_tick, d) < 0 ||
	    evloop_watch(d->ev, netlink_fd(d->nl), POLLIN, on_netlink, d) < 0 ||
	    evloop_watch(d->ev, pool_timer_fd(d->pool), POLLIN, on_pool_timer, d) < 0)
		return -ENOSPC;
	d->req = (struct requests){ .plan = d->plan, .pool = d->pool, .reload = ctl_reload,
				    .reload_arg = d, .ctl = d->ctl, .querier = d->querier };
	if ((err = tracer_new(&d->req.tracer, d->plan, d->pool)))
		return err;
	requests_links_changed(&d->req); /* the baseline: monitors hear of changes from here on */
	return 0;
}

/* Sockets, control socket and its group are set up: shed the rest. */
static int shed_privileges(void)
{
	int err = privs_limit();

	if (err == -EPERM)
		return 0; /* not privileged at all: nothing to shed */
	if (err)
		log_err("cannot limit capabilities: %s", strerror(-err));
	return err;
}

/* The metrics process, as the workers' user. */
static int start_metrics(struct daemon *d)
{
	uid_t uid;
	gid_t gid;
	int err;

	pool_ids(d->pool, &uid, &gid);
	if ((err = metrics_start(d->metrics, uid, gid)))
		log_err("metrics: cannot start the metrics process: %s", strerror(-err));
	else
		metrics_tick(d->metrics, d->plan, d->pool, d->querier); /* its catalog now, not at the next tick */
	return err;
}

static void teardown(struct daemon *d)
{
	metrics_close(d->metrics);
	control_close(d->ctl);
	d->req.ctl = NULL;
	tracer_free(d->req.tracer);
	requests_free(&d->req);
	if (d->pool)
		pool_stop(d->pool); /* workers drain their sends and exit */
	if (d->plan) {
		plan_tick(d->plan);
		plan_log_stats(d->plan);
	}
	querier_free(d->querier);
	evloop_free(d->ev);
	plan_free(d->plan);
	plansys_free(d->sys);
	pool_free(d->pool);
	netlink_close(d->nl);
}

static int run(const struct opts *o, struct mcr_config *cfg)
{
	struct daemon d = { .o = o };
	unsigned n = workers_wanted(o, cfg);
	int sfd, tfd, err;

	raise_nofile();
	sfd = setup_signals();
	tfd = setup_tick();
	if (sfd < 0 || tfd < 0) {
		log_err("signalfd/timerfd: %s", strerror(errno));
		return 1;
	}
	/* Counters and trace buffers are shared with the workers: mapped before the first fork. */
	if ((err = counters_init()) || (err = trace_init()) || (err = netlink_open(&d.nl))) {
		log_err("start-up: %s", strerror(-err));
		return 1;
	}
	/* Refused here, the caller of a daemonizing mcrd sees the exit code. */
	if (control_check(o->socket)) {
		netlink_close(d.nl);
		return 1;
	}
	/* Bound now, so that an address in use stops the start with its reason. */
	if (cfg->metrics[0] && metrics_open(&d.metrics, cfg->metrics)) {
		netlink_close(d.nl);
		return 1;
	}
	/* Before forking workers, so that they stay this process's children. */
	if (!o->foreground && daemon(0, 0) < 0) {
		log_err("cannot become a daemon: %s", strerror(errno));
		metrics_close(d.metrics);
		netlink_close(d.nl);
		return 1;
	}
	err = setup_control(&d);
	if (!err && (err = setup_plan(&d, n, cfg)))
		log_err("start-up: %s", strerror(-err));
	if (!err)
		err = pool_start(d.pool);
	if (!err)
		err = reload_initial(d.plan, &cfg->rules);
	if (!err)
		err = setup_loop(&d, sfd, tfd);
	if (!err)
		err = shed_privileges();
	if (!err && d.metrics)
		err = start_metrics(&d);
	if (!err) {
		plan_reconcile(d.plan); /* anything that changed during start-up */
		querier_sync(d.querier, d.plan);
		log_notice("started: %zu rules, %zu active, %zu input interfaces, %u workers, "
			   "control %s", plan_nrules(d.plan), plan_active_rules(d.plan),
			   plan_ninputs(d.plan), n, o->socket);
		notify_send("READY=1");
		err = evloop_run(d.ev);
		notify_send("STOPPING=1");
	}
	teardown(&d);
	close(sfd);
	close(tfd);
	log_notice("stopped");
	return err ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct mcr_config cfg;
	struct opts o;
	int rc;

	if (parse_opts(argc, argv, &o))
		return 1;
	mcr_log_open("mcrd", o.foreground || o.check, o.level);
	if (load_config(o.config, &cfg))
		return 1;
	if (o.check) {
		char e[MCR_ESC_PATH];

		printf("%s: ok, %zu rules\n", mcr_esc(o.config, e, sizeof(e)), cfg.rules.n);
		mcr_config_free(&cfg);
		return 0;
	}
	rc = run(&o, &cfg);
	mcr_config_free(&cfg);
	mcr_log_close();
	return rc;
}
