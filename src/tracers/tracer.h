/* SPDX-License-Identifier: GPL-2.0 */
/* What a built-in tracer gives the command table. */
#ifndef PROCSNOOP_TRACER_H
#define PROCSNOOP_TRACER_H

#include <argp.h>
#include <stdint.h>
#include "lib/options.h"
#include "lib/schema.h"
#include "lib/session.h"

/* The argp input of a tracer's own parser. */
struct tracer;
struct tracer_input {
	const struct tracer *tracer;
	struct common_opts *common;
	void *opts; /* the tracer's options, opts_size bytes, zeroed */
};

/* src/tracers/NAME.c defines `const struct tracer NAME_tracer`; main.c's TRACERS lists it. */
struct tracer {
	const char *name; /* subcommand, TYPE column, JSON "type" */
	const char *summary; /* one line for `procsnoop --help` */
	const char *doc; /* argp doc of the subcommand */
	const struct argp_option *options; /* its own options, or NULL */
	argp_parser_t parse; /* state->input is a struct tracer_input */
	size_t opts_size;
	const struct schema *schema;
	/*
	 * Table column groups its options switch on (G_BASE is always on): the
	 * run's copy of its schema carries them as schema.groups.
	 */
	uint32_t (*table_groups)(const void *opts);
	/*
	 * What its options change in its formatters: the run's copy of its schema
	 * carries it as schema.settings (NULL: the schema's own).
	 */
	const void *(*settings)(const void *opts);
	/* Opens its skeleton, sets .rodata from the options, hands it to the session. */
	int (*open)(struct session *s, const struct common_opts *common, const void *opts);
	/* Filters the kernel could not apply, in user space (NULL: all pass). */
	bool (*accept)(const void *opts, const void *ev, size_t size);
};

#endif
