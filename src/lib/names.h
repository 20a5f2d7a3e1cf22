/* SPDX-License-Identifier: GPL-2.0 */
/* Name tables, in both directions: signals, errno values, signal results. */
#ifndef PROCSNOOP_NAMES_H
#define PROCSNOOP_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SIGNAL_MAX 64

/*
 * "SIGTERM", "SIGRTMIN+3", "SIGRTMAX-1", or NULL for a number without a
 * name (32, 33, out of range).  Real-time signals are named as bash's
 * `kill -l` names them: SIGRTMIN is 34, SIGRTMAX is 64.
 */
const char *signal__name(int sig);
/* Writes the name, or the number when it has none, into buf. */
const char *signal__format(int sig, char *buf, size_t len);
/*
 * Accepts "TERM", "SIGTERM", "sigterm", "15", "RTMIN+2", "SIGRTMAX-3", "0".
 * Returns the signal number, or -1 when the text names no signal.
 */
int signal__parse(const char *text);

/* "EPERM" for 1, NULL when unknown. */
const char *errno__name(int err);
/* Accepts "EPERM" or "1"; -1 when unknown. */
int errno__parse(const char *text);

/* The kernel's enum trace_signal_result, by value. */
#define SIGRESULT_COUNT 5
extern const char *const sigresult_names[SIGRESULT_COUNT];

/*
 * open(2) flags as the kernel's names: "O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC",
 * "O_RDONLY" for 0; bits without a name end it as one hex number.  Output
 * that does not fit len is cut.  Returns buf.
 */
#define OPENFLAGS_BUF 256
const char *openflags__format(uint64_t flags, char *buf, size_t len);
/* openat2(2) resolve flags: "RESOLVE_NO_SYMLINKS|RESOLVE_BENEATH", "0" for none. */
const char *resolveflags__format(uint64_t resolve, char *buf, size_t len);

#endif
