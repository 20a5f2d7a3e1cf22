// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer: the BTF-to-schema walker over any BTF libbpf accepts.  Every
 * struct and union becomes a schema; each field must lie inside a record
 * and render without reading past it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "runner/btf_schema.h"

static int quiet(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char record[0x10000];
	struct btf *btf;

	libbpf_set_print(quiet);
	btf = btf__new(data, size);
	if (!btf)
		return 0;
	for (__u32 id = 1; id < btf__type_cnt(btf) && id < 512; id++) {
		struct btf_schema_opts o = { .name = "fuzz", .type = EVENT_USER,
					     .base = sizeof(struct event_header), .time_field = true };
		struct schema *sc;

		if (btf_schema__new(btf, id, &o, &sc))
			continue;
		for (int i = 0; i < sc->nfields; i++) {
			const struct field *f = &sc->fields[i];
			struct render_opts ro = {};
			struct value v;
			char scratch[256];
			struct field_ctx c = { .ev = record, .size = 64, .ro = &ro, .json = i & 1,
					       .scratch = scratch, .scratch_len = sizeof(scratch) };

			if (!f->key || !f->header || (size_t)f->offset + f->size > sizeof(record))
				abort();
			if (f->kind == FK_ENUM && f->nnames && !f->names)
				abort();
			/* A record cut short: fields past its end are null, never read. */
			field__value(f, &c, &v);
			c.size = sizeof(record);
			field__value(f, &c, &v);
		}
		btf_schema__free(sc);
	}
	btf__free(btf);
	return 0;
}
