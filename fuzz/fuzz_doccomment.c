// SPDX-License-Identifier: GPL-2.0
/* libFuzzer: the `///` doc-comment parser takes any bytes a source file can hold. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "runner/doccomment.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct doc_set d;

	if (doccomment__parse((const char *)data, size, &d) == 0) {
		for (int i = 0; i < d.n; i++) {
			/* Every entry is whole: a name and text, both NUL-terminated. */
			if (!d.entries[i].name || !d.entries[i].text)
				abort();
			if (doccomment__find(&d, d.entries[i].name) == NULL)
				abort();
			(void)strlen(d.entries[i].text);
		}
		if (d.program)
			(void)strlen(d.program);
	}
	doccomment__free(&d);
	return 0;
}
