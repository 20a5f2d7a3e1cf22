/* SPDX-License-Identifier: GPL-2.0 */
/*
 * procsnoop open, the half that needs no BPF object (open_record.c): its
 * options and its record.  The unit tests link it without a skeleton.
 */
#ifndef PROCSNOOP_TRACERS_OPEN_H
#define PROCSNOOP_TRACERS_OPEN_H

#include <stdbool.h>
#include <stdint.h>
#include "events.h"
#include "lib/schema.h"

struct open_opts {
	bool failed_only;
	bool write_only;
	bool full_path;
	bool show_time;
	bool show_uid;
	bool extended;
	uint32_t name_len;
	char name[COMM_LEN];
	uint32_t prefix_len;
	char prefix[OPEN_PREFIX_MAX];
};

/* Table column groups of the open schema (G_BASE is always on). */
#define G_OPEN_TIME 0x100u
#define G_OPEN_UID 0x200u
#define G_OPEN_EXT 0x400u
#define G_OPEN_PATH 0x800u /* the path as passed */
#define G_OPEN_FULL 0x1000u /* the full path, in the same PATH column */

/* argp keys of the options without a letter */
enum { OPEN_OPT_PREFIX = 0x200, OPEN_OPT_WRITE };

/*
 * One option of `procsnoop open` (its argp key); the filters that every
 * tracer shares go to *filter.  0, -EINVAL with *why, or -ENOENT for a key
 * that is not open's.
 */
int open_opts__parse(int key, const char *arg, struct open_opts *o, struct filter_config *filter,
		     const char **why);
/* What needs every option: 0, or -EINVAL with *why. */
int open_opts__check(const struct open_opts *o, const char **why);
uint32_t open_opts__table_groups(const void *opts);

extern const struct schema open_schema;

#endif
