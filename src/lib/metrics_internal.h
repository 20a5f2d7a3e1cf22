/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the metrics sink (sink_metrics.c): the series table it counts
 * into (metrics_series.c), the exposition format it renders them in
 * (metrics_format.c), the process collector (metrics_process.c) and the
 * exporter's socket (metrics_listen.c; metrics_http.c serves it).
 * Callers use lib/metrics.h.
 */
#ifndef PROCSNOOP_METRICS_INTERNAL_H
#define PROCSNOOP_METRICS_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include "lib/metrics.h"

#define METRICS_MAX_FAMILIES 16
#define METRICS_MAX_LOST 32
#define LABEL_SCRATCH 128

typedef _Atomic uint64_t counter_t;

static inline void counter_inc(counter_t *c, uint64_t n)
{
	/* One writer: a plain load and store, no locked instruction. */
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n,
			      memory_order_relaxed);
}

static inline uint64_t counter_get(counter_t *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

/* ---- metrics_series.c --------------------------------------------------- */

struct series {
	counter_t count;
	uint64_t hash;
	uint32_t key_off, key_len;   /* in family.keys */
	uint32_t text_off, text_len; /* rendered labels, in family.texts */
};

struct family {
	const struct schema *sc;
	char name[96]; /* procsnoop_sig_events_total */
	const struct field *labels[METRICS_MAX_LABELS];
	int nlabels;
	counter_t events;
	counter_t overflow;
	struct series *series;
	uint32_t nseries, cap;
	uint32_t *slots; /* series index + 1; 0 is empty */
	uint32_t nslots; /* a power of two */
	struct strbuf keys, texts;
};

struct lost_counter {
	char type[32];
	const char *where;
	counter_t count;
};

struct series_table {
	/*
	 * Held by the renderer throughout, and by the counting thread only
	 * while it changes the shape of the tables (a new series, family or
	 * loss counter).  Counting into an existing series takes no lock: the
	 * counting thread is the only one that changes the tables.
	 */
	pthread_mutex_t lock;
	struct family fams[METRICS_MAX_FAMILIES];
	int nfams;
	struct family *by_type[EVENT_TYPE_MAX];
	const char *extra[METRICS_MAX_LABELS]; /* --metrics-labels */
	int nextra;
	char *extra_copy;
	uint32_t max_series, nseries;
	struct lost_counter lost[METRICS_MAX_LOST];
	int nlost;
	counter_t batches;
	uint64_t seed;
	struct render_opts ro; /* how label values render */
	struct strbuf key;
	struct value vals[METRICS_MAX_LABELS];
	char scratch[METRICS_MAX_LABELS][LABEL_SCRATCH];
};

/* A family for each schema, the labels of o; errors printed as one line.  0 or -errno. */
int series_table__init(struct series_table *t, const struct metrics_opts *o,
		       const struct schema *const *schemas, int nschemas);
/* Counts a record into its family's series, or its overflow series past the cap. */
void series_table__count(struct series_table *t, const struct schema *sc, const void *ev,
			 size_t size);
void series_table__lost(struct series_table *t, const char *type, const char *where,
			uint64_t count);
void series_table__free(struct series_table *t);
/* The bytes the table has allocated for its series, their hash slots and label texts. */
size_t series_table__bytes(const struct series_table *t);

/* ---- metrics_format.c --------------------------------------------------- */

void metrics__add_header(struct strbuf *sb, const char *name, const char *type,
			 const char *help);
void metrics__add_gauge(struct strbuf *sb, const char *name, const char *help, double v);
/* label="value",... of a family's labels. */
void family__render_labels(struct strbuf *sb, const struct family *f, const struct value *vals);
/* Every counter of the table.  Caller holds the lock. */
void series_table__render(struct series_table *t, struct strbuf *sb);

/* ---- metrics_listen.c --------------------------------------------------- */

/*
 * A non-blocking socket bound to addr and listening, or a negative errno
 * after one line on stderr (port in use, address not of this host).
 */
int metrics__listen(const struct sockaddr_storage *addr, socklen_t addrlen);
/* "127.0.0.1:9100", "[::1]:9100" */
const char *metrics__describe_addr(const struct sockaddr_storage *addr, char *buf, size_t len);

/* ---- metrics_process.c -------------------------------------------------- */

/* When this process started, in seconds since the epoch; 0 when unknown. */
double process_metrics__start_time(void);
/* process_cpu_seconds_total, memory, start time and file descriptors. */
void process_metrics__render(struct strbuf *sb, double start_time);

#endif
