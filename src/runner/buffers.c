// SPDX-License-Identifier: GPL-2.0
/*
 * A program's own ring buffer and perf event array maps, as one source of
 * the stream.  Each event becomes a record the sinks know: a synthesized
 * event_header (receive time, type EVENT_USER) followed by the raw bytes,
 * described by a schema derived from the BTF of the event struct with
 * offsets shifted past the header.
 *
 * With ids, records carry the cgroup id of the task that wrote them (ids.c),
 * which goes into the header.
 *
 * Losses: a perf buffer's come from the kernel as lost-sample records.  The
 * kernel keeps no count of a ring buffer's refused records; a program
 * compiled by procsnoop counts them itself in RUN_LOST_MAP (compile.c
 * wraps bpf_ringbuf_reserve and bpf_ringbuf_output), read after each pass.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "lib/log.h"
#include "lib/stream.h"
#include "runner/runner.h"

struct buffers {
	struct stream_source base;
	struct ring_buffer *rb;
	struct perf_buffer **pbs;
	int npbs;
	int epoll_fd; /* the ring buffers' and the perf buffers' own epoll fds */
	struct bpf_map *lost_map; /* RUN_LOST_MAP, or NULL */
	uint64_t lost_seen; /* of lost_map, reported so far */
	int ncpus;
	bool ids; /* the records carry their writer's cgroup id (ids.c) */
	struct stream *st; /* during a drain */
	char *buf; /* header + event */
	size_t cap;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static int deliver(struct buffers *b, const void *data, size_t size, bool perf)
{
	struct event_header *h;
	size_t max = 0xffff - sizeof(*h);
	uint64_t cgroup_id = b->ids ? ids__take(&data, &size, perf) : 0;

	if (size > max)
		size = max;
	if (sizeof(*h) + size > b->cap) {
		char *nb = realloc(b->buf, sizeof(*h) + size);

		if (!nb)
			return -ENOMEM;
		b->buf = nb;
		b->cap = sizeof(*h) + size;
	}
	h = (struct event_header *)b->buf;
	memset(h, 0, sizeof(*h));
	h->ts_ns = now_ns();
	h->type = EVENT_USER;
	h->size = sizeof(*h) + size;
	h->cgroup_id = cgroup_id;
	memcpy(b->buf + sizeof(*h), data, size);
	return stream__record(b->st, b->buf, sizeof(*h) + size);
}

static int on_ringbuf(void *ctx, void *data, size_t size)
{
	/* STREAM_YIELD ends the pass; libbpf has consumed this record. */
	return deliver(ctx, data, size, false);
}

/* A perf buffer holds what fits in its pages: a pass over it ends by itself. */
static void on_perf(void *ctx, int cpu, void *data, __u32 size)
{
	deliver(ctx, data, size, true);
}

static void on_perf_lost(void *ctx, int cpu, __u64 count)
{
	struct buffers *b = ctx;

	stream__lost(b->st, EVENT_USER, count);
}

static int buffers_fd(struct stream_source *src)
{
	return ((struct buffers *)src)->epoll_fd;
}

static int buffers_drain(struct stream_source *src, struct stream *st)
{
	struct buffers *b = (struct buffers *)src;
	int err = 0;

	b->st = st;
	for (int i = 0; i < b->npbs && err >= 0; i++)
		err = perf_buffer__consume(b->pbs[i]);
	if (b->rb && err >= 0)
		err = ring_buffer__consume(b->rb);
	return err < 0 ? err : 0;
}

/* RUN_LOST_MAP is a per-CPU array of one counter. */
static void buffers_report_lost(struct stream_source *src, struct stream *st)
{
	struct buffers *b = (struct buffers *)src;
	uint64_t v[b->ncpus > 0 ? b->ncpus : 1], sum = 0;
	__u32 key = 0;

	if (!b->lost_map)
		return;
	memset(v, 0, sizeof(v)); /* filled by the kernel, which valgrind cannot see */
	if (bpf_map_lookup_elem(bpf_map__fd(b->lost_map), &key, v))
		return;
	for (int i = 0; i < b->ncpus; i++)
		sum += v[i];
	if (sum > b->lost_seen)
		stream__lost(st, EVENT_USER, sum - b->lost_seen);
	b->lost_seen = sum;
}

static void buffers_destroy(struct stream_source *src)
{
	struct buffers *b = (struct buffers *)src;

	ring_buffer__free(b->rb);
	for (int i = 0; i < b->npbs; i++)
		perf_buffer__free(b->pbs[i]);
	if (b->epoll_fd >= 0)
		close(b->epoll_fd);
	free(b->pbs);
	free(b->buf);
	free(b);
}

static const struct stream_source_ops buffers_ops = {
	.fd = buffers_fd,
	.drain = buffers_drain,
	.report_lost = buffers_report_lost,
	.destroy = buffers_destroy,
};

static int watch(struct buffers *b, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN };

	return epoll_ctl(b->epoll_fd, EPOLL_CTL_ADD, fd, &ev) ? -errno : 0;
}

static int add_map(struct buffers *b, struct bpf_map *map)
{
	enum bpf_map_type type = bpf_map__type(map);
	struct perf_buffer **v;

	if (type == BPF_MAP_TYPE_RINGBUF) {
		if (b->rb)
			return ring_buffer__add(b->rb, bpf_map__fd(map), on_ringbuf, b) ? -errno : 0;
		b->rb = ring_buffer__new(bpf_map__fd(map), on_ringbuf, b, NULL);
		return b->rb ? watch(b, ring_buffer__epoll_fd(b->rb)) : -errno;
	}
	if (type != BPF_MAP_TYPE_PERF_EVENT_ARRAY)
		return 0;
	v = realloc(b->pbs, (b->npbs + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	b->pbs = v;
	v[b->npbs] = perf_buffer__new(bpf_map__fd(map), 64, on_perf, on_perf_lost, b, NULL);
	if (!v[b->npbs])
		return -errno;
	return watch(b, perf_buffer__epoll_fd(v[b->npbs++]));
}

int buffers__source(struct bpf_object *obj, bool ids, struct stream_source **out)
{
	struct buffers *b;
	struct bpf_map *map;
	int err = 0;

	*out = NULL;
	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->base.ops = &buffers_ops;
	b->base.name = "the program's buffers";
	b->ids = ids;
	b->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	b->ncpus = libbpf_num_possible_cpus();
	if (b->epoll_fd < 0 || b->ncpus <= 0)
		err = b->epoll_fd < 0 ? -errno : b->ncpus;
	bpf_object__for_each_map(map, obj) {
		if (err)
			break;
		err = add_map(b, map);
		if (err)
			pr_err("cannot read map %s: %s", bpf_map__name(map), strerror(-err));
	}
	b->lost_map = bpf_object__find_map_by_name(obj, RUN_LOST_MAP);
	if (err || (!b->rb && !b->npbs)) {
		buffers_destroy(&b->base);
		return err;
	}
	*out = &b->base;
	return 0;
}
