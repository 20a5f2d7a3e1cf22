// SPDX-License-Identifier: GPL-2.0
/*
 * procsnoop run: the life of one program from source to stop.  Its events,
 * printk lines and sampled maps go through the same stream as the tracers'.
 */
#include <argp.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "runner/btf_schema.h"
#include "lib/containers.h"
#include "lib/json_read.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/options.h"
#include "lib/stream.h"
#include "runner/compile.h"
#include "runner/runner.h"

#define EM_BPF_MACHINE 247

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

enum input_kind { INPUT_C, INPUT_OBJECT };

/* One clear line for a file that is missing, unreadable, or neither C nor a BPF object. */
static int classify(const char *path, enum input_kind *kind)
{
	unsigned char h[20] = {};
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		pr_err("cannot read %s: %s", path, strerror(errno));
		return -errno;
	}
	n = read(fd, h, sizeof(h));
	close(fd);
	if (n >= 4 && memcmp(h, "\177ELF", 4) == 0) {
		if (n < 20 || (h[18] | h[19] << 8) != EM_BPF_MACHINE) {
			pr_err("%s is an ELF file but not a BPF object (compile it with clang "
			       "-target bpf)", path);
			return -EINVAL;
		}
		*kind = INPUT_OBJECT;
		return 0;
	}
	n = strlen(path);
	if (n < 2 || strcmp(path + n - 2, ".c") != 0) {
		pr_err("%s is neither C source (a .c file) nor a BPF object (ELF)", path);
		return -EINVAL;
	}
	*kind = INPUT_C;
	return 0;
}

static bool binary(const struct source_file *f)
{
	return memchr(f->text, 0, f->len) != NULL;
}

/* "execsnoop" of ".../execsnoop.bpf.c" */
static char *prog_name(const char *path)
{
	char *copy = strdup(path), *base, *dot;

	if (!copy)
		return NULL;
	base = strdup(basename(copy));
	free(copy);
	if (base && (dot = strchr(base, '.')) && dot != base)
		*dot = 0;
	return base;
}

struct runtime {
	struct run_opts o;
	struct source_file src, headers[RUNNER_MAX_HEADERS];
	struct doc_set docs;
	struct flag_set flags;
	char *obj_path, *name;
	char *exported, *exported_in; /* the struct marked @export and its file, or NULL */
	char *export_conflict; /* two structs marked @export, or NULL */
	struct bpf_object *obj;
	struct schema *schema;
	struct attach_set links;
	struct netattach *net;
	struct stream_source *buffers;
	struct trace_pipe *tp;
	struct sampler *sampler;
	struct sink *sink, *metrics;
	struct output *raw;
	struct cmdline cmdline;
	struct embed emb; /* what --build put in the object, when it is one */
	bool ids; /* records carry their writer's cgroup id (ids.c) */
	struct containers *containers; /* maps it to a container, when ids */
};

static void runtime__destroy(struct runtime *r)
{
	/* Outputs restore stdout's flags in the reverse order they took them. */
	if (r->raw)
		output__close(r->raw, 1000);
	sink__destroy(r->sink);
	sink__destroy(r->metrics);
	sample__destroy(r->sampler);
	trace_pipe__destroy(r->tp);
	stream_source__destroy(r->buffers);
	attach__destroy(&r->links);
	netattach__free(r->net);
	bpf_object__close(r->obj);
	btf_schema__free(r->schema);
	flags__free(&r->flags);
	doccomment__free(&r->docs);
	source__free(&r->src);
	for (int i = 0; i < RUNNER_MAX_HEADERS; i++)
		source__free(&r->headers[i]);
	cmdline__free(&r->cmdline);
	containers__free(r->containers);
	embed__free(&r->emb);
	free(r->obj_path);
	free(r->name);
	free(r->exported);
	free(r->exported_in);
	free(r->export_conflict);
}

/* The structs a doc set marks @export: the first is the event type; another one is a conflict. */
static int note_exports(struct runtime *r, const struct doc_set *d, const char *path)
{
	for (int i = 0; i < d->n; i++) {
		const struct doc_entry *e = &d->entries[i];

		if (!e->export || !e->tag)
			continue;
		if (!r->exported) {
			r->exported = strdup(e->tag);
			r->exported_in = strdup(path);
			if (!r->exported || !r->exported_in)
				return 1;
		} else if (strcmp(e->tag, r->exported) && !r->export_conflict &&
			   asprintf(&r->export_conflict, "struct %s (%s) and struct %s (%s)",
				    r->exported, r->exported_in, e->tag, path) < 0) {
			r->export_conflict = NULL;
			return 1;
		}
	}
	return 0;
}

/*
 * The struct marked `/// @export` in the source, a header named or a local
 * header it includes: the event type, unless --event-type names one.
 */
static int exported_type(struct runtime *r)
{
	struct source_file local[RUNNER_MAX_HEADERS] = {};
	int nlocal = source__local_includes(&r->src, local, RUNNER_MAX_HEADERS);
	int err = note_exports(r, &r->docs, r->o.prog);

	for (int i = -nlocal; i < r->o.nheaders && !err; i++) {
		const struct source_file *f = i < 0 ? &local[-1 - i] : &r->headers[i];
		struct doc_set d;

		err = doccomment__parse(f->text, f->len, &d) ? 1 : note_exports(r, &d, f->path);
		doccomment__free(&d);
	}
	for (int i = 0; i < nlocal; i++)
		source__free(&local[i]);
	return err;
}

/* The /// comments of the source (or of the one --build put in the object): 0 or a status. */
static int read_docs(struct runtime *r, const char *what)
{
	if (doccomment__parse(r->src.text, r->src.len, &r->docs))
		return 1;
	for (int i = 0; i < r->docs.nunknown; i++)
		pr_warn("%s: unknown annotation @%s is ignored", what, r->docs.unknown[i]);
	if (r->docs.error) {
		pr_err("%s: %s", what, r->docs.error);
		return EXIT_USAGE;
	}
	return 0;
}

/* An object --build wrote runs as its source: its docs from the source it carries. */
static int embed_of_object(struct runtime *r)
{
	int err = embed__read(r->o.prog, &r->emb);

	if (err == -ENOMEM)
		return 1;
	if (err) {
		pr_err("%s: its %s section is not one procsnoop run --build wrote", r->o.prog,
		       RUN_EMBED_SECTION);
		return EXIT_USAGE;
	}
	if (!r->emb.present)
		return 0;
	r->src.path = strdup(r->emb.source_name);
	r->src.text = strdup(r->emb.source);
	r->src.len = r->emb.source_len;
	if (!r->src.path || !r->src.text)
		return 1;
	return read_docs(r, r->src.path);
}

/* The kernel's BTF is there: a regular file (sysfs gives its size), not empty. */
static bool kernel_btf_present(void)
{
	struct stat st;

	return stat(RUN_KERNEL_BTF, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
	       access(RUN_KERNEL_BTF, R_OK) == 0;
}

static int prepare(struct runtime *r, int argc, char **argv)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo);
	struct run_opts *o = &r->o;
	enum input_kind kind = INPUT_C;
	struct bpf_program *prog;
	double t0 = now_s();
	bool cached = false;
	int err, nprogs = 0;

	err = classify(o->prog, &kind);
	if (err)
		return EXIT_USAGE;
	if (o->btf && access(o->btf, R_OK)) {
		pr_err("cannot read --btf %s: %s", o->btf, strerror(errno));
		return EXIT_USAGE;
	}
	/* libbpf would fail the load in three lines that do not say what to do. */
	if (!o->btf && kind == INPUT_OBJECT && !kernel_btf_present()) {
		pr_err("this kernel has no BTF (%s): give its types with --btf FILE",
		       RUN_KERNEL_BTF);
		return EXIT_USAGE;
	}
	for (int i = 0; i < o->nheaders; i++) {
		err = source__read(o->headers[i], &r->headers[i]);
		if (err) {
			pr_err("cannot read %s: %s", o->headers[i], strerror(-err));
			return EXIT_USAGE;
		}
	}
	if (kind == INPUT_C) {
		err = source__read(o->prog, &r->src);
		if (err) {
			pr_err("cannot read %s: %s", o->prog, strerror(-err));
			return EXIT_USAGE;
		}
		if (binary(&r->src)) {
			pr_err("%s is neither C source nor a BPF object", o->prog);
			return EXIT_USAGE;
		}
		err = compile__program(&r->src, r->headers, o->nheaders, o->btf, &r->obj_path,
				       &cached);
		if (err == -EINVAL) {
			pr_err("%s does not compile (clang's messages are above)", o->prog);
			return EXIT_USAGE;
		}
		if (err)
			return 1;
		pr_info("%s %s in %.2fs", cached ? "found" : "compiled", o->prog, now_s() - t0);
		err = read_docs(r, o->prog);
		if (!err)
			err = exported_type(r);
		if (err)
			return err;
		r->name = prog_name(o->prog);
	} else {
		r->obj_path = strdup(o->prog);
		if (!r->obj_path)
			return 1;
		err = embed_of_object(r);
		if (err)
			return err;
		r->name = r->emb.present ? strdup(r->emb.name) : prog_name(o->prog);
	}
	if (!r->name)
		return 1;
	oo.object_name = r->name;
	oo.btf_custom_path = o->btf;
	r->obj = bpf_object__open_file(r->obj_path, &oo);
	if (!r->obj) {
		err = -errno;
		r->obj = NULL;
		pr_err("%s is not a BPF object libbpf can open: %s", o->prog, strerror(-err));
		return EXIT_USAGE;
	}
	bpf_object__for_each_program(prog, r->obj)
		nprogs++;
	if (!nprogs) {
		pr_err("%s has no BPF programs (no function in a SEC(\"...\") section)", o->prog);
		return EXIT_USAGE;
	}
	r->ids = ids__enable(r->obj);
	err = flags__collect(r->obj, &r->docs, &r->flags);
	if (err)
		return err == -EINVAL ? EXIT_USAGE : 1;
	/* Before the load: a @sample the map cannot honour is bad input. */
	err = sample__open(r->obj, &r->docs, &r->sampler);
	if (err)
		return err == -EINVAL ? EXIT_USAGE : 1;
	return 0;
}

/*
 * The BTF id of the event struct: *id 0 when the program has no ring or perf
 * buffer.  0, or EXIT_USAGE when it has and the type is unknown (said).
 */
static int event_type(struct runtime *r, __u32 *id)
{
	const struct btf *btf = bpf_object__btf(r->obj);
	const char *name = NULL, *why = NULL;
	bool has_events = false;
	struct bpf_map *map;

	*id = 0;
	bpf_object__for_each_map(map, r->obj) {
		enum bpf_map_type t = bpf_map__type(map);

		has_events |= t == BPF_MAP_TYPE_RINGBUF || t == BPF_MAP_TYPE_PERF_EVENT_ARRAY;
	}
	if (!has_events)
		return 0;
	if (r->o.event_type) {
		name = r->o.event_type;
		why = "--event-type names no struct of the program";
	} else if (r->export_conflict) {
		pr_err("%s: @export marks %s: mark one, or choose with --event-type", r->o.prog,
		       r->export_conflict);
		return EXIT_USAGE;
	} else if (r->exported) {
		name = r->exported;
		why = "the struct marked @export is not in the program's BTF";
	} else if (r->emb.event_type) {
		name = r->emb.event_type;
		why = "the struct --build chose is not in the program's BTF";
	}
	if (name && btf) {
		int i = btf__find_by_name_kind(btf, name, BTF_KIND_STRUCT);

		*id = i > 0 ? i : 0;
	} else if (!name) {
		*id = events__find_type(btf, r->src.text ? &r->src : NULL, r->headers,
					r->o.nheaders, &why);
	}
	if (!*id) {
		pr_err("%s submits events but their type is unknown: %s", r->o.prog,
		       why ? why : "name the header that defines the event struct, or "
				   "--event-type STRUCT");
		return EXIT_USAGE;
	}
	return 0;
}

/* One line for a malformed @intepreter of a map; EXIT_USAGE. */
static int intepreter_error(const struct doc_entry *e, const char *why)
{
	pr_err("@intepreter of %s (line %d): %s", e->name, e->line, why);
	return EXIT_USAGE;
}

/*
 * ecli's `/// @intepreter {"stack_trace": {"field_map": {...}, "with_symbols": B}}`
 * on a ring or perf buffer map: which fields hold the stacks, their lengths and
 * the pid (names that stay in *tree), and whether to name the addresses.
 * `{"default_struct": {}}` is the default.  0 or EXIT_USAGE (said).
 */
static int intepreter(struct runtime *r, struct btf_schema_opts *so, struct json **tree)
{
	static const char *const keys[] = { "pid", "cpu_id", "comm", "kstack_sz", "ustack_sz",
					    "kstack", "ustack" };
	struct bpf_map *map;

	*tree = NULL;
	bpf_object__for_each_map(map, r->obj) {
		enum bpf_map_type t = bpf_map__type(map);
		const struct doc_entry *e = doccomment__find(&r->docs, bpf_map__name(map));
		const char *text = e ? doccomment__tag(e, "intepreter") : NULL;
		const struct json *st, *fm, *ws;

		if (!text || (t != BPF_MAP_TYPE_RINGBUF && t != BPF_MAP_TYPE_PERF_EVENT_ARRAY))
			continue;
		*tree = json__parse(text, strlen(text));
		if (!*tree || (*tree)->type != JSON_OBJECT || (*tree)->len != 1)
			return intepreter_error(e, "expected {\"stack_trace\": {...}} or "
						   "{\"default_struct\": {}}");
		if (json__get(*tree, "default_struct"))
			return 0;
		st = json__get(*tree, "stack_trace");
		if (!st || st->type != JSON_OBJECT)
			return intepreter_error(e, "expected {\"stack_trace\": {...}} or "
						   "{\"default_struct\": {}}");
		for (size_t i = 0; i < st->len; i++)
			if (strcmp(st->keys[i], "field_map") && strcmp(st->keys[i], "with_symbols"))
				return intepreter_error(e, "\"stack_trace\" takes \"field_map\" and "
							   "\"with_symbols\"");
		ws = json__get(st, "with_symbols");
		if (ws && ws->type != JSON_BOOL)
			return intepreter_error(e, "\"with_symbols\" is true or false");
		so->stack_names.raw = ws && !ws->b;
		fm = json__get(st, "field_map");
		if (fm && fm->type != JSON_OBJECT)
			return intepreter_error(e, "\"field_map\" is an object of field names");
		for (size_t i = 0; fm && i < fm->len; i++) {
			const char *v = json__str(fm->items[i]);
			size_t k;

			for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
				if (!strcmp(fm->keys[i], keys[k]))
					break;
			if (k == sizeof(keys) / sizeof(keys[0]) || !v)
				return intepreter_error(e, "\"field_map\" maps pid, cpu_id, comm, "
							   "kstack_sz, ustack_sz, kstack and ustack to "
							   "field names");
		}
		so->stack_names.kstack = json__str(json__get(fm, "kstack"));
		so->stack_names.ustack = json__str(json__get(fm, "ustack"));
		so->stack_names.kstack_sz = json__str(json__get(fm, "kstack_sz"));
		so->stack_names.ustack_sz = json__str(json__get(fm, "ustack_sz"));
		so->stack_names.pid = json__str(json__get(fm, "pid"));
		/* Only one name given: the other keeps its default. */
		if (so->stack_names.kstack && !so->stack_names.ustack)
			so->stack_names.ustack = "ustack";
		if (so->stack_names.ustack && !so->stack_names.kstack)
			so->stack_names.kstack = "kstack";
		return 0;
	}
	return 0;
}

/* The schema of the program's events, when it has ring or perf buffers: 0 or an exit status. */
static int event_schema(struct runtime *r)
{
	const struct btf *btf = bpf_object__btf(r->obj);
	static const struct field container_fields[] = { HDR_CONTAINER_FIELDS };
	struct btf_schema_opts so = { .type = EVENT_USER, .time_field = true,
				      .base = sizeof(struct event_header) };
	struct bpf_map *map;
	struct json *tree;
	__u32 id;
	int err = event_type(r, &id);

	if (err || !id)
		return err;
	err = intepreter(r, &so, &tree);
	if (err) {
		json__free(tree);
		return err;
	}
	so.name = btf__name_by_offset(btf, btf__type_by_id(btf, id)->name_off);
	if (!so.name || !so.name[0])
		so.name = "event";
	bpf_object__for_each_map(map, r->obj)
		if (bpf_map__type(map) == BPF_MAP_TYPE_STACK_TRACE && !so.stack_map)
			so.stack_map = map;
	if (r->ids) {
		so.extra = container_fields;
		so.nextra = sizeof(container_fields) / sizeof(container_fields[0]);
	}
	err = btf_schema__new(btf, id, &so, &r->schema);
	if (err) {
		json__free(tree);
		pr_err("cannot describe the events of %s: %s", r->o.prog, strerror(-err));
		return 1;
	}
	/* The fields @intepreter names must be there. */
	for (int k = 0; k < 2 && so.stack_names.kstack; k++) {
		const char *want = k ? so.stack_names.ustack : so.stack_names.kstack;
		bool found = false;

		for (int i = 0; i < r->schema->nfields; i++)
			found |= !strcmp(r->schema->fields[i].key, want) &&
				 r->schema->fields[i].kind == FK_CUSTOM;
		if (!found) {
			pr_err("@intepreter of %s: struct %s has no stack field %s (an array of "
			       "8-byte addresses)", r->o.prog, so.name, want);
			json__free(tree);
			return EXIT_USAGE;
		}
	}
	json__free(tree);
	return 0;
}

/* A program with ring buffers whose refused records cannot be counted says so once. */
static void warn_uncounted(struct runtime *r)
{
	struct bpf_map *map;

	if (bpf_object__find_map_by_name(r->obj, RUN_LOST_MAP))
		return;
	bpf_object__for_each_map(map, r->obj) {
		if (bpf_map__type(map) != BPF_MAP_TYPE_RINGBUF)
			continue;
		pr_warn("%s is a prebuilt object: records its ring buffers refuse cannot be "
			"counted (give its source to have them counted)", r->o.prog);
		return;
	}
}

/* The outputs and sources of the stream, once everything is attached. */
static int open_outputs(struct runtime *r, struct stream_opts *so)
{
	struct render_opts ro = { .mono_to_real_ns = clock__mono_to_real_ns(),
				  .containers = r->containers };
	bool json = r->o.output == OUTPUT_JSON;

	output__buffer_stdout();
	if (r->schema && !r->o.quiet) {
		const struct schema *one[1] = { r->schema };

		r->sink = json ? sink_json__new(stdout, &ro)
			       : sink_table__new(stdout, &ro, one, 1);
		if (!r->sink)
			return -ENOMEM;
		so->sinks[so->nsinks++] = r->sink;
	}
	if (r->metrics)
		so->sinks[so->nsinks++] = r->metrics;
	if (r->schema) {
		int err = buffers__source(r->obj, r->ids, &r->buffers);

		if (err)
			return err;
		if (r->buffers)
			so->sources[so->nsources++] = r->buffers;
		so->schemas[EVENT_USER] = r->schema;
	}
	if (!r->o.quiet) {
		r->raw = output__new(stdout, 0);
		if (!r->raw)
			return -ENOMEM;
		if (r->sampler) {
			sample__set_output(r->sampler, r->raw, json);
			so->sources[so->nsources++] = sample__source(r->sampler, r->o.interval,
								     r->o.interval_given);
		}
	}
	if (r->tp) {
		trace_pipe__set_output(r->tp, r->raw);
		so->sources[so->nsources++] = trace_pipe__source(r->tp);
	}
	return 0;
}

static void detach(void *ctx)
{
	struct runtime *r = ctx;

	attach__destroy(&r->links);
	netattach__detach(r->net);
}

static int run(struct runtime *r)
{
	struct stream_opts so = { .duration_s = r->o.duration, .watch_fd = STDOUT_FILENO,
				  .detach = detach, .detach_ctx = r };
	const struct schema *schemas[1];
	struct render_opts ro = { 0 };
	struct stream_stats stats;
	int err;

	err = event_schema(r);
	if (err)
		return err;
	/* It maps cgroup ids to containers in the fields of JSON and metrics. */
	if (r->ids && r->schema)
		r->containers = containers__new();
	ro.containers = r->containers;
	/* Before anything loads: a port in use or an unknown label is a usage error. */
	if (r->o.metrics.listen) {
		schemas[0] = r->schema;
		err = sink_metrics__new(&r->o.metrics, &ro, schemas, r->schema ? 1 : 0, &r->metrics);
		if (err)
			return err == -ENOMEM ? 1 : EXIT_USAGE;
	}
	if (r->o.quiet)
		so.watch_fd = -1;
	if (tracefs__ensure())
		return 1;
	if (attach__uses_printk(r->obj) && trace_pipe__open(r->o.output == OUTPUT_JSON, &r->tp))
		return 1;
	err = netattach__prepare(r->obj, &r->docs, &r->o.net, &r->net);
	if (err)
		return err == -ENOMEM ? 1 : EXIT_USAGE;
	if (attach__load(r->obj, r->o.prog) ||
	    attach__all(r->obj, r->net, &r->o.uprobe, r->o.freq, &r->links))
		return EXIT_USAGE;
	if (netattach__attach(r->net))
		return 1;
	warn_uncounted(r);
	err = open_outputs(r, &so);
	if (err == -EINVAL)
		return EXIT_USAGE;
	if (err)
		return 1;
	stream__install_signals();
	if (r->metrics)
		fprintf(stderr, "procsnoop: serving metrics at %s\n", sink_metrics__url(r->metrics));
	/* Tests and scripts wait for this line: every program is attached. */
	fprintf(stderr, "procsnoop: tracing %s, Ctrl-C to stop\n", r->name);
	err = stream__run(&so, &stats);
	return err ? 1 : 0;
}

/* --build: the compiled object, with what a run takes from the source, at -O. */
static int build(struct runtime *r)
{
	const struct btf *btf = bpf_object__btf(r->obj);
	struct embed e = { .name = r->name, .source = r->src.text, .source_len = r->src.len };
	char *out = NULL, *copy;
	__u32 id;
	int err;

	if (r->emb.present || !r->src.text) {
		pr_err("--build takes a C source, and %s is an object already", r->o.prog);
		return EXIT_USAGE;
	}
	err = event_type(r, &id);
	if (err)
		return err;
	if (id)
		e.event_type = (char *)btf__name_by_offset(btf, btf__type_by_id(btf, id)->name_off);
	copy = strdup(r->o.prog);
	e.source_name = copy ? basename(copy) : NULL;
	if (r->o.object_out)
		out = strdup(r->o.object_out);
	else if (asprintf(&out, "%s.bpf.o", r->name) < 0)
		out = NULL;
	if (!out || !e.source_name) {
		free(copy);
		free(out);
		return 1;
	}
	err = embed__write(r->obj_path, out, &e);
	if (err)
		pr_err("cannot write %s: %s", out, strerror(-err));
	else
		fprintf(stderr, "%s: wrote %s: procsnoop run %s runs it as %s, without clang\n",
			RUNNER_NAME, out, out, r->o.prog);
	free(copy);
	free(out);
	return err ? 1 : 0;
}

int runner__main(int argc, char **argv)
{
	struct runtime r = {};
	bool help = false;
	int status;

	argp_err_exit_status = EXIT_USAGE;
	argv[0] = RUNNER_NAME;
	cmdline__prescan(argc, argv, &r.o, &help);
	log__init(RUNNER_NAME, r.o.verbosity);
	r.o.flags = &r.flags;
	r.o.interval = 1;
	r.o.freq = 49;
	if (!r.o.prog && !help) {
		fprintf(stderr, "%s: no program given (procsnoop run PROG.bpf.c [HEADER.h ...] "
				"[-- FLAGS]; --help for more)\n", RUNNER_NAME);
		return EXIT_USAGE;
	}
	status = r.o.prog ? prepare(&r, argc, argv) : 0;
	if (!status)
		status = cmdline__parse(&r.cmdline, &r.o, r.name, &r.docs, argc, argv);
	if (!status)
		status = r.o.build ? build(&r) : run(&r);
	runtime__destroy(&r);
	return status;
}
