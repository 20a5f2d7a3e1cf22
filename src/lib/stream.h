/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The stream drains the session's ring buffer on a short timer (the kernel
 * side wakes it early only when the buffer fills), hands every record to
 * the sinks, reports losses inline as soon as they are known, and stops on
 * SIGINT, SIGTERM, SIGHUP, a closed output, or the end of the duration.
 */
#ifndef PROCSNOOP_STREAM_H
#define PROCSNOOP_STREAM_H

#include <stdint.h>
#include "lib/session.h"
#include "lib/sink.h"

/* Every event reaches user space within this bound at low rates. */
#define STREAM_DRAIN_MS 50

struct stream_opts {
	double duration_s; /* 0: until stopped */
	const struct schema *schemas[EVENT_TYPE_MAX]; /* by event type */
	/* By event type: filters left to user space (NULL: every record passes). */
	bool (*accept[EVENT_TYPE_MAX])(const void *arg, const void *ev, size_t size);
	const void *accept_arg[EVENT_TYPE_MAX];
	struct sink *sinks[4];
	int nsinks;
	bool quiet_summary;
	int watch_fd; /* stop when this output's reader goes away; -1: none */
};

struct stream_stats {
	uint64_t events[EVENT_TYPE_MAX];
	uint64_t lost[EVENT_TYPE_MAX]; /* counted in the kernel */
	uint64_t dropped[EVENT_TYPE_MAX]; /* dropped in user space: the output lagged */
	uint64_t malformed;
	uint64_t batches;
};

/* Installs the handlers for SIGINT, SIGTERM and SIGHUP; a second SIGINT kills. */
void stream__install_signals(void);
/* The signal that asked to stop (after stream__install_signals), or 0: for loops of their own. */
int stream__stop_signal(void);
/* 0 on a clean stop (signal, duration, closed output), else a negative errno. */
int stream__run(struct session *s, const struct stream_opts *opts, struct stream_stats *stats);
/* "sig", "open", ... */
const char *event_type__name(int type);

#endif
