// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <stdarg.h>
#include <stdio.h>
#include "runner/doccomment.h"
#include "lib/json_read.h"
#include "lib/strbuf.h"

/* A declaration longer than this is not one a doc comment can document. */
#define MAX_DECL 8192

struct line {
	const char *p;
	size_t n;
};

static bool next_line(const char *src, size_t len, size_t *pos, struct line *l)
{
	const char *nl;

	if (*pos >= len)
		return false;
	l->p = src + *pos;
	nl = memchr(l->p, '\n', len - *pos);
	l->n = nl ? (size_t)(nl - l->p) : len - *pos;
	*pos += l->n + (nl ? 1 : 0);
	return true;
}

static void trim(const char **p, size_t *n)
{
	while (*n && isspace((unsigned char)**p)) {
		(*p)++;
		(*n)--;
	}
	while (*n && isspace((unsigned char)(*p)[*n - 1]))
		(*n)--;
}

static bool is_ident(int c)
{
	return isalnum(c) || c == '_';
}

/* The body of a `///` line, or false when the line is not one. */
static bool doc_body(struct line l, struct line *body)
{
	const char *p = l.p;
	size_t n = l.n;

	trim(&p, &n);
	if (n < 3 || memcmp(p, "///", 3) != 0 || (n > 3 && p[3] == '/'))
		return false;
	body->p = p + 3;
	body->n = n - 3;
	trim(&body->p, &body->n);
	return true;
}

static bool blank(struct line l)
{
	trim(&l.p, &l.n);
	return l.n == 0;
}

/*
 * The identifier a declaration starting at src[pos] declares: the last
 * identifier before the first `=`, `[`, `;`, `(` or `:` outside braces,
 * skipping SEC(...) and __attribute__((...)).
 */
static char *declared_name(const char *src, size_t len, size_t pos)
{
	const char *last = NULL, *prev = NULL;
	size_t last_n = 0, prev_n = 0;
	int braces = 0;
	size_t end = len - pos > MAX_DECL ? pos + MAX_DECL : len;

	for (size_t i = pos; i < end; i++) {
		char c = src[i];

		if (c == '{') {
			braces++;
			continue;
		}
		if (c == '}') {
			if (braces > 0)
				braces--;
			continue;
		}
		if (braces)
			continue;
		if (c == '/' && i + 1 < end && src[i + 1] == '/') {
			while (i < end && src[i] != '\n')
				i++;
			continue;
		}
		if (c == '"' || c == '\'') {
			/* Only inside SEC("...") before the end; skip the literal. */
			for (i++; i < end && src[i] != c; i++)
				if (src[i] == '\\')
					i++;
			continue;
		}
		if (c == '(' && last &&
		    ((last_n == 3 && memcmp(last, "SEC", 3) == 0) ||
		     (last_n == 13 && memcmp(last, "__attribute__", 13) == 0))) {
			int depth = 0;

			for (; i < end; i++) {
				if (src[i] == '(')
					depth++;
				else if (src[i] == ')' && --depth == 0)
					break;
			}
			last = prev;
			last_n = prev_n;
			prev = NULL;
			continue;
		}
		if (c == '=' || c == '[' || c == ';' || c == '(' || c == ':')
			break;
		if (is_ident((unsigned char)c) && !isdigit((unsigned char)c)) {
			size_t s = i;

			while (i < end && is_ident((unsigned char)src[i]))
				i++;
			prev = last;
			prev_n = last_n;
			last = src + s;
			last_n = i - s;
			i--;
		}
	}
	return last ? strndup(last, last_n) : strdup("");
}

/* `struct TAG {` or `union TAG {` at the start of a declaration: TAG, else NULL. */
static char *declared_tag(const char *src, size_t len, size_t pos)
{
	static const char *const kw[] = { "struct", "union" };
	size_t i = pos, n;

	while (i < len && isspace((unsigned char)src[i]))
		i++;
	for (size_t k = 0; k < 2; k++) {
		size_t kl = strlen(kw[k]), s;

		if (len - i <= kl || memcmp(src + i, kw[k], kl) != 0 ||
		    !isspace((unsigned char)src[i + kl]))
			continue;
		i += kl;
		while (i < len && isspace((unsigned char)src[i]))
			i++;
		s = i;
		while (i < len && is_ident((unsigned char)src[i]))
			i++;
		n = i - s;
		while (i < len && isspace((unsigned char)src[i]))
			i++;
		if (!n || isdigit((unsigned char)src[s]) || i >= len || src[i] != '{')
			return NULL;
		return strndup(src + s, n);
	}
	return NULL;
}

/* Removes one pair of surrounding quotes and the backslashes of escaped quotes. */
static void unquote(char *s)
{
	size_t n = strlen(s), w = 0;

	if (n < 2 || s[0] != '"' || s[n - 1] != '"')
		return;
	for (size_t r = 1; r + 1 < n; r++) {
		if (s[r] == '\\' && r + 2 < n && (s[r + 1] == '"' || s[r + 1] == '\\'))
			r++;
		s[w++] = s[r];
	}
	s[w] = 0;
}

static void trim_str(char *s)
{
	size_t n = strlen(s), start = 0;

	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = 0;
	while (isspace((unsigned char)s[start]))
		start++;
	memmove(s, s + start, n - start + 1);
}

/* Line breaks of a joined comment become spaces, except in @details. */
static void flatten(char *s)
{
	for (; *s; s++)
		if (*s == '\n')
			*s = ' ';
}

enum tag_arg { ARG_NONE, ARG_WORD, ARG_TEXT, ARG_JSON, ARG_OPT_JSON };

static const struct {
	const char *name;
	enum tag_arg arg;
} known_tags[] = {
	{ "description", ARG_TEXT }, { "brief", ARG_TEXT },     { "details", ARG_TEXT },
	{ "version", ARG_WORD },     { "unit", ARG_WORD },      { "sample", ARG_OPT_JSON },
	{ "cmdarg", ARG_JSON },      { "export", ARG_NONE },
	/* tc and xdp attachment: read by the attacher */
	{ "tchook", ARG_JSON },      { "tcopts", ARG_JSON },    { "xdpopts", ARG_JSON },
	{ "ifindex", ARG_WORD },     { "flags", ARG_WORD },
	/* how a buffer map's records read: by the event schema (runner.c) */
	{ "intepreter", ARG_JSON },
};

struct parse_ctx {
	struct doc_set *d;
	bool oom;
};

static void set_error(struct parse_ctx *c, const struct doc_entry *e, const char *tag,
		      const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void set_error(struct parse_ctx *c, const struct doc_entry *e, const char *tag,
		      const char *fmt, ...)
{
	char why[256];
	va_list ap;

	if (c->d->error)
		return;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (e->line > 0) {
		if (asprintf(&c->d->error, "@%s of %s (line %d): %s", tag, e->name, e->line,
			     why) < 0)
			c->d->error = NULL;
	} else if (asprintf(&c->d->error, "@%s of %s: %s", tag, e->name, why) < 0) {
		c->d->error = NULL;
	}
	if (!c->d->error) {
		c->oom = true;
		return;
	}
	/* One line, whatever bytes a JSON key or a name held. */
	for (char *p = c->d->error; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
}

static void note_unknown(struct parse_ctx *c, const char *w, size_t n)
{
	char **v;

	for (int i = 0; i < c->d->nunknown; i++)
		if (strlen(c->d->unknown[i]) == n && memcmp(c->d->unknown[i], w, n) == 0)
			return;
	v = realloc(c->d->unknown, (c->d->nunknown + 1) * sizeof(*v));
	if (!v || !(v[c->d->nunknown] = strndup(w, n))) {
		if (v)
			c->d->unknown = v;
		c->oom = true;
		return;
	}
	c->d->unknown = v;
	c->d->nunknown++;
}

/* The end of a JSON value starting at p ('{' or '['): after its match, or the end of text. */
static const char *json_end(const char *p)
{
	int depth = 0;

	for (; *p; p++) {
		if (*p == '"') {
			for (p++; *p && *p != '"'; p++)
				if (*p == '\\' && p[1])
					p++;
			if (!*p)
				return p;
		} else if (*p == '{' || *p == '[') {
			depth++;
		} else if ((*p == '}' || *p == ']') && --depth == 0) {
			return p + 1;
		}
	}
	return p;
}

static bool tag_start(const char *start, const char *p)
{
	return *p == '@' && (p == start || isspace((unsigned char)p[-1]));
}

static const char *skip_space(const char *p)
{
	while (isspace((unsigned char)*p))
		p++;
	return p;
}

/* A JSON scalar as an annotation value: 0, or -EINVAL with *why. */
static int scalar(const struct json *v, struct doc_value *out, const char **why)
{
	switch (v->type) {
	case JSON_BOOL:
		out->kind = DOC_BOOL;
		out->b = v->b;
		return 0;
	case JSON_NUMBER:
		if (!(v->n >= -9007199254740992.0 && v->n <= 9007199254740992.0) ||
		    (double)(long long)v->n != v->n) {
			*why = "is not a whole number within +-2^53 (write a larger one as a string)";
			return -EINVAL;
		}
		out->kind = DOC_NUMBER;
		out->n = (long long)v->n;
		return 0;
	case JSON_STRING:
		out->kind = DOC_STRING;
		out->s = strdup(v->s);
		return out->s ? 0 : -ENOMEM;
	case JSON_NULL:
		out->kind = DOC_NONE;
		return 0;
	default:
		*why = "must be a number, a string or true/false";
		return -EINVAL;
	}
}

static bool valid_long(const char *s)
{
	if (!*s || *s == '-')
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-')
			return false;
	return true;
}

static void parse_cmdarg(struct parse_ctx *c, struct doc_entry *e, const struct json *j)
{
	struct doc_cmdarg *a = &e->cmdarg;

	if (!j || j->type != JSON_OBJECT) {
		set_error(c, e, "cmdarg", "expected a JSON object such as "
			  "{\"short\": \"p\", \"long\": \"pid\", \"default\": 0, \"help\": \"...\"}");
		return;
	}
	a->set = true;
	for (size_t i = 0; i < j->len; i++) {
		const char *k = j->keys[i], *why = NULL;
		const struct json *v = j->items[i];

		if (!strcmp(k, "short")) {
			const char *s = json__str(v);

			if (!s || strlen(s) != 1 || !isalnum((unsigned char)s[0])) {
				set_error(c, e, "cmdarg", "\"short\" must be one letter or digit");
				return;
			}
			a->shortopt = s[0];
		} else if (!strcmp(k, "long")) {
			const char *s = json__str(v);

			if (!s || !valid_long(s)) {
				set_error(c, e, "cmdarg", "\"long\" must be a name of letters, digits, "
					  "'_' and '-' (not first)");
				return;
			}
			free(a->longopt);
			if (!(a->longopt = strdup(s)))
				c->oom = true;
		} else if (!strcmp(k, "help")) {
			const char *s = json__str(v);

			if (!s) {
				set_error(c, e, "cmdarg", "\"help\" must be a string");
				return;
			}
			free(a->help);
			if (!(a->help = strdup(s)))
				c->oom = true;
		} else if (!strcmp(k, "default")) {
			int err;

			free(a->def.s);
			memset(&a->def, 0, sizeof(a->def));
			err = scalar(v, &a->def, &why);
			if (err == -ENOMEM)
				c->oom = true;
			else if (err) {
				set_error(c, e, "cmdarg", "\"default\" %s", why);
				return;
			}
		} else {
			set_error(c, e, "cmdarg", "unknown key \"%s\" (known: default, short, long, "
				  "help)", k);
			return;
		}
	}
}

static bool whole(const struct json *v, double lo, double hi, long long *out)
{
	if (!v || v->type != JSON_NUMBER || !(v->n >= lo && v->n <= hi) ||
	    (double)(long long)v->n != v->n)
		return false;
	*out = (long long)v->n;
	return true;
}

static void parse_sample(struct parse_ctx *c, struct doc_entry *e, const struct json *j)
{
	static const char *const types[] = { "log2_hist", "linear_hist", "default_kv" };
	const double big = 9007199254740992.0;
	struct doc_sample *s = &e->samp;
	long long n;

	if (!j || j->type != JSON_OBJECT) {
		set_error(c, e, "sample", "expected a JSON object such as "
			  "{\"interval\": 1000, \"type\": \"log2_hist\", \"unit\": \"usecs\"}");
		return;
	}
	for (size_t i = 0; i < j->len; i++) {
		const char *k = j->keys[i];
		const struct json *v = j->items[i];

		if (!strcmp(k, "interval")) {
			if (!whole(v, 1, 86400000, &n)) {
				set_error(c, e, "sample", "\"interval\" must be a whole number of "
					  "milliseconds from 1 to 86400000");
				return;
			}
			s->interval_ms = n;
		} else if (!strcmp(k, "type")) {
			const char *t = json__str(v);
			size_t m;

			for (m = 0; t && m < 3 && strcmp(t, types[m]); m++)
				;
			if (!t || m == 3) {
				set_error(c, e, "sample", "\"type\" must be \"log2_hist\", "
					  "\"linear_hist\" or \"default_kv\"");
				return;
			}
			s->type = SAMPLE_LOG2_HIST + m;
		} else if (!strcmp(k, "unit")) {
			const char *u = json__str(v);

			if (!u) {
				set_error(c, e, "sample", "\"unit\" must be a string");
				return;
			}
			free(e->unit);
			if (!(e->unit = strdup(u)))
				c->oom = true;
		} else if (!strcmp(k, "clear_map")) {
			if (!v || v->type != JSON_BOOL) {
				set_error(c, e, "sample", "\"clear_map\" must be true or false");
				return;
			}
			s->clear_map = v->b;
		} else if (!strcmp(k, "step")) {
			if (!whole(v, 1, big, &n)) {
				set_error(c, e, "sample", "\"step\" must be a whole number above 0");
				return;
			}
			s->step = n;
		} else if (!strcmp(k, "min")) {
			if (!whole(v, -big, big, &n)) {
				set_error(c, e, "sample", "\"min\" must be a whole number");
				return;
			}
			s->min = n;
		} else if (!strcmp(k, "max")) {
			if (!whole(v, -big, big, &n)) {
				set_error(c, e, "sample", "\"max\" must be a whole number");
				return;
			}
			s->max = n;
			s->has_max = true;
		} else {
			set_error(c, e, "sample", "unknown key \"%s\" (known: interval, type, unit, "
				  "clear_map, step, min, max)", k);
			return;
		}
	}
	if ((s->step || s->has_max || s->min) && s->type != SAMPLE_LINEAR_HIST)
		set_error(c, e, "sample", "\"step\", \"min\" and \"max\" belong to a "
			  "\"linear_hist\"");
	else if (s->has_max && s->max <= s->min)
		set_error(c, e, "sample", "\"max\" must be above \"min\"");
}

static int add_tag(struct doc_entry *e, const char *name, size_t nn, const char *v, size_t vn)
{
	struct doc_tag *t = realloc(e->tags, (e->ntags + 1) * sizeof(*t));

	if (!t)
		return -ENOMEM;
	e->tags = t;
	t = &t[e->ntags];
	t->name = strndup(name, nn);
	t->value = strndup(v, vn);
	if (!t->name || !t->value) {
		free(t->name);
		free(t->value);
		return -ENOMEM;
	}
	e->ntags++;
	return 0;
}

static char *text_value(const char *v, size_t n, bool keep_lines)
{
	char *s = strndup(v, n);

	if (!s)
		return NULL;
	if (!keep_lines)
		flatten(s);
	trim_str(s);
	unquote(s);
	return s;
}

/* The known tag's value: what it means for the entry. */
static void apply(struct parse_ctx *c, struct doc_entry *e, const char *name, const char *v,
		  size_t vn)
{
	char **text = NULL;

	if (!strcmp(name, "sample")) {
		e->sample = true;
		if (vn) {
			struct json *j = json__parse(v, vn);

			parse_sample(c, e, j);
			json__free(j);
		}
	} else if (!strcmp(name, "cmdarg")) {
		struct json *j = json__parse(v, vn);

		parse_cmdarg(c, e, j);
		json__free(j);
	} else if (!strcmp(name, "export")) {
		e->export = true;
	} else if (!strcmp(name, "unit")) {
		text = &e->unit;
	} else if (!strcmp(name, "brief")) {
		text = &e->brief;
	} else if (!strcmp(name, "details")) {
		text = &e->details;
	} else if (!strcmp(name, "version")) {
		text = &e->version;
	}
	if (text) {
		free(*text);
		*text = text_value(v, vn, text == &e->details);
		if (!*text)
			c->oom = true;
		else if (text == &e->version && !**text)
			set_error(c, e, "version", "expected a version after it, such as 1.0");
	}
}

/* Splits the joined comment text into the description and the tags. */
static void interpret(struct parse_ctx *c, const char *raw, struct doc_entry *e)
{
	struct strbuf desc = {}, plain = {};
	bool have_desc = false;
	const char *p = raw;

	while (*(p = skip_space(p)) && !c->oom) {
		const char *w = p, *v, *ve;
		size_t wn, k;

		while (*p && !isspace((unsigned char)*p))
			p++;
		wn = p - w;
		if (wn < 2 || w[0] != '@') {
			if (wn == 1 && w[0] == '@')
				continue;
			if (plain.len)
				strbuf__addc(&plain, ' ');
			strbuf__add(&plain, w, wn);
			continue;
		}
		for (k = 0; k < sizeof(known_tags) / sizeof(known_tags[0]); k++)
			if (strlen(known_tags[k].name) == wn - 1 &&
			    memcmp(known_tags[k].name, w + 1, wn - 1) == 0)
				break;
		v = skip_space(p);
		if (k == sizeof(known_tags) / sizeof(known_tags[0])) {
			note_unknown(c, w + 1, wn - 1);
			if (*v == '{' || *v == '[')
				p = json_end(v);
			continue;
		}
		switch (known_tags[k].arg) {
		case ARG_NONE:
			ve = v = p;
			break;
		case ARG_WORD:
			/* A tag right after is no value: `@flags @xdpopts {...}`. */
			if (*v == '@') {
				ve = v = p;
				break;
			}
			for (ve = v; *ve && !isspace((unsigned char)*ve); ve++)
				;
			break;
		case ARG_OPT_JSON:
			if (*v != '{') {
				ve = v = p;
				break;
			}
			/* fall through */
		case ARG_JSON:
			if (*v == '{' || *v == '[') {
				ve = json_end(v);
				break;
			}
			/* fall through */
		case ARG_TEXT:
		default:
			/* The text runs up to the next tag. */
			for (ve = v; *ve && !tag_start(v, ve); ve++)
				;
			break;
		}
		p = ve;
		if (add_tag(e, w + 1, wn - 1, v, ve - v)) {
			c->oom = true;
			break;
		}
		if (!strcmp(known_tags[k].name, "description")) {
			strbuf__reset(&desc);
			strbuf__add(&desc, v, ve - v);
			have_desc = true;
		} else {
			apply(c, e, known_tags[k].name, v, ve - v);
		}
	}
	strbuf__addc(have_desc ? &desc : &plain, 0);
	if (desc.oom || plain.oom)
		c->oom = true;
	else if (!(e->text = strdup(have_desc ? desc.buf : plain.buf)))
		c->oom = true;
	strbuf__free(&desc);
	strbuf__free(&plain);
	if (e->text) {
		flatten(e->text);
		trim_str(e->text);
		unquote(e->text);
	}
}

static void free_entry(struct doc_entry *e)
{
	free(e->raw);
	free(e->name);
	free(e->tag);
	free(e->text);
	free(e->unit);
	free(e->cmdarg.longopt);
	free(e->cmdarg.help);
	free(e->cmdarg.def.s);
	free(e->brief);
	free(e->details);
	free(e->version);
	for (int i = 0; i < e->ntags; i++) {
		free(e->tags[i].name);
		free(e->tags[i].value);
	}
	free(e->tags);
	memset(e, 0, sizeof(*e));
}

static int add_entry(struct parse_ctx *c, char *name, char *tag, int line, const char *raw)
{
	struct doc_set *d = c->d;
	struct doc_entry *v = realloc(d->entries, (d->n + 1) * sizeof(*v));
	struct doc_entry *e;

	if (!v) {
		free(name);
		free(tag);
		return -ENOMEM;
	}
	d->entries = v;
	e = &v[d->n++];
	memset(e, 0, sizeof(*e));
	e->name = name;
	e->tag = tag;
	e->line = line;
	e->raw = strdup(raw);
	if (!e->raw)
		return -ENOMEM;
	interpret(c, raw, e);
	return c->oom ? -ENOMEM : 0;
}

/* The program's description, details and version from an entry's comment. */
static int describe_program(struct doc_set *d, const struct doc_entry *e)
{
	const char *what = e->brief && e->brief[0] ? e->brief : e->text;

	if (what && what[0] && !(d->program = strdup(what)))
		return -ENOMEM;
	if (e->details && e->details[0] && !(d->details = strdup(e->details)))
		return -ENOMEM;
	if (e->version && e->version[0] && !(d->version = strdup(e->version)))
		return -ENOMEM;
	return 0;
}

int doccomment__parse(const char *src, size_t len, struct doc_set *out)
{
	struct parse_ctx c = { .d = out };
	struct strbuf block = {};
	char *detached = NULL;
	bool in_block = false;
	size_t pos = 0, line_start;
	struct line l, body;
	int err = 0, lineno = 0;

	memset(out, 0, sizeof(*out));
	for (line_start = pos; next_line(src, len, &pos, &l); line_start = pos) {
		lineno++;
		if (doc_body(l, &body)) {
			if (in_block)
				strbuf__addc(&block, '\n');
			strbuf__add(&block, body.p, body.n);
			in_block = true;
			continue;
		}
		if (!in_block)
			continue;
		in_block = false;
		strbuf__addc(&block, 0);
		if (block.oom) {
			err = -ENOMEM;
			break;
		}
		if (blank(l)) {
			if (!detached && !(detached = strdup(block.buf))) {
				err = -ENOMEM;
				break;
			}
		} else {
			char *name = declared_name(src, len, line_start);
			char *tag = name ? declared_tag(src, len, line_start) : NULL;

			if (!name || (err = add_entry(&c, name, tag, lineno, block.buf))) {
				err = err ? err : -ENOMEM;
				break;
			}
		}
		strbuf__reset(&block);
	}
	strbuf__free(&block);
	if (!err) {
		const struct doc_entry *lic = doccomment__find(out, "LICENSE");

		if (lic)
			err = describe_program(out, lic);
		if (!err && !out->program && detached) {
			struct doc_entry e = { .name = "the program's comment" };

			interpret(&c, detached, &e);
			if (c.oom)
				err = -ENOMEM;
			else if (e.text[0] && !(out->program = strdup(e.text)))
				err = -ENOMEM;
			e.name = NULL;
			free_entry(&e);
		}
	}
	free(detached);
	return err;
}

const struct doc_entry *doccomment__find(const struct doc_set *d, const char *name)
{
	for (int i = 0; i < d->n; i++)
		if (strcmp(d->entries[i].name, name) == 0)
			return &d->entries[i];
	return NULL;
}

const struct doc_entry *doccomment__exported(const struct doc_set *d)
{
	for (int i = 0; i < d->n; i++)
		if (d->entries[i].export && d->entries[i].tag)
			return &d->entries[i];
	return NULL;
}

const char *doccomment__tag(const struct doc_entry *e, const char *name)
{
	for (int i = e ? e->ntags - 1 : -1; i >= 0; i--)
		if (strcmp(e->tags[i].name, name) == 0)
			return e->tags[i].value;
	return NULL;
}

void doccomment__free(struct doc_set *d)
{
	for (int i = 0; i < d->n; i++)
		free_entry(&d->entries[i]);
	free(d->entries);
	free(d->program);
	free(d->details);
	free(d->version);
	free(d->error);
	for (int i = 0; i < d->nunknown; i++)
		free(d->unknown[i]);
	free(d->unknown);
	memset(d, 0, sizeof(*d));
}
