/*
 * The metrics process: forked by the parent (metrics.c), it drops every
 * privilege (the workers' user, no capabilities, no_new_privs) before it
 * serves a single request, and serves /metrics on the listening socket the
 * parent bound.  It reads the counters straight from shared memory and
 * names them from the catalog the parent sends over chan (metcat.h).
 */
#ifndef MCRD_METRICSD_H
#define MCRD_METRICSD_H

#include <sys/types.h>

/* Runs until SIGTERM or the parent goes; returns the exit code. */
int metricsd_main(int chan, int lfd, uid_t uid, gid_t gid);

#endif
