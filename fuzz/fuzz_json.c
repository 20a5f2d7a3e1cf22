// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer: the JSON reader reads the runtimes' state files, which procsnoop
 * does not write.  Whatever the bytes, it returns a tree or NULL; a tree's
 * strings are as long as they say, an object has a key for every member, and
 * freeing it leaves nothing behind (ASan's leak check).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "lib/json_read.h"

static void walk(const struct json *v, int depth)
{
	if (depth > JSON_MAX_DEPTH + 1)
		abort();
	switch (v->type) {
	case JSON_STRING:
		if (!v->s || strnlen(v->s, v->len + 1) > v->len)
			abort();
		break;
	case JSON_OBJECT:
		for (size_t i = 0; i < v->len; i++) {
			if (!v->keys[i] || json__get(v, v->keys[i]) == NULL)
				abort();
			walk(v->items[i], depth + 1);
		}
		break;
	case JSON_ARRAY:
		for (size_t i = 0; i < v->len; i++)
			if (json__at(v, i) != v->items[i])
				abort();
			else
				walk(v->items[i], depth + 1);
		break;
	default:
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json *v = json__parse((const char *)data, size);

	if (v)
		walk(v, 0);
	json__free(v);
	return 0;
}
