/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `procsnoop run PROG.bpf.c [HEADER.h ...] [-- program flags]`: compile a
 * tutorial-style libbpf program (or take a prebuilt .bpf.o), turn its
 * globals into flags, load and attach every program, and print what it
 * produces: ring buffer and perf buffer events as records, bpf_printk
 * lines from trace_pipe, and the maps it marks with `/// @sample`.
 */
#ifndef PROCSNOOP_RUNNER_H
#define PROCSNOOP_RUNNER_H

#include <argp.h>
#include <stdbool.h>
#include <stdio.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "runner/doccomment.h"
#include "lib/schema.h"
#include "lib/output.h"
#include "lib/sink.h"

/* Entry point from main.c; argv[0] is "run".  Returns the exit status. */
int runner__main(int argc, char **argv);

/* ---- compile.c, source.c ------------------------------------------------ */

struct source_file {
	char *path; /* as given */
	char *text; /* NUL-terminated contents */
	size_t len;
};

/*
 * Compiles the program into the cache (or finds it there); *obj_path is
 * malloc'ed.  0; -EINVAL when clang rejected the code (its diagnostics are
 * printed); another -errno when the toolchain could not run.
 */
int compile__program(const struct source_file *src, const struct source_file *headers,
		     int nheaders, char **obj_path, bool *cached);
/* Reads a whole file; 0 or -errno. */
int source__read(const char *path, struct source_file *out);
void source__free(struct source_file *f);
/* Names of the structs a C text defines (`struct NAME {`), in order; n returned. */
int source__struct_names(const char *text, char ***names);

/* ---- flags.c ------------------------------------------------------------ */

enum flag_kind { FLAG_INT, FLAG_UINT, FLAG_BOOL, FLAG_ENUM, FLAG_STR };

struct prog_flag {
	char *name;
	enum flag_kind kind;
	unsigned size;
	void *data; /* where the value lives in the map's initial image */
	const struct btf_type *enum_type;
	char *help; /* option doc: description, choices, default */
	char *arg; /* argp arg name */
};

struct flag_set {
	const struct btf *btf;
	struct prog_flag *v;
	int n;
};

/* Every .rodata/.data/.bss variable of an opened (not loaded) object. */
int flags__collect(struct bpf_object *obj, const struct doc_set *docs, struct flag_set *fs);
/* Sets a flag from text; 0, or -EINVAL with *why set. */
int flags__set(const struct flag_set *fs, const struct prog_flag *f, const char *arg,
	       const char **why, char *whybuf, size_t whylen);
void flags__free(struct flag_set *fs);

/* ---- attach.c ----------------------------------------------------------- */

struct attach_set {
	struct bpf_link **links;
	int n;
};

/* Loads the object; on failure prints why in the verifier's words.  0 or -errno. */
int attach__load(struct bpf_object *obj, const char *what);
/* Attaches every program by its section name; one line naming any that cannot. */
int attach__all(struct bpf_object *obj, struct attach_set *out);
void attach__destroy(struct attach_set *as);
/* True when some program calls bpf_trace_printk or bpf_trace_vprintk. */
bool attach__uses_printk(struct bpf_object *obj);

/* ---- events.c ----------------------------------------------------------- */

/* The BTF type id of the event struct, or 0 (*why says why not). */
__u32 events__find_type(const struct btf *btf, const struct source_file *src,
			const struct source_file *headers, int nheaders, const char **why);

struct event_readers;
struct readers_opts {
	const struct schema *schema; /* of records: an event_header, then the raw event */
	struct sink **sinks;
	int nsinks;
	int epoll_fd;
};
/* Ring buffer and perf event array maps of a loaded object; *out NULL when it has none. */
int events__open(struct bpf_object *obj, const struct readers_opts *opts,
		 struct event_readers **out);
/* Consumes whatever is ready. */
int events__consume(struct event_readers *r);
void events__stats(const struct event_readers *r, uint64_t *events, uint64_t *lost);
void events__destroy(struct event_readers *r);

/* ---- trace_pipe.c ------------------------------------------------------- */

struct trace_pipe;
/* Streams bpf_printk output: raw lines, or JSON records when json. */
/* Opens trace_pipe and discards what is already there; reads start once an output is set. */
int trace_pipe__open(bool json, int epoll_fd, struct trace_pipe **tp);
void trace_pipe__set_output(struct trace_pipe *tp, struct output *out);
int trace_pipe__read(struct trace_pipe *tp);
uint64_t trace_pipe__lines(const struct trace_pipe *tp);
void trace_pipe__destroy(struct trace_pipe *tp);

/* ---- sample.c ----------------------------------------------------------- */

struct sampler;
/* The hash and array maps documented with @sample; *out NULL when none are. */
int sample__open(struct bpf_object *obj, const struct doc_set *docs, struct output *out, bool json,
		 struct sampler **out_s);
/* Prints every sampled map once. */
int sample__print(struct sampler *s);
void sample__destroy(struct sampler *s);

#endif
