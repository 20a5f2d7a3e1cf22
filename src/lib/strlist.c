// SPDX-License-Identifier: GPL-2.0
#include <string.h>
#include "lib/strlist.h"

/* The next string at s[*off], its length in *n; false at the end. */
static bool next(const char *s, size_t len, size_t *off, size_t *n)
{
	const char *nul;

	if (*off >= len)
		return false;
	nul = memchr(s + *off, 0, len - *off);
	*n = nul ? (size_t)(nul - (s + *off)) : len - *off;
	return true;
}

size_t strlist__count(const char *s, size_t len)
{
	size_t off = 0, n, count = 0;

	while (next(s, len, &off, &n)) {
		count++;
		off += n + 1;
	}
	return count;
}

size_t strlist__prefix(const char *s, size_t len, size_t max)
{
	size_t off = 0, n, count = 0;

	while (count < max && next(s, len, &off, &n)) {
		count++;
		off += n + 1;
	}
	return off < len ? off : len;
}

static size_t quoted(struct strbuf *sb, const char *s, size_t n)
{
	size_t cols = 2;

	strbuf__addc(sb, '"');
	for (;;) {
		const char *q = memchr(s, '"', n);
		size_t part = q ? (size_t)(q - s) : n;

		cols += escape__table(sb, s, part);
		if (!q)
			break;
		strbuf__add(sb, "\\\"", 2);
		cols += 2;
		s += part + 1;
		n -= part + 1;
	}
	strbuf__addc(sb, '"');
	return cols;
}

size_t strlist__table(struct strbuf *sb, const char *s, size_t len, bool quote)
{
	size_t off = 0, n, cols = 0;

	while (next(s, len, &off, &n)) {
		if (off) {
			strbuf__addc(sb, ' ');
			cols++;
		}
		cols += quote ? quoted(sb, s + off, n) : escape__table(sb, s + off, n);
		off += n + 1;
	}
	return cols;
}

bool strlist__json(struct strbuf *sb, const char *s, size_t len)
{
	size_t off = 0, n;
	bool invalid = false;

	strbuf__addc(sb, '[');
	while (next(s, len, &off, &n)) {
		if (off)
			strbuf__addc(sb, ',');
		strbuf__addc(sb, '"');
		invalid |= escape__json(sb, s + off, n);
		strbuf__addc(sb, '"');
		off += n + 1;
	}
	strbuf__addc(sb, ']');
	return invalid;
}

void strlist__json_hex(struct strbuf *sb, const char *s, size_t len)
{
	size_t off = 0, n;

	strbuf__addc(sb, '[');
	while (next(s, len, &off, &n)) {
		if (off)
			strbuf__addc(sb, ',');
		strbuf__addc(sb, '"');
		escape__hex(sb, s + off, n);
		strbuf__addc(sb, '"');
		off += n + 1;
	}
	strbuf__addc(sb, ']');
}
