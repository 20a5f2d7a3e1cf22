// SPDX-License-Identifier: GPL-2.0
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "lib/log.h"

/* The logger is process-wide by nature: libbpf's callback has no context. */
static struct {
	const char *prog;
	int verbosity;
	char *kept; /* libbpf output since the last reset */
	size_t kept_len, kept_cap;
} lg = { .prog = "procsnoop" };

static void keep(const char *s, size_t n)
{
	/* Bounded: a verifier log can be megabytes; keep the last 64 KiB. */
	const size_t cap = 64 * 1024;

	if (n >= cap) {
		s += n - (cap - 1);
		n = cap - 1;
	}
	if (!lg.kept) {
		lg.kept = malloc(cap);
		if (!lg.kept)
			return;
		lg.kept_cap = cap;
	}
	if (lg.kept_len + n >= lg.kept_cap) {
		size_t drop = lg.kept_len + n - (lg.kept_cap - 1);

		memmove(lg.kept, lg.kept + drop, lg.kept_len - drop);
		lg.kept_len -= drop;
	}
	memcpy(lg.kept + lg.kept_len, s, n);
	lg.kept_len += n;
	lg.kept[lg.kept_len] = 0;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char buf[4096], *big = NULL;
	va_list again;
	int n;

	if (level == LIBBPF_DEBUG && lg.verbosity < 2)
		return 0;
	va_copy(again, ap);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	/* A verifier log arrives as one message: its tail says why, so keep all of it. */
	if (n >= (int)sizeof(buf) && vasprintf(&big, fmt, again) < 0)
		big = NULL;
	va_end(again);
	if (n < 0)
		return 0;
	if ((size_t)n >= sizeof(buf) && !big)
		n = sizeof(buf) - 1;
	if (lg.verbosity >= 1)
		fputs(big ? big : buf, stderr);
	else
		keep(big ? big : buf, n);
	free(big);
	return 0;
}

void log__init(const char *prog, int verbosity)
{
	lg.prog = prog;
	lg.verbosity = verbosity;
	libbpf_set_print(libbpf_print);
}

int log__verbosity(void)
{
	return lg.verbosity;
}

void log__msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	if ((int)level > LOG_WARN && (int)level - 1 > lg.verbosity)
		return;
	fflush(stdout);
	fprintf(stderr, "%s: ", lg.prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

const char *log__libbpf_kept(void)
{
	return lg.kept ? lg.kept : "";
}

void log__reset_libbpf(void)
{
	lg.kept_len = 0;
	if (lg.kept)
		lg.kept[0] = 0;
}

void log__flush_libbpf(int max_lines)
{
	const char *start;
	int lines = 0;

	if (!lg.kept_len)
		return;
	start = lg.kept + lg.kept_len;
	while (start > lg.kept) {
		if (start[-1] == '\n' && start != lg.kept + lg.kept_len && ++lines > max_lines)
			break;
		start--;
	}
	fputs(start, stderr);
	if (lg.kept[lg.kept_len - 1] != '\n')
		fputc('\n', stderr);
	log__reset_libbpf();
}
