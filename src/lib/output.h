/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where the text sinks write.  A pipe or socket is written without
 * blocking, through a bounded backlog: when its reader stops reading,
 * procsnoop keeps draining the kernel and the stream drops (and counts)
 * records instead of stalling.  Files, terminals and memory streams go
 * through stdio as usual.
 */
#ifndef PROCSNOOP_OUTPUT_H
#define PROCSNOOP_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * At most this much text waits for a slow reader (a pipe or a socket) before
 * records are dropped and counted: about 40,000 JSON open records, a burst a
 * reader that keeps up on average may fall behind by.  The memory held
 * follows what is pending, up to it, and goes back once the reader caught up.
 */
#define OUTPUT_DEFAULT_BACKLOG (16u << 20)

struct output;

struct output *output__new(FILE *f, size_t backlog_cap);
void output__write(struct output *o, const char *p, size_t n);
/* True while the backlog is full: the caller should drop, not write. */
bool output__backlogged(const struct output *o);
/* Writes what it can without blocking; 0, or a negative errno (-EPIPE, -ENOSPC). */
int output__flush(struct output *o);
/* Writes the rest, waiting at most timeout_ms for a slow reader; then frees. */
int output__close(struct output *o, int timeout_ms);

/* stdout block-buffered (64 KiB): output leaves once per pass of the stream. */
void output__buffer_stdout(void);
/* What to add to a CLOCK_MONOTONIC time, now, for the wall-clock time. */
int64_t clock__mono_to_real_ns(void);
/* The wall-clock time now, as JSON records give it: "2026-12-04T14:05:09.123456789Z". */
void clock__utc_now(char *buf, size_t len);

#endif
