// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer: the section `procsnoop run --build` writes is read back from
 * objects that may come from anyone.  Whatever the bytes, the parser gives a
 * whole record or nothing: names of one line, a source exactly as long as it
 * says and NUL-terminated, and freeing it leaves nothing behind (ASan's leak
 * check).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "runner/runner.h"

static void one_line(const char *s)
{
	if (s && strchr(s, '\n'))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct embed e;
	int err = embed__parse((const char *)data, size, &e);

	if (err) {
		if (e.present || e.name || e.source)
			abort();
		return 0;
	}
	if (!e.present || !e.name || !e.source_name || !e.source || e.source_len > size ||
	    e.source[e.source_len] != 0 ||
	    memcmp(e.source, data + size - e.source_len, e.source_len))
		abort();
	one_line(e.name);
	one_line(e.source_name);
	one_line(e.event_type);
	embed__free(&e);
	return 0;
}
