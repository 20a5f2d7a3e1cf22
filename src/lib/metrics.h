/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Prometheus metrics: a sink that counts records into labelled series, and
 * an HTTP exporter (metrics_http.c: our own HTTP/1.x server, on its own
 * thread) that serves them in the text exposition format 0.0.4.
 *
 * Every schema gets one counter family, procsnoop_<schema>_events_total,
 * labelled by its F_LABEL fields plus the fields named in --metrics-labels.
 * The number of label sets over all families is capped; beyond the cap a
 * family counts into its one {overflow="true"} series.
 *
 * Threads: record, lost and flush come from one thread (the stream's);
 * counting takes no lock in the steady state.  Rendering may run on any
 * thread at the same time.
 */
#ifndef PROCSNOOP_METRICS_H
#define PROCSNOOP_METRICS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include "lib/sink.h"
#include "lib/strbuf.h"

#define METRICS_DEFAULT_MAX_SERIES 1000
#define METRICS_MAX_LABELS 16

struct metrics_opts {
	const char *listen; /* "[ADDR:]PORT"; NULL: count, but serve nothing */
	const char *labels; /* comma-separated field keys to add as labels, or NULL */
	uint32_t max_series; /* label sets over all tracer counters; 0: the default */
};

/*
 * "9100", ":9100", "0.0.0.0:9100", "[::1]:9100"; without an address,
 * 127.0.0.1.  Port 0 picks a free port.  0, or -EINVAL with *why set.
 */
int metrics__parse_listen(const char *text, struct sockaddr_storage *addr, socklen_t *addrlen,
			  const char **why);
/* A list of label names ("comm,uid") is well formed: 0, or -EINVAL with *why set. */
int metrics__check_labels(const char *list, const char **why);

/*
 * Checks every name in o->labels against the schemas, binds o->listen and
 * starts serving.  Label values render as JSON values do, with ro (a copy;
 * NULL: the defaults): its resolver names the containers of container_name
 * and the other container labels.  Errors are printed as one line.  Returns
 * 0, -ENOMEM, or another negative errno for what the user asked (unknown
 * label, port in use, address not local): a usage error.
 */
int sink_metrics__new(const struct metrics_opts *o, const struct render_opts *ro,
		      const struct schema *const *schemas, int nschemas, struct sink **out);
/*
 * A gauge source: how many bytes wait (*used) in a buffer of *size bytes.
 * 0, or a negative errno when it cannot tell.
 */
typedef int (*metrics_fill_fn)(void *ctx, uint64_t *used, uint64_t *size);
/*
 * Exposes the fill level of the ring buffer fn reads (for procsnoop, the
 * session's: session__ringbuf_fill) as procsnoop_ringbuf_* gauges: now, and
 * the most when a drain began.  fn runs on the counting thread and on the
 * server's.  It is called once here: its error, and nothing is watched, when
 * it fails.  Call before records are counted.
 */
int sink_metrics__watch_fill(struct sink *s, metrics_fill_fn fn, void *ctx);
/* "http://127.0.0.1:9100/metrics", or NULL when not serving. */
const char *sink_metrics__url(const struct sink *s);
/* Appends what /metrics serves: every family, then the process's health. */
void sink_metrics__render(struct sink *s, struct strbuf *out);

/* Exposition format pieces, public for the tests. */
void metrics__escape_label(struct strbuf *sb, const char *s, size_t n);
void metrics__escape_help(struct strbuf *sb, const char *s);

/* The HTTP side (metrics_http.c). */
struct metrics_server;
typedef void (*metrics_render_fn)(void *ctx, struct strbuf *out);
int metrics_server__new(const struct sockaddr_storage *addr, socklen_t addrlen,
			metrics_render_fn render, void *ctx, struct metrics_server **out);
/* The port it listens on (the chosen one when asked for port 0). */
int metrics_server__port(const struct metrics_server *srv);
/* "http://127.0.0.1:9100/metrics" */
const char *metrics_server__url(const struct metrics_server *srv);
void metrics_server__destroy(struct metrics_server *srv);

#endif
