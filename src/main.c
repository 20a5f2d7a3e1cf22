// SPDX-License-Identifier: GPL-2.0
/* The command table: subcommand words select tracers (or the runner). */
#include <argp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "lib/command.h"
#include "lib/containers.h"
#include "lib/log.h"
#include "lib/metrics.h"
#include "lib/output.h"
#include "lib/privilege.h"
#include "lib/sink.h"
#include "lib/stream.h"
#include "lib/tree.h"
#include "follow.h"
#include "tracers/tracer.h"
#include "runner/runner.h"
#include "version.h"

void (*argp_program_version_hook)(FILE *, struct argp_state *) = version__print;
const char *argp_program_bug_address = NULL;

/*
 * The tracers, in the order of `procsnoop --help`: X(NAME) is the struct
 * tracer NAME_tracer of src/tracers/NAME.c.  A new tracer is one line here.
 */
#define TRACERS(X) \
	X(sig)     \
	X(open)    \
	X(exec)    \
	X(exit)

#define TRACER_EXTERN(name) extern const struct tracer name##_tracer;
TRACERS(TRACER_EXTERN)
#define TRACER_ENTRY(name) &name##_tracer,
static const struct tracer *const tracers[] = { TRACERS(TRACER_ENTRY) };
#define NTRACERS (int)(sizeof(tracers) / sizeof(tracers[0]))

/* Exact name, else a unique prefix. */
static const struct tracer *find_tracer(const char *word)
{
	const struct tracer *found = NULL;
	size_t n = strlen(word);

	for (int i = 0; i < NTRACERS; i++) {
		if (strcmp(tracers[i]->name, word) == 0)
			return tracers[i];
		if (strncmp(tracers[i]->name, word, n) == 0) {
			if (found)
				return NULL;
			found = tracers[i];
		}
	}
	return found;
}

static error_t tracer_parser(int key, char *arg, struct argp_state *state)
{
	struct tracer_input *in = state->input;

	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = in->common;
		break;
	case ARGP_KEY_ARG:
		options__usage_error(state, "unexpected argument '%s'", arg);
	}
	if (in->tracer && in->tracer->parse)
		return in->tracer->parse(key, arg, state);
	return key == ARGP_KEY_INIT ? 0 : ARGP_ERR_UNKNOWN;
}

/*
 * With several tracers only the common options parse; each tracer's parser
 * still sets its defaults (ARGP_KEY_INIT), as it would parsing alone.
 */
static void tracer_defaults(const struct tracer *t, struct common_opts *common, void *opts)
{
	struct tracer_input in = { .tracer = t, .common = common, .opts = opts };
	struct argp_state state = { .input = &in, .name = (char *)"procsnoop" };

	if (t->parse)
		t->parse(ARGP_KEY_INIT, NULL, &state);
}

static char *all_doc(void)
{
	static char doc[4096];
	size_t off = 0;

	off += snprintf(doc + off, sizeof(doc) - off,
			"Trace what processes do, through eBPF: signals, opens, execs and exits."
			"\vCommands (several may be named; none means all of them):\n");
	for (int i = 0; i < NTRACERS && off < sizeof(doc); i++)
		off += snprintf(doc + off, sizeof(doc) - off, "  %-6s %s\n", tracers[i]->name,
				tracers[i]->summary);
	if (off < sizeof(doc))
		snprintf(doc + off, sizeof(doc) - off,
			 "\n`procsnoop COMMAND --help` shows a command's own options.\n"
			 "`procsnoop [COMMAND...] [OPTIONS] -- CMD [ARGS...]` runs CMD and traces it and "
			 "every process it starts, until it ends.\n"
			 "Exit status: 0 on a clean stop, 1 on a runtime failure, 2 on bad usage; "
			 "with -- CMD, CMD's own (128 + the signal that killed it).");
	return doc;
}

static int ringbuf_fill(void *session, uint64_t *used, uint64_t *size)
{
	return session__ringbuf_fill(session, used, size);
}

/* The tracers --tree needs: those not named are loaded, their events seen by the tree only. */
static const char *const tree_tracers[] = { "exec", "exit" };

/*
 * nshown of the nsel tracers were asked for; the rest (--tree's) are hidden.
 */
static int run_tracers(const struct tracer *const *sel, int nsel, int nshown,
		       void *const *opts, struct common_opts *common)
{
	struct stream_opts so = { .duration_s = common->duration, .watch_fd = STDOUT_FILENO };
	const struct schema *schemas[EVENT_TYPE_MAX];
	struct schema run[EVENT_TYPE_MAX]; /* this run's: its tracer's settings and columns */
	struct render_opts ro = { .numeric = common->numeric };
	struct stream_stats stats;
	struct session *s = NULL;
	struct sink *sink = NULL, *metrics = NULL;
	struct command *cmd = NULL;
	struct follow_bpf *follow = NULL;
	struct tree *tree = NULL;
	struct run_as cmd_user;
	const char *why = "";
	int err, status = 0, owned_sources = -1;
	bool ran = false;

	log__init("procsnoop", common->verbosity);
	if (common->command) {
		/* Before anything loads: a command that cannot run is a usage error. */
		if (command__check(common->command[0], &why)) {
			fprintf(stderr, "procsnoop: cannot run '%s': %s\n", common->command[0], why);
			return EXIT_USAGE;
		}
		if (command__user(&common->user, &cmd_user, &why)) {
			fprintf(stderr, "procsnoop: cannot run '%s': %s\n", common->command[0], why);
			return EXIT_USAGE;
		}
		common->filter.follow = 1;
	}
	stream__install_signals();
	for (int i = 0; i < nsel; i++) {
		run[i] = *sel[i]->schema;
		if (sel[i]->settings)
			run[i].settings = sel[i]->settings(opts[i]);
		if (sel[i]->table_groups)
			run[i].groups = sel[i]->table_groups(opts[i]);
		if (common->containers || nshown > 1)
			run[i].groups |= G_CONTAINER;
		schemas[i] = &run[i];
	}
	/*
	 * Now, while privileged: it maps cgroup ids with open_by_handle_at.  It
	 * costs nothing until a field names a container.
	 */
	ro.containers = containers__new();
	/* Before anything loads: a port in use or an unknown label is a usage error. */
	if (common->metrics.listen) {
		err = sink_metrics__new(&common->metrics, &ro, schemas, nshown, &metrics);
		if (err) {
			containers__free(ro.containers);
			return err == -ENOMEM ? 1 : EXIT_USAGE;
		}
		so.sinks[so.nsinks++] = metrics;
	}
	if (common->quiet)
		so.watch_fd = -1;
	/* The namespace ids cost each event helper reads: only when JSON shows them. */
	common->filter.ns_ids = common->output == OUTPUT_JSON && !common->quiet;
	err = session__new(&common->session, &s);
	for (int i = 0; !err && i < nsel; i++) {
		/*
		 * The clock read, only for the time an output shows: JSON's, the
		 * combined table's TIME column, a tracer's -T.
		 */
		common->filter.timestamps =
			i < nshown && !common->quiet &&
			(common->output == OUTPUT_JSON || nshown > 1 || schema__table_shows_time(&run[i]));
		err = sel[i]->open(s, common, opts[i]);
		so.schemas[run[i].type] = &run[i];
		so.accept[run[i].type] = sel[i]->accept;
		so.accept_arg[run[i].type] = opts[i];
		so.hidden[run[i].type] = i >= nshown;
	}
	/* After the tracers: its exit-time work comes after theirs. */
	if (!err && common->command && !(follow = follow__add(s)))
		err = -EINVAL;
	if (!err)
		err = session__start(s);
	/* Held before its exec until procsnoop traces; followed from its first instruction. */
	if (!err && common->command) {
		err = command__start(common->command, &cmd_user, &cmd);
		if (!err && (err = session__follow(s, command__pid(cmd))))
			pr_err("cannot follow %s: %s", common->command[0], strerror(-err));
		if (!err && common->tree && !(tree = tree__new(command__pid(cmd)))) {
			pr_err("out of memory");
			err = -ENOMEM;
		}
	}
	if (err) {
		command__free(cmd);
		sink__destroy(metrics);
		session__destroy(s);
		containers__free(ro.containers);
		return 1;
	}
	if (metrics && sink_metrics__watch_fill(metrics, ringbuf_fill, s))
		pr_warn("metrics: the ring buffer fill level is not available");
	ro.mono_to_real_ns = clock__mono_to_real_ns();
	output__buffer_stdout();
	if (common->quiet)
		;
	else if (common->output == OUTPUT_JSON)
		sink = sink_json__new(stdout, &ro);
	else
		sink = sink_table__new(stdout, &ro, schemas, nshown);
	if (!sink && !common->quiet) {
		pr_err("out of memory");
		err = -ENOMEM;
		goto out;
	}
	if (sink)
		so.sinks[so.nsinks++] = sink;
	if (privilege__drop(&common->user)) {
		err = -EPERM;
		goto out;
	}
	if (metrics)
		fprintf(stderr, "procsnoop: serving metrics at %s\n", sink_metrics__url(metrics));
	/* Tests and scripts wait for this line: every program is attached. */
	fprintf(stderr, "procsnoop: tracing");
	for (int i = 0; i < nshown; i++)
		fprintf(stderr, " %s", sel[i]->name);
	if (cmd)
		fprintf(stderr, " of %s (pid %d) and what it starts, until it ends\n",
			common->command[0], (int)command__pid(cmd));
	else
		fprintf(stderr, ", Ctrl-C to stop\n");
	err = session__stream_opts(s, &so);
	if (!err && cmd) {
		owned_sources = so.nsources; /* the command's source is the command's own */
		err = command__source(cmd, &so.sources[so.nsources++]);
		so.defer_stop = command__defer_stop;
		so.defer_ctx = cmd;
		so.observe = tree ? tree__observe : NULL;
		so.observe_ctx = tree;
		if (!err && (err = command__go(cmd)))
			command__ended(cmd, &status); /* it could not exec: 126 or 127 */
	}
	if (!err) {
		err = stream__run(&so, &stats);
		ran = true;
	} else if (cmd && command__ended(cmd, &status))
		err = 0;
	if (cmd && follow__missed(follow))
		pr_warn("%llu processes of %s's tree were not followed: more than %d alive at once",
			(unsigned long long)follow__missed(follow), common->command[0], FOLLOW_MAX);
out:
	for (int i = 0; i < (owned_sources >= 0 ? owned_sources : so.nsources); i++)
		stream_source__destroy(so.sources[i]);
	sink__destroy(sink);
	sink__destroy(metrics);
	session__destroy(s);
	containers__free(ro.containers);
	if (tree && ran && !err) {
		if (common->output == OUTPUT_JSON)
			tree__print_json(tree, stdout);
		else
			tree__print_table(tree, stdout);
		fflush(stdout);
	}
	tree__free(tree);
	if (cmd && !err && !command__ended(cmd, &status)) {
		fprintf(stderr, "procsnoop: %s (pid %d) is still running\n", common->command[0],
			(int)command__pid(cmd));
		status = 1;
	}
	command__free(cmd);
	return err ? 1 : status;
}

int main(int argc, char **argv)
{
	const struct tracer *sel[NTRACERS];
	void *opts[NTRACERS] = {};
	struct common_opts common = {};
	struct tracer_input in = { .common = &common };
	struct argp_child children[] = { { &common_argp, 0, NULL, 0 }, {} };
	struct argp argp = { .parser = tracer_parser, .children = children };
	char name[64];
	int nsel = 0, nshown, first = 1, err;

	argp_err_exit_status = EXIT_USAGE;
	/* `run` is no tracer: it parses its own command line once it knows the program. */
	if (argc > 1 && strcmp(argv[1], "run") == 0)
		return runner__main(argc - 1, argv + 1);
	/* `-- CMD [ARGS...]`: the command to run and trace; procsnoop's own words come before. */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") != 0)
			continue;
		if (i + 1 == argc) {
			fprintf(stderr, "procsnoop: '--' must be followed by a command to run\n");
			return EXIT_USAGE;
		}
		common.command = argv + i + 1;
		argv[i] = NULL;
		argc = i;
		break;
	}
	while (first < argc && argv[first][0] != '-') {
		const struct tracer *t = find_tracer(argv[first]);
		bool dup = false;

		if (!t) {
			fprintf(stderr, "procsnoop: unknown command '%s' (try procsnoop --help)\n",
				argv[first]);
			return EXIT_USAGE;
		}
		for (int i = 0; i < nsel; i++)
			dup |= sel[i] == t;
		if (!dup)
			sel[nsel++] = t;
		first++;
	}
	if (nsel == 1) {
		in.tracer = sel[0];
		argp.options = sel[0]->options;
		argp.doc = sel[0]->doc;
		snprintf(name, sizeof(name), "procsnoop %s", sel[0]->name);
	} else {
		argp.doc = all_doc();
		argp.args_doc = "[COMMAND...]";
		snprintf(name, sizeof(name), "procsnoop");
		if (!nsel)
			for (int i = 0; i < NTRACERS; i++)
				sel[nsel++] = tracers[i];
	}
	for (int i = 0; i < nsel; i++) {
		opts[i] = calloc(1, sel[i]->opts_size ? sel[i]->opts_size : 1);
		if (!opts[i])
			return 1;
	}
	if (nsel == 1)
		in.opts = opts[0];
	else
		for (int i = 0; i < nsel; i++)
			tracer_defaults(sel[i], &common, opts[i]);
	/* argp reports as "procsnoop sig: ..." */
	argv[first - 1] = name;
	err = argp_parse(&argp, argc - first + 1, argv + first - 1, 0, NULL, &in);
	if (err)
		return EXIT_USAGE;
	nshown = nsel;
	if (common.tree && !common.command) {
		fprintf(stderr, "%s: --tree needs a command to run: -- CMD [ARGS...]\n", name);
		err = EXIT_USAGE;
		goto out;
	}
	for (size_t k = 0; common.tree && k < sizeof(tree_tracers) / sizeof(tree_tracers[0]); k++) {
		const struct tracer *t = find_tracer(tree_tracers[k]);
		bool have = false;

		for (int i = 0; i < nsel; i++)
			have |= sel[i] == t;
		if (have)
			continue;
		opts[nsel] = calloc(1, t->opts_size ? t->opts_size : 1);
		if (!opts[nsel]) {
			err = 1;
			goto out;
		}
		tracer_defaults(t, &common, opts[nsel]);
		sel[nsel++] = t;
	}
	err = run_tracers(sel, nsel, nshown, opts, &common);
out:
	for (int i = 0; i < nsel; i++)
		free(opts[i]);
	return err;
}
