/*
 * A worker process: drops to the unprivileged user with no capabilities,
 * then runs the data path over what the parent sends on its channel.
 */
#ifndef MCRD_WORKER_H
#define MCRD_WORKER_H

#include <sys/types.h>

#include "rxring.h"

/* Runs until told to stop or the parent goes away; the exit code. */
int worker_main(int chan, unsigned index, int cpu, uid_t uid, gid_t gid,
		struct rxring_size rx);

#endif
