/* SPDX-License-Identifier: GPL-2.0 */
/* A growable byte buffer, and escaping of untrusted bytes into it. */
#ifndef PROCSNOOP_STRBUF_H
#define PROCSNOOP_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

struct strbuf {
	char *buf;
	size_t len, cap;
	bool oom;
};

void strbuf__reset(struct strbuf *sb);
/* Gives back what the buffer holds beyond cap bytes (never less than it uses). */
void strbuf__shrink(struct strbuf *sb, size_t cap);
void strbuf__free(struct strbuf *sb);
void strbuf__add(struct strbuf *sb, const char *s, size_t n);
void strbuf__addc(struct strbuf *sb, char c);
void strbuf__adds(struct strbuf *sb, const char *s);
void strbuf__addf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Decimal numbers without printf, which dominated the per-event cost. */
void strbuf__add_u64(struct strbuf *sb, unsigned long long v);
void strbuf__add_i64(struct strbuf *sb, long long v);
/* n copies of c */
void strbuf__pad(struct strbuf *sb, char c, size_t n);

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
