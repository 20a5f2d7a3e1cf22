// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>
#include "lib/log.h"
#include "lib/stream.h"

static volatile sig_atomic_t stop_signal, stop_by_kernel;

static void on_signal(int sig, siginfo_t *info, void *uctx)
{
	(void)uctx;
	stop_signal = sig;
	/* SI_KERNEL: the terminal's Ctrl-C; kill(2) gives SI_USER, sigqueue SI_QUEUE (<= 0). */
	stop_by_kernel = info && info->si_code > 0;
}

void stream__install_signals(void)
{
	struct sigaction sa = { .sa_sigaction = on_signal };

	sigemptyset(&sa.sa_mask);
	/*
	 * A second Ctrl-C kills at once.  SA_RESTART keeps a write to a slow
	 * reader going; epoll_wait returns EINTR regardless, so the loop sees
	 * the signal within one drain period.
	 */
	sa.sa_flags = SA_SIGINFO | SA_RESETHAND | SA_RESTART;
	sigaction(SIGINT, &sa, NULL);
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* A closed pipe shows up as EPIPE on write. */
	signal(SIGPIPE, SIG_IGN);
}

struct stream {
	const struct stream_opts *opts;
	struct stream_stats *stats;
	int out_err; /* first output error */
	/* Records a sink had to drop and has not reported yet, per sink and type. */
	uint64_t unreported[STREAM_MAX_SINKS][EVENT_TYPE_MAX];
	uint64_t pass_start_ns; /* this pass over the sources */
	uint32_t pass_events;
	bool ended; /* stream__end: stop after this pass */
};

/*
 * A pass over the sources ends after STREAM_DRAIN_MS even when events keep
 * coming (a reader behind a full buffer, or short of CPU, would otherwise
 * stay in one pass for seconds): losses are then reported and outputs
 * flushed, and the next pass starts at once.  The clock is read every
 * PASS_CHECK records.
 */
#define PASS_CHECK 256

static uint64_t now_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static const char *type_name(const struct stream *st, int type)
{
	const struct schema *sc = type > 0 && type < EVENT_TYPE_MAX ? st->opts->schemas[type] : NULL;

	return sc ? sc->name : "unknown";
}

int stream__record(struct stream *st, const void *rec, size_t size)
{
	const struct stream_opts *o = st->opts;
	const struct event_header *h = rec;
	const struct schema *sc;

	if (st->out_err)
		return -EPIPE; /* stop consuming: nobody reads any more */
	if (size < sizeof(*h) || h->type >= EVENT_TYPE_MAX || !o->schemas[h->type]) {
		st->stats->malformed++;
		return 0;
	}
	sc = o->schemas[h->type];
	if (o->observe)
		o->observe(o->observe_ctx, rec, size);
	if (o->hidden[h->type])
		return 0;
	if (o->accept[h->type] && !o->accept[h->type](o->accept_arg[h->type], rec, size))
		return 0; /* a filter the kernel could not run: not an event */
	st->stats->events[h->type]++;
	for (int i = 0; i < o->nsinks; i++) {
		struct sink *s = o->sinks[i];

		if (sink__backlogged(s)) {
			/* Its reader stopped reading: keep draining the kernel, count the drop. */
			st->unreported[i][h->type]++;
			st->stats->dropped[h->type]++;
			continue;
		}
		sink__record(s, sc, rec, size);
	}
	if (++st->pass_events % PASS_CHECK == 0 &&
	    now_mono_ns() - st->pass_start_ns >= STREAM_DRAIN_MS * 1000000ull)
		return STREAM_YIELD; /* this record is taken: the source has moved past it */
	return 0;
}

void stream__end(struct stream *st)
{
	st->ended = true;
}

void stream__lost(struct stream *st, int type, uint64_t count)
{
	if (!count || type <= 0 || type >= EVENT_TYPE_MAX)
		return;
	st->stats->lost[type] += count;
	for (int i = 0; i < st->opts->nsinks; i++)
		sink__lost(st->opts->sinks[i], type_name(st, type), count, now_mono_ns(), "kernel");
}

/*
 * One pass over every source: 0, STREAM_YIELD when one of them has more to
 * read right away, or the first hard error.
 */
static int drain_pass(struct stream *st)
{
	const struct stream_opts *o = st->opts;
	int ret = 0;

	st->pass_start_ns = now_mono_ns();
	st->pass_events = 0;
	for (int i = 0; i < o->nsources; i++) {
		struct stream_source *src = o->sources[i];
		int err = src->ops->drain(src, st);

		if (err == STREAM_YIELD) {
			ret = STREAM_YIELD;
		} else if (err < 0 && err != -EINTR && err != -EPIPE) {
			pr_err("reading %s failed: %s", src->name, strerror(-err));
			return err;
		}
	}
	return ret;
}

static void report_dropped(struct stream *st)
{
	const struct stream_opts *o = st->opts;

	for (int i = 0; i < o->nsinks; i++) {
		struct sink *s = o->sinks[i];

		if (sink__backlogged(s))
			continue;
		for (int t = 0; t < EVENT_TYPE_MAX; t++) {
			if (!st->unreported[i][t])
				continue;
			sink__lost(s, type_name(st, t), st->unreported[i][t], now_mono_ns(), "user");
			st->unreported[i][t] = 0;
		}
	}
}

static void report_lost(struct stream *st)
{
	for (int i = 0; i < st->opts->nsources; i++) {
		struct stream_source *src = st->opts->sources[i];

		if (src->ops->report_lost)
			src->ops->report_lost(src, st);
	}
}

/* A pipe whose reader has gone reports POLLERR even when nothing is written. */
static bool output_gone(int fd)
{
	struct pollfd p = { .fd = fd, .events = 0 };

	return fd >= 0 && poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP));
}

static int flush_all(struct stream *st)
{
	const struct stream_opts *o = st->opts;

	for (int i = 0; i < o->nsinks + o->nsources; i++) {
		struct stream_source *src = i < o->nsinks ? NULL : o->sources[i - o->nsinks];
		int err = 0;

		if (!src)
			err = sink__flush(o->sinks[i]);
		else if (src->ops->flush)
			err = src->ops->flush(src);
		if (err && !st->out_err)
			st->out_err = err;
	}
	return st->out_err;
}

/* Losses, drops and output after a pass; false once the output is gone. */
static bool after_pass(struct stream *st)
{
	report_lost(st);
	report_dropped(st);
	if (flush_all(st))
		return false;
	if (output_gone(st->opts->watch_fd)) {
		st->out_err = -EPIPE;
		return false;
	}
	return true;
}

static void print_summary(const struct stream *st)
{
	const struct stream_stats *ss = st->stats;
	uint64_t events = 0, lost = 0, dropped = 0;
	char detail[256] = "", more[256] = "";
	size_t off = 0;

	for (int t = 0; t < EVENT_TYPE_MAX; t++) {
		events += ss->events[t];
		lost += ss->lost[t];
		dropped += ss->dropped[t];
		if (ss->lost[t] && off < sizeof(detail))
			off += snprintf(detail + off, sizeof(detail) - off, "%s%s %llu",
					off ? ", " : " (", type_name(st, t),
					(unsigned long long)ss->lost[t]);
	}
	if (off && off < sizeof(detail))
		snprintf(detail + off, sizeof(detail) - off, ")");
	for (int i = 0; i < st->opts->nsources; i++) {
		struct stream_source *src = st->opts->sources[i];
		size_t n = strlen(more);

		if (src->ops->summary && n < sizeof(more))
			src->ops->summary(src, more + n, sizeof(more) - n);
	}
	fprintf(stderr, "procsnoop: %llu events, %llu lost%s", (unsigned long long)events,
		(unsigned long long)lost, detail);
	if (dropped)
		fprintf(stderr, ", %llu not written (the output was too slow)",
			(unsigned long long)dropped);
	fprintf(stderr, "%s\n", more);
}

/* Milliseconds to wait for the next pass: the drain period, the deadline, a source's timer. */
static int wait_ms(const struct stream *st, uint64_t deadline)
{
	uint64_t now = now_mono_ns(), until = now + STREAM_DRAIN_MS * 1000000ull;

	if (deadline && deadline < until)
		until = deadline;
	for (int i = 0; i < st->opts->nsources; i++) {
		struct stream_source *src = st->opts->sources[i];
		uint64_t due = src->ops->due_ns ? src->ops->due_ns(src) : 0;

		if (due && due < until)
			until = due;
	}
	/* Rounded up: waking a little early would only cost a pass that finds nothing. */
	return until > now ? (int)((until - now + 999999) / 1000000) : 0;
}

static int epoll_sources(const struct stream_opts *o)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);

	for (int i = 0; ep >= 0 && i < o->nsources; i++) {
		struct stream_source *src = o->sources[i];
		struct epoll_event ev = { .events = EPOLLIN, .data.u32 = i };
		int fd = src->ops->fd ? src->ops->fd(src) : -1;

		if (fd >= 0 && epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev)) {
			int err = -errno;

			pr_err("cannot wait on %s: %s", src->name, strerror(errno));
			close(ep);
			return err;
		}
	}
	return ep >= 0 ? ep : -errno;
}

int stream__run(const struct stream_opts *opts, struct stream_stats *stats)
{
	struct stream st = { .opts = opts, .stats = stats };
	uint64_t deadline = 0;
	bool behind = false;
	int err = 0, ep;

	memset(stats, 0, sizeof(*stats));
	ep = epoll_sources(opts);
	if (ep < 0)
		return ep;
	if (opts->duration_s > 0)
		deadline = now_mono_ns() + (uint64_t)(opts->duration_s * 1e9);

	for (;;) {
		struct epoll_event evs[STREAM_MAX_SOURCES];

		if (stop_signal) {
			int sig = stop_signal;

			stop_signal = 0;
			if (!opts->defer_stop || !opts->defer_stop(opts->defer_ctx, sig, stop_by_kernel))
				break;
		}
		if (deadline && now_mono_ns() >= deadline) {
			if (!opts->defer_stop || !opts->defer_stop(opts->defer_ctx, 0, false))
				break;
			deadline = 0;
		}
		if (st.ended)
			break;
		/* EINTR (a signal) is seen at the top of the loop. */
		if (!behind)
			epoll_wait(ep, evs, STREAM_MAX_SOURCES, wait_ms(&st, deadline));
		err = drain_pass(&st);
		behind = err == STREAM_YIELD;
		if (err < 0 && !behind)
			break;
		err = 0;
		stats->batches++;
		if (!after_pass(&st))
			break;
	}
	close(ep);
	/*
	 * Everything the kernel already handed over still gets out.  The programs
	 * are detached first, so the drain ends even under a storm, and to the
	 * end: what is left would be neither delivered nor counted.
	 */
	if (opts->detach)
		opts->detach(opts->detach_ctx);
	if (!st.out_err && !err) {
		while (drain_pass(&st) == STREAM_YIELD)
			after_pass(&st);
		for (int i = 0; i < opts->nsources; i++)
			if (opts->sources[i]->ops->finish)
				opts->sources[i]->ops->finish(opts->sources[i], &st);
		after_pass(&st);
	}
	if (st.out_err && st.out_err != -EPIPE) {
		pr_err("writing the output failed: %s", strerror(-st.out_err));
		err = st.out_err;
	}
	if (!opts->quiet_summary)
		print_summary(&st);
	return err;
}
