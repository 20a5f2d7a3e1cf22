// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "lib/output.h"
#include "lib/sink.h"
#include "lib/strbuf.h"
#include "lib/strlist.h"

#define MAX_COLS 64

struct table_sink {
	struct sink base;
	struct output *out;
	struct render_opts ro;
	int nschemas;
	/*
	 * Of one schema: it, compared by address only (the caller's array of
	 * schemas is not kept), and the index of its last column (last_shown).
	 */
	const struct schema *single;
	int last;
	bool container_col; /* of several schemas: a CONTAINER column */
	struct strbuf line;
	struct strbuf cell; /* a right-aligned cell, before its padding */
	char scratch[256];
};

/* Of several schemas: what the fixed columns show, or leave out, rather than DETAILS. */
static bool in_fixed_columns(const struct field *f)
{
	return (f->offset < sizeof(struct event_header) && f->kind != FK_CUSTOM) ||
	       (f->groups & G_CONTAINER);
}

/* What the formatters of one record's fields get. */
static struct field_ctx ctx_of(struct table_sink *t, const struct schema *sc, const void *ev,
			       size_t size)
{
	return (struct field_ctx){ .ev = ev, .size = size, .ro = &t->ro, .scratch = t->scratch,
				   .scratch_len = sizeof(t->scratch),
				   .settings = sc ? sc->settings : NULL };
}

static void pad(struct strbuf *sb, size_t cols, int width)
{
	if ((int)cols < width)
		strbuf__pad(sb, ' ', width - cols);
}

/*
 * The text of a value the table shows as it is (all but V_BYTES and
 * V_STRLIST, which are escaped), with its length: its display width.
 */
static const char *plain_text(const struct value *v, char num[24], size_t *len)
{
	char *p = num;

	switch (v->kind) {
	case V_NULL:
		*len = 1;
		return "-";
	case V_TEXT:
		*len = v->len;
		return v->s;
	case V_INT:
		if (v->i < 0)
			*p++ = '-';
		p = decimal__put(p, v->i < 0 ? -(unsigned long long)v->i : (unsigned long long)v->i);
		break;
	case V_UINT:
		p = decimal__put(p, v->u);
		break;
	default:
		return NULL;
	}
	*len = p - num;
	return num;
}

/* Appends a value's table text to sb; returns its display width. */
static size_t add_value(struct strbuf *sb, const struct value *v)
{
	char num[24];
	const char *text;
	size_t len;

	if ((text = plain_text(v, num, &len))) {
		strbuf__add(sb, text, len);
		return len;
	}
	if (v->kind == V_BYTES)
		return escape__table(sb, v->s, v->len);
	if (v->kind == V_STRLIST) {
		size_t cols = strlist__table(sb, v->s, v->len, v->flags & VF_QUOTE);

		if (v->flags & VF_MORE) {
			strbuf__adds(sb, cols ? " ..." : "...");
			cols += cols ? 4 : 3;
		}
		return cols;
	}
	return 0;
}

static void add_cell(struct table_sink *t, const struct field *f, const struct value *v, bool last)
{
	char num[24];
	const char *text;
	size_t cols;

	if (f->flags & F_LEFT || last) {
		cols = add_value(&t->line, v);
		if (!last)
			pad(&t->line, cols, f->width);
	} else if ((text = plain_text(v, num, &cols))) {
		pad(&t->line, cols, f->width);
		strbuf__add(&t->line, text, cols);
	} else {
		/* Right-aligned escaped text: its width is known once it is escaped. */
		strbuf__reset(&t->cell);
		cols = add_value(&t->cell, v);
		pad(&t->line, cols, f->width);
		strbuf__add(&t->line, t->cell.buf, t->cell.len);
	}
	if (!last)
		strbuf__addc(&t->line, ' ');
}

/* The index of the last column shown, which gets no padding; -1 when none is. */
static int last_shown(const struct schema *sc)
{
	int last = -1;

	for (int i = 0; i < sc->nfields; i++)
		if (field__in_table(sc, &sc->fields[i]))
			last = i;
	return last;
}

static void print_header_single(struct table_sink *t, const struct schema *sc)
{
	int last = t->last;

	for (int i = 0; i <= last; i++) {
		const struct field *f = &sc->fields[i];
		struct value v;

		value__text(&v, f->header);
		if (field__in_table(sc, f))
			add_cell(t, f, &v, i == last);
	}
}

/* The fixed columns of a table of several schemas; CONTAINER when they have G_CONTAINER. */
enum { COL_TIME, COL_TYPE, COL_PID, COL_COMM, COL_CONTAINER, COL_DETAILS, NCOLS };
static const struct field multi_cols[NCOLS] = {
	HDR_FIELD("time", "TIME", FK_TIME, ts_ns, 15, F_BOTH | F_LEFT, G_BASE),
	{ .key = "type", .header = "TYPE", .kind = FK_STR, .width = 4, .flags = F_BOTH | F_LEFT },
	HDR_FIELD("pid", "PID", FK_UINT, pid, 7, F_BOTH, G_BASE),
	HDR_FIELD("comm", "COMM", FK_STR, comm, 16, F_BOTH | F_LEFT, G_BASE),
	EV_CUSTOM("container", "CONTAINER", field__container, 16, F_TABLE | F_LEFT, G_CONTAINER),
	{ .key = "details", .header = "DETAILS", .kind = FK_STR, .flags = F_TABLE | F_LEFT },
};

static void print_header_multi(struct table_sink *t)
{
	for (int i = 0; i < NCOLS; i++) {
		struct value v;

		if (i == COL_CONTAINER && !t->container_col)
			continue;
		value__text(&v, multi_cols[i].header);
		add_cell(t, &multi_cols[i], &v, i == COL_DETAILS);
	}
}

static void row_single(struct table_sink *t, const struct schema *sc, const void *ev, size_t size)
{
	struct field_ctx c = ctx_of(t, sc, ev, size);
	int last = sc == t->single ? t->last : last_shown(sc);

	for (int i = 0; i <= last; i++) {
		const struct field *f = &sc->fields[i];
		struct value v;

		if (!field__in_table(sc, f))
			continue;
		field__value(f, &c, &v);
		add_cell(t, f, &v, i == last);
	}
}

static void row_multi(struct table_sink *t, const struct schema *sc, const void *ev, size_t size)
{
	struct field_ctx c = ctx_of(t, sc, ev, size);
	struct value v;
	bool first = true;

	for (int i = 0; i < COL_DETAILS; i++) {
		if (i == COL_CONTAINER && !t->container_col)
			continue;
		if (i == COL_TYPE)
			value__text(&v, sc->name);
		else
			field__value(&multi_cols[i], &c, &v);
		add_cell(t, &multi_cols[i], &v, false);
	}
	for (int i = 0; i < sc->nfields; i++) {
		const struct field *f = &sc->fields[i];

		if (!field__in_table(sc, f) || in_fixed_columns(f))
			continue;
		field__value(f, &c, &v);
		if (!first)
			strbuf__addc(&t->line, ' ');
		first = false;
		strbuf__adds(&t->line, f->key);
		strbuf__addc(&t->line, '=');
		add_value(&t->line, &v);
	}
}

static void emit_line(struct table_sink *t)
{
	/* Trailing blanks of padded cells are noise. */
	while (t->line.len && t->line.buf[t->line.len - 1] == ' ')
		t->line.len--;
	strbuf__addc(&t->line, '\n');
	output__write(t->out, t->line.buf, t->line.len);
	strbuf__reset(&t->line);
}

static void table_record(struct sink *s, const struct schema *sc, const void *ev, size_t size)
{
	struct table_sink *t = (struct table_sink *)s;

	if (t->nschemas == 1)
		row_single(t, sc, ev, size);
	else
		row_multi(t, sc, ev, size);
	emit_line(t);
}

static void table_lost(struct sink *s, const char *type_name, uint64_t count, uint64_t ts_ns,
		       const char *where)
{
	struct table_sink *t = (struct table_sink *)s;
	struct event_header h = { .ts_ns = ts_ns };
	struct field_ctx c = ctx_of(t, NULL, &h, sizeof(h));
	struct value v;

	field__value(&multi_cols[COL_TIME], &c, &v);
	strbuf__addf(&t->line, "%s LOST %llu %s events (%s)", v.s, (unsigned long long)count,
		     type_name,
		     strcmp(where, "kernel") == 0 ? "ring buffer full" : "output too slow");
	emit_line(t);
}

static int table_flush(struct sink *s)
{
	return output__flush(((struct table_sink *)s)->out);
}

static bool table_backlogged(struct sink *s)
{
	return output__backlogged(((struct table_sink *)s)->out);
}

static void table_destroy(struct sink *s)
{
	struct table_sink *t = (struct table_sink *)s;

	output__close(t->out, 1000);
	strbuf__free(&t->line);
	strbuf__free(&t->cell);
	free(t);
}

static const struct sink_ops table_ops = {
	.record = table_record,
	.lost = table_lost,
	.flush = table_flush,
	.backlogged = table_backlogged,
	.destroy = table_destroy,
};

struct sink *sink_table__new(FILE *out, const struct render_opts *ro,
			     const struct schema *const *schemas, int nschemas)
{
	struct table_sink *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->base.ops = &table_ops;
	t->out = output__new(out, 0);
	if (!t->out) {
		free(t);
		return NULL;
	}
	t->ro = *ro;
	t->nschemas = nschemas;
	for (int i = 0; i < nschemas; i++)
		t->container_col |= (schemas[i]->groups & G_CONTAINER) != 0;
	if (nschemas == 1) {
		t->single = schemas[0];
		t->last = last_shown(schemas[0]);
		print_header_single(t, schemas[0]);
	} else {
		print_header_multi(t);
	}
	emit_line(t);
	return &t->base;
}
