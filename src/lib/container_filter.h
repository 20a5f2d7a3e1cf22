/* SPDX-License-Identifier: GPL-2.0 */
/*
 * --container ID|NAME: which cgroups the kernel's filter lets through.  At
 * start the cgroup2 tree is walked for the cgroups of running containers
 * (containers.h reads their ids from the cgroup names, their names from the
 * runtime's state) whose id starts with a value or whose name is one; their
 * cgroup ids go into the container set the BPF programs read (events.h).
 * inotify then watches every cgroup directory (cgroups are made with mkdir
 * and removed with rmdir, which inotify reports on cgroupfs as anywhere): a
 * container that starts later is added when its cgroup appears, one that
 * ends is removed.  The watching is a stream source.
 */
#ifndef PROCSNOOP_CONTAINER_FILTER_H
#define PROCSNOOP_CONTAINER_FILTER_H

#include <stdbool.h>
#include <stdint.h>
#include "events.h"
#include "lib/containers.h"

#define CONTAINER_FILTER_MAX_VALUES 16

struct container_filter_opts {
	const char *cgroup_root; /* the cgroup2 mount */
	const char *state_root; /* prefix of the runtimes' state paths: "" but in tests */
	const char *const *values; /* ids (prefixes) or names, checked by parse__container */
	int nvalues;
};

/*
 * The table of a container set: add (0, or -ENOSPC when the id's probe
 * window is full; adding an id already there changes nothing), remove, look
 * up as the BPF side does.
 */
int container_set__add(struct container_set *set, uint64_t id);
void container_set__remove(struct container_set *set, uint64_t id);
bool container_set__has(const struct container_set *set, uint64_t id);

/* Whether value (an id prefix or a name) names container c (a name needs c->name). */
bool container_filter__wants(const char *value, const struct container_info *c);

struct container_filter;

/*
 * Walks the tree, fills set (mapped, shared with the kernel) and starts
 * watching; says on stderr which values match nothing yet.  0 or -errno.
 */
int container_filter__new(const struct container_filter_opts *opts, struct container_set *set,
			  struct container_filter **out);
/* Handles what inotify reported since the last call: 0, or -errno. */
int container_filter__poll(struct container_filter *f);
/* The watcher as a stream source (owned by f: destroying the source frees nothing). */
struct stream_source *container_filter__source(struct container_filter *f);
/* How many cgroups the set holds. */
int container_filter__count(const struct container_filter *f);
void container_filter__free(struct container_filter *f);

#endif
