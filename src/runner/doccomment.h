/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `///` doc comments of a BPF C source, as eunomia-bpf's tutorials write
 * them: the comment block right above a declaration documents it.
 *
 *   /// @description "Process ID to trace"
 *   const volatile int pid_target = 0;
 *
 * Tags: `@description TEXT` (quotes optional), `@sample` (a map printed every
 * interval), `@unit WORD` (the unit of a histogram's slots).  The comment
 * above LICENSE, else a block standing alone (a blank line below it),
 * describes the program.  The input is untrusted: any bytes are accepted.
 */
#ifndef PROCSNOOP_DOCCOMMENT_H
#define PROCSNOOP_DOCCOMMENT_H

#include <stdbool.h>
#include <stddef.h>

struct doc_entry {
	char *name; /* the declared identifier */
	char *text; /* the description, unquoted; "" when none */
	char *unit; /* @unit, or NULL */
	bool sample; /* @sample */
	char *raw; /* the whole block as written, for the tags others read (netattach.c) */
};

struct doc_set {
	struct doc_entry *entries;
	int n;
	char *program; /* the program's description, or NULL */
};

/* 0 or -ENOMEM; `out` is always left freeable. */
int doccomment__parse(const char *src, size_t len, struct doc_set *out);
const struct doc_entry *doccomment__find(const struct doc_set *d, const char *name);
void doccomment__free(struct doc_set *d);

#endif
