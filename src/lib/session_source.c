// SPDX-License-Identifier: GPL-2.0
/* The session's ring buffer as a source of the stream: the tracers' records and losses. */
#include <errno.h>
#include <stdlib.h>
#include "lib/ringbuf_reader.h"
#include "lib/session.h"
#include "lib/stream.h"

struct session_source {
	struct stream_source base;
	struct session *s;
	struct ringbuf_reader *rb;
	struct stream *st; /* during a drain */
	uint64_t lost[EVENT_TYPE_MAX]; /* reported so far */
};

static int on_record(void *ctx, void *data, size_t size)
{
	struct session_source *ss = ctx;

	/* A negative value stops the consume pass (libbpf returns it as is). */
	return stream__record(ss->st, data, size);
}

static int ss_fd(struct stream_source *src)
{
	return ringbuf_reader__fd(((struct session_source *)src)->rb);
}

static int ss_drain(struct stream_source *src, struct stream *st)
{
	struct session_source *ss = (struct session_source *)src;
	int n;

	ss->st = st;
	n = ringbuf_reader__consume(ss->rb);
	return n < 0 ? n : 0;
}

static void ss_report_lost(struct stream_source *src, struct stream *st)
{
	struct session_source *ss = (struct session_source *)src;
	uint64_t lost[EVENT_TYPE_MAX];

	if (session__read_lost(ss->s, lost))
		return;
	for (int t = 0; t < EVENT_TYPE_MAX; t++) {
		if (lost[t] <= ss->lost[t])
			continue;
		stream__lost(st, t, lost[t] - ss->lost[t]);
		ss->lost[t] = lost[t];
	}
}

static void ss_destroy(struct stream_source *src)
{
	struct session_source *ss = (struct session_source *)src;

	session__ring_buffer(ss->s, NULL, NULL);
	free(ss);
}

static const struct stream_source_ops session_source_ops = {
	.fd = ss_fd,
	.drain = ss_drain,
	.report_lost = ss_report_lost,
	.destroy = ss_destroy,
};

int session__source(struct session *s, struct stream_source **out)
{
	struct session_source *ss = calloc(1, sizeof(*ss));

	if (!ss)
		return -ENOMEM;
	ss->base.ops = &session_source_ops;
	ss->base.name = "the ring buffer";
	ss->s = s;
	ss->rb = session__ring_buffer(s, on_record, ss);
	if (!ss->rb) {
		free(ss);
		return -EINVAL;
	}
	*out = &ss->base;
	return 0;
}

static void detach(void *ctx)
{
	session__quiesce(ctx);
}

int session__stream_opts(struct session *s, struct stream_opts *so)
{
	struct stream_source *watcher = session__container_source(s);
	int err = session__source(s, &so->sources[so->nsources]);

	if (err)
		return err;
	so->nsources++;
	if (watcher)
		so->sources[so->nsources++] = watcher;
	so->detach = detach;
	so->detach_ctx = s;
	return 0;
}
