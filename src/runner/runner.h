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
#include "lib/metrics.h"
#include "lib/options.h"
#include "runner/doccomment.h"
#include "lib/schema.h"
#include "lib/output.h"
#include "lib/sink.h"

#define RUNNER_NAME "procsnoop run"
#define RUNNER_MAX_HEADERS 16
/* The running kernel's types, unless --btf names a file. */
#define RUN_KERNEL_BTF "/sys/kernel/btf/vmlinux"

/* Entry point from main.c; argv[0] is "run".  Returns the exit status. */
int runner__main(int argc, char **argv);

/* ---- compile.c, source.c ------------------------------------------------ */

struct source_file {
	char *path; /* as given */
	char *text; /* NUL-terminated contents */
	size_t len;
};

/*
 * Compiles the program into the cache (or finds it there), against the
 * running kernel's BTF or the file btf (--btf); *obj_path is malloc'ed.  0; -EINVAL when clang rejected the code (its diagnostics are
 * printed); another -errno when the toolchain could not run.
 */
int compile__program(const struct source_file *src, const struct source_file *headers,
		     int nheaders, const char *btf, char **obj_path, bool *cached);
/*
 * The C put before a program's source (prelude.c): it counts the records its
 * ring buffers refuse, and tags each record with its writer's cgroup (ids.c).
 */
extern const char runner__prelude[];
/* Reads a whole file; 0 or -errno. */
int source__read(const char *path, struct source_file *out);
void source__free(struct source_file *f);
/* Names of the structs a C text defines (`struct NAME {`), in order; n returned. */
int source__struct_names(const char *text, char ***names);

/* ---- flags.c ------------------------------------------------------------ */

enum flag_kind { FLAG_INT, FLAG_UINT, FLAG_BOOL, FLAG_ENUM, FLAG_STR };

struct prog_flag {
	char *name; /* the variable's */
	char *opt; /* its long option: @cmdarg's "long", else the name */
	char shortopt; /* @cmdarg's "short", or 0 */
	bool bool_default; /* FLAG_BOOL: the value before the command line */
	const struct doc_entry *doc; /* its comment, or NULL */
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

/*
 * Every .rodata/.data/.bss variable of an opened (not loaded) object, with
 * its @cmdarg applied (its default written into the image).  0, -ENOMEM, or
 * -EINVAL when an annotation is wrong (said in one line).
 */
int flags__collect(struct bpf_object *obj, const struct doc_set *docs, struct flag_set *fs);
/* One line on stderr about a flag's annotation: "@TAG of NAME (line N): ...". */
void flags__annotation_error(const struct prog_flag *f, const char *tag, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Sets a flag from text; 0, or -EINVAL with *why set. */
int flags__set(const struct flag_set *fs, const struct prog_flag *f, const char *arg,
	       const char **why, char *whybuf, size_t whylen);
void flags__free(struct flag_set *fs);

/* ---- netattach.c -------------------------------------------------------- */

enum tc_mode { TC_MODE_AUTO, TC_MODE_TCX, TC_MODE_CLSACT };

/* --ifindex, --ifname (they win over the annotations) and --tc-mode. */
struct net_opts {
	int ifindex;
	const char *ifname;
	enum tc_mode tc_mode;
};

/* The tc and xdp programs of an object, and where they go. */
struct netattach;
/*
 * Before the load: finds the tc and xdp programs and reads their
 * annotations.  0; -EINVAL after one line naming the program and the
 * problem; -ENOMEM.
 */
int netattach__prepare(struct bpf_object *obj, const struct doc_set *docs,
		       const struct net_opts *o, struct netattach **out);
/* True for a program netattach attaches (attach__all leaves it alone). */
bool netattach__owns(const struct netattach *na, const struct bpf_program *prog);
/* After the load: attaches each, one line on stderr says where.  0 or -errno (printed). */
int netattach__attach(struct netattach *na);
/* Detaches everything attached; safe to call again. */
void netattach__detach(struct netattach *na);
void netattach__free(struct netattach *na);
/* True for the annotation tags read here (@tchook, @tcopts, @ifindex, @flags, @xdpopts). */
bool netattach__is_tag(const char *word, size_t n);

/* ---- cmdline.c ---------------------------------------------------------- */

/* --uprobe-target and --uprobe-pid (uprobe.c). */
struct uprobe_opts {
	const char *target; /* the binary, or NULL */
	int pid; /* the process, or 0 */
};

struct run_opts {
	enum output_format output;
	double duration, interval;
	bool interval_given; /* -i: it overrides the intervals @sample gives */
	int verbosity;
	bool quiet; /* no event output: an exporter with --metrics */
	struct metrics_opts metrics;
	struct net_opts net;
	const char *event_type;
	bool build; /* --build: write an object that runs alone, and stop */
	const char *object_out; /* -O: the object --build writes */
	const char *btf; /* --btf: the kernel's BTF from this file */
	struct uprobe_opts uprobe;
	unsigned int freq; /* --freq: samples a second of perf_event programs */
	const char *prog;
	const char *headers[RUNNER_MAX_HEADERS];
	int nheaders;
	struct flag_set *flags;
	bool flags_only; /* the part after `--` */
};

/* The argp options built for one program: the runner's, and its flags. */
struct cmdline {
	struct argp_option *opts, *flag_opts;
	char **names; /* option names and docs made for the program's flags */
	int nnames;
};

/*
 * Finds PROG, its headers, -v, and --help or --version (*help: no program
 * needed) before the real parse: the flags depend on PROG.
 */
void cmdline__prescan(int argc, char **argv, struct run_opts *o, bool *help);
/*
 * Parses the command line against the runner's options and o->flags (the
 * program's, named `name`, described by docs: the program's description,
 * details and version); 0 or EXIT_USAGE.
 */
int cmdline__parse(struct cmdline *cl, struct run_opts *o, const char *name,
		   const struct doc_set *docs, int argc, char **argv);
void cmdline__free(struct cmdline *cl);

/* ---- attach.c ----------------------------------------------------------- */

struct attach_set {
	struct bpf_link **links;
	int n, cap;
};

/* Keeps link in the set (destroyed with it); 0, or -ENOMEM (link destroyed). */
int attach__keep(struct attach_set *as, struct bpf_link *link);

/* Loads the object; on failure prints why in the verifier's words.  0 or -errno. */
int attach__load(struct bpf_object *obj, const char *what);
/*
 * Attaches every program by its section name, except those na attaches; one
 * line naming any that cannot.
 */
int attach__all(struct bpf_object *obj, const struct netattach *na,
		const struct uprobe_opts *uo, unsigned int freq, struct attach_set *out);

/* ---- perfattach.c ------------------------------------------------------- */

/* A SEC("perf_event") program: perfattach__attach's. */
bool perfattach__owns(const struct bpf_program *prog);
/* One CPU clock perf event per online CPU, freq samples a second; 0 or -errno (said). */
int perfattach__attach(struct bpf_program *prog, unsigned int freq, struct attach_set *as);

/* ---- uprobe.c ----------------------------------------------------------- */

/*
 * A uprobe whose binary comes from the command line (SEC("uprobe"),
 * SEC("uprobe/FUNC")), or any uprobe with --uprobe-pid: uprobe__attach's.
 */
bool uprobe__owns(const struct bpf_program *prog, const struct uprobe_opts *o);
/* Attaches it and says where on stderr; 0, or -EINVAL when it cannot (said in one line). */
int uprobe__attach(struct bpf_program *prog, const struct uprobe_opts *o, struct bpf_link **out);
void attach__destroy(struct attach_set *as);
/* True when some program calls bpf_trace_printk or bpf_trace_vprintk. */
bool attach__uses_printk(struct bpf_object *obj);

/* ---- event_type.c ------------------------------------------------------- */

/* The BTF type id of the event struct, or 0 (*why says why not). */
__u32 events__find_type(const struct btf *btf, const struct source_file *src,
			const struct source_file *headers, int nheaders, const char **why);

/* ---- embed.c ------------------------------------------------------------ */

/* The section of an object `--build` wrote: what a run takes from the source. */
#define RUN_EMBED_SECTION ".procsnoop.run"

struct embed {
	bool present; /* the object has the section */
	char *name; /* the program's */
	char *source_name; /* the source's file name */
	char *event_type; /* the event struct, or NULL */
	char *source; /* NUL-terminated */
	size_t source_len;
};

/* Writes obj with e in its section to out (through a file beside it); 0 or -errno. */
int embed__write(const char *obj, const char *out, const struct embed *e);
/* The section of obj into *e (e->present false without one); 0, or -EINVAL when unreadable. */
int embed__read(const char *obj, struct embed *e);
/* The section's bytes (untrusted) into *e: 0, -EINVAL (e left empty) or -ENOMEM. */
int embed__parse(const char *bytes, size_t len, struct embed *e);
void embed__free(struct embed *e);

/* ---- buffers.c ---------------------------------------------------------- */

struct stream_source;
/*
 * The per-CPU counter of records the program's ring buffers refused: a
 * program compiled by procsnoop has it (compile.c wraps the helpers).
 */
#define RUN_LOST_MAP "procsnoop_lost"

/* ---- ids.c -------------------------------------------------------------- */

/* The prelude's switch for the cgroup ids of records, alone in its section. */
#define RUN_IDS_VAR "__procsnoop_ids" /* flags.c makes no flag of a __procsnoop name */
#define RUN_IDS_SECTION ".rodata.procsnoop"
/* Marks the ids a record carries (prelude.c says where). */
#define RUN_IDS_MAGIC 0x73646970736e7270ull
/*
 * Before the load: switches the ids on when the object was compiled with the
 * prelude and every program runs in a task's context (kprobes, tracepoints,
 * fentry, perf_event, LSM), where the cgroup helper exists.  True when on.
 */
bool ids__enable(struct bpf_object *obj);
/*
 * A record of a program with the ids on: when it carries them, takes them
 * off (*data and *size then describe the program's own bytes) and returns
 * the cgroup id; else 0.  perf: a perf buffer's record, else a ring buffer's.
 */
uint64_t ids__take(const void **data, size_t *size, bool perf);
/*
 * The ring buffer and perf event array maps of a loaded object, as one
 * stream source of EVENT_USER records; *out NULL when it has none.  ids:
 * ids__enable() switched the records' cgroup ids on.
 */
int buffers__source(struct bpf_object *obj, bool ids, struct stream_source **out);

/* ---- trace_pipe.c ------------------------------------------------------- */

/* bpf_printk output: raw lines, or JSON records when json. */
struct trace_pipe;
/* Opens trace_pipe and discards what is already there; reads start once an output is set. */
int trace_pipe__open(bool json, struct trace_pipe **tp);
void trace_pipe__set_output(struct trace_pipe *tp, struct output *out);
/* Its stream source: the lines as they come, their count in the summary. */
struct stream_source *trace_pipe__source(struct trace_pipe *tp);
void trace_pipe__destroy(struct trace_pipe *tp);

/* ---- sample.c ----------------------------------------------------------- */

struct sampler;
/*
 * The hash and array maps documented with @sample, of an opened object;
 * *out NULL when none are.  -EINVAL (said in one line) when a map cannot be
 * sampled as its annotation asks.
 */
int sample__open(struct bpf_object *obj, const struct doc_set *docs, struct sampler **out_s);
/* Where and how the maps are printed: text, or JSON lines. */
void sample__set_output(struct sampler *s, struct output *out, bool json);
/*
 * Its stream source: each sampled map every interval (its @sample's, unless
 * `forced`), and once more at the end.
 */
struct stream_source *sample__source(struct sampler *s, double interval_s, bool forced);
void sample__destroy(struct sampler *s);

#endif
