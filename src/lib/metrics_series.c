// SPDX-License-Identifier: GPL-2.0
/*
 * The series table of the metrics sink: a counter family for each schema,
 * its label sets found by hash, the cap on them with an overflow series past
 * it, and the loss counters.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include "lib/log.h"
#include "lib/metrics_internal.h"

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

static void family_init(struct series_table *t, struct family *f, const struct schema *sc)
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
	for (int i = 0; i < t->nextra; i++) {
		const struct field *fld = find_field(sc, t->extra[i]);

		if (fld)
			add_label(f, fld);
	}
}

/* Caller holds the lock. */
static struct lost_counter *lost_counter(struct series_table *t, const char *type,
					 const char *where)
{
	for (int i = 0; i < t->nlost; i++)
		if (t->lost[i].where == where || strcmp(t->lost[i].where, where) == 0)
			if (strcmp(t->lost[i].type, type) == 0)
				return &t->lost[i];
	if (t->nlost == METRICS_MAX_LOST)
		return NULL;
	snprintf(t->lost[t->nlost].type, sizeof(t->lost[0].type), "%s", type);
	t->lost[t->nlost].where = strcmp(where, "kernel") == 0 ? "kernel" : "user";
	return &t->lost[t->nlost++];
}

static struct family *family_of(struct series_table *t, const struct schema *sc)
{
	struct family *f = sc->type < EVENT_TYPE_MAX ? t->by_type[sc->type] : NULL;

	if (f && f->sc == sc)
		return f;
	for (int i = 0; i < t->nfams; i++)
		if (t->fams[i].sc == sc)
			return &t->fams[i];
	/* A schema the sink was not told about: counted, with its F_LABEL labels. */
	if (t->nfams == METRICS_MAX_FAMILIES)
		return NULL;
	pthread_mutex_lock(&t->lock);
	f = &t->fams[t->nfams];
	family_init(t, f, sc);
	t->nfams++;
	pthread_mutex_unlock(&t->lock);
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
	family__render_labels(&f->texts, f, vals);
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

void series_table__count(struct series_table *t, const struct schema *sc, const void *ev,
			 size_t size)
{
	struct family *f = family_of(t, sc);
	struct series *found = NULL;
	uint64_t hash;

	if (!f)
		return;
	counter_inc(&f->events, 1);
	strbuf__reset(&t->key);
	for (int i = 0; i < f->nlabels; i++) {
		struct field_ctx c = { .ev = ev, .size = size, .ro = &t->ro, .json = true,
				       .scratch = t->scratch[i], .scratch_len = LABEL_SCRATCH,
				       .settings = sc->settings };

		field__value(f->labels[i], &c, &t->vals[i]);
		add_key_value(&t->key, &t->vals[i]);
	}
	hash = hash_bytes(t->seed, t->key.buf, t->key.len);
	if (f->nslots) {
		for (uint32_t i = hash & (f->nslots - 1); f->slots[i];
		     i = (i + 1) & (f->nslots - 1)) {
			struct series *c = &f->series[f->slots[i] - 1];

			if (c->hash == hash && c->key_len == t->key.len &&
			    memcmp(f->keys.buf + c->key_off, t->key.buf, t->key.len) == 0) {
				found = c;
				break;
			}
		}
	}
	if (!found && !t->key.oom && t->nseries < t->max_series) {
		pthread_mutex_lock(&t->lock);
		found = series_add(f, hash, &t->key, t->vals);
		if (found)
			t->nseries++;
		pthread_mutex_unlock(&t->lock);
	}
	counter_inc(found ? &found->count : &f->overflow, 1);
}

void series_table__lost(struct series_table *t, const char *type, const char *where,
			uint64_t count)
{
	struct lost_counter *c;

	pthread_mutex_lock(&t->lock);
	c = lost_counter(t, type, where);
	pthread_mutex_unlock(&t->lock);
	if (c)
		counter_inc(&c->count, count);
}

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

static int parse_extra(struct series_table *t, const char *list,
		       const struct schema *const *schemas, int n)
{
	const char *why;
	char *save = NULL;

	if (metrics__check_labels(list, &why)) {
		pr_err("invalid metrics labels '%s': %s", list, why);
		return -EINVAL;
	}
	t->extra_copy = strdup(list);
	if (!t->extra_copy)
		return -ENOMEM;
	for (char *tok = strtok_r(t->extra_copy, ",", &save); tok;
	     tok = strtok_r(NULL, ",", &save)) {
		bool known = false;

		for (int i = 0; i < n && !known; i++)
			known = find_field(schemas[i], tok) != NULL;
		if (!known || strcmp(tok, "overflow") == 0) {
			unknown_label(tok, schemas, n);
			return -ENOENT;
		}
		if (t->nextra == METRICS_MAX_LABELS) {
			pr_err("too many metrics labels: at most %d", METRICS_MAX_LABELS);
			return -E2BIG;
		}
		t->extra[t->nextra++] = tok;
	}
	return 0;
}

int series_table__init(struct series_table *t, const struct metrics_opts *o,
		       const struct schema *const *schemas, int nschemas)
{
	int err = 0;

	pthread_mutex_init(&t->lock, NULL);
	t->max_series = o->max_series ? o->max_series : METRICS_DEFAULT_MAX_SERIES;
	if (getrandom(&t->seed, sizeof(t->seed), GRND_NONBLOCK) != sizeof(t->seed))
		t->seed = (uint64_t)time(NULL) * 0x9e3779b97f4a7c15ull;
	if (nschemas > METRICS_MAX_FAMILIES) {
		pr_err("metrics: at most %d event types", METRICS_MAX_FAMILIES);
		err = -E2BIG;
	}
	if (!err && o->labels && *o->labels)
		err = parse_extra(t, o->labels, schemas, nschemas);
	for (int i = 0; !err && i < nschemas; i++) {
		struct family *f = &t->fams[t->nfams++];

		family_init(t, f, schemas[i]);
		if (schemas[i]->type < EVENT_TYPE_MAX && !t->by_type[schemas[i]->type])
			t->by_type[schemas[i]->type] = f;
		/* Zero counters are there from the start, so rate() and alerts see them. */
		lost_counter(t, schemas[i]->name, "kernel");
		lost_counter(t, schemas[i]->name, "user");
	}
	return err;
}

size_t series_table__bytes(const struct series_table *t)
{
	size_t n = t->key.cap;

	for (int i = 0; i < t->nfams; i++) {
		const struct family *f = &t->fams[i];

		n += f->cap * sizeof(*f->series) + f->nslots * sizeof(*f->slots) + f->keys.cap +
		     f->texts.cap;
	}
	return n;
}

void series_table__free(struct series_table *t)
{
	for (int i = 0; i < t->nfams; i++) {
		free(t->fams[i].series);
		free(t->fams[i].slots);
		strbuf__free(&t->fams[i].keys);
		strbuf__free(&t->fams[i].texts);
	}
	strbuf__free(&t->key);
	free(t->extra_copy);
	pthread_mutex_destroy(&t->lock);
}
