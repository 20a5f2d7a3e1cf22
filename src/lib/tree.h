/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `--tree`: the process tree of a command, built from the events of its
 * processes (a stream observer) and printed at the end.  Each process: its
 * pid, the command line of each of its execs, how it ended (exit code or
 * signal) and how long it lived.  A process's parent is the ppid of its
 * first event; one whose parent is not in the tree is listed at the top
 * level after the command's own.
 */
#ifndef PROCSNOOP_TREE_H
#define PROCSNOOP_TREE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct tree;

/* root: the command's pid.  NULL when out of memory. */
struct tree *tree__new(uint32_t root);
/* A stream observer (stream_opts.observe): takes exec and exit records, and any header. */
void tree__observe(void *tree, const void *rec, size_t size);
/* Indented lines, one a process: "PID COMMAND LINE  [exit 0, 1.20 s]". */
void tree__print_table(const struct tree *t, FILE *f);
/* One JSON object: {"type":"tree","processes":[{..., "children":[...]}]}. */
void tree__print_json(const struct tree *t, FILE *f);
void tree__free(struct tree *t);

#endif
