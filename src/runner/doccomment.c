// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "runner/doccomment.h"
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

/* Splits the joined comment text into the description and the tags. */
static int interpret(const char *raw, struct doc_entry *e)
{
	struct strbuf desc = {}, plain = {};
	bool have_desc = false;
	const char *p = raw;

	while (*p) {
		const char *w = p;
		size_t wn;

		while (*p && !isspace((unsigned char)*p))
			p++;
		wn = p - w;
		while (isspace((unsigned char)*p))
			p++;
		if (wn == 12 && memcmp(w, "@description", 12) == 0) {
			const char *rest = p;

			/* The description runs up to the next tag. */
			while (*p && !(*p == '@' && (p == rest || isspace((unsigned char)p[-1]))))
				p++;
			strbuf__reset(&desc);
			strbuf__add(&desc, rest, p - rest);
			have_desc = true;
		} else if (wn == 7 && memcmp(w, "@sample", 7) == 0) {
			e->sample = true;
		} else if (wn == 5 && memcmp(w, "@unit", 5) == 0) {
			const char *u = p;

			while (*p && !isspace((unsigned char)*p))
				p++;
			free(e->unit);
			e->unit = strndup(u, p - u);
			if (!e->unit)
				goto oom;
			while (isspace((unsigned char)*p))
				p++;
		} else if (wn && w[0] == '@') {
			continue; /* a tag of another tool */
		} else {
			if (plain.len)
				strbuf__addc(&plain, ' ');
			strbuf__add(&plain, w, wn);
		}
	}
	strbuf__addc(have_desc ? &desc : &plain, 0);
	if (desc.oom || plain.oom)
		goto oom;
	e->text = strdup(have_desc ? desc.buf : plain.buf);
	strbuf__free(&desc);
	strbuf__free(&plain);
	if (!e->text)
		return -ENOMEM;
	trim_str(e->text);
	unquote(e->text);
	return 0;
oom:
	strbuf__free(&desc);
	strbuf__free(&plain);
	return -ENOMEM;
}

static int add_entry(struct doc_set *d, char *name, const char *raw)
{
	struct doc_entry *v = realloc(d->entries, (d->n + 1) * sizeof(*v));
	struct doc_entry *e;

	if (!v) {
		free(name);
		return -ENOMEM;
	}
	d->entries = v;
	e = &v[d->n++];
	memset(e, 0, sizeof(*e));
	e->name = name;
	e->raw = strdup(raw);
	if (!e->raw)
		return -ENOMEM;
	return interpret(raw, e);
}

int doccomment__parse(const char *src, size_t len, struct doc_set *out)
{
	struct strbuf block = {};
	char *detached = NULL;
	bool in_block = false;
	size_t pos = 0, line_start;
	struct line l, body;
	int err = 0;

	memset(out, 0, sizeof(*out));
	for (line_start = pos; next_line(src, len, &pos, &l); line_start = pos) {
		if (doc_body(l, &body)) {
			if (block.len)
				strbuf__addc(&block, ' ');
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

			if (!name || (err = add_entry(out, name, block.buf))) {
				err = err ? err : -ENOMEM;
				break;
			}
		}
		strbuf__reset(&block);
	}
	strbuf__free(&block);
	if (!err) {
		const struct doc_entry *lic = doccomment__find(out, "LICENSE");

		if (lic && lic->text[0]) {
			out->program = strdup(lic->text);
		} else if (detached) {
			struct doc_entry e = {};

			err = interpret(detached, &e);
			out->program = e.text;
			free(e.unit);
			if (out->program && !out->program[0]) {
				free(out->program);
				out->program = NULL;
			}
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

void doccomment__free(struct doc_set *d)
{
	for (int i = 0; i < d->n; i++) {
		free(d->entries[i].name);
		free(d->entries[i].text);
		free(d->entries[i].unit);
		free(d->entries[i].raw);
	}
	free(d->entries);
	free(d->program);
	memset(d, 0, sizeof(*d));
}
