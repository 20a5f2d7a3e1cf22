// SPDX-License-Identifier: GPL-2.0
/*
 * procsnoop run's command line: the runner's own options, then one option
 * per global of the program (its flags), which may also follow `--`.  Bad
 * input gets one line and exit status 2.
 */
#include <argp.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/options.h"
#include "lib/parse.h"
#include "runner/runner.h"

enum {
	OPT_INTERVAL = 'i',
	OPT_EVENT_TYPE = 0x100,
	OPT_IFINDEX,
	OPT_IFNAME,
	OPT_TC_MODE,
	OPT_FLAG = 0x1000, /* + index of a program flag */
	OPT_NO_FLAG = 0x3000, /* + index: --no-NAME of a bool */
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
	{ "ifindex", OPT_IFINDEX, "N", 0,
	  "Attach tc and xdp programs to the interface with this index (instead of their "
	  "@tchook or @ifindex)", 1 },
	{ "ifname", OPT_IFNAME, "NAME", 0,
	  "Attach tc and xdp programs to the interface with this name", 1 },
	{ "tc-mode", OPT_TC_MODE, "MODE", 0,
	  "How tc programs attach: auto (default: tcx where the kernel has it, Linux 6.6, "
	  "else a clsact filter), tcx, or clsact", 1 },
	{ "quiet", 'q', NULL, 0, "No event output (with --metrics: a quiet exporter)", 1 },
	{ "verbose", 'v', NULL, 0, "clang warnings and libbpf output; twice: libbpf debug", 1 },
	{},
};

static const char footer[] =
	"\vRuns a single-file libbpf program as written: compiles PROG.bpf.c with clang "
	"(cached by content), or takes a prebuilt .bpf.o; loads and attaches every program "
	"by its section, tc and xdp programs to the interface their /// @tchook or @ifindex "
	"names (or --ifindex/--ifname); prints ring buffer and perf buffer events as a table (or JSON), "
	"bpf_printk lines from trace_pipe, and the maps marked `/// @sample` every --interval. "
	"Globals (const volatile ...) are flags; their `///` comments are the help. "
	"Program flags may also follow `--`.\n"
	"Exit status: 0 on a clean stop, 1 on a runtime failure, 2 on bad input.";

static bool takes_value(const char *a)
{
	static const char *const v[] = { "-o", "-d", "-i", "--output", "--duration",
					 "--interval", "--event-type", "--metrics",
					 "--ifindex", "--ifname", "--tc-mode",
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

/* Runner options, then one option per program flag (and --no-NAME for bools). */
static struct argp_option *build_options(const struct flag_set *fs, const char *prog,
					 bool runner)
{
	int n = (runner ? sizeof(runner_options) / sizeof(runner_options[0]) - 1 : 0), m = 0;
	struct argp_option *v;
	int k = 0;
	static char title[512];

	while (runner && (metrics_options[m].name || metrics_options[m].doc))
		m++;
	v = calloc(n + m + 2 * fs->n + 2, sizeof(*v));
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

		if (f->kind == FLAG_BOOL) {
			v[k++] = (struct argp_option){ f->name, OPT_FLAG + i, "BOOL",
						       OPTION_ARG_OPTIONAL, f->help, 3 };
			v[k] = (struct argp_option){ NULL, OPT_NO_FLAG + i, NULL, OPTION_HIDDEN,
						     NULL, 3 };
			/* argp wants a name it keeps: "no-NAME" lives as long as the flags. */
			if (asprintf((char **)&v[k].name, "no-%s", f->name) < 0)
				return NULL;
			k++;
		} else {
			v[k++] = (struct argp_option){ f->name, OPT_FLAG + i, f->arg, 0, f->help, 3 };
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
				if (*c == 'v' || *c == '?' || *c == 'V' || *c == 'q')
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
		fprintf(stderr, "%s: unknown option '%s'%s (--help lists them)\n", RUNNER_NAME, a,
			runner ? "" : " after --");
		exit(EXIT_USAGE);
missing:
		fprintf(stderr, "%s: option '%s' needs a value\n", RUNNER_NAME, a);
		exit(EXIT_USAGE);
	}
}

int cmdline__parse(struct cmdline *cl, struct run_opts *o, const char *name,
		   const char *program_doc, int argc, char **argv)
{
	struct argp argp = { .parser = parse_opt, .args_doc = "PROG.bpf.c [HEADER.h ...] [-- FLAGS]" };
	char *doc = NULL;
	int dd = argc, err;

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			dd = i;
			break;
		}
	cl->opts = build_options(o->flags, name ? name : "the program", true);
	cl->flag_opts = build_options(o->flags, name ? name : "the program", false);
	if (!cl->opts || !cl->flag_opts)
		return 1;
	if (asprintf(&doc, "%s%s%s", program_doc ? program_doc : "",
		     program_doc ? "\n\n" : "",
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
	free_options(cl->opts);
	free_options(cl->flag_opts);
}
