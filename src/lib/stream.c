// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <bpf/libbpf.h>
#include "lib/log.h"
#include "lib/stream.h"

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

void stream__install_signals(void)
{
	struct sigaction sa = { .sa_handler = on_signal };

	sigemptyset(&sa.sa_mask);
	/*
	 * A second Ctrl-C kills at once.  SA_RESTART keeps a write to a slow
	 * reader going; epoll_wait returns EINTR regardless, so the loop sees
	 * the signal within one drain period.
	 */
	sa.sa_flags = SA_RESETHAND | SA_RESTART;
	sigaction(SIGINT, &sa, NULL);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	/* A closed pipe shows up as EPIPE on write. */
	signal(SIGPIPE, SIG_IGN);
}

int stream__stop_signal(void)
{
	return stop_signal;
}

const char *event_type__name(int type)
{
	static const char *const names[EVENT_TYPE_MAX] = {
		[EVENT_SIG] = "sig", [EVENT_OPEN] = "open", [EVENT_EXEC] = "exec",
		[EVENT_EXIT] = "exit", [EVENT_USER] = "event",
	};

	if (type > 0 && type < EVENT_TYPE_MAX && names[type])
		return names[type];
	return "unknown";
}

struct stream_ctx {
	const struct stream_opts *opts;
	struct stream_stats *stats;
	int out_err; /* first output error */
	/* Records a sink had to drop and has not reported yet, per sink and type. */
	uint64_t unreported[4][EVENT_TYPE_MAX];
	uint64_t pass_start_ns; /* this pass over the ring buffer */
	uint32_t pass_events;
};

/*
 * A pass over the ring buffer ends after STREAM_DRAIN_MS even when events keep
 * coming (a reader behind a full buffer, or short of CPU, would otherwise stay
 * in one pass for seconds): losses are then reported and outputs flushed, and
 * the next pass starts at once.  The clock is read every PASS_CHECK events.
 */
#define PASS_CHECK 256
#define PASS_YIELD (-EAGAIN)

static uint64_t now_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct stream_ctx *c = ctx;
	const struct event_header *h = data;
	const struct schema *sc;

	if (c->out_err)
		return -EPIPE; /* stop consuming: nobody reads any more */
	if (size < sizeof(*h) || h->type >= EVENT_TYPE_MAX || !c->opts->schemas[h->type]) {
		c->stats->malformed++;
		return 0;
	}
	sc = c->opts->schemas[h->type];
	if (c->opts->accept[h->type] &&
	    !c->opts->accept[h->type](c->opts->accept_arg[h->type], data, size))
		return 0; /* a filter the kernel could not run: not an event */
	c->stats->events[h->type]++;
	for (int i = 0; i < c->opts->nsinks; i++) {
		struct sink *s = c->opts->sinks[i];

		if (sink__backlogged(s)) {
			/* Its reader stopped reading: keep draining the kernel, count the drop. */
			c->unreported[i][h->type]++;
			c->stats->dropped[h->type]++;
			continue;
		}
		sink__record(s, sc, data, size);
	}
	if (++c->pass_events % PASS_CHECK == 0 &&
	    now_mono_ns() - c->pass_start_ns >= STREAM_DRAIN_MS * 1000000ull)
		return PASS_YIELD; /* this event is consumed: libbpf has moved past it */
	return 0;
}

/* One pass: wait up to timeout_ms unless behind; 0, PASS_YIELD or a negative errno. */
static int drain_pass(struct ring_buffer *rb, struct stream_ctx *c, int timeout_ms, bool behind)
{
	int err;

	c->pass_start_ns = now_mono_ns();
	c->pass_events = 0;
	if (behind)
		return ring_buffer__consume(rb);
	err = ring_buffer__poll(rb, timeout_ms);
	if (err >= 0 || err == -EINTR)
		err = ring_buffer__consume(rb);
	return err;
}

static void report_dropped(struct stream_ctx *c)
{
	for (int i = 0; i < c->opts->nsinks; i++) {
		struct sink *s = c->opts->sinks[i];

		if (sink__backlogged(s))
			continue;
		for (int t = 0; t < EVENT_TYPE_MAX; t++) {
			if (!c->unreported[i][t])
				continue;
			sink__lost(s, event_type__name(t), c->unreported[i][t], now_mono_ns(), "user");
			c->unreported[i][t] = 0;
		}
	}
}

static void report_lost(struct session *s, struct stream_ctx *c)
{
	uint64_t lost[EVENT_TYPE_MAX];

	if (session__read_lost(s, lost))
		return;
	for (int t = 0; t < EVENT_TYPE_MAX; t++) {
		uint64_t more = lost[t] - c->stats->lost[t];

		if (lost[t] <= c->stats->lost[t])
			continue;
		c->stats->lost[t] = lost[t];
		for (int i = 0; i < c->opts->nsinks; i++)
			sink__lost(c->opts->sinks[i], event_type__name(t), more, now_mono_ns(),
				   "kernel");
	}
}

/* A pipe whose reader has gone reports POLLERR even when nothing is written. */
static bool output_gone(int fd)
{
	struct pollfd p = { .fd = fd, .events = 0 };

	return fd >= 0 && poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP));
}

static int flush_all(struct stream_ctx *c)
{
	for (int i = 0; i < c->opts->nsinks; i++) {
		int err = sink__flush(c->opts->sinks[i]);

		if (err && !c->out_err)
			c->out_err = err;
	}
	return c->out_err;
}

static void print_summary(const struct stream_stats *st)
{
	uint64_t events = 0, lost = 0, dropped = 0;
	char detail[256] = "";
	size_t off = 0;

	for (int t = 0; t < EVENT_TYPE_MAX; t++) {
		events += st->events[t];
		lost += st->lost[t];
		dropped += st->dropped[t];
		if (st->lost[t] && off < sizeof(detail))
			off += snprintf(detail + off, sizeof(detail) - off, "%s%s %llu",
					off ? ", " : " (", event_type__name(t),
					(unsigned long long)st->lost[t]);
	}
	if (off && off < sizeof(detail))
		snprintf(detail + off, sizeof(detail) - off, ")");
	fprintf(stderr, "procsnoop: %llu events, %llu lost%s", (unsigned long long)events,
		(unsigned long long)lost, detail);
	if (dropped)
		fprintf(stderr, ", %llu not written (the output was too slow)",
			(unsigned long long)dropped);
	fputc('\n', stderr);
}

int stream__run(struct session *s, const struct stream_opts *opts, struct stream_stats *stats)
{
	struct stream_ctx c = { .opts = opts, .stats = stats };
	uint64_t deadline = 0;
	struct ring_buffer *rb;
	bool behind = false;
	int err = 0;

	memset(stats, 0, sizeof(*stats));
	rb = session__ring_buffer(s, on_event, &c);
	if (!rb)
		return -EINVAL;
	if (opts->duration_s > 0)
		deadline = now_mono_ns() + (uint64_t)(opts->duration_s * 1e9);

	while (!stop_signal) {
		int timeout = STREAM_DRAIN_MS;

		if (deadline) {
			uint64_t now = now_mono_ns();

			if (now >= deadline)
				break;
			if ((deadline - now) / 1000000 < (uint64_t)timeout)
				timeout = (deadline - now) / 1000000 + 1;
		}
		err = drain_pass(rb, &c, timeout, behind);
		behind = err == PASS_YIELD;
		if (err < 0 && err != -EINTR && err != -EPIPE && !behind) {
			pr_err("reading the ring buffer failed: %s", strerror(-err));
			break;
		}
		err = 0;
		stats->batches++;
		report_lost(s, &c);
		report_dropped(&c);
		if (flush_all(&c))
			break;
		if (output_gone(opts->watch_fd)) {
			c.out_err = -EPIPE;
			break;
		}
	}
	/*
	 * Everything the kernel already handed over still gets out.  The programs
	 * are detached first, so the drain ends even under a storm, and to the
	 * end: what is left would be neither delivered nor counted.
	 */
	session__detach(s);
	if (!c.out_err && !err) {
		while (drain_pass(rb, &c, 0, true) == PASS_YIELD) {
			report_lost(s, &c);
			flush_all(&c);
		}
		report_lost(s, &c);
		report_dropped(&c);
		flush_all(&c);
	}
	session__ring_buffer(s, NULL, NULL);
	if (c.out_err && c.out_err != -EPIPE) {
		pr_err("writing the output failed: %s", strerror(-c.out_err));
		err = c.out_err;
	}
	if (!opts->quiet_summary)
		print_summary(stats);
	return err;
}
