// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer: the `///` doc-comment parser takes any bytes a source file can
 * hold, the JSON of @cmdarg, @sample and the tc/xdp tags included.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "runner/doccomment.h"

static void check_entry(const struct doc_set *d, const struct doc_entry *e)
{
	/* Every entry is whole: a name and text, both NUL-terminated. */
	if (!e->name || !e->text)
		abort();
	if (doccomment__find(d, e->name) == NULL)
		abort();
	(void)strlen(e->text);
	if (e->cmdarg.shortopt && !e->cmdarg.set)
		abort();
	if (e->cmdarg.longopt && (!e->cmdarg.longopt[0] || e->cmdarg.longopt[0] == '-'))
		abort();
	if (e->cmdarg.def.kind == DOC_STRING && !e->cmdarg.def.s)
		abort();
	if (e->samp.type > SAMPLE_DEFAULT_KV || (e->samp.type && !e->sample))
		abort();
	if (e->export && doccomment__exported(d) == NULL && e->tag)
		abort();
	for (int t = 0; t < e->ntags; t++) {
		if (!e->tags[t].name || !e->tags[t].value)
			abort();
		if (!doccomment__tag(e, e->tags[t].name))
			abort();
	}
	const char *texts[] = { e->unit, e->brief, e->details, e->version, e->tag };

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		if (texts[i])
			(void)strlen(texts[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct doc_set d;

	if (doccomment__parse((const char *)data, size, &d) == 0) {
		for (int i = 0; i < d.n; i++)
			check_entry(&d, &d.entries[i]);
		for (int i = 0; i < d.nunknown; i++)
			if (!d.unknown[i] || !d.unknown[i][0])
				abort();
		/* A malformed annotation is one line. */
		if (d.error && strchr(d.error, '\n'))
			abort();
		if (d.program)
			(void)strlen(d.program);
		if (d.details)
			(void)strlen(d.details);
		if (d.version)
			(void)strlen(d.version);
	}
	doccomment__free(&d);
	return 0;
}
