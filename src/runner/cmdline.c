// SPDX-License-Identifier: GPL-2.0
/*
 * procsnoop run's command line: the runner's own options, then one option
 * per global of the program (its flags), which may also follow `--`.  Bad
 * input gets one line and exit status 2.
 */
#include <argp.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/options.h"
#include "lib/parse.h"
#include "runner/runner.h"

/* Keys of our own: 0x100 up are the common options' (lib/options.c), --metrics among them. */
enum {
	OPT_INTERVAL = 'i',
	OPT_EVENT_TYPE = 0x200,
	OPT_IFINDEX,
	OPT_IFNAME,
	OPT_TC_MODE,
	OPT_BUILD,
	OPT_BTF,
	OPT_FREQ,
	OPT_UPROBE_TARGET,
	OPT_UPROBE_PID,
	OPT_FLAG = 0x1000, /* + index of a program flag */
	OPT_NO_FLAG = 0x3000, /* + index: --no-NAME and --disable-NAME of a bool */
	OPT_YES_FLAG = 0x5000, /* + index: --enable-NAME of a bool */
};

static const struct argp_option runner_options[] = {
	{ NULL, 0, NULL, 0, "Options of procsnoop run:", 1 },
	{ "output", 'o', "FORMAT", 0, "table (default) or json (one object per line)", 1 },
	{ "duration", 'd', "SECONDS", 0, "Stop after this long", 1 },
	{ "interval", OPT_INTERVAL, "SECONDS", 0,
	  "Print the maps marked /// @sample this often (default: the interval their "
	  "annotation gives, else 1)", 1 },
	{ "event-type", OPT_EVENT_TYPE, "STRUCT", 0,
	  "The struct of the events (default: the first struct of the first header, else the "
	  "struct the program submits)", 1 },
	{ "ifindex", OPT_IFINDEX, "N", 0,
	  "Attach tc and xdp programs to the interface with this index (instead of their "
	  "@tchook or @ifindex)", 1 },
	{ "ifname", OPT_IFNAME, "NAME", 0,
	  "Attach tc and xdp programs to the interface with this name", 1 },
	{ "tc-mode", OPT_TC_MODE, "MODE", 0,
	  "How tc programs attach: auto (default: tcx where the kernel has it, Linux 6.6, "
	  "else a clsact filter), tcx, or clsact", 1 },
	{ "freq", OPT_FREQ, "HZ", 0,
	  "Samples a second on each CPU for SEC(\"perf_event\") programs (default 49)", 1 },
	{ "uprobe-target", OPT_UPROBE_TARGET, "PATH", 0,
	  "The binary (or library) of the uprobes whose section names none: SEC(\"uprobe\") "
	  "probes the function named as the program, SEC(\"uprobe/FUNC\") FUNC", 1 },
	{ "uprobe-pid", OPT_UPROBE_PID, "PID", 0,
	  "Uprobes only in this process (its executable, unless --uprobe-target names another "
	  "binary)", 1 },
	{ "build", OPT_BUILD, NULL, 0,
	  "Compile PROG.bpf.c into one object that carries its help, annotations and event "
	  "type, write it (-O) and stop: procsnoop run runs that object as the source, without "
	  "clang", 1 },
	{ "object", 'O', "FILE", 0, "The object --build writes (default: NAME.bpf.o here)", 1 },
	{ "btf", OPT_BTF, "FILE", 0,
	  "The kernel's BTF from FILE, for a kernel without /sys/kernel/btf/vmlinux", 1 },
	{ "quiet", 'q', NULL, 0, "No event output (with --metrics: a quiet exporter)", 1 },
	{ "verbose", 'v', NULL, 0, "clang warnings and libbpf output; twice: libbpf debug", 1 },
	{},
};

static const char footer[] =
	"Runs a single-file libbpf program as written: compiles PROG.bpf.c with clang "
	"(cached by content), or takes a prebuilt .bpf.o; loads and attaches every program "
	"by its section, tc and xdp programs to the interface their /// @tchook or @ifindex "
	"names (or --ifindex/--ifname); prints ring buffer and perf buffer events as a table (or JSON), "
	"bpf_printk lines from trace_pipe, and the maps marked `/// @sample` every --interval. "
	"Globals (const volatile ...) are flags; their `///` comments are the help. "
	"Program flags may also follow `--`. --build writes an object with all of it, which "
	"runs the same where clang is missing.\n"
	"Exit status: 0 on a clean stop, 1 on a runtime failure, 2 on bad input.";

static bool takes_value(const char *a)
{
	static const char *const v[] = { "-o", "-d", "-i", "-O", "--output", "--duration",
					 "--interval", "--event-type", "--metrics",
					 "--ifindex", "--ifname", "--tc-mode", "--object", "--btf",
					 "--uprobe-target", "--uprobe-pid", "--freq",
					 "--metrics-labels", "--metrics-max-series" };

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
					     f->opt, why);
		return 0;
	}
	if (key >= OPT_NO_FLAG && key < OPT_NO_FLAG + o->flags->n) {
		flags__set(o->flags, &o->flags->v[key - OPT_NO_FLAG], "false", &why, whybuf,
			   sizeof(whybuf));
		return 0;
	}
	if (key >= OPT_YES_FLAG && key < OPT_YES_FLAG + o->flags->n) {
		flags__set(o->flags, &o->flags->v[key - OPT_YES_FLAG], "true", &why, whybuf,
			   sizeof(whybuf));
		return 0;
	}
	for (int i = 0; key > 0 && key < 0x100 && i < o->flags->n; i++) {
		const struct prog_flag *f = &o->flags->v[i];

		if (f->shortopt != key)
			continue;
		if (f->kind == FLAG_BOOL)
			arg = f->bool_default ? "false" : "true";
		if (flags__set(o->flags, f, arg, &why, whybuf, sizeof(whybuf)))
			options__usage_error(state, "invalid value '%s' for -%c: expected %s", arg,
					     key, why);
		return 0;
	}
	switch (key) {
	case 'o':
		o->output = options__parse_output(state, arg);
		break;
	case 'd':
		if (parse__seconds(arg, &o->duration, &why))
			options__usage_error(state, "invalid duration '%s': %s", arg, why);
		break;
	case OPT_INTERVAL:
		if (parse__seconds(arg, &o->interval, &why) || o->interval <= 0)
			options__usage_error(state, "invalid interval '%s': %s", arg,
					     why[0] ? why : "more than 0 seconds");
		o->interval_given = true;
		break;
	case OPT_EVENT_TYPE:
		o->event_type = arg;
		break;
	case OPT_IFINDEX: {
		char *end;
		long v;

		errno = 0;
		v = strtol(arg, &end, 10);
		if (errno || *end || end == arg || v <= 0 || v > INT_MAX)
			options__usage_error(state, "invalid interface index '%s': a number from 1",
					     arg);
		if (o->net.ifname)
			options__usage_error(state, "--ifindex and --ifname name the same thing: "
					     "give one");
		o->net.ifindex = v;
		break;
	}
	case OPT_IFNAME:
		if (o->net.ifindex)
			options__usage_error(state, "--ifindex and --ifname name the same thing: "
					     "give one");
		o->net.ifname = arg;
		break;
	case OPT_TC_MODE:
		if (strcmp(arg, "auto") == 0)
			o->net.tc_mode = TC_MODE_AUTO;
		else if (strcmp(arg, "tcx") == 0)
			o->net.tc_mode = TC_MODE_TCX;
		else if (strcmp(arg, "clsact") == 0)
			o->net.tc_mode = TC_MODE_CLSACT;
		else
			options__usage_error(state, "invalid --tc-mode '%s': auto, tcx or clsact",
					     arg);
		break;
	case OPT_FREQ: {
		char *end;
		long v;

		errno = 0;
		v = strtol(arg, &end, 10);
		if (errno || *end || end == arg || v <= 0 || v > 1000000)
			options__usage_error(state, "invalid --freq '%s': samples a second, from 1 to "
					     "1000000", arg);
		o->freq = v;
		break;
	}
	case OPT_UPROBE_TARGET:
		o->uprobe.target = arg;
		break;
	case OPT_UPROBE_PID: {
		uint32_t pid;

		if (parse__pid(arg, &pid, &why))
			options__usage_error(state, "invalid --uprobe-pid '%s': %s", arg, why);
		if (kill(pid, 0) && errno == ESRCH)
			options__usage_error(state, "--uprobe-pid %u: no such process", pid);
		o->uprobe.pid = pid;
		break;
	}
	case OPT_BUILD:
		o->build = true;
		break;
	case 'O':
		o->object_out = arg;
		break;
	case OPT_BTF:
		o->btf = arg;
		break;
	case 'v':
		o->verbosity++;
		break;
	case 'q':
		o->quiet = true;
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
		return options__parse_metrics(key, arg, state, &o->metrics);
	}
	return 0;
}

/* An option name argp keeps as long as the options live: owned by the cmdline. */
static const char *own(struct cmdline *cl, const char *fmt, const char *name)
{
	char **v = realloc(cl->names, (cl->nnames + 1) * sizeof(*v));

	if (!v)
		return NULL;
	cl->names = v;
	if (asprintf(&v[cl->nnames], fmt, name) < 0)
		return NULL;
	return v[cl->nnames++];
}

/*
 * Runner options, then one option per program flag.  A bool has --NAME[=BOOL]
 * and the switch ecli offers: --enable-NAME when it is false by default,
 * --disable-NAME when true; --no-NAME and the other switch are accepted unlisted.
 */
static struct argp_option *build_options(struct cmdline *cl, const struct flag_set *fs,
					 const char *prog, bool runner)
{
	int n = (runner ? sizeof(runner_options) / sizeof(runner_options[0]) - 1 : 0), m = 0;
	struct argp_option *v;
	int k = 0;
	static char title[512];

	while (runner && (metrics_options[m].name || metrics_options[m].doc))
		m++;
	v = calloc(n + m + 4 * fs->n + 2, sizeof(*v));
	if (!v)
		return NULL;
	for (int i = 0; i < n; i++)
		v[k++] = runner_options[i];
	for (int i = 0; i < m; i++) {
		v[k] = metrics_options[i];
		v[k++].group = 2; /* after the runner's own, before the program's flags */
	}
	if (fs->n) {
		snprintf(title, sizeof(title), "Flags of %s (its globals):", prog);
		v[k++] = (struct argp_option){ NULL, 0, NULL, 0, title, 3 };
	}
	for (int i = 0; i < fs->n; i++) {
		const struct prog_flag *f = &fs->v[i];
		int key = f->shortopt ? f->shortopt : OPT_FLAG + i;

		if (f->kind != FLAG_BOOL) {
			v[k++] = (struct argp_option){ f->opt, key, f->arg, 0, f->help, 3 };
			continue;
		}
		v[k++] = (struct argp_option){ f->opt, OPT_FLAG + i, "BOOL", OPTION_ARG_OPTIONAL,
					       f->help, 3 };
		v[k] = (struct argp_option){ NULL, f->bool_default ? OPT_NO_FLAG + i
								   : OPT_YES_FLAG + i,
					     NULL, 0, NULL, 3 };
		v[k].name = own(cl, f->bool_default ? "disable-%s" : "enable-%s", f->opt);
		v[k].doc = own(cl, f->bool_default ? "Same as --%s=false" : "Same as --%s", f->opt);
		if (f->shortopt)
			v[k].key = f->shortopt;
		k++;
		v[k] = (struct argp_option){ NULL, f->bool_default ? OPT_YES_FLAG + i
								   : OPT_NO_FLAG + i,
					     NULL, OPTION_HIDDEN, NULL, 3 };
		v[k++].name = own(cl, f->bool_default ? "enable-%s" : "disable-%s", f->opt);
		v[k] = (struct argp_option){ NULL, OPT_NO_FLAG + i, NULL, OPTION_HIDDEN, NULL, 3 };
		v[k++].name = own(cl, "no-%s", f->opt);
		if (!v[k - 1].name || !v[k - 2].name || !v[k - 3].name || !v[k - 3].doc) {
			free(v);
			return NULL;
		}
	}
	return v;
}

/*
 * An option a @cmdarg names that procsnoop run has already: one line, exit 2.
 * (A global merely named like one keeps today's behaviour: the runner's wins.)
 */
static int check_taken(const struct flag_set *fs)
{
	static const char *const own_names[] = { "help", "usage", "version" };
	static const char own_shorts[] = "odiOvqV?";

	for (int i = 0; i < fs->n; i++) {
		const struct prog_flag *f = &fs->v[i];
		const char *taken = NULL;

		if (!f->doc || !f->doc->cmdarg.set)
			continue;
		if (f->shortopt && strchr(own_shorts, f->shortopt)) {
			flags__annotation_error(f, "cmdarg", "-%c is an option of procsnoop run",
						f->shortopt);
			return EXIT_USAGE;
		}
		for (const struct argp_option *o = runner_options; o->name || o->doc; o++)
			if (o->name && !strcmp(o->name, f->opt))
				taken = o->name;
		for (const struct argp_option *o = metrics_options; o->name || o->doc; o++)
			if (o->name && !strcmp(o->name, f->opt))
				taken = o->name;
		for (size_t j = 0; j < sizeof(own_names) / sizeof(own_names[0]); j++)
			if (!strcmp(own_names[j], f->opt))
				taken = own_names[j];
		if (taken) {
			flags__annotation_error(f, "cmdarg", "--%s is an option of procsnoop run",
						taken);
			return EXIT_USAGE;
		}
	}
	return 0;
}

void cmdline__prescan(int argc, char **argv, struct run_opts *o, bool *help)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--") == 0)
			break;
		if (strcmp(a, "--help") == 0 || strcmp(a, "-?") == 0 || strcmp(a, "--usage") == 0 ||
		    strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0)
			*help = true;
		else if (strcmp(a, "--verbose") == 0)
			o->verbosity++;
		else if (a[0] == '-' && a[1] == 'v' && strspn(a + 1, "v") == strlen(a + 1))
			o->verbosity += strlen(a + 1);
		/* The BTF is needed to compile or open PROG, before the real parse. */
		if (strcmp(a, "--btf") == 0 && i + 1 < argc)
			o->btf = argv[i + 1];
		else if (strncmp(a, "--btf=", 6) == 0)
			o->btf = a + 6;
		if (takes_value(a))
			i++;
		else if (a[0] != '-' && !o->prog)
			o->prog = a;
		else if (a[0] != '-' && is_header(a) && o->nheaders < RUNNER_MAX_HEADERS)
			o->headers[o->nheaders++] = a;
	}
}


static const struct argp_option *find_long(const struct argp_option *v, const char *name,
					   size_t n)
{
	for (; v && (v->name || v->key || v->doc); v++)
		if (v->name && strlen(v->name) == n && strncmp(v->name, name, n) == 0)
			return v;
	return NULL;
}

static const struct argp_option *find_short(const struct argp_option *v, int c)
{
	for (; v && (v->name || v->key || v->doc); v++)
		if (v->key == c && c > 0 && c < 0x100)
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
			/* Short options, possibly grouped (-vv): the runner's and @cmdarg's. */
			for (const char *c = a + 1; *c; c++) {
				if (runner && (*c == '?' || *c == 'V'))
					continue;
				o = find_short(opts, *c);
				if (!o)
					goto unknown;
				if (o->arg && !(o->flags & OPTION_ARG_OPTIONAL)) {
					if (!c[1] && i + 1 >= to)
						goto missing;
					if (!c[1])
						i++;
					break;
				}
			}
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
		fprintf(stderr, "%s: unknown option '%s'%s (--help lists them)\n", RUNNER_NAME, a,
			runner ? "" : " after --");
		exit(EXIT_USAGE);
missing:
		fprintf(stderr, "%s: option '%s' needs a value\n", RUNNER_NAME, a);
		exit(EXIT_USAGE);
	}
}

/* The program's @version, for the hook below: argp gives a hook no context. */
static const char *prog_version, *prog_name;
static void (*procsnoop_version)(FILE *, struct argp_state *);

static void version_hook(FILE *out, struct argp_state *state)
{
	fprintf(out, "%s %s\n", prog_name, prog_version);
	if (procsnoop_version)
		procsnoop_version(out, state);
}

int cmdline__parse(struct cmdline *cl, struct run_opts *o, const char *name,
		   const struct doc_set *docs, int argc, char **argv)
{
	struct argp argp = { .parser = parse_opt, .args_doc = "PROG.bpf.c [HEADER.h ...] [-- FLAGS]" };
	const char *program_doc = docs->program, *details = docs->details;
	char *doc = NULL;
	int dd = argc, err;

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			dd = i;
			break;
		}
	err = check_taken(o->flags);
	if (err)
		return err;
	cl->opts = build_options(cl, o->flags, name ? name : "the program", true);
	cl->flag_opts = build_options(cl, o->flags, name ? name : "the program", false);
	if (!cl->opts || !cl->flag_opts)
		return 1;
	if (docs->version && !prog_version) {
		prog_version = docs->version;
		prog_name = name ? name : "the program";
		procsnoop_version = argp_program_version_hook;
		argp_program_version_hook = version_hook;
	}
	if (asprintf(&doc, "%s%s%s\v%s%s", program_doc ? program_doc : "",
		     program_doc ? "\n\n" : "",
		     "Compile and run a libbpf program; its globals are flags.",
		     details ? details : "", details ? "\n\n" : "") < 0)
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
	argp.options = cl->opts;
	argp.doc = doc;
	o->prog = NULL;
	o->verbosity = 0;
	validate(cl->opts, argc, argv, 1, dd, true);
	validate(cl->flag_opts, argc, argv, dd + 1, argc, false);
	err = argp_parse(&argp, dd, argv, 0, NULL, o);
	if (!err && dd < argc) {
		struct argp fargp = { .options = cl->flag_opts, .parser = parse_opt, .doc = doc };

		argv[dd] = argv[0];
		o->flags_only = true;
		err = argp_parse(&fargp, argc - dd, argv + dd, ARGP_NO_HELP, NULL, o);
	}
	free(doc);
	return err ? EXIT_USAGE : 0;
}

void cmdline__free(struct cmdline *cl)
{
	free(cl->opts);
	free(cl->flag_opts);
	for (int i = 0; i < cl->nnames; i++)
		free(cl->names[i]);
	free(cl->names);
}
