// SPDX-License-Identifier: GPL-2.0
/* procsnoop run: the command line, and the life of one program from source to stop. */
#include <argp.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>
#include "runner/btf_schema.h"
#include "lib/log.h"
#include "lib/options.h"
#include "lib/parse.h"
#include "lib/stream.h"
#include "runner/runner.h"

#define NAME "procsnoop run"
#define MAX_HEADERS 16
#define EM_BPF_MACHINE 247

enum {
	OPT_INTERVAL = 'i',
	OPT_EVENT_TYPE = 0x100,
	OPT_FLAG = 0x1000, /* + index of a program flag */
	OPT_NO_FLAG = 0x3000, /* + index: --no-NAME of a bool */
};

struct run_opts {
	enum output_format output;
	double duration, interval;
	int verbosity;
	const char *event_type;
	const char *prog;
	const char *headers[MAX_HEADERS];
	int nheaders;
	struct flag_set *flags;
	bool flags_only; /* the part after `--` */
};

static const struct argp_option runner_options[] = {
	{ NULL, 0, NULL, 0, "Options of procsnoop run:", 1 },
	{ "output", 'o', "FORMAT", 0, "table (default) or json (one object per line)", 1 },
	{ "duration", 'd', "SECONDS", 0, "Stop after this long", 1 },
	{ "interval", OPT_INTERVAL, "SECONDS", 0,
	  "Print the maps marked /// @sample this often (default 1)", 1 },
	{ "event-type", OPT_EVENT_TYPE, "STRUCT", 0,
	  "The struct of the events (default: the first struct of the first header, else the "
	  "struct the program submits)", 1 },
	{ "verbose", 'v', NULL, 0, "clang warnings and libbpf output; twice: libbpf debug", 1 },
	{},
};

static const char footer[] =
	"\vRuns a single-file libbpf program as written: compiles PROG.bpf.c with clang "
	"(cached by content), or takes a prebuilt .bpf.o; loads and attaches every program "
	"by its section; prints ring buffer and perf buffer events as a table (or JSON), "
	"bpf_printk lines from trace_pipe, and the maps marked `/// @sample` every --interval. "
	"Globals (const volatile ...) are flags; their `///` comments are the help. "
	"Program flags may also follow `--`.\n"
	"Exit status: 0 on a clean stop, 1 on a runtime failure, 2 on bad input.";

static bool takes_value(const char *a)
{
	static const char *const v[] = { "-o", "-d", "-i", "--output", "--duration",
					 "--interval", "--event-type" };

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
		if (strcmp(a, v[i]) == 0)
			return true;
	return false;
}

static bool is_header(const char *a)
{
	size_t n = strlen(a);

	return n > 2 && strcmp(a + n - 2, ".h") == 0;
}

static error_t parse_opt(int key, char *arg, struct argp_state *state)
{
	struct run_opts *o = state->input;
	const char *why = "";
	char whybuf[128];

	if (key >= OPT_FLAG && key < OPT_FLAG + o->flags->n) {
		const struct prog_flag *f = &o->flags->v[key - OPT_FLAG];

		if (flags__set(o->flags, f, arg, &why, whybuf, sizeof(whybuf)))
			options__usage_error(state, "invalid value '%s' for --%s: expected %s", arg,
					     f->name, why);
		return 0;
	}
	if (key >= OPT_NO_FLAG && key < OPT_NO_FLAG + o->flags->n) {
		flags__set(o->flags, &o->flags->v[key - OPT_NO_FLAG], "false", &why, whybuf,
			   sizeof(whybuf));
		return 0;
	}
	switch (key) {
	case 'o':
		if (strcmp(arg, "table") == 0)
			o->output = OUTPUT_TABLE;
		else if (strcmp(arg, "json") == 0)
			o->output = OUTPUT_JSON;
		else
			options__usage_error(state, "invalid output format '%s': table or json",
					     arg);
		break;
	case 'd':
		if (parse__seconds(arg, &o->duration, &why))
			options__usage_error(state, "invalid duration '%s': %s", arg, why);
		break;
	case OPT_INTERVAL:
		if (parse__seconds(arg, &o->interval, &why) || o->interval <= 0)
			options__usage_error(state, "invalid interval '%s': %s", arg,
					     why[0] ? why : "more than 0 seconds");
		break;
	case OPT_EVENT_TYPE:
		o->event_type = arg;
		break;
	case 'v':
		o->verbosity++;
		break;
	case ARGP_KEY_ARG:
		if (o->flags_only)
			options__usage_error(state, "unexpected argument '%s' after --", arg);
		/* PROG and the headers were taken by prescan(); anything else is a mistake. */
		if (!o->prog)
			o->prog = arg;
		else if (!is_header(arg))
			options__usage_error(state, "unexpected argument '%s' (headers end in .h; "
					     "program flags are --NAME VALUE)", arg);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

/* Runner options, then one option per program flag (and --no-NAME for bools). */
static struct argp_option *build_options(const struct flag_set *fs, const char *prog,
					 bool runner)
{
	int n = (runner ? sizeof(runner_options) / sizeof(runner_options[0]) - 1 : 0);
	struct argp_option *v = calloc(n + 2 * fs->n + 2, sizeof(*v));
	int k = 0;
	static char title[512];

	if (!v)
		return NULL;
	for (int i = 0; i < n; i++)
		v[k++] = runner_options[i];
	if (fs->n) {
		snprintf(title, sizeof(title), "Flags of %s (its globals):", prog);
		v[k++] = (struct argp_option){ NULL, 0, NULL, 0, title, 2 };
	}
	for (int i = 0; i < fs->n; i++) {
		const struct prog_flag *f = &fs->v[i];

		if (f->kind == FLAG_BOOL) {
			v[k++] = (struct argp_option){ f->name, OPT_FLAG + i, "BOOL",
						       OPTION_ARG_OPTIONAL, f->help, 2 };
			v[k] = (struct argp_option){ NULL, OPT_NO_FLAG + i, NULL, OPTION_HIDDEN,
						     NULL, 2 };
			/* argp wants a name it keeps: "no-NAME" lives as long as the flags. */
			if (asprintf((char **)&v[k].name, "no-%s", f->name) < 0)
				return NULL;
			k++;
		} else {
			v[k++] = (struct argp_option){ f->name, OPT_FLAG + i, f->arg, 0, f->help, 2 };
		}
	}
	return v;
}

static void free_options(struct argp_option *v)
{
	for (struct argp_option *o = v; o && (o->name || o->key || o->doc); o++)
		if (o->key >= OPT_NO_FLAG)
			free((char *)o->name);
	free(v);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static bool output_gone(int fd)
{
	struct pollfd p = { .fd = fd, .events = 0 };

	return poll(&p, 1, 0) == 1 && (p.revents & (POLLERR | POLLHUP));
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
	struct source_file src, headers[MAX_HEADERS];
	struct doc_set docs;
	struct flag_set flags;
	char *obj_path, *name;
	struct bpf_object *obj;
	struct schema *schema;
	struct attach_set links;
	struct event_readers *readers;
	struct trace_pipe *tp;
	struct sampler *sampler;
	struct sink *sink;
	struct output *raw;
	struct argp_option *opts, *flag_opts;
	int epoll_fd;
};

static void runtime__destroy(struct runtime *r)
{
	/* Outputs restore stdout's flags in the reverse order they took them. */
	if (r->raw)
		output__close(r->raw, 1000);
	sink__destroy(r->sink);
	sample__destroy(r->sampler);
	trace_pipe__destroy(r->tp);
	events__destroy(r->readers);
	attach__destroy(&r->links);
	bpf_object__close(r->obj);
	btf_schema__free(r->schema);
	flags__free(&r->flags);
	doccomment__free(&r->docs);
	source__free(&r->src);
	for (int i = 0; i < MAX_HEADERS; i++)
		source__free(&r->headers[i]);
	free_options(r->opts);
	free_options(r->flag_opts);
	free(r->obj_path);
	free(r->name);
	if (r->epoll_fd >= 0)
		close(r->epoll_fd);
}

/* Finds PROG, -v and --help before the real parse: the flags depend on PROG. */
static void prescan(int argc, char **argv, struct run_opts *o, bool *help)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0)
			break;
		if (strcmp(a, "--help") == 0 || strcmp(a, "-?") == 0 || strcmp(a, "--usage") == 0)
			*help = true;
		else if (strcmp(a, "--verbose") == 0)
			o->verbosity++;
		else if (a[0] == '-' && a[1] == 'v' && strspn(a + 1, "v") == strlen(a + 1))
			o->verbosity += strlen(a + 1);
		if (takes_value(a))
			i++;
		else if (a[0] != '-' && !o->prog)
			o->prog = a;
		else if (a[0] != '-' && is_header(a) && o->nheaders < MAX_HEADERS)
			o->headers[o->nheaders++] = a;
	}
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
		err = compile__program(&r->src, r->headers, o->nheaders, &r->obj_path, &cached);
		if (err == -EINVAL) {
			pr_err("%s does not compile (clang's messages are above)", o->prog);
			return EXIT_USAGE;
		}
		if (err)
			return 1;
		pr_info("%s %s in %.2fs", cached ? "found" : "compiled", o->prog, now_s() - t0);
		if (doccomment__parse(r->src.text, r->src.len, &r->docs))
			return 1;
	} else {
		r->obj_path = strdup(o->prog);
		if (!r->obj_path)
			return 1;
	}
	r->name = prog_name(o->prog);
	if (!r->name)
		return 1;
	oo.object_name = r->name;
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
	if (flags__collect(r->obj, &r->docs, &r->flags))
		return 1;
	return 0;
}

static const struct argp_option *find_long(const struct argp_option *v, const char *name,
					   size_t n)
{
	for (; v && (v->name || v->key || v->doc); v++)
		if (v->name && strlen(v->name) == n && strncmp(v->name, name, n) == 0)
			return v;
	return NULL;
}

/*
 * argp reports an unknown option or a missing value on two lines; bad
 * input here gets one.  Long options must be spelled out (no prefixes):
 * a program flag must never be mistaken for another.
 */
static void validate(const struct argp_option *opts, int argc, char **argv, int from, int to,
		     bool runner)
{
	for (int i = from; i < to; i++) {
		const char *a = argv[i], *eq;
		const struct argp_option *o;
		size_t n;

		if (a[0] != '-' || !a[1])
			continue;
		if (a[1] != '-') {
			/* Short options: only the runner's, possibly grouped (-vv). */
			for (const char *c = a + 1; runner && *c; c++) {
				if (*c == 'v' || *c == '?' || *c == 'V')
					continue;
				if (strchr("odi", *c)) {
					if (!c[1] && i + 1 >= to)
						goto missing;
					if (!c[1])
						i++;
					break;
				}
				goto unknown;
			}
			if (!runner)
				goto unknown;
			continue;
		}
		eq = strchr(a + 2, '=');
		n = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
		if (runner && ((n == 4 && !strncmp(a + 2, "help", 4)) ||
			       (n == 5 && !strncmp(a + 2, "usage", 5)) ||
			       (n == 7 && !strncmp(a + 2, "version", 7))))
			continue;
		o = find_long(opts, a + 2, n);
		if (!o)
			goto unknown;
		if (o->arg && !(o->flags & OPTION_ARG_OPTIONAL) && !eq) {
			if (i + 1 >= to)
				goto missing;
			i++;
		}
		continue;
unknown:
		fprintf(stderr, "%s: unknown option '%s'%s (--help lists them)\n", NAME, a,
			runner ? "" : " after --");
		exit(EXIT_USAGE);
missing:
		fprintf(stderr, "%s: option '%s' needs a value\n", NAME, a);
		exit(EXIT_USAGE);
	}
}

static int parse_args(struct runtime *r, int argc, char **argv)
{
	struct run_opts *o = &r->o;
	struct argp argp = { .parser = parse_opt, .args_doc = "PROG.bpf.c [HEADER.h ...] [-- FLAGS]" };
	char *doc = NULL;
	int dd = argc, err;

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			dd = i;
			break;
		}
	r->opts = build_options(&r->flags, r->name ? r->name : "the program", true);
	r->flag_opts = build_options(&r->flags, r->name ? r->name : "the program", false);
	if (!r->opts || !r->flag_opts)
		return 1;
	if (asprintf(&doc, "%s%s%s", r->docs.program ? r->docs.program : "",
		     r->docs.program ? "\n\n" : "",
		     "Compile and run a libbpf program; its globals are flags.") < 0)
		return 1;
	{
		char *full = NULL;

		if (asprintf(&full, "%s%s", doc, footer) < 0) {
			free(doc);
			return 1;
		}
		free(doc);
		doc = full;
	}
	argp.options = r->opts;
	argp.doc = doc;
	o->prog = NULL;
	o->verbosity = 0;
	validate(r->opts, argc, argv, 1, dd, true);
	validate(r->flag_opts, argc, argv, dd + 1, argc, false);
	err = argp_parse(&argp, dd, argv, 0, NULL, o);
	if (!err && dd < argc) {
		struct argp fargp = { .options = r->flag_opts, .parser = parse_opt, .doc = doc };

		argv[dd] = argv[0];
		o->flags_only = true;
		err = argp_parse(&fargp, argc - dd, argv + dd, ARGP_NO_HELP, NULL, o);
	}
	free(doc);
	return err ? EXIT_USAGE : 0;
}

static int run(struct runtime *r)
{
	struct render_opts ro = {};
	struct timespec mono, real;
	struct readers_opts rdo = {};
	struct sink *sinks[1];
	bool json = r->o.output == OUTPUT_JSON;
	bool has_events = false;
	struct bpf_map *map;
	double deadline = 0, next_sample;
	uint64_t events = 0, lost = 0;
	int err;

	bpf_object__for_each_map(map, r->obj) {
		enum bpf_map_type t = bpf_map__type(map);

		has_events |= t == BPF_MAP_TYPE_RINGBUF || t == BPF_MAP_TYPE_PERF_EVENT_ARRAY;
	}
	if (has_events) {
		const struct btf *btf = bpf_object__btf(r->obj);
		struct btf_schema_opts so = { .type = EVENT_USER, .time_field = true,
					      .base = sizeof(struct event_header) };
		const char *why = NULL;
		__u32 id = 0;

		if (r->o.event_type && btf) {
			int i = btf__find_by_name_kind(btf, r->o.event_type, BTF_KIND_STRUCT);

			id = i > 0 ? i : 0;
			why = "--event-type names no struct of the program";
		} else {
			id = events__find_type(btf, r->src.text ? &r->src : NULL, r->headers,
					       r->o.nheaders, &why);
		}
		if (!id) {
			pr_err("%s submits events but their type is unknown: %s", r->o.prog,
			       why ? why : "name the header that defines the event struct, or "
					   "--event-type STRUCT");
			return EXIT_USAGE;
		}
		so.name = btf__name_by_offset(btf, btf__type_by_id(btf, id)->name_off);
		if (!so.name || !so.name[0])
			so.name = "event";
		err = btf_schema__new(btf, id, &so, &r->schema);
		if (err) {
			pr_err("cannot describe the events of %s: %s", r->o.prog, strerror(-err));
			return 1;
		}
	}
	err = tracefs__ensure();
	if (err)
		return 1;
	r->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (r->epoll_fd < 0)
		return 1;
	if (attach__uses_printk(r->obj) && trace_pipe__open(json, r->epoll_fd, &r->tp))
		return 1;
	err = attach__load(r->obj, r->o.prog);
	if (err)
		return EXIT_USAGE;
	err = attach__all(r->obj, &r->links);
	if (err)
		return EXIT_USAGE;

	clock_gettime(CLOCK_MONOTONIC, &mono);
	clock_gettime(CLOCK_REALTIME, &real);
	ro.mono_to_real_ns = (real.tv_sec - mono.tv_sec) * 1000000000ll +
			     (real.tv_nsec - mono.tv_nsec);
	setvbuf(stdout, NULL, _IOFBF, 1 << 16);
	if (r->schema) {
		const struct schema *one[1] = { r->schema };

		r->sink = json ? sink_json__new(stdout, &ro)
			       : sink_table__new(stdout, &ro, one, 1, G_BASE);
		if (!r->sink)
			return 1;
		sinks[0] = r->sink;
		rdo.schema = r->schema;
		rdo.sinks = sinks;
		rdo.nsinks = 1;
		rdo.epoll_fd = r->epoll_fd;
		err = events__open(r->obj, &rdo, &r->readers);
		if (err)
			return 1;
	}
	r->raw = output__new(stdout, 0);
	if (!r->raw)
		return 1;
	if (r->tp)
		trace_pipe__set_output(r->tp, r->raw);
	if (sample__open(r->obj, &r->docs, r->raw, json, &r->sampler))
		return EXIT_USAGE;

	stream__install_signals();
	fprintf(stderr, "procsnoop: tracing %s, Ctrl-C to stop\n", r->name);
	if (r->o.duration > 0)
		deadline = now_s() + r->o.duration;
	if (r->o.interval <= 0)
		r->o.interval = 1;
	next_sample = now_s() + r->o.interval;
	while (!stream__stop_signal()) {
		struct epoll_event evs[8];
		double now = now_s(), wait = STREAM_DRAIN_MS / 1000.0;

		if (deadline && now >= deadline)
			break;
		if (deadline && deadline - now < wait)
			wait = deadline - now;
		if (r->sampler && next_sample - now < wait)
			wait = next_sample > now ? next_sample - now : 0;
		epoll_wait(r->epoll_fd, evs, 8, (int)(wait * 1000) + 1);
		if (r->readers && (err = events__consume(r->readers)) < 0 && err != -EINTR) {
			pr_err("reading the events failed: %s", strerror(-err));
			break;
		}
		if (r->tp && (err = trace_pipe__read(r->tp)) < 0) {
			pr_err("reading trace_pipe failed: %s", strerror(-err));
			break;
		}
		if (r->sampler && now_s() >= next_sample) {
			sample__print(r->sampler);
			next_sample += r->o.interval;
		}
		err = 0;
		if ((r->sink && sink__flush(r->sink)) || output__flush(r->raw) ||
		    output_gone(STDOUT_FILENO))
			goto out; /* nobody reads any more: a quiet stop */
	}
	if (r->readers)
		events__consume(r->readers);
	if (r->tp)
		trace_pipe__read(r->tp);
	if (r->sampler)
		sample__print(r->sampler);
	if (r->sink)
		sink__flush(r->sink);
	output__flush(r->raw);
out:
	events__stats(r->readers, &events, &lost);
	fprintf(stderr, "procsnoop: %llu events, %llu lost", (unsigned long long)events,
		(unsigned long long)lost);
	if (r->tp)
		fprintf(stderr, ", %llu trace_pipe lines",
			(unsigned long long)trace_pipe__lines(r->tp));
	fputc('\n', stderr);
	return err ? 1 : 0;
}

int runner__main(int argc, char **argv)
{
	struct runtime r = { .epoll_fd = -1 };
	bool help = false;
	int status;

	argp_err_exit_status = EXIT_USAGE;
	argv[0] = NAME;
	prescan(argc, argv, &r.o, &help);
	log__init(NAME, r.o.verbosity);
	r.o.flags = &r.flags;
	if (!r.o.prog && !help) {
		fprintf(stderr, "%s: no program given (procsnoop run PROG.bpf.c [HEADER.h ...] "
				"[-- FLAGS]; --help for more)\n", NAME);
		return EXIT_USAGE;
	}
	status = r.o.prog ? prepare(&r, argc, argv) : 0;
	if (!status)
		status = parse_args(&r, argc, argv);
	if (!status)
		status = run(&r);
	runtime__destroy(&r);
	return status;
}
