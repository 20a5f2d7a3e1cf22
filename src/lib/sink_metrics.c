// SPDX-License-Identifier: GPL-2.0
/*
 * The metrics sink: records counted into labelled series (metrics_series.c),
 * rendered for Prometheus (metrics_format.c) with the fill level of a ring
 * buffer and the process's health (metrics_process.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#include "lib/log.h"
#include "lib/memory.h"
#include "lib/metrics_internal.h"

struct metrics_sink {
	struct sink base;
	struct series_table t; /* its lock also guards the fill source */
	/* The ring buffer's fill level (sink_metrics__watch_fill). */
	metrics_fill_fn fill;
	void *fill_ctx;
	_Atomic uint64_t fill_max_used;
	bool batch_start;
	double start_time;
	struct metrics_server *srv;
};

static void sample_fill(struct metrics_sink *m)
{
	uint64_t used, size;

	if (m->fill(m->fill_ctx, &used, &size) == 0 &&
	    used > atomic_load_explicit(&m->fill_max_used, memory_order_relaxed))
		atomic_store_explicit(&m->fill_max_used, used, memory_order_relaxed);
}

static void metrics_record(struct sink *s, const struct schema *sc, const void *ev, size_t size)
{
	struct metrics_sink *m = (struct metrics_sink *)s;

	if (m->batch_start) {
		/* The first record of a drain: what waited in the buffer when it began. */
		m->batch_start = false;
		if (m->fill)
			sample_fill(m);
	}
	series_table__count(&m->t, sc, ev, size);
}

static void metrics_lost(struct sink *s, const char *type_name, uint64_t count, uint64_t ts_ns,
			 const char *where)
{
	struct metrics_sink *m = (struct metrics_sink *)s;

	series_table__lost(&m->t, type_name, where, count);
}

/* The stream flushes once per drain of the ring buffer. */
static int metrics_flush(struct sink *s)
{
	struct metrics_sink *m = (struct metrics_sink *)s;

	counter_inc(&m->t.batches, 1);
	m->batch_start = true;
	return 0;
}

/* Caller holds the lock: the source may be replaced. */
static void render_fill(struct metrics_sink *m, struct strbuf *sb)
{
	uint64_t used, size;

	if (!m->fill || m->fill(m->fill_ctx, &used, &size))
		return;
	metrics__add_gauge(sb, "procsnoop_ringbuf_size_bytes", "Size of the BPF ring buffer.",
			   size);
	metrics__add_gauge(sb, "procsnoop_ringbuf_used_bytes",
			   "Bytes waiting in the BPF ring buffer now.", (double)used);
	metrics__add_gauge(sb, "procsnoop_ringbuf_used_bytes_max",
			   "Most bytes waiting in the BPF ring buffer when a drain began.",
			   atomic_load_explicit(&m->fill_max_used, memory_order_relaxed));
}

/* Caller holds the lock: the series table may grow. */
static void render_memory(struct metrics_sink *m, struct strbuf *sb)
{
	uint64_t used, size;

	if (m->fill && !m->fill(m->fill_ctx, &used, &size))
		/* Its data pages are mapped twice (records wrap), and two position pages. */
		metrics__add_gauge(sb, "procsnoop_memory_ringbuf_mapped_bytes",
				   "Resident bytes of the ring buffer's mapping (fixed).",
				   2.0 * size + 2.0 * sysconf(_SC_PAGESIZE));
	metrics__add_gauge(sb, "procsnoop_memory_heap_bytes",
			   "Bytes allocated by malloc and not freed.",
			   (double)memory__heap_in_use());
	metrics__add_gauge(sb, "procsnoop_memory_output_backlog_bytes",
			   "Bytes held for output a slow reader has not taken yet.",
			   (double)memory__part(MEMORY_OUTPUT_BACKLOG));
	metrics__add_gauge(sb, "procsnoop_memory_metrics_series_bytes",
			   "Bytes of the metrics series table (grows with label sets).",
			   (double)series_table__bytes(&m->t));
}

void sink_metrics__render(struct sink *s, struct strbuf *sb)
{
	struct metrics_sink *m = (struct metrics_sink *)s;

	pthread_mutex_lock(&m->t.lock);
	series_table__render(&m->t, sb);
	render_fill(m, sb);
	render_memory(m, sb);
	pthread_mutex_unlock(&m->t.lock);
	process_metrics__render(sb, m->start_time);
}

static void render_cb(void *ctx, struct strbuf *sb)
{
	sink_metrics__render(ctx, sb);
}

static void metrics_destroy(struct sink *s)
{
	struct metrics_sink *m = (struct metrics_sink *)s;

	/* First the server: it may be rendering. */
	metrics_server__destroy(m->srv);
	series_table__free(&m->t);
	free(m);
}

static const struct sink_ops metrics_ops = {
	.record = metrics_record,
	.lost = metrics_lost,
	.flush = metrics_flush,
	.destroy = metrics_destroy,
};

int sink_metrics__new(const struct metrics_opts *o, const struct render_opts *ro,
		      const struct schema *const *schemas, int nschemas, struct sink **out)
{
	struct metrics_sink *m = calloc(1, sizeof(*m));
	struct sockaddr_storage addr;
	socklen_t addrlen;
	const char *why;
	int err;

	*out = NULL;
	if (!m)
		return -ENOMEM;
	m->base.ops = &metrics_ops;
	m->start_time = process_metrics__start_time();
	if (ro)
		m->t.ro = *ro;
	err = series_table__init(&m->t, o, schemas, nschemas);
	if (!err && o->listen) {
		err = metrics__parse_listen(o->listen, &addr, &addrlen, &why);
		if (err)
			pr_err("invalid metrics address '%s': %s", o->listen, why);
		else
			err = metrics_server__new(&addr, addrlen, render_cb, m, &m->srv);
	}
	if (err) {
		metrics_destroy(&m->base);
		return err;
	}
	*out = &m->base;
	return 0;
}

const char *sink_metrics__url(const struct sink *s)
{
	const struct metrics_sink *m = (const struct metrics_sink *)s;

	return m->srv ? metrics_server__url(m->srv) : NULL;
}

int sink_metrics__watch_fill(struct sink *s, metrics_fill_fn fn, void *ctx)
{
	struct metrics_sink *m = (struct metrics_sink *)s;
	uint64_t used, size;
	int err = fn(ctx, &used, &size);

	if (err)
		return err;
	pthread_mutex_lock(&m->t.lock);
	m->fill = fn;
	m->fill_ctx = ctx;
	pthread_mutex_unlock(&m->t.lock);
	return 0;
}
