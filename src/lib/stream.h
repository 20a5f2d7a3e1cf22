/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The stream is the one event loop of procsnoop: the tracers and `procsnoop
 * run` both use it.  It waits on its sources (the session's ring buffer, a
 * program's own ring and perf buffers, trace_pipe, a sampling timer), drains
 * each on a short timer (the kernel side wakes it early only when a buffer
 * fills), bounds every pass by time, hands each record to the sinks, reports
 * losses inline as soon as they are known, drops (and counts) records a
 * lagging reader cannot take, detaches the programs before the last drain,
 * and stops on SIGINT, SIGTERM, SIGHUP, a closed output, or the end of the
 * duration.
 */
#ifndef PROCSNOOP_STREAM_H
#define PROCSNOOP_STREAM_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "lib/sink.h"

/* Every event reaches user space within this bound at low rates. */
#define STREAM_DRAIN_MS 50
/* What a source's drain returns when the pass ran out of time with more to read. */
#define STREAM_YIELD (-EAGAIN)
#define STREAM_MAX_SINKS 4
#define STREAM_MAX_SOURCES 8

struct stream;
struct stream_source;

/* What a source does; every operation but drain is optional. */
struct stream_source_ops {
	/* Something epoll can wait on (a ring buffer's epoll fd, trace_pipe), or -1. */
	int (*fd)(struct stream_source *src);
	/*
	 * Hands what is ready to stream__record() (or writes it itself);
	 * 0, STREAM_YIELD when stream__record() said the pass is over, or a
	 * negative errno.  Called at every pass, whether its fd woke or not.
	 */
	int (*drain)(struct stream_source *src, struct stream *st);
	/* Reports losses counted since the last call with stream__lost(). */
	void (*report_lost)(struct stream_source *src, struct stream *st);
	/* CLOCK_MONOTONIC ns at which it wants a pass even if nothing wakes it; 0: none. */
	uint64_t (*due_ns)(struct stream_source *src);
	/* Writes out what it wrote itself: 0, or a negative errno (-EPIPE, -ENOSPC). */
	int (*flush)(struct stream_source *src);
	/* Once, after the last drain (the programs are detached). */
	void (*finish)(struct stream_source *src, struct stream *st);
	/* Appends to the closing summary, e.g. ", 12 trace_pipe lines". */
	void (*summary)(struct stream_source *src, char *buf, size_t len);
	/* Frees it (stream_source__destroy). */
	void (*destroy)(struct stream_source *src);
};

struct stream_source {
	const struct stream_source_ops *ops;
	const char *name; /* for errors: "the ring buffer", "trace_pipe" */
};

struct stream_opts {
	double duration_s; /* 0: until stopped */
	const struct schema *schemas[EVENT_TYPE_MAX]; /* by event type */
	/* By event type: filters left to user space (NULL: every record passes). */
	bool (*accept[EVENT_TYPE_MAX])(const void *arg, const void *ev, size_t size);
	const void *accept_arg[EVENT_TYPE_MAX];
	struct sink *sinks[STREAM_MAX_SINKS];
	int nsinks;
	struct stream_source *sources[STREAM_MAX_SOURCES];
	int nsources;
	/* Detaches every program, so that the last drain ends even under a storm. */
	void (*detach)(void *ctx);
	void *detach_ctx;
	bool quiet_summary;
	int watch_fd; /* stop when this output's reader goes away; -1: none */
	/*
	 * A stop (SIGINT, SIGTERM, SIGHUP, or sig 0: the end of the duration)
	 * asks this first; true keeps the stream running, e.g. until a command
	 * procsnoop started ends (a source then calls stream__end).  by_kernel:
	 * the signal came from the kernel (the terminal's Ctrl-C), not kill(2).
	 */
	bool (*defer_stop)(void *ctx, int sig, bool by_kernel);
	void *defer_ctx;
	/*
	 * Sees every well-formed record first, before the tracers' user-space
	 * filters; records of the hidden types go to it alone, uncounted.
	 */
	void (*observe)(void *ctx, const void *rec, size_t size);
	void *observe_ctx;
	bool hidden[EVENT_TYPE_MAX];
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
/*
 * Runs until stopped: 0 on a clean stop (signal, duration, closed output),
 * else a negative errno.  The closing summary goes to stderr.
 */
int stream__run(const struct stream_opts *opts, struct stream_stats *stats);

/*
 * For sources, during stream__run.  A record starts with an event_header
 * whose type selects the schema.  Returns 0, STREAM_YIELD when the pass has
 * run out of time (the record is taken: stop draining and return
 * STREAM_YIELD), or -EPIPE once the output is gone.
 */
int stream__record(struct stream *st, const void *rec, size_t size);
/* `count` more records of this event type were lost in the kernel. */
void stream__lost(struct stream *st, int type, uint64_t count);
/* Ends the stream after this pass, as a stop would (what was handed over is still read). */
void stream__end(struct stream *st);

static inline void stream_source__destroy(struct stream_source *src)
{
	if (src && src->ops->destroy)
		src->ops->destroy(src);
}

#endif
