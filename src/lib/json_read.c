// SPDX-License-Identifier: GPL-2.0
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lib/json_read.h"
#include "lib/strbuf.h"

struct reader {
	const char *p, *end;
};

static void skip_space(struct reader *r)
{
	while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
		r->p++;
}

static bool literal(struct reader *r, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
		return false;
	r->p += n;
	return true;
}

static int hex4(const char *p)
{
	int v = 0;

	for (int i = 0; i < 4; i++) {
		char c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= c - '0';
		else if (c >= 'a' && c <= 'f')
			v |= c - 'a' + 10;
		else if (c >= 'A' && c <= 'F')
			v |= c - 'A' + 10;
		else
			return -1;
	}
	return v;
}

static void add_utf8(struct strbuf *b, unsigned int cp)
{
	if (cp < 0x80) {
		strbuf__addc(b, cp);
	} else if (cp < 0x800) {
		strbuf__addc(b, 0xc0 | (cp >> 6));
		strbuf__addc(b, 0x80 | (cp & 0x3f));
	} else if (cp < 0x10000) {
		strbuf__addc(b, 0xe0 | (cp >> 12));
		strbuf__addc(b, 0x80 | ((cp >> 6) & 0x3f));
		strbuf__addc(b, 0x80 | (cp & 0x3f));
	} else {
		strbuf__addc(b, 0xf0 | (cp >> 18));
		strbuf__addc(b, 0x80 | ((cp >> 12) & 0x3f));
		strbuf__addc(b, 0x80 | ((cp >> 6) & 0x3f));
		strbuf__addc(b, 0x80 | (cp & 0x3f));
	}
}

/* A string at r->p (its opening quote); its decoded bytes in *out (malloc'd), or false. */
static bool string(struct reader *r, char **out, size_t *len)
{
	struct strbuf b = {};

	r->p++;
	while (r->p < r->end && *r->p != '"') {
		unsigned char c = *r->p++;

		if (c < 0x20)
			goto fail;
		if (c != '\\') {
			strbuf__addc(&b, c);
			continue;
		}
		if (r->p >= r->end)
			goto fail;
		c = *r->p++;
		switch (c) {
		case '"':
		case '\\':
		case '/':
			strbuf__addc(&b, c);
			break;
		case 'b':
			strbuf__addc(&b, '\b');
			break;
		case 'f':
			strbuf__addc(&b, '\f');
			break;
		case 'n':
			strbuf__addc(&b, '\n');
			break;
		case 'r':
			strbuf__addc(&b, '\r');
			break;
		case 't':
			strbuf__addc(&b, '\t');
			break;
		case 'u': {
			int cp, lo;

			if (r->end - r->p < 4 || (cp = hex4(r->p)) < 0)
				goto fail;
			r->p += 4;
			/* A surrogate pair makes one code point; a lone half becomes U+FFFD. */
			if (cp >= 0xd800 && cp < 0xdc00 && r->end - r->p >= 6 && r->p[0] == '\\' &&
			    r->p[1] == 'u' && (lo = hex4(r->p + 2)) >= 0xdc00 && lo < 0xe000) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				r->p += 6;
			} else if (cp >= 0xd800 && cp < 0xe000) {
				cp = 0xfffd;
			}
			add_utf8(&b, cp);
			break;
		}
		default:
			goto fail;
		}
	}
	if (r->p >= r->end)
		goto fail;
	r->p++;
	strbuf__addc(&b, 0);
	if (b.oom)
		goto fail;
	*out = b.buf;
	*len = b.len - 1;
	return true;
fail:
	strbuf__free(&b);
	return false;
}

static bool number(struct reader *r, double *out)
{
	char buf[64], *end;
	size_t n = 0;

	while (r->p + n < r->end && n < sizeof(buf) - 1 &&
	       strchr("+-0123456789.eE", r->p[n]) && r->p[n])
		n++;
	if (!n || n == sizeof(buf) - 1)
		return false;
	memcpy(buf, r->p, n);
	buf[n] = 0;
	*out = strtod(buf, &end);
	if (end != buf + n)
		return false;
	r->p += n;
	return true;
}

static struct json *value(struct reader *r, int depth);

/* Appends item (and key, for an object) to v, its room doubling; false without memory. */
static bool append(struct json *v, char *key, struct json *item)
{
	if (v->len >= 4 ? !(v->len & (v->len - 1)) : !v->len) {
		size_t room = v->len ? 2 * v->len : 4;
		struct json **items = realloc(v->items, room * sizeof(*items));

		if (!items)
			return false;
		v->items = items;
		if (v->type == JSON_OBJECT) {
			char **keys = realloc(v->keys, room * sizeof(*keys));

			if (!keys)
				return false;
			v->keys = keys;
		}
	}
	if (v->type == JSON_OBJECT)
		v->keys[v->len] = key;
	v->items[v->len++] = item;
	return true;
}

static struct json *container(struct reader *r, int depth, bool object)
{
	struct json *v = calloc(1, sizeof(*v));
	char close = object ? '}' : ']';

	if (!v)
		return NULL;
	v->type = object ? JSON_OBJECT : JSON_ARRAY;
	r->p++;
	skip_space(r);
	if (r->p < r->end && *r->p == close) {
		r->p++;
		return v;
	}
	for (;;) {
		char *key = NULL;
		size_t klen;
		struct json *item;

		skip_space(r);
		if (object) {
			if (r->p >= r->end || *r->p != '"' || !string(r, &key, &klen))
				goto fail;
			skip_space(r);
			if (r->p >= r->end || *r->p != ':') {
				free(key);
				goto fail;
			}
			r->p++;
		}
		item = value(r, depth + 1);
		if (!item || !append(v, key, item)) {
			free(key);
			json__free(item);
			goto fail;
		}
		skip_space(r);
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			continue;
		}
		if (r->p < r->end && *r->p == close) {
			r->p++;
			return v;
		}
		goto fail;
	}
fail:
	json__free(v);
	return NULL;
}

static struct json *value(struct reader *r, int depth)
{
	struct json *v;

	if (depth > JSON_MAX_DEPTH)
		return NULL;
	skip_space(r);
	if (r->p >= r->end)
		return NULL;
	if (*r->p == '{' || *r->p == '[')
		return container(r, depth, *r->p == '{');
	v = calloc(1, sizeof(*v));
	if (!v)
		return NULL;
	if (*r->p == '"') {
		v->type = JSON_STRING;
		if (string(r, &v->s, &v->len))
			return v;
	} else if (literal(r, "true") || literal(r, "false")) {
		v->type = JSON_BOOL;
		v->b = r->p[-1] == 'e' && r->p[-2] == 'u';
		return v;
	} else if (literal(r, "null")) {
		return v;
	} else {
		v->type = JSON_NUMBER;
		if (number(r, &v->n))
			return v;
	}
	free(v);
	return NULL;
}

struct json *json__parse(const char *text, size_t len)
{
	struct reader r = { text, text + len };
	struct json *v = value(&r, 0);

	skip_space(&r);
	if (v && r.p != r.end) {
		json__free(v);
		return NULL;
	}
	return v;
}

const struct json *json__get(const struct json *obj, const char *key)
{
	if (!obj || obj->type != JSON_OBJECT)
		return NULL;
	for (size_t i = 0; i < obj->len; i++)
		if (strcmp(obj->keys[i], key) == 0)
			return obj->items[i];
	return NULL;
}

const struct json *json__at(const struct json *arr, size_t i)
{
	return arr && arr->type == JSON_ARRAY && i < arr->len ? arr->items[i] : NULL;
}

const char *json__str(const struct json *v)
{
	return v && v->type == JSON_STRING ? v->s : NULL;
}

void json__free(struct json *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->len && v->items; i++) {
		json__free(v->items[i]);
		if (v->keys)
			free(v->keys[i]);
	}
	free(v->items);
	free(v->keys);
	free(v->s);
	free(v);
}

struct json *json__read_file(const char *path, size_t max)
{
	struct json *v = NULL;
	struct stat st;
	char *buf;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size <= max &&
	    (buf = malloc(st.st_size + 1))) {
		ssize_t n = read(fd, buf, st.st_size);

		if (n == st.st_size)
			v = json__parse(buf, n);
		free(buf);
	}
	close(fd);
	return v;
}
