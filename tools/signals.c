/* Stop flag set from SIGINT/SIGTERM; see signals.h for why they are blocked. */
#include "signals.h"

#include <errno.h>
#include <string.h>

volatile sig_atomic_t mcr_tool_stop;

static void on_stop(int sig)
{
	(void)sig;
	mcr_tool_stop = 1;
}

int mcr_tool_signals_init(sigset_t *waitmask)
{
	struct sigaction sa;
	sigset_t block;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop; /* no SA_RESTART: waits must return EINTR */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGINT, &sa, NULL) || sigaction(SIGTERM, &sa, NULL))
		return -errno;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	if (sigprocmask(SIG_BLOCK, &block, waitmask))
		return -errno;
	sigdelset(waitmask, SIGINT);
	sigdelset(waitmask, SIGTERM);
	return 0;
}
