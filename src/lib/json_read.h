/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small JSON reader for the files procsnoop reads but does not write (a
 * container runtime's state).  It builds a tree of the whole text, with
 * strings decoded to UTF-8, and refuses what is not JSON, nested deeper than
 * JSON_MAX_DEPTH, or (at any size) cut short.  The input is untrusted.
 */
#ifndef PROCSNOOP_JSON_READ_H
#define PROCSNOOP_JSON_READ_H

#include <stdbool.h>
#include <stddef.h>

#define JSON_MAX_DEPTH 64

enum json_type { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

struct json {
	enum json_type type;
	bool b;
	double n;
	char *s; /* JSON_STRING: decoded, NUL-terminated (an embedded \u0000 ends it early) */
	size_t len; /* JSON_STRING: bytes; JSON_ARRAY, JSON_OBJECT: members */
	char **keys; /* JSON_OBJECT */
	struct json **items; /* JSON_ARRAY, JSON_OBJECT */
};

/* The tree of text[0..len), or NULL (not JSON, too deep, or no memory). */
struct json *json__parse(const char *text, size_t len);
/* The member of an object named key (the first), or NULL; NULL-safe. */
const struct json *json__get(const struct json *obj, const char *key);
/* Item i of an array, or NULL; NULL-safe. */
const struct json *json__at(const struct json *arr, size_t i);
/* The string, or NULL when v is not a string; NULL-safe. */
const char *json__str(const struct json *v);
void json__free(struct json *v);
/* The tree of the regular file at path (at most max bytes), or NULL (missing, too big, not JSON). */
struct json *json__read_file(const char *path, size_t max);

#endif
