/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A list of strings as the kernel keeps an argument vector: each string
 * followed by its NUL, the last one without it when the bytes were cut.
 */
#ifndef PROCSNOOP_STRLIST_H
#define PROCSNOOP_STRLIST_H

#include <stdbool.h>
#include <stddef.h>
#include "lib/strbuf.h"

/* Number of strings in len bytes. */
size_t strlist__count(const char *s, size_t len);
/* Bytes of the first max strings (each with its NUL). */
size_t strlist__prefix(const char *s, size_t len, size_t max);
/*
 * Table text: the strings joined by spaces, each escaped as escape__table
 * does; with quote, each in double quotes with \" inside.  Returns the
 * display columns added.
 */
size_t strlist__table(struct strbuf *sb, const char *s, size_t len, bool quote);
/* A JSON array of strings; returns true when a string held invalid UTF-8. */
bool strlist__json(struct strbuf *sb, const char *s, size_t len);
/* A JSON array of the strings' exact bytes in hex. */
void strlist__json_hex(struct strbuf *sb, const char *s, size_t len);

#endif
