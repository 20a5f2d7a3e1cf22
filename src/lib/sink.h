/* SPDX-License-Identifier: GPL-2.0 */
/* Sinks render records of any schema: table, JSON lines, metrics. */
#ifndef PROCSNOOP_SINK_H
#define PROCSNOOP_SINK_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "lib/schema.h"

struct sink;

struct sink_ops {
	void (*record)(struct sink *s, const struct schema *sc, const void *ev, size_t size);
	/* `count` more events of `type_name` were lost; `where` is "kernel" or "user". */
	void (*lost)(struct sink *s, const char *type_name, uint64_t count, uint64_t ts_ns,
		     const char *where);
	/* 0, or a negative errno when the output can take no more (-EPIPE). */
	int (*flush)(struct sink *s);
	/* Optional: true while the output's reader lags so far behind that records must drop. */
	bool (*backlogged)(struct sink *s);
	void (*destroy)(struct sink *s);
};

struct sink {
	const struct sink_ops *ops;
};

/*
 * A table of one schema (nschemas == 1): one column per field whose groups
 * intersect the schema's groups.  Of several schemas: TIME, TYPE, PID, COMM,
 * CONTAINER when a schema's groups have G_CONTAINER, and the other fields as
 * KEY=VALUE in a last DETAILS column.  The array schemas is read during the
 * call only; the schemas themselves must outlive the sink.
 */
struct sink *sink_table__new(FILE *out, const struct render_opts *ro,
			     const struct schema *const *schemas, int nschemas);
/* One JSON object per line, every field with F_JSON, plus "type". */
struct sink *sink_json__new(FILE *out, const struct render_opts *ro);

static inline void sink__record(struct sink *s, const struct schema *sc, const void *ev,
				size_t size)
{
	s->ops->record(s, sc, ev, size);
}

static inline void sink__lost(struct sink *s, const char *type_name, uint64_t count,
			      uint64_t ts_ns, const char *where)
{
	s->ops->lost(s, type_name, count, ts_ns, where);
}

static inline int sink__flush(struct sink *s)
{
	return s->ops->flush(s);
}

static inline bool sink__backlogged(struct sink *s)
{
	return s->ops->backlogged && s->ops->backlogged(s);
}

static inline void sink__destroy(struct sink *s)
{
	if (s)
		s->ops->destroy(s);
}

/*
 * Appends "key":value as the JSON sink writes it (numbers, true/false, null,
 * escaped strings); invalid UTF-8 in a string adds "key_hex" with the exact
 * bytes.  For other JSON writers (procsnoop run's sampled maps).
 */
struct strbuf;
void json__member(struct strbuf *sb, const char *key, const struct value *v);

#endif
