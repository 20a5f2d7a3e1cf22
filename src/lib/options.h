/* SPDX-License-Identifier: GPL-2.0 */
/* The options every tracer shares, as an argp child parser. */
#ifndef PROCSNOOP_OPTIONS_H
#define PROCSNOOP_OPTIONS_H

#include <argp.h>
#include <stdbool.h>
#include "events.h"
#include "lib/privilege.h"
#include "lib/metrics.h"
#include "lib/session.h"

enum output_format { OUTPUT_TABLE, OUTPUT_JSON };

struct common_opts {
	struct filter_config filter;
	struct session_opts session;
	enum output_format output;
	double duration;
	int verbosity;
	bool numeric;
	struct run_as user; /* --user: whom to run as once attached */
	bool quiet; /* -q: no event output (an exporter with --metrics) */
	bool containers; /* --containers: the table's CONTAINER column */
	struct metrics_opts metrics;
	bool tree; /* --tree: CMD's process tree at the end */
	char **command; /* -- CMD [ARGS...]: NULL-terminated, or NULL */
};

/* Its input is a struct common_opts. */
extern const struct argp common_argp;

/* -o's argument: table or json, else a usage error. */
enum output_format options__parse_output(const struct argp_state *state, const char *arg);
/*
 * --metrics, --metrics-labels and --metrics-max-series, for a parser of its
 * own (procsnoop run): ARGP_ERR_UNKNOWN for any other key.  Also checks at
 * ARGP_KEY_END that the last two come with --metrics.
 */
extern const struct argp_option metrics_options[];
error_t options__parse_metrics(int key, char *arg, struct argp_state *state,
			      struct metrics_opts *m);

/* Usage errors: one line on stderr, exit status 2. */
#define EXIT_USAGE 2
void options__usage_error(const struct argp_state *state, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

#endif
