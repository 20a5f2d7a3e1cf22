// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>
#include "lib/output.h"
#include "lib/sink.h"
#include "lib/strbuf.h"
#include "lib/strlist.h"

struct json_sink {
	struct sink base;
	struct output *out;
	struct render_opts ro;
	struct strbuf line;
	char scratch[256];
};

void json__member(struct strbuf *sb, const char *key, const struct value *v)
{
	strbuf__addc(sb, '"');
	strbuf__adds(sb, key);
	strbuf__add(sb, "\":", 2);
	switch (v->kind) {
	case V_NULL:
		strbuf__adds(sb, "null");
		break;
	case V_INT:
		strbuf__add_i64(sb, v->i);
		break;
	case V_UINT:
		strbuf__add_u64(sb, v->u);
		break;
	case V_STRLIST:
		if (strlist__json(sb, v->s, v->len)) {
			strbuf__add(sb, ",\"", 2);
			strbuf__adds(sb, key);
			strbuf__add(sb, "_hex\":", 6);
			strlist__json_hex(sb, v->s, v->len);
		}
		break;
	case V_TEXT:
		if (v->flags & VF_BARE) {
			strbuf__add(sb, v->s, v->len);
			break;
		}
		/* fall through */
	case V_BYTES:
		strbuf__addc(sb, '"');
		if (escape__json(sb, v->s, v->len)) {
			strbuf__add(sb, "\",\"", 3);
			strbuf__adds(sb, key);
			strbuf__add(sb, "_hex\":\"", 7);
			escape__hex(sb, v->s, v->len);
		}
		strbuf__addc(sb, '"');
		break;
	}
}

/* What the formatters of one record's fields get. */
static struct field_ctx ctx_of(struct json_sink *j, const struct schema *sc, const void *ev,
			       size_t size)
{
	return (struct field_ctx){ .ev = ev, .size = size, .ro = &j->ro, .json = true,
				   .scratch = j->scratch, .scratch_len = sizeof(j->scratch),
				   .settings = sc ? sc->settings : NULL };
}

static void json_record(struct sink *s, const struct schema *sc, const void *ev, size_t size)
{
	struct json_sink *j = (struct json_sink *)s;
	struct field_ctx c = ctx_of(j, sc, ev, size);
	struct value v;

	value__text(&v, sc->name);
	strbuf__addc(&j->line, '{');
	json__member(&j->line, "type", &v);
	for (int i = 0; i < sc->nfields; i++) {
		const struct field *f = &sc->fields[i];

		if (!(f->flags & F_JSON))
			continue;
		field__value(f, &c, &v);
		strbuf__addc(&j->line, ',');
		json__member(&j->line, f->key, &v);
	}
	strbuf__add(&j->line, "}\n", 2);
	output__write(j->out, j->line.buf, j->line.len);
	strbuf__reset(&j->line);
}

static void json_lost(struct sink *s, const char *type_name, uint64_t count, uint64_t ts_ns,
		      const char *where)
{
	struct json_sink *j = (struct json_sink *)s;
	static const struct field time_field =
		HDR_FIELD("time", "TIME", FK_TIME, ts_ns, 0, F_JSON, 0);
	struct event_header h = { .ts_ns = ts_ns };
	struct field_ctx c = ctx_of(j, NULL, &h, sizeof(h));
	struct value v;

	field__value(&time_field, &c, &v);
	strbuf__addf(&j->line,
		     "{\"type\":\"lost\",\"time\":\"%s\",\"ts_ns\":%llu,\"lost_type\":\"%s\","
		     "\"count\":%llu,\"where\":\"%s\"}\n",
		     v.s, (unsigned long long)ts_ns, type_name, (unsigned long long)count, where);
	output__write(j->out, j->line.buf, j->line.len);
	strbuf__reset(&j->line);
}

static int json_flush(struct sink *s)
{
	return output__flush(((struct json_sink *)s)->out);
}

static bool json_backlogged(struct sink *s)
{
	return output__backlogged(((struct json_sink *)s)->out);
}

static void json_destroy(struct sink *s)
{
	struct json_sink *j = (struct json_sink *)s;

	output__close(j->out, 1000);
	strbuf__free(&j->line);
	free(j);
}

static const struct sink_ops json_ops = {
	.record = json_record,
	.lost = json_lost,
	.flush = json_flush,
	.backlogged = json_backlogged,
	.destroy = json_destroy,
};

struct sink *sink_json__new(FILE *out, const struct render_opts *ro)
{
	struct json_sink *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	j->base.ops = &json_ops;
	j->out = output__new(out, 0);
	if (!j->out) {
		free(j);
		return NULL;
	}
	j->ro = *ro;
	return &j->base;
}
