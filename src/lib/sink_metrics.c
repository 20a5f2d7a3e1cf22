// SPDX-License-Identifier: GPL-2.0
/* The metrics sink: records counted into labelled series, rendered for Prometheus. */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include "lib/log.h"
#include "lib/metrics.h"

#define METRICS_MAX_FAMILIES 16
#define METRICS_MAX_LOST 32
#define LABEL_SCRATCH 128

typedef _Atomic uint64_t counter_t;

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

struct metrics_sink {
	struct sink base;
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
	struct render_opts ro;
	struct strbuf key;
	struct value vals[METRICS_MAX_LABELS];
	char scratch[METRICS_MAX_LABELS][LABEL_SCRATCH];
	/* The ring buffer's fill level (sink_metrics__watch_fill). */
	metrics_fill_fn fill;
	void *fill_ctx;
	_Atomic uint64_t fill_max_used;
	bool batch_start;
	double start_time;
	struct metrics_server *srv;
};

static uint64_t hash_bytes(uint64_t seed, const void *p, size_t n)
{
	const unsigned char *s = p;
	uint64_t h = seed ^ (n * 0x9e3779b97f4a7c15ull), w;

	for (; n >= 8; s += 8, n -= 8) {
		memcpy(&w, s, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdull;
		h ^= h >> 32;
	}
	if (n) {
		w = 0;
		memcpy(&w, s, n);
		h = (h ^ w) * 0xc4ceb9fe1a85ec53ull;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	return h;
}

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

/* ---- exposition format ------------------------------------------------ */

void metrics__escape_label(struct strbuf *sb, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, run = 0;

	/* Runs of plain bytes are copied at once. */
	while (i < n) {
		unsigned char c = p[i];
		size_t len = c < 0x80 ? 1 : utf8__seq_len(p + i, n - i);

		if (len && c != '\\' && c != '"' && c != '\n') {
			i += len;
			run += len;
			continue;
		}
		strbuf__add(sb, s + i - run, run);
		run = 0;
		if (!len)
			strbuf__add(sb, "\xef\xbf\xbd", 3); /* U+FFFD for a byte that is not UTF-8 */
		else if (c == '\n')
			strbuf__add(sb, "\\n", 2);
		else {
			strbuf__addc(sb, '\\');
			strbuf__addc(sb, c);
		}
		i++;
	}
	strbuf__add(sb, s + i - run, run);
}

void metrics__escape_help(struct strbuf *sb, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			strbuf__add(sb, "\\\\", 2);
		else if (*s == '\n')
			strbuf__add(sb, "\\n", 2);
		else
			strbuf__addc(sb, *s);
	}
}

static void add_header(struct strbuf *sb, const char *name, const char *type, const char *help)
{
	strbuf__adds(sb, "# HELP ");
	strbuf__adds(sb, name);
	strbuf__addc(sb, ' ');
	metrics__escape_help(sb, help);
	strbuf__adds(sb, "\n# TYPE ");
	strbuf__adds(sb, name);
	strbuf__addc(sb, ' ');
	strbuf__adds(sb, type);
	strbuf__addc(sb, '\n');
}

/* name{label="value"} n, with one label, or none when label is NULL. */
static void add_sample(struct strbuf *sb, const char *name, const char *label, const char *value,
		       uint64_t n)
{
	strbuf__adds(sb, name);
	if (label) {
		strbuf__addc(sb, '{');
		strbuf__adds(sb, label);
		strbuf__add(sb, "=\"", 2);
		metrics__escape_label(sb, value, strlen(value));
		strbuf__add(sb, "\"}", 2);
	}
	strbuf__addc(sb, ' ');
	strbuf__add_u64(sb, n);
	strbuf__addc(sb, '\n');
}

static void add_gauge(struct strbuf *sb, const char *name, const char *help, double v)
{
	add_header(sb, name, "gauge", help);
	strbuf__addf(sb, "%s %.15g\n", name, v);
}

/* ---- labels ----------------------------------------------------------- */

static bool valid_label_name(const char *s, size_t n)
{
	if (!n || (s[0] >= '0' && s[0] <= '9') || (n >= 2 && s[0] == '_' && s[1] == '_'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
			return false;
	return true;
}

int metrics__check_labels(const char *list, const char **why)
{
	const char *p = list;

	for (;;) {
		size_t n = strcspn(p, ",");

		if (!valid_label_name(p, n)) {
			*why = "label names are comma-separated field keys such as comm,uid";
			return -EINVAL;
		}
		if (!p[n])
			return 0;
		p += n + 1;
	}
}

static const struct field *find_field(const struct schema *sc, const char *key)
{
	for (int i = 0; i < sc->nfields; i++)
		if (strcmp(sc->fields[i].key, key) == 0)
			return &sc->fields[i];
	return NULL;
}

static void add_label(struct family *f, const struct field *fld)
{
	for (int i = 0; i < f->nlabels; i++)
		if (f->labels[i] == fld || strcmp(f->labels[i]->key, fld->key) == 0)
			return;
	/* "overflow" names the overflow series. */
	if (f->nlabels < METRICS_MAX_LABELS && strcmp(fld->key, "overflow") &&
	    valid_label_name(fld->key, strlen(fld->key)))
		f->labels[f->nlabels++] = fld;
}

static void family_init(struct metrics_sink *m, struct family *f, const struct schema *sc)
{
	size_t off;

	f->sc = sc;
	off = snprintf(f->name, sizeof(f->name), "procsnoop_");
	for (const char *p = sc->name; *p && off < sizeof(f->name) - 16; p++)
		f->name[off++] = valid_label_name(p, 1) || (*p >= '0' && *p <= '9') ? *p : '_';
	snprintf(f->name + off, sizeof(f->name) - off, "_events_total");
	for (int i = 0; i < sc->nfields; i++)
		if (sc->fields[i].flags & F_LABEL)
			add_label(f, &sc->fields[i]);
	for (int i = 0; i < m->nextra; i++) {
		const struct field *fld = find_field(sc, m->extra[i]);

		if (fld)
			add_label(f, fld);
	}
}

/* Caller holds the lock. */
static struct lost_counter *lost_counter(struct metrics_sink *m, const char *type,
					 const char *where)
{
	for (int i = 0; i < m->nlost; i++)
		if (m->lost[i].where == where || strcmp(m->lost[i].where, where) == 0)
			if (strcmp(m->lost[i].type, type) == 0)
				return &m->lost[i];
	if (m->nlost == METRICS_MAX_LOST)
		return NULL;
	snprintf(m->lost[m->nlost].type, sizeof(m->lost[0].type), "%s", type);
	m->lost[m->nlost].where = strcmp(where, "kernel") == 0 ? "kernel" : "user";
	return &m->lost[m->nlost++];
}

/* ---- counting --------------------------------------------------------- */

static struct family *family_of(struct metrics_sink *m, const struct schema *sc)
{
	struct family *f = sc->type < EVENT_TYPE_MAX ? m->by_type[sc->type] : NULL;

	if (f && f->sc == sc)
		return f;
	for (int i = 0; i < m->nfams; i++)
		if (m->fams[i].sc == sc)
			return &m->fams[i];
	/* A schema the sink was not told about: counted, with its F_LABEL labels. */
	if (m->nfams == METRICS_MAX_FAMILIES)
		return NULL;
	pthread_mutex_lock(&m->lock);
	f = &m->fams[m->nfams];
	family_init(m, f, sc);
	m->nfams++;
	pthread_mutex_unlock(&m->lock);
	return f;
}

static void add_key_value(struct strbuf *key, const struct value *v)
{
	char tag = (char)v->kind;

	strbuf__addc(key, tag);
	switch (v->kind) {
	case V_NULL:
		break;
	case V_INT:
		strbuf__add(key, (const char *)&v->i, sizeof(v->i));
		break;
	case V_UINT:
		strbuf__add(key, (const char *)&v->u, sizeof(v->u));
		break;
	case V_BYTES:
	case V_STRLIST:
	case V_TEXT: {
		uint32_t len = v->len;

		key->buf[key->len - 1] = V_TEXT; /* both render alike */
		strbuf__add(key, (const char *)&len, sizeof(len));
		strbuf__add(key, v->s, v->len);
		break;
	}
	}
}

static void render_labels(struct strbuf *sb, const struct family *f, const struct value *vals)
{
	for (int i = 0; i < f->nlabels; i++) {
		const struct value *v = &vals[i];

		if (i)
			strbuf__addc(sb, ',');
		strbuf__adds(sb, f->labels[i]->key);
		strbuf__add(sb, "=\"", 2);
		if (v->kind == V_INT)
			strbuf__add_i64(sb, v->i);
		else if (v->kind == V_UINT)
			strbuf__add_u64(sb, v->u);
		else if (v->kind != V_NULL)
			metrics__escape_label(sb, v->s, v->len);
		strbuf__addc(sb, '"');
	}
}

static void slots_put(uint32_t *slots, uint32_t nslots, uint64_t hash, uint32_t idx)
{
	uint32_t i = hash & (nslots - 1);

	while (slots[i])
		i = (i + 1) & (nslots - 1);
	slots[i] = idx + 1;
}

/* Caller holds the lock.  Returns the new series, or NULL when out of memory. */
static struct series *series_add(struct family *f, uint64_t hash, const struct strbuf *key,
				 const struct value *vals)
{
	struct series *s;
	size_t text_off = f->texts.len;

	if ((f->nseries + 1) * 2 > f->nslots) {
		uint32_t n = f->nslots ? f->nslots * 2 : 64;
		uint32_t *slots = calloc(n, sizeof(*slots));

		if (!slots)
			return NULL;
		for (uint32_t i = 0; i < f->nseries; i++)
			slots_put(slots, n, f->series[i].hash, i);
		free(f->slots);
		f->slots = slots;
		f->nslots = n;
	}
	if (f->nseries == f->cap) {
		uint32_t cap = f->cap ? f->cap * 2 : 32;
		struct series *ns = realloc(f->series, cap * sizeof(*ns));

		if (!ns)
			return NULL;
		f->series = ns;
		f->cap = cap;
	}
	render_labels(&f->texts, f, vals);
	strbuf__add(&f->keys, key->buf, key->len);
	if (f->texts.oom || f->keys.oom) {
		f->texts.oom = f->keys.oom = false;
		return NULL;
	}
	s = &f->series[f->nseries];
	atomic_init(&s->count, 0);
	s->hash = hash;
	s->key_off = f->keys.len - key->len;
	s->key_len = key->len;
	s->text_off = text_off;
	s->text_len = f->texts.len - text_off;
	slots_put(f->slots, f->nslots, hash, f->nseries);
	f->nseries++;
	return s;
}

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
	struct family *f = family_of(m, sc);
	struct series *found = NULL;
	uint64_t hash;

	if (m->batch_start) {
		/* The first record of a drain: what waited in the buffer when it began. */
		m->batch_start = false;
		if (m->fill)
			sample_fill(m);
	}
	if (!f)
		return;
	counter_inc(&f->events, 1);
	strbuf__reset(&m->key);
	for (int i = 0; i < f->nlabels; i++) {
		field__value(f->labels[i], ev, size, &m->ro, true, &m->vals[i], m->scratch[i],
			     LABEL_SCRATCH);
		add_key_value(&m->key, &m->vals[i]);
	}
	hash = hash_bytes(m->seed, m->key.buf, m->key.len);
	if (f->nslots) {
		for (uint32_t i = hash & (f->nslots - 1); f->slots[i];
		     i = (i + 1) & (f->nslots - 1)) {
			struct series *c = &f->series[f->slots[i] - 1];

			if (c->hash == hash && c->key_len == m->key.len &&
			    memcmp(f->keys.buf + c->key_off, m->key.buf, m->key.len) == 0) {
				found = c;
				break;
			}
		}
	}
	if (!found && !m->key.oom && m->nseries < m->max_series) {
		pthread_mutex_lock(&m->lock);
		found = series_add(f, hash, &m->key, m->vals);
		if (found)
			m->nseries++;
		pthread_mutex_unlock(&m->lock);
	}
	counter_inc(found ? &found->count : &f->overflow, 1);
}

static void metrics_lost(struct sink *s, const char *type_name, uint64_t count, uint64_t ts_ns,
			 const char *where)
{
	struct metrics_sink *m = (struct metrics_sink *)s;
	struct lost_counter *c;

	pthread_mutex_lock(&m->lock);
	c = lost_counter(m, type_name, where);
	pthread_mutex_unlock(&m->lock);
	if (c)
		counter_inc(&c->count, count);
}

/* The stream flushes once per drain of the ring buffer. */
static int metrics_flush(struct sink *s)
{
	struct metrics_sink *m = (struct metrics_sink *)s;

	counter_inc(&m->batches, 1);
	m->batch_start = true;
	return 0;
}

/* ---- rendering -------------------------------------------------------- */

static void render_families(struct metrics_sink *m, struct strbuf *sb)
{
	char help[512];
	uint64_t read = 0;

	add_header(sb, "procsnoop_events_total", "counter", "Events traced, by tracer.");
	for (int i = 0; i < m->nfams; i++) {
		uint64_t n = counter_get(&m->fams[i].events);

		add_sample(sb, "procsnoop_events_total", "type", m->fams[i].sc->name, n);
		read += n;
	}
	for (int i = 0; i < m->nfams; i++) {
		struct family *f = &m->fams[i];
		size_t off = snprintf(help, sizeof(help), "Events of the %s tracer", f->sc->name);

		for (int l = 0; l < f->nlabels && off < sizeof(help); l++)
			off += snprintf(help + off, sizeof(help) - off, "%s%s", l ? ", " : ", by ",
					f->labels[l]->key);
		if (off < sizeof(help))
			snprintf(help + off, sizeof(help) - off,
				 "; past --metrics-max-series, counted in {overflow=\"true\"}.");
		add_header(sb, f->name, "counter", help);
		for (uint32_t j = 0; j < f->nseries; j++) {
			struct series *s = &f->series[j];

			strbuf__adds(sb, f->name);
			if (s->text_len) {
				strbuf__addc(sb, '{');
				strbuf__add(sb, f->texts.buf + s->text_off, s->text_len);
				strbuf__addc(sb, '}');
			}
			strbuf__addc(sb, ' ');
			strbuf__add_u64(sb, counter_get(&s->count));
			strbuf__addc(sb, '\n');
		}
		if (counter_get(&f->overflow))
			add_sample(sb, f->name, "overflow", "true", counter_get(&f->overflow));
	}
	add_header(sb, "procsnoop_lost_events_total", "counter",
		   "Events lost: where=\"kernel\": the ring buffer was full; where=\"user\": "
		   "an output was too slow.");
	for (int i = 0; i < m->nlost; i++) {
		strbuf__adds(sb, "procsnoop_lost_events_total{type=\"");
		metrics__escape_label(sb, m->lost[i].type, strlen(m->lost[i].type));
		strbuf__adds(sb, "\",where=\"");
		strbuf__adds(sb, m->lost[i].where);
		strbuf__add(sb, "\"} ", 3);
		strbuf__add_u64(sb, counter_get(&m->lost[i].count));
		strbuf__addc(sb, '\n');
	}
	add_header(sb, "procsnoop_events_read_total", "counter",
		   "Events read from the ring buffer.");
	add_sample(sb, "procsnoop_events_read_total", NULL, NULL, read);
	add_header(sb, "procsnoop_poll_batches_total", "counter",
		   "Drains of the ring buffer (poll batches).");
	add_sample(sb, "procsnoop_poll_batches_total", NULL, NULL, counter_get(&m->batches));
	add_header(sb, "procsnoop_metrics_overflow_events_total", "counter",
		   "Events counted in a tracer's overflow series: their label set came past "
		   "--metrics-max-series.");
	for (int i = 0; i < m->nfams; i++)
		add_sample(sb, "procsnoop_metrics_overflow_events_total", "type",
			   m->fams[i].sc->name, counter_get(&m->fams[i].overflow));
	add_gauge(sb, "procsnoop_metrics_series", "Label sets of the tracer counters.",
		  m->nseries);
	add_gauge(sb, "procsnoop_metrics_max_series", "--metrics-max-series.", m->max_series);
}

static double read_proc_start_time(void)
{
	char buf[1024], *p;
	unsigned long long start_ticks = 0, btime = 0;
	FILE *f = fopen("/proc/self/stat", "r");
	size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	if (f)
		fclose(f);
	buf[n] = 0;
	/* The command name may hold spaces and parentheses: fields follow the last ')'. */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d "
				"%*d %*d %*d %*d %llu",
			 &start_ticks) != 1)
		return 0;
	f = fopen("/proc/stat", "r");
	while (f && fgets(buf, sizeof(buf), f))
		if (sscanf(buf, "btime %llu", &btime) == 1)
			break;
	if (f)
		fclose(f);
	return btime + (double)start_ticks / sysconf(_SC_CLK_TCK);
}

static void render_process(struct metrics_sink *m, struct strbuf *sb)
{
	unsigned long long vm_pages = 0, rss_pages = 0;
	long page = sysconf(_SC_PAGESIZE);
	struct rusage ru;
	struct rlimit rl;
	long fds = 0;
	DIR *d;
	FILE *f;

	getrusage(RUSAGE_SELF, &ru);
	add_header(sb, "process_cpu_seconds_total", "counter",
		   "Total user and system CPU time spent in seconds.");
	strbuf__addf(sb, "process_cpu_seconds_total %.6f\n",
		     ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
			     (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
	f = fopen("/proc/self/statm", "r");
	if (f) {
		if (fscanf(f, "%llu %llu", &vm_pages, &rss_pages) != 2)
			vm_pages = rss_pages = 0;
		fclose(f);
	}
	add_gauge(sb, "process_resident_memory_bytes", "Resident memory size in bytes.",
		  (double)rss_pages * page);
	add_gauge(sb, "process_virtual_memory_bytes", "Virtual memory size in bytes.",
		  (double)vm_pages * page);
	add_gauge(sb, "process_start_time_seconds",
		  "Start time of the process since unix epoch in seconds.", m->start_time);
	if ((d = opendir("/proc/self/fd"))) {
		while (readdir(d))
			fds++;
		closedir(d);
		/* ".", ".." and the directory's own descriptor */
		add_gauge(sb, "process_open_fds", "Number of open file descriptors.", fds - 3);
	}
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
		add_gauge(sb, "process_max_fds", "Maximum number of open file descriptors.",
			  (double)rl.rlim_cur);
}

/* Caller holds the lock: the source may be replaced. */
static void render_fill(struct metrics_sink *m, struct strbuf *sb)
{
	uint64_t used, size;

	if (!m->fill || m->fill(m->fill_ctx, &used, &size))
		return;
	add_gauge(sb, "procsnoop_ringbuf_size_bytes", "Size of the BPF ring buffer.", size);
	add_gauge(sb, "procsnoop_ringbuf_used_bytes", "Bytes waiting in the BPF ring buffer now.",
		  (double)used);
	add_gauge(sb, "procsnoop_ringbuf_used_bytes_max",
		  "Most bytes waiting in the BPF ring buffer when a drain began.",
		  atomic_load_explicit(&m->fill_max_used, memory_order_relaxed));
}

void sink_metrics__render(struct sink *s, struct strbuf *sb)
{
	struct metrics_sink *m = (struct metrics_sink *)s;

	pthread_mutex_lock(&m->lock);
	render_families(m, sb);
	render_fill(m, sb);
	pthread_mutex_unlock(&m->lock);
	render_process(m, sb);
}

static void render_cb(void *ctx, struct strbuf *sb)
{
	sink_metrics__render(ctx, sb);
}

/* ---- life cycle ------------------------------------------------------- */

static void metrics_destroy(struct sink *s)
{
	struct metrics_sink *m = (struct metrics_sink *)s;

	/* First the server: it may be rendering. */
	metrics_server__destroy(m->srv);
	for (int i = 0; i < m->nfams; i++) {
		free(m->fams[i].series);
		free(m->fams[i].slots);
		strbuf__free(&m->fams[i].keys);
		strbuf__free(&m->fams[i].texts);
	}
	strbuf__free(&m->key);
	free(m->extra_copy);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

static const struct sink_ops metrics_ops = {
	.record = metrics_record,
	.lost = metrics_lost,
	.flush = metrics_flush,
	.destroy = metrics_destroy,
};

/* One line naming the keys the user could have meant. */
static void unknown_label(const char *name, const struct schema *const *schemas, int n)
{
	struct strbuf keys = {};

	for (int i = 0; i < n; i++)
		for (int j = 0; j < schemas[i]->nfields; j++) {
			const char *k = schemas[i]->fields[j].key;
			bool seen = false;

			for (int a = 0; a <= i && !seen; a++)
				for (int b = 0; b < (a < i ? schemas[a]->nfields : j) && !seen; b++)
					seen = strcmp(schemas[a]->fields[b].key, k) == 0;
			if (!seen) {
				if (keys.len)
					strbuf__add(&keys, ", ", 2);
				strbuf__adds(&keys, k);
			}
		}
	pr_err("unknown metrics label '%s': the fields are %s", name, keys.buf ? keys.buf : "");
	strbuf__free(&keys);
}

static int parse_extra(struct metrics_sink *m, const char *list,
		       const struct schema *const *schemas, int n)
{
	const char *why;
	char *save = NULL;

	if (metrics__check_labels(list, &why)) {
		pr_err("invalid metrics labels '%s': %s", list, why);
		return -EINVAL;
	}
	m->extra_copy = strdup(list);
	if (!m->extra_copy)
		return -ENOMEM;
	for (char *tok = strtok_r(m->extra_copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		bool known = false;

		for (int i = 0; i < n && !known; i++)
			known = find_field(schemas[i], tok) != NULL;
		if (!known || strcmp(tok, "overflow") == 0) {
			unknown_label(tok, schemas, n);
			return -ENOENT;
		}
		if (m->nextra == METRICS_MAX_LABELS) {
			pr_err("too many metrics labels: at most %d", METRICS_MAX_LABELS);
			return -E2BIG;
		}
		m->extra[m->nextra++] = tok;
	}
	return 0;
}

int sink_metrics__new(const struct metrics_opts *o, const struct schema *const *schemas,
		      int nschemas, struct sink **out)
{
	struct metrics_sink *m = calloc(1, sizeof(*m));
	struct sockaddr_storage addr;
	socklen_t addrlen;
	const char *why;
	int err = 0;

	*out = NULL;
	if (!m)
		return -ENOMEM;
	m->base.ops = &metrics_ops;
	pthread_mutex_init(&m->lock, NULL);
	m->max_series = o->max_series ? o->max_series : METRICS_DEFAULT_MAX_SERIES;
	if (getrandom(&m->seed, sizeof(m->seed), GRND_NONBLOCK) != sizeof(m->seed))
		m->seed = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ull;
	m->start_time = read_proc_start_time();
	if (nschemas > METRICS_MAX_FAMILIES) {
		pr_err("metrics: at most %d event types", METRICS_MAX_FAMILIES);
		err = -E2BIG;
	}
	if (!err && o->labels && *o->labels)
		err = parse_extra(m, o->labels, schemas, nschemas);
	for (int i = 0; !err && i < nschemas; i++) {
		struct family *f = &m->fams[m->nfams++];

		family_init(m, f, schemas[i]);
		if (schemas[i]->type < EVENT_TYPE_MAX && !m->by_type[schemas[i]->type])
			m->by_type[schemas[i]->type] = f;
		/* Zero counters are there from the start, so rate() and alerts see them. */
		lost_counter(m, schemas[i]->name, "kernel");
		lost_counter(m, schemas[i]->name, "user");
	}
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
	pthread_mutex_lock(&m->lock);
	m->fill = fn;
	m->fill_ctx = ctx;
	pthread_mutex_unlock(&m->lock);
	return 0;
}
