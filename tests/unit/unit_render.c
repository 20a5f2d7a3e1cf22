// SPDX-License-Identifier: GPL-2.0
/* One record through a real sink, into memory: what the tests of schemas compare. */
#include <stdlib.h>
#include "lib/sink.h"
#include "unit.h"

const char *unit__render(bool json, const struct render_opts *ro, const struct schema *sc,
			 uint32_t groups, const void *ev, size_t size)
{
	static char *buf;
	struct schema run = *sc; /* as main.c gives each run a copy with its columns */
	const struct schema *schemas[] = { &run };
	size_t len;
	struct sink *s;
	FILE *f;

	setenv("TZ", "UTC", 1);
	free(buf);
	buf = NULL;
	f = open_memstream(&buf, &len);
	if (!f)
		return NULL;
	run.groups = groups;
	s = json ? sink_json__new(f, ro) : sink_table__new(f, ro, schemas, 1);
	sink__record(s, &run, ev, size);
	CHECK_INT(sink__flush(s), 0);
	sink__destroy(s);
	fclose(f);
	return buf;
}
