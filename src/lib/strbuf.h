/* SPDX-License-Identifier: GPL-2.0 */
/* A growable byte buffer, and escaping of untrusted bytes into it. */
#ifndef PROCSNOOP_STRBUF_H
#define PROCSNOOP_STRBUF_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

struct strbuf {
	char *buf;
	size_t len, cap;
	bool oom;
};

void strbuf__reset(struct strbuf *sb);
/* Gives back what the buffer holds beyond cap bytes (never less than it uses). */
void strbuf__shrink(struct strbuf *sb, size_t cap);
void strbuf__free(struct strbuf *sb);
/*
 * Room for extra more bytes and the NUL; false (and oom set) when there is
 * none, and after any failure: a buffer that ran out takes nothing more.
 */
bool strbuf__grow(struct strbuf *sb, size_t extra);

/* Inline: a table row or JSON line makes dozens of these calls. */
static inline void strbuf__add(struct strbuf *sb, const char *s, size_t n)
{
	if ((sb->oom || sb->len + n + 1 > sb->cap) && !strbuf__grow(sb, n))
		return;
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = 0;
}

static inline void strbuf__addc(struct strbuf *sb, char c)
{
	if ((sb->oom || sb->len + 2 > sb->cap) && !strbuf__grow(sb, 1))
		return;
	sb->buf[sb->len++] = c;
	sb->buf[sb->len] = 0;
}

void strbuf__adds(struct strbuf *sb, const char *s);
void strbuf__addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* v in decimal at p, which has room for 20 bytes, without a NUL; returns the end. */
char *decimal__put(char *p, unsigned long long v);
/* Decimal numbers without printf, which dominated the per-event cost. */
void strbuf__add_u64(struct strbuf *sb, unsigned long long v);
void strbuf__add_i64(struct strbuf *sb, long long v);
/* n copies of c */
static inline void strbuf__pad(struct strbuf *sb, char c, size_t n)
{
	if (!n || ((sb->oom || sb->len + n + 1 > sb->cap) && !strbuf__grow(sb, n)))
		return;
	memset(sb->buf + sb->len, c, n);
	sb->len += n;
	sb->buf[sb->len] = 0;
}

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when the byte starts none. */
size_t utf8__seq_len(const unsigned char *s, size_t n);

/*
 * One-line, unambiguous text for a table cell: valid UTF-8 is kept,
 * \n \t \r and \\ are escaped, other control and invalid bytes become \xNN.
 * Returns the number of display columns added (one per character).
 */
size_t escape__table(struct strbuf *sb, const char *s, size_t n);

/*
 * A JSON string body (without quotes).  Invalid UTF-8 bytes become U+FFFD;
 * returns true when any did, so the caller can add the exact bytes in hex.
 */
bool escape__json(struct strbuf *sb, const char *s, size_t n);
void escape__hex(struct strbuf *sb, const char *s, size_t n);

#endif
