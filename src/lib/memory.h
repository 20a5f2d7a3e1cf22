/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The parts of procsnoop's memory that grow with what it traces, for the
 * procsnoop_memory_* gauges of --metrics: counted where they are allocated,
 * read from any thread.
 */
#ifndef PROCSNOOP_MEMORY_H
#define PROCSNOOP_MEMORY_H

#include <stdint.h>

enum memory_part {
	MEMORY_OUTPUT_BACKLOG, /* text written but not yet taken by a slow reader */
	MEMORY_PARTS,
};

/* Adds delta (negative when freed) bytes to a part. */
void memory__account(enum memory_part part, int64_t delta);
/* The bytes a part holds now. */
uint64_t memory__part(enum memory_part part);
/* The bytes malloc has handed out and not had back (heap and its own mappings). */
uint64_t memory__heap_in_use(void);

#endif
