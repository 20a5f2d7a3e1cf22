// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lib/options.h"
#include "lib/parse.h"

enum {
	OPT_TID = 0x100,
	OPT_PPID,
	OPT_COMM,
	OPT_CGROUP,
	OPT_NUMERIC,
	OPT_USER,
	OPT_METRICS,
	OPT_METRICS_LABELS,
	OPT_METRICS_MAX_SERIES,
	OPT_INCLUDE_SELF,
	OPT_PIDNS,
	OPT_TREE,
	OPT_CONTAINER,
	OPT_CONTAINERS,
};

static const struct argp_option common_options[] = {
	{ NULL, 0, NULL, 0, "Filters (in the kernel, for every tracer):", 10 },
	{ "pid", 'p', "PID", 0, "Only events of this process", 10 },
	{ "tid", OPT_TID, "TID", 0, "Only events of this thread", 10 },
	{ "ppid", OPT_PPID, "PPID", 0, "Only events of children of this process", 10 },
	{ "uid", 'u', "UID", 0, "Only events of this user (id or name)", 10 },
	{ "comm", OPT_COMM, "COMM", 0, "Only events of this command name (exact)", 10 },
	{ "cgroup", OPT_CGROUP, "PATH", 0,
	  "Only events in this cgroup v2 or below (absolute, or relative to the cgroup2 mount)",
	  10 },
	{ "pidns", OPT_PIDNS, "PIDNS", 0,
	  "Only events of tasks in this pid namespace: its inode number, or a path like "
	  "/proc/PID/ns/pid",
	  10 },
	{ "container", OPT_CONTAINER, "ID|NAME", 0,
	  "Only events in this container: its id or the start of it, or its name (repeatable). "
	  "One that starts later is matched when its cgroup appears",
	  10 },
	{ "include-self", OPT_INCLUDE_SELF, NULL, 0,
	  "Also events of procsnoop's own process (dropped by default)", 10 },
	{ NULL, 0, NULL, 0, "Output:", 20 },
	{ "output", 'o', "FORMAT", 0, "table (default) or json (one object per line)", 20 },
	{ "numeric", OPT_NUMERIC, NULL, 0, "Signals as numbers in the table", 20 },
	{ "containers", OPT_CONTAINERS, NULL, 0,
	  "A CONTAINER column in the table: the name, else the short id (on by default with "
	  "several commands)", 20 },
	{ "duration", 'd', "SECONDS", 0, "Stop after this long", 20 },
	{ "buffer-size", 'b', "BYTES", 0,
	  "Ring buffer size: a power of two, K and M suffixes (default 2M)", 20 },
	{ "verbose", 'v', NULL, 0, "libbpf output; twice: its debug output too", 20 },
	{ "user", OPT_USER, "USER", 0,
	  "Once attached, run as this user (capabilities are dropped in any case)", 20 },
	{ "quiet", 'q', NULL, 0, "No event output (with --metrics: a quiet exporter)", 20 },
	{ "tree", OPT_TREE, NULL, 0,
	  "With -- CMD: print CMD's process tree at the end (also traces exec and exit)", 20 },
	{},
};

const struct argp_option metrics_options[] = {
	{ NULL, 0, NULL, 0, "Prometheus metrics:", 30 },
	{ "metrics", OPT_METRICS, "[ADDR:]PORT", 0,
	  "Serve /metrics over HTTP on this port (address 127.0.0.1 unless given: "
	  "0.0.0.0:9100, [::1]:9100)", 30 },
	{ "metrics-labels", OPT_METRICS_LABELS, "FIELDS", 0,
	  "Also label the counters by these fields (comma-separated keys: comm,uid)", 30 },
	{ "metrics-max-series", OPT_METRICS_MAX_SERIES, "N", 0,
	  "At most N label sets; events past them are counted in one overflow series "
	  "(default 1000)", 30 },
	{},
};

void options__usage_error(const struct argp_state *state, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: ", state && state->name ? state->name : "procsnoop");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(EXIT_USAGE);
}

#define CHECK(call, what)                                                        \
	do {                                                                     \
		if (call)                                                        \
			options__usage_error(state, "invalid %s '%s': %s", what, \
					     arg, why);                          \
	} while (0)

enum output_format options__parse_output(const struct argp_state *state, const char *arg)
{
	if (strcmp(arg, "table") == 0)
		return OUTPUT_TABLE;
	if (strcmp(arg, "json") != 0)
		options__usage_error(state, "invalid output format '%s': table or json", arg);
	return OUTPUT_JSON;
}

error_t options__parse_metrics(int key, char *arg, struct argp_state *state,
			      struct metrics_opts *m)
{
	const char *why = "";

	switch (key) {
	case OPT_METRICS: {
		struct sockaddr_storage addr;
		socklen_t len;

		CHECK(metrics__parse_listen(arg, &addr, &len, &why), "metrics address");
		m->listen = arg;
		break;
	}
	case OPT_METRICS_LABELS:
		CHECK(metrics__check_labels(arg, &why), "metrics labels");
		m->labels = arg;
		break;
	case OPT_METRICS_MAX_SERIES: {
		unsigned long n;
		char *end;

		errno = 0;
		n = strtoul(arg, &end, 10);
		if (arg[0] < '0' || arg[0] > '9' || *end || errno || n < 1 || n > 10000000)
			options__usage_error(state, "invalid metrics max series '%s': a number "
					     "from 1 to 10000000", arg);
		m->max_series = n;
		break;
	}
	case ARGP_KEY_END:
		if ((m->labels || m->max_series) && !m->listen)
			options__usage_error(state, "--metrics-labels and --metrics-max-series "
					     "need --metrics");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static error_t parse_metrics(int key, char *arg, struct argp_state *state)
{
	return options__parse_metrics(key, arg, state, state->input);
}

static const struct argp metrics_argp = {
	.options = metrics_options,
	.parser = parse_metrics,
};

static const struct argp_child common_children[] = {
	{ &metrics_argp, 0, NULL, 0 },
	{},
};

static error_t parse_common(int key, char *arg, struct argp_state *state)
{
	struct common_opts *o = state->input;
	const char *why = "";

	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = &o->metrics;
		break;
	case 'p':
		CHECK(parse__pid(arg, &o->filter.pid, &why), "PID");
		break;
	case OPT_TID:
		CHECK(parse__pid(arg, &o->filter.tid, &why), "TID");
		break;
	case OPT_PPID:
		CHECK(parse__pid(arg, &o->filter.ppid, &why), "PPID");
		break;
	case 'u':
		CHECK(parse__uid(arg, &o->filter.uid, &why), "user");
		o->filter.uid_set = 1;
		break;
	case OPT_COMM:
		CHECK(parse__comm(arg, o->filter.comm, &why), "command name");
		o->filter.comm_set = 1;
		break;
	case OPT_CGROUP:
		CHECK(parse__cgroup(arg, &o->session.cgroup_path, &why), "cgroup");
		break;
	case OPT_PIDNS:
		CHECK(parse__pidns(arg, &o->filter.pidns, &why), "pid namespace");
		break;
	case OPT_CONTAINER:
		CHECK(parse__container(arg, &why), "container");
		if (o->session.ncontainers == SESSION_MAX_CONTAINERS)
			options__usage_error(state, "at most %d --container options",
					     SESSION_MAX_CONTAINERS);
		o->session.containers[o->session.ncontainers++] = arg;
		break;
	case OPT_INCLUDE_SELF:
		o->session.include_self = true;
		break;
	case 'o':
		o->output = options__parse_output(state, arg);
		break;
	case OPT_NUMERIC:
		o->numeric = true;
		break;
	case OPT_CONTAINERS:
		o->containers = true;
		break;
	case 'd':
		CHECK(parse__seconds(arg, &o->duration, &why), "duration");
		break;
	case 'b':
		CHECK(parse__buffer_size(arg, &o->session.buffer_bytes, &why), "buffer size");
		break;
	case 'v':
		o->verbosity++;
		break;
	case OPT_USER:
		CHECK(privilege__parse_user(arg, &o->user, &why), "user");
		break;
	case 'q':
		o->quiet = true;
		break;
	case OPT_TREE:
		o->tree = true;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

const struct argp common_argp = {
	.options = common_options,
	.parser = parse_common,
	.children = common_children,
};
