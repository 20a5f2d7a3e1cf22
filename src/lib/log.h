/* SPDX-License-Identifier: GPL-2.0 */
/* One logging module: procsnoop's own messages and libbpf's, on stderr. */
#ifndef PROCSNOOP_LOG_H
#define PROCSNOOP_LOG_H

#include <stdarg.h>

enum log_level { LOG_ERROR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

/*
 * verbosity 0: errors and warnings; 1 (-v): libbpf warnings and info as
 * they happen; 2 (-vv) and more: libbpf debug output too.  At verbosity 0
 * libbpf's warnings are kept and shown only when a load or attach fails
 * (log__flush_libbpf), so the verifier's reason is never lost.
 */
void log__init(const char *prog, int verbosity);
int log__verbosity(void);
void log__msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Print the tail of the libbpf output kept since the last log__reset_libbpf(). */
void log__flush_libbpf(int max_lines);
void log__reset_libbpf(void);
/* The libbpf output kept since the last reset (verbosity 0 only), to classify a failure. */
const char *log__libbpf_kept(void);

#define pr_err(...) log__msg(LOG_ERROR, __VA_ARGS__)
#define pr_warn(...) log__msg(LOG_WARN, __VA_ARGS__)
#define pr_info(...) log__msg(LOG_INFO, __VA_ARGS__)
#define pr_debug(...) log__msg(LOG_DEBUG, __VA_ARGS__)

#endif
