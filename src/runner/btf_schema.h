/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A record schema derived from a BTF struct, for events whose layout is
 * known only at run time (`procsnoop run`).  Integers, bools, enums (by
 * name), char arrays (as strings), pointers, floats; small arrays become
 * one field per element ("slots[3]"), larger ones hex bytes; nested
 * structs and unions are flattened with dotted keys ("task.pid").
 * Bitfields are left out.  The BTF is untrusted: cycles, huge arrays and
 * absurd offsets end the walk, never the process.
 */
#ifndef PROCSNOOP_BTF_SCHEMA_H
#define PROCSNOOP_BTF_SCHEMA_H

#include <stddef.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "lib/schema.h"

#define BTF_SCHEMA_MAX_FIELDS 256
#define BTF_SCHEMA_MAX_ARRAY 32 /* arrays up to this many elements are flattened */

struct btf_schema_opts {
	const char *name; /* schema name: the JSON "type" */
	enum event_type type;
	size_t base; /* the struct starts this many bytes into a record */
	const char *key_prefix; /* every key under this one: "key" gives "key.pid" */
	bool time_field; /* a TIME field from the event_header comes first */
	/*
	 * The fields of a stack trace record, from ecli's @intepreter {"stack_trace":
	 * {"field_map": {...}}}: each name, NULL for the default; raw: addresses
	 * without symbols ("with_symbols": false).
	 */
	struct {
		const char *kstack, *ustack, *kstack_sz, *ustack_sz, *pid;
		bool raw;
	} stack_names;
	/* The stack trace map that fields named kstack_id, user_stack_id... index, or NULL. */
	const struct bpf_map *stack_map;
	/* Fields of the whole record put after the struct's, but for a key the struct has. */
	const struct field *extra;
	int nextra;
};

/* 0, -EINVAL when `id` is not a struct or union, -ENOMEM; free with btf_schema__free. */
int btf_schema__new(const struct btf *btf, __u32 id, const struct btf_schema_opts *opts,
		    struct schema **out);
void btf_schema__free(struct schema *sc);
/* The type behind typedefs and qualifiers (at most 32 of them), or NULL. */
const struct btf_type *btf_schema__skip_mods(const struct btf *btf, __u32 id, __u32 *res_id);

#endif
