// SPDX-License-Identifier: GPL-2.0
/*
 * Maps documented with `/// @sample` are printed every interval (--interval,
 * else the annotation's): each entry's key and value from their BTF, or a
 * value holding a `slots` array (or being one) drawn as a histogram, log2
 * as runqlat does or linear.  With "clear_map" each print is what came
 * since the last one: hash maps lose the entries printed; an array of
 * counters is left alone and printed as its change (exact), other arrays
 * are zeroed.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include "runner/btf_schema.h"
#include "lib/log.h"
#include "lib/stream.h"
#include "lib/strbuf.h"
#include "runner/runner.h"

#define MAX_SAMPLED 16
#define MAX_ENTRIES_SHOWN 1024

struct sampled {
	struct bpf_map *map;
	const char *unit;
	__u32 key_id, value_id;
	/* The histogram: slots of slot_size bytes at slot_off in the value. */
	bool hist, linear;
	size_t slot_off, slot_size, nslots;
	unsigned long long step; /* linear: each slot's width, from min */
	long long min;
	bool clear;
	/*
	 * clear_map on an array of counters: the map is left alone and each print
	 * shows the change since the last (exact; zeroing would lose what the
	 * program adds between the read and the write).  prev: the last values.
	 */
	bool delta;
	size_t scalar_size; /* the value is an integer of this size, else 0 */
	char *prev;
	size_t prev_len;
	uint64_t interval_ns, next_ns; /* CLOCK_MONOTONIC; interval 0: the sampler's */
	struct schema *key_schema, *value_schema; /* JSON */
};

struct sampler {
	struct stream_source base;
	uint64_t interval_ns; /* CLOCK_MONOTONIC */
	uint64_t dropped; /* samples the output could not take */
	const struct btf *btf;
	struct btf_dump *dump;
	struct output *out;
	bool json;
	struct strbuf sb;
	struct sampled maps[MAX_SAMPLED];
	int n;
};

static void dump_printf(void *ctx, const char *fmt, va_list args)
{
	struct strbuf *sb = ctx;
	char buf[1024];
	int n = vsnprintf(buf, sizeof(buf), fmt, args);

	if (n > 0)
		strbuf__add(sb, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/* An integer array: the value itself, or its member named slots. */
static void find_slots(const struct btf *btf, struct sampled *m)
{
	const struct btf_type *t = btf_schema__skip_mods(btf, m->value_id, NULL), *at = NULL;
	size_t off = 0;

	if (!t)
		return;
	if (btf_is_array(t)) {
		at = t;
	} else if (btf_is_struct(t)) {
		const struct btf_member *mem = btf_members(t);

		for (int i = 0; i < btf_vlen(t); i++) {
			const char *name = btf__name_by_offset(btf, mem[i].name_off);
			const struct btf_type *mt = btf_schema__skip_mods(btf, mem[i].type, NULL);

			if (name && strcmp(name, "slots") == 0 && mt && btf_is_array(mt)) {
				at = mt;
				off = btf_member_bit_offset(t, i) / 8;
			}
		}
	}
	if (at) {
		const struct btf_type *et = btf_schema__skip_mods(btf, btf_array(at)->type, NULL);

		if (et && btf_is_int(et) && (et->size == 4 || et->size == 8) &&
		    btf_array(at)->nelems <= 64) {
			m->hist = true;
			m->slot_off = off;
			m->slot_size = et->size;
			m->nslots = btf_array(at)->nelems;
		}
	}
}

static int sample_error(const struct doc_entry *doc, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int sample_error(const struct doc_entry *doc, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	pr_err("@sample of %s (line %d): %s", doc->name, doc->line, why);
	return -EINVAL;
}

/* The annotation's type, step and clearing, checked against the map's value. */
static int configure(const struct btf *btf, struct sampled *m, const struct doc_entry *doc)
{
	const struct doc_sample *a = &doc->samp;
	const struct btf_type *vt = btf_schema__skip_mods(btf, m->value_id, NULL);
	bool array = bpf_map__type(m->map) == BPF_MAP_TYPE_ARRAY;

	m->clear = a->clear_map;
	m->interval_ns = a->interval_ms * 1000000ull;
	if (vt && btf_is_int(vt) && (vt->size == 4 || vt->size == 8))
		m->scalar_size = vt->size;
	if (a->type == SAMPLE_DEFAULT_KV)
		m->hist = false;
	m->delta = m->clear && array && bpf_map__key_size(m->map) == 4 &&
		   (m->hist || m->scalar_size);
	if (a->type == SAMPLE_AUTO || a->type == SAMPLE_DEFAULT_KV)
		return 0;
	if (!m->hist)
		return sample_error(doc, "a %s needs a value that is an array of 4- or 8-byte "
				    "integers, or a struct with one named slots (at most 64)",
				    a->type == SAMPLE_LINEAR_HIST ? "linear_hist" : "log2_hist");
	if (a->type == SAMPLE_LINEAR_HIST) {
		m->linear = true;
		m->min = a->min;
		m->step = a->step;
		if (!m->step && a->has_max)
			/* The range given, the slots share it: the step comes from their number. */
			m->step = ((unsigned long long)(a->max - a->min) + m->nslots - 1) / m->nslots;
		if (!m->step)
			m->step = 1;
	}
	return 0;
}

int sample__open(struct bpf_object *obj, const struct doc_set *docs, struct sampler **out_s)
{
	struct sampler *s;
	struct bpf_map *map;
	int err = 0;

	*out_s = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->btf = bpf_object__btf(obj);
	bpf_object__for_each_map(map, obj) {
		const struct doc_entry *doc = doccomment__find(docs, bpf_map__name(map));
		enum bpf_map_type type = bpf_map__type(map);
		struct sampled *m;

		if (!doc || !doc->sample)
			continue;
		if (type != BPF_MAP_TYPE_HASH && type != BPF_MAP_TYPE_ARRAY &&
		    type != BPF_MAP_TYPE_LRU_HASH) {
			err = sample_error(doc, "%s is a %s map: only hash and array maps can be "
					   "sampled", bpf_map__name(map),
					   libbpf_bpf_map_type_str(type));
			break;
		}
		if (s->n == MAX_SAMPLED || !s->btf || !bpf_map__btf_value_type_id(map)) {
			err = sample_error(doc, "%s cannot be sampled: %s", bpf_map__name(map),
					   s->n == MAX_SAMPLED ? "too many sampled maps"
							       : "it has no BTF types");
			break;
		}
		m = &s->maps[s->n++];
		m->map = map;
		m->unit = doc->unit ? doc->unit : "value";
		m->key_id = bpf_map__btf_key_type_id(map);
		m->value_id = bpf_map__btf_value_type_id(map);
		find_slots(s->btf, m);
		err = configure(s->btf, m, doc);
		if (err)
			break;
	}
	for (int i = 0; i < docs->n && !err; i++) {
		const struct doc_entry *e = &docs->entries[i];

		if (e->sample && !bpf_object__find_map_by_name(obj, e->name) &&
		    (e->samp.type || e->samp.interval_ms || e->samp.clear_map))
			err = sample_error(e, "%s is not a map of the program", e->name);
	}
	if (!err && s->n) {
		s->dump = btf_dump__new(s->btf, dump_printf, &s->sb, NULL);
		if (!s->dump)
			err = -errno;
	}
	if (err || !s->n) {
		sample__destroy(s);
		return err;
	}
	*out_s = s;
	return 0;
}

static void dump_data(struct sampler *s, __u32 id, const void *data, size_t size)
{
	DECLARE_LIBBPF_OPTS(btf_dump_type_data_opts, o, .compact = true, .emit_zeroes = true);

	if (btf_dump__dump_type_data(s->dump, id, data, size, &o) < 0)
		strbuf__adds(&s->sb, "?");
}

static uint64_t slot(const struct sampled *m, const char *value, size_t i)
{
	const char *p = value + m->slot_off + i * m->slot_size;

	if (m->slot_size == 4) {
		uint32_t v;

		memcpy(&v, p, 4);
		return v;
	}
	uint64_t v;

	memcpy(&v, p, 8);
	return v;
}

static void stars(struct strbuf *sb, uint64_t v, uint64_t max, int width)
{
	int n = max ? (int)(v * width / max) : 0;

	strbuf__pad(sb, '*', n);
	strbuf__pad(sb, ' ', width - n);
	strbuf__adds(sb, "|\n");
}

/* Slot i holds [min + i * step, min + (i + 1) * step - 1]; empty slots at the ends are left out. */
static void print_linear(struct sampler *s, const struct sampled *m, const char *value)
{
	uint64_t max = 0;
	int first = -1, last = -1;

	for (size_t i = 0; i < m->nslots; i++) {
		uint64_t v = slot(m, value, i);

		if (v > max)
			max = v;
		if (v && first < 0)
			first = i;
		if (v)
			last = i;
	}
	if (m->step == 1)
		strbuf__addf(&s->sb, "%*s%-*s : count    distribution\n", 5, "", 17, m->unit);
	else
		strbuf__addf(&s->sb, "%*s%-*s : count    distribution\n", 5, "", 24, m->unit);
	for (int i = first; first >= 0 && i <= last; i++) {
		long long low = m->min + (long long)(i * m->step);
		uint64_t v = slot(m, value, i);

		if (m->step == 1)
			strbuf__addf(&s->sb, "%*lld : %-8llu |", 22, low, (unsigned long long)v);
		else
			strbuf__addf(&s->sb, "%*lld -> %-*lld : %-8llu |", 15, low, 10,
				     low + (long long)m->step - 1, (unsigned long long)v);
		stars(&s->sb, v, max, 40);
	}
}

static void print_hist(struct sampler *s, const struct sampled *m, const char *value)
{
	const int width = 40;
	uint64_t max = 0;
	int last = -1;

	if (m->linear) {
		print_linear(s, m, value);
		return;
	}
	for (size_t i = 0; i < m->nslots; i++) {
		uint64_t v = slot(m, value, i);

		if (v > max)
			max = v;
		if (v)
			last = i;
	}
	strbuf__addf(&s->sb, "%*s%-*s : count    distribution\n", 5, "", 24, m->unit);
	for (int i = 0; i <= last; i++) {
		uint64_t low = i >= 63 ? 1ull << 63 : (1ull << (i + 1)) >> 1;
		uint64_t high = i >= 63 ? UINT64_MAX : (1ull << (i + 1)) - 1;
		uint64_t v = slot(m, value, i);
		int stars = max ? (int)(v * width / max) : 0;

		if (low == high)
			low--;
		strbuf__addf(&s->sb, "%*llu -> %-*llu : %-8llu |", 15, (unsigned long long)low, 10,
			     (unsigned long long)high, (unsigned long long)v);
		strbuf__pad(&s->sb, '*', stars);
		strbuf__pad(&s->sb, ' ', width - stars);
		strbuf__adds(&s->sb, "|\n");
	}
}

static void json_fields(struct sampler *s, const struct schema *sc, const void *data,
			size_t size)
{
	struct render_opts ro = {};
	char scratch[256];
	struct field_ctx c = { .ev = data, .size = size, .ro = &ro, .json = true,
			       .scratch = scratch, .scratch_len = sizeof(scratch) };

	for (int i = 0; sc && i < sc->nfields; i++) {
		struct value v;

		field__value(&sc->fields[i], &c, &v);
		strbuf__addc(&s->sb, ',');
		json__member(&s->sb, sc->fields[i].key, &v);
	}
}

static void json_scalar(struct sampler *s, const char *key, __u32 id, const void *data)
{
	const struct btf_type *t = btf_schema__skip_mods(s->btf, id, NULL);

	strbuf__addf(&s->sb, ",\"%s\":", key);
	if (t && btf_is_int(t) && (t->size == 4 || t->size == 8)) {
		uint64_t v = 0;

		memcpy(&v, data, t->size);
		if (btf_int_encoding(t) & BTF_INT_SIGNED)
			strbuf__add_i64(&s->sb, t->size == 4 ? (int64_t)(int32_t)v : (int64_t)v);
		else
			strbuf__add_u64(&s->sb, v);
	} else {
		strbuf__addc(&s->sb, '"');
		dump_data(s, id, data, t ? (size_t)btf__resolve_size(s->btf, id) : 0);
		strbuf__addc(&s->sb, '"');
	}
}

static void print_entry(struct sampler *s, const struct sampled *m, const char *when,
			const void *key, size_t ks, const char *value, size_t vs)
{
	if (s->json) {
		strbuf__addf(&s->sb, "{\"type\":\"map\",\"time\":\"%s\",\"map\":\"%s\"", when,
			     bpf_map__name(m->map));
		if (m->key_schema)
			json_fields(s, m->key_schema, key, ks);
		else
			json_scalar(s, "key", m->key_id, key);
		if (m->value_schema)
			json_fields(s, m->value_schema, value, vs);
		else if (!m->hist)
			json_scalar(s, "value", m->value_id, value);
		if (m->hist && m->linear)
			strbuf__addf(&s->sb, ",\"hist_min\":%lld,\"hist_step\":%llu", m->min,
				     m->step);
		if (m->hist) {
			strbuf__adds(&s->sb, ",\"hist\":[");
			for (size_t i = 0; i < m->nslots; i++)
				strbuf__addf(&s->sb, "%s%llu", i ? "," : "",
					     (unsigned long long)slot(m, value, i));
			strbuf__addc(&s->sb, ']');
		}
		strbuf__adds(&s->sb, "}\n");
		return;
	}
	strbuf__addf(&s->sb, "%s %s ", when, bpf_map__name(m->map));
	dump_data(s, m->key_id, key, ks);
	if (!m->hist) {
		strbuf__adds(&s->sb, " = ");
		dump_data(s, m->value_id, value, vs);
	}
	strbuf__addc(&s->sb, '\n');
	if (m->hist)
		print_hist(s, m, value);
}

/* The keys of a map, at most MAX_ENTRIES_SHOWN (*more: there were others), in *keys. */
static int map_keys(const struct sampled *m, size_t ks, char **keys, int *n, bool *more)
{
	int fd = bpf_map__fd(m->map);
	char *v = NULL, *next = calloc(1, ks);
	void *prev = NULL;

	*n = 0;
	*more = false;
	if (!next)
		return -ENOMEM;
	while (bpf_map_get_next_key(fd, prev, next) == 0) {
		char *nv;

		if (*n == MAX_ENTRIES_SHOWN) {
			*more = true;
			break;
		}
		nv = realloc(v, (*n + 1) * ks);
		if (!nv) {
			free(v);
			free(next);
			return -ENOMEM;
		}
		v = nv;
		memcpy(v + *n * ks, next, ks);
		prev = v + *n * ks;
		(*n)++;
	}
	free(next);
	*keys = v;
	return 0;
}

/*
 * An entry's value; with clear_map the entry is emptied as it is read: a
 * hash entry is taken out (in one step where the kernel can: 5.14), an array
 * entry zeroed, unless its counters are printed as deltas (below).
 */
static int read_entry(const struct sampled *m, const void *key, char *value, size_t vs)
{
	int fd = bpf_map__fd(m->map);
	bool array = bpf_map__type(m->map) == BPF_MAP_TYPE_ARRAY;

	if (!m->clear || m->delta)
		return bpf_map_lookup_elem(fd, key, value);
	if (!array) {
		if (bpf_map_lookup_and_delete_elem(fd, key, value) == 0)
			return 0;
		if (bpf_map_lookup_elem(fd, key, value))
			return -1;
		bpf_map_delete_elem(fd, key);
		return 0;
	}
	if (bpf_map_lookup_elem(fd, key, value))
		return -1;
	{
		char *zero = calloc(1, vs);

		if (zero) {
			bpf_map_update_elem(fd, key, zero, BPF_EXIST);
			free(zero);
		}
	}
	return 0;
}

static uint64_t get_uint(const char *p, size_t size)
{
	uint32_t w;
	uint64_t q;

	if (size == 4) {
		memcpy(&w, p, 4);
		return w;
	}
	memcpy(&q, p, 8);
	return q;
}

static void put_uint(char *p, size_t size, uint64_t v)
{
	uint32_t w = v;

	if (size == 4)
		memcpy(p, &w, 4);
	else
		memcpy(p, &v, 8);
}

/* Array entry `index`: its counters become their change since the last print. */
static int to_delta(struct sampled *m, uint32_t index, char *value, size_t vs)
{
	size_t need = ((size_t)index + 1) * vs;
	char *last;

	if (need > m->prev_len) {
		char *p = realloc(m->prev, need);

		if (!p)
			return -ENOMEM;
		memset(p + m->prev_len, 0, need - m->prev_len);
		m->prev = p;
		m->prev_len = need;
	}
	last = m->prev + (size_t)index * vs;
	if (m->hist) {
		for (size_t i = 0; i < m->nslots; i++) {
			size_t off = m->slot_off + i * m->slot_size;
			uint64_t now = get_uint(value + off, m->slot_size);

			put_uint(value + off, m->slot_size, now - get_uint(last + off, m->slot_size));
			put_uint(last + off, m->slot_size, now);
		}
	} else {
		uint64_t now = get_uint(value, m->scalar_size);

		put_uint(value, m->scalar_size, now - get_uint(last, m->scalar_size));
		put_uint(last, m->scalar_size, now);
	}
	return 0;
}

static int print_map(struct sampler *s, struct sampled *m, const char *when)
{
	size_t ks = bpf_map__key_size(m->map), vs = bpf_map__value_size(m->map);
	char *keys = NULL, *value = calloc(1, vs);
	bool more;
	int n, err;

	if (!value)
		return -ENOMEM;
	err = map_keys(m, ks, &keys, &n, &more);
	for (int i = 0; i < n && !err; i++) {
		const char *key = keys + i * ks;

		if (read_entry(m, key, value, vs))
			continue;
		if (m->delta) {
			uint32_t index;

			memcpy(&index, key, sizeof(index));
			err = to_delta(m, index, value, vs);
			if (err)
				break;
		}
		print_entry(s, m, when, key, ks, value, vs);
	}
	if (more)
		pr_warn("map %s has more than %d entries: only the first %d are shown",
			bpf_map__name(m->map), MAX_ENTRIES_SHOWN, MAX_ENTRIES_SHOWN);
	free(keys);
	free(value);
	return err;
}

/* The maps due at `now` (all of them when now is 0). */
static int print_maps(struct sampler *s, uint64_t now)
{
	char when[64];
	int err = 0;

	if (s->json) {
		clock__utc_now(when, sizeof(when));
	} else {
		time_t sec = time(NULL);
		struct tm tm;

		localtime_r(&sec, &tm);
		strftime(when, sizeof(when), "%H:%M:%S", &tm);
	}
	for (int i = 0; i < s->n && !err; i++)
		if (!now || s->maps[i].next_ns <= now)
			err = print_map(s, &s->maps[i], when);
	output__write(s->out, s->sb.buf ? s->sb.buf : "", s->sb.len);
	strbuf__reset(&s->sb);
	return err;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* Prints the maps, unless the output's reader lags: then the sample is counted, not queued. */
static int print_or_drop(struct sampler *s, uint64_t now)
{
	if (output__backlogged(s->out)) {
		s->dropped++;
		return 0;
	}
	return print_maps(s, now);
}

static uint64_t sampler_due(struct stream_source *src)
{
	struct sampler *s = (struct sampler *)src;
	uint64_t due = UINT64_MAX;

	for (int i = 0; i < s->n; i++)
		if (s->maps[i].next_ns < due)
			due = s->maps[i].next_ns;
	return due;
}

static int sampler_drain(struct stream_source *src, struct stream *st)
{
	struct sampler *s = (struct sampler *)src;
	uint64_t now = mono_ns();
	int err;

	if (now < sampler_due(src))
		return 0;
	err = print_or_drop(s, now);
	for (int i = 0; i < s->n; i++) {
		struct sampled *m = &s->maps[i];

		if (m->next_ns > now)
			continue;
		m->next_ns += m->interval_ns;
		if (m->next_ns <= now) /* a stopped process: no burst of samples to catch up */
			m->next_ns = now + m->interval_ns;
	}
	return err;
}

static int sampler_flush(struct stream_source *src)
{
	return output__flush(((struct sampler *)src)->out);
}

/* The maps once more at the end: what the program counted until it was detached. */
static void sampler_finish(struct stream_source *src, struct stream *st)
{
	print_or_drop((struct sampler *)src, 0);
}

static void sampler_summary(struct stream_source *src, char *buf, size_t len)
{
	struct sampler *s = (struct sampler *)src;

	if (s->dropped)
		snprintf(buf, len, ", %llu samples not written", (unsigned long long)s->dropped);
}

static const struct stream_source_ops sampler_ops = {
	.drain = sampler_drain,
	.due_ns = sampler_due,
	.flush = sampler_flush,
	.finish = sampler_finish,
	.summary = sampler_summary,
};

void sample__set_output(struct sampler *s, struct output *out, bool json)
{
	s->out = out;
	s->json = json;
	for (int i = 0; json && i < s->n; i++) {
		struct sampled *m = &s->maps[i];
		struct btf_schema_opts ko = { .name = "map", .key_prefix = "key" };
		struct btf_schema_opts vo = { .name = "map", .key_prefix = "value" };
		const struct btf_type *kt = btf_schema__skip_mods(s->btf, m->key_id, NULL);
		const struct btf_type *vt = btf_schema__skip_mods(s->btf, m->value_id, NULL);

		/* The walker takes structs; wrap scalars by describing them directly. */
		if (kt && btf_is_composite(kt))
			btf_schema__new(s->btf, m->key_id, &ko, &m->key_schema);
		if (vt && btf_is_composite(vt))
			btf_schema__new(s->btf, m->value_id, &vo, &m->value_schema);
	}
}

struct stream_source *sample__source(struct sampler *s, double interval_s, bool forced)
{
	uint64_t now = mono_ns();

	s->base.ops = &sampler_ops;
	s->base.name = "the sampled maps";
	s->interval_ns = (uint64_t)(interval_s * 1e9);
	for (int i = 0; i < s->n; i++) {
		struct sampled *m = &s->maps[i];

		if (forced || !m->interval_ns)
			m->interval_ns = s->interval_ns;
		m->next_ns = now + m->interval_ns;
	}
	return &s->base;
}

void sample__destroy(struct sampler *s)
{
	if (!s)
		return;
	for (int i = 0; i < s->n; i++) {
		btf_schema__free(s->maps[i].key_schema);
		btf_schema__free(s->maps[i].value_schema);
		free(s->maps[i].prev);
	}
	btf_dump__free(s->dump);
	strbuf__free(&s->sb);
	free(s);
}
