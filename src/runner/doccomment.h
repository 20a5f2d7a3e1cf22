/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `///` doc comments of a BPF C source, as eunomia-bpf's tutorials write
 * them: the comment block right above a declaration documents it.
 *
 *   /// @description "Process ID to trace"
 *   /// @cmdarg {"short": "p", "long": "pid", "default": 0}
 *   const volatile int pid_target = 0;
 *
 * Tags: `@description TEXT` (quotes optional), `@cmdarg {JSON}` (a global's
 * option), `@sample [{JSON}]` (a map printed every interval), `@unit WORD`,
 * `@export` (the event struct), and on LICENSE `@brief TEXT`, `@details TEXT`
 * and `@version WORD`.  The tags of tc and xdp attachment (`@tchook`,
 * `@tcopts`, `@ifindex`, `@flags`, `@xdpopts`) and `@intepreter` (ecli's
 * spelling: how a buffer map's records read) are kept as raw text.  The
 * comment above LICENSE, else a block standing alone (a blank line below
 * it), describes the program.  The input is untrusted: any bytes are
 * accepted; what is malformed is described in `error`, never fatal here.
 */
#ifndef PROCSNOOP_DOCCOMMENT_H
#define PROCSNOOP_DOCCOMMENT_H

#include <stdbool.h>
#include <stddef.h>

enum doc_value_kind { DOC_NONE, DOC_BOOL, DOC_NUMBER, DOC_STRING };

/* A JSON scalar of an annotation: a number is whole and within +-2^53. */
struct doc_value {
	enum doc_value_kind kind;
	bool b;
	long long n;
	char *s;
};

/* `@cmdarg {"default": V, "short": "p", "long": "pid", "help": "..."}` */
struct doc_cmdarg {
	bool set;
	char shortopt; /* 0 when none */
	char *longopt, *help; /* NULL when none */
	struct doc_value def;
};

enum doc_sample_type { SAMPLE_AUTO, SAMPLE_LOG2_HIST, SAMPLE_LINEAR_HIST, SAMPLE_DEFAULT_KV };

/*
 * `@sample {"interval": MS, "type": "log2_hist" | "linear_hist" | "default_kv",
 * "unit": "usecs", "clear_map": true, "step": N, "min": N, "max": N}`
 */
struct doc_sample {
	enum doc_sample_type type;
	unsigned long long interval_ms; /* 0: --interval's */
	bool clear_map;
	unsigned long long step; /* linear_hist; 0 when not given */
	long long min, max;
	bool has_max;
};

/* A tag as written: its name without '@' and its argument, raw ("" when none). */
struct doc_tag {
	char *name, *value;
};

struct doc_entry {
	char *name; /* the declared identifier */
	char *tag; /* `struct TAG {` / `union TAG {` the declaration defines, or NULL */
	int line; /* of the declaration, from 1 */
	char *text; /* the description, unquoted; "" when none */
	char *unit; /* @unit or the sample's "unit", or NULL */
	bool sample; /* @sample */
	struct doc_sample samp;
	struct doc_cmdarg cmdarg;
	bool export; /* @export */
	char *brief, *details, *version; /* NULL when not given */
	struct doc_tag *tags;
	int ntags;
	char *raw; /* the whole block as written, for the tags others read (netattach.c) */
};

struct doc_set {
	struct doc_entry *entries;
	int n;
	char *program; /* the program's description, or NULL */
	char *details, *version; /* from LICENSE's comment, or NULL */
	char *error; /* the first malformed annotation, one line; NULL when none */
	char **unknown; /* names of unknown tags (without '@'), each once */
	int nunknown;
};

/* 0 or -ENOMEM; `out` is always left freeable. */
int doccomment__parse(const char *src, size_t len, struct doc_set *out);
const struct doc_entry *doccomment__find(const struct doc_set *d, const char *name);
/* The entry of `struct TAG` (or union) marked @export, the first; NULL when none. */
const struct doc_entry *doccomment__exported(const struct doc_set *d);
/* The raw value of tag `name` of an entry, or NULL when it has none. */
const char *doccomment__tag(const struct doc_entry *e, const char *name);
void doccomment__free(struct doc_set *d);

#endif
