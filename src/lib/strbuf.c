// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/strbuf.h"

bool strbuf__grow(struct strbuf *sb, size_t extra)
{
	size_t want = sb->len + extra + 1;
	char *p;

	if (sb->oom)
		return false;
	if (want <= sb->cap)
		return true;
	if (want < 256)
		want = 256;
	if (want < sb->cap * 2)
		want = sb->cap * 2;
	p = realloc(sb->buf, want);
	if (!p) {
		sb->oom = true;
		return false;
	}
	sb->buf = p;
	sb->cap = want;
	return true;
}

void strbuf__reset(struct strbuf *sb)
{
	sb->len = 0;
	sb->oom = false;
	if (sb->buf)
		sb->buf[0] = 0;
}

void strbuf__shrink(struct strbuf *sb, size_t cap)
{
	char *p;

	if (cap < sb->len + 1)
		cap = sb->len + 1;
	if (!sb->buf || cap >= sb->cap)
		return;
	p = realloc(sb->buf, cap);
	if (p) {
		sb->buf = p;
		sb->cap = cap;
	}
}

void strbuf__free(struct strbuf *sb)
{
	free(sb->buf);
	memset(sb, 0, sizeof(*sb));
}

void strbuf__adds(struct strbuf *sb, const char *s)
{
	strbuf__add(sb, s, strlen(s));
}

void strbuf__addf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0 || !strbuf__grow(sb, n))
		return;
	va_start(ap, fmt);
	vsnprintf(sb->buf + sb->len, n + 1, fmt, ap);
	va_end(ap);
	sb->len += n;
}

char *decimal__put(char *p, unsigned long long v)
{
	char tmp[20];
	int n = 0;

	do {
		tmp[n++] = '0' + v % 10;
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

void strbuf__add_u64(struct strbuf *sb, unsigned long long v)
{
	char buf[20];

	strbuf__add(sb, buf, decimal__put(buf, v) - buf);
}

void strbuf__add_i64(struct strbuf *sb, long long v)
{
	if (v < 0) {
		strbuf__addc(sb, '-');
		strbuf__add_u64(sb, -(unsigned long long)v);
	} else {
		strbuf__add_u64(sb, v);
	}
}

size_t utf8__seq_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	unsigned int cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		len = 2;
		cp = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		cp = c & 0x0f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, UTF-16 surrogates, beyond U+10FFFF. */
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

/*
 * Adds the run of printable ASCII at s other than `a` and `b`, bytes the
 * escapers keep as they are, to sb at once; returns its length.
 */
static size_t add_plain_run(struct strbuf *sb, const char *s, size_t n, unsigned char a,
			    unsigned char b)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0;

	while (i < n && u[i] >= 0x20 && u[i] < 0x7f && u[i] != a && u[i] != b)
		i++;
	if (i)
		strbuf__add(sb, s, i);
	return i;
}

size_t escape__table(struct strbuf *sb, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t cols = 0;

	for (size_t i = 0; i < n;) {
		size_t run = add_plain_run(sb, s + i, n - i, '\\', '\\');
		unsigned char c;
		size_t len;

		if (run) {
			cols += run;
			i += run;
			continue;
		}
		c = p[i];
		len = utf8__seq_len(p + i, n - i);

		if (len > 1) {
			strbuf__add(sb, s + i, len);
			cols++;
			i += len;
			continue;
		}
		switch (c) {
		case '\n': strbuf__add(sb, "\\n", 2); cols += 2; break;
		case '\t': strbuf__add(sb, "\\t", 2); cols += 2; break;
		case '\r': strbuf__add(sb, "\\r", 2); cols += 2; break;
		case '\\': strbuf__add(sb, "\\\\", 2); cols += 2; break;
		default:
			if (len == 1 && c >= 0x20 && c != 0x7f) {
				strbuf__addc(sb, c);
				cols++;
			} else {
				strbuf__addf(sb, "\\x%02x", c);
				cols += 4;
			}
		}
		i++;
	}
	return cols;
}

bool escape__json(struct strbuf *sb, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	bool invalid = false;

	for (size_t i = 0; i < n;) {
		size_t run = add_plain_run(sb, s + i, n - i, '"', '\\');
		unsigned char c;
		size_t len;

		if (run) {
			i += run;
			continue;
		}
		c = p[i];
		len = utf8__seq_len(p + i, n - i);
		if (len > 1) {
			strbuf__add(sb, s + i, len);
			i += len;
			continue;
		}
		i++;
		if (len == 0) {
			strbuf__add(sb, "\\ufffd", 6);
			invalid = true;
			continue;
		}
		switch (c) {
		case '"': strbuf__add(sb, "\\\"", 2); break;
		case '\\': strbuf__add(sb, "\\\\", 2); break;
		case '\n': strbuf__add(sb, "\\n", 2); break;
		case '\t': strbuf__add(sb, "\\t", 2); break;
		case '\r': strbuf__add(sb, "\\r", 2); break;
		case '\b': strbuf__add(sb, "\\b", 2); break;
		case '\f': strbuf__add(sb, "\\f", 2); break;
		default:
			if (c < 0x20 || c == 0x7f)
				strbuf__addf(sb, "\\u%04x", c);
			else
				strbuf__addc(sb, c);
		}
	}
	return invalid;
}

void escape__hex(struct strbuf *sb, const char *s, size_t n)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		unsigned char c = s[i];

		strbuf__addc(sb, digits[c >> 4]);
		strbuf__addc(sb, digits[c & 15]);
	}
}
