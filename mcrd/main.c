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

#include "config.h"
#include "datapath.h"
#include "log.h"
#include "relay.h"

#define MCRD_VERSION "0.1.0"

struct opts {
	const char *config;
	int foreground;
	int check;
	int level;
};

struct daemon {
	struct datapath *dp;
	struct relay relay;
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: mcrd [OPTIONS]\n"
		"       mcrd -t [-c FILE]\n"
		"OPTIONS := { -c FILE | -f | -l LEVEL | -t | -h | -V }\n"
		"  -c FILE   rule file (default %s)\n"
		"  -f        stay in the foreground and log to stderr (default: daemon, syslog)\n"
		"  -l LEVEL  error | warning | notice | info | debug (default notice)\n"
		"  -t        check the rule file, print every problem as FILE:LINE: reason, exit\n"
		"  -h        this help;  -V  version\n"
		"Signals: TERM/INT stop; USR1 logs every counter.\n",
		MCR_DEFAULT_CONFIG);
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	int c, lvl;

	*o = (struct opts){ .config = MCR_DEFAULT_CONFIG, .level = LOG_NOTICE };
	while ((c = getopt(argc, argv, "c:fl:thV")) != -1) {
		switch (c) {
		case 'c':
			o->config = optarg;
			break;
		case 'f':
			o->foreground = 1;
			break;
		case 'l':
			lvl = mcr_log_level_parse(optarg);
			if (lvl < 0) {
				fprintf(stderr, "mcrd: \"%s\" is not a log level "
						"(error, warning, notice, info, debug)\n", optarg);
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
		fprintf(stderr, "mcrd: unexpected argument \"%s\"\n", argv[optind]);
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

static void on_signal(void *arg, int fd)
{
	struct daemon *d = arg;
	struct signalfd_siginfo si;

	while (read(fd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGTERM:
		case SIGINT:
			log_notice("signal %d: stopping", si.ssi_signo);
			datapath_stop(d->dp);
			break;
		case SIGUSR1:
			relay_log_stats(&d->relay);
			break;
		case SIGHUP:
			log_warn("SIGHUP: reload is not implemented yet; restart mcrd to apply "
				 "a changed rule file");
			break;
		}
	}
}

static void on_tick(void *arg, int fd)
{
	struct daemon *d = arg;
	uint64_t n;

	if (read(fd, &n, sizeof(n)) == sizeof(n))
		relay_poll_kernel_drops(&d->relay);
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

/* Many rules mean many sockets; take what the hard limit allows. */
static void raise_nofile(void)
{
	struct rlimit rl;

	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static int run(const struct opts *o, struct mcr_config *cfg)
{
	struct daemon d = { 0 };
	int sfd, tfd, err;

	raise_nofile();
	sfd = setup_signals();
	tfd = setup_tick();
	if (sfd < 0 || tfd < 0) {
		log_err("signalfd/timerfd: %s", strerror(errno));
		return 1;
	}
	err = relay_build(&d.relay, &cfg->rules);
	if (err)
		return 1;
	if (!o->foreground && daemon(0, 0) < 0) {
		log_err("cannot become a daemon: %s", strerror(errno));
		relay_free(&d.relay);
		return 1;
	}
	err = datapath_new(&d.dp, &d.relay);
	if (!err)
		err = datapath_watch(d.dp, sfd, on_signal, &d) ?: datapath_watch(d.dp, tfd, on_tick, &d);
	if (!err) {
		log_notice("started: %zu rules, %zu active, %zu input interfaces", d.relay.nrules,
			   relay_active_rules(&d.relay), d.relay.ninputs);
		err = datapath_run(d.dp);
	}
	relay_poll_kernel_drops(&d.relay);
	relay_log_stats(&d.relay);
	datapath_free(d.dp);
	relay_free(&d.relay);
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
		printf("%s: ok, %zu rules\n", o.config, cfg.rules.n);
		mcr_config_free(&cfg);
		return 0;
	}
	rc = run(&o, &cfg);
	mcr_config_free(&cfg);
	mcr_log_close();
	return rc;
}
