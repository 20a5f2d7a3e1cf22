/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal unit test framework: TEST(name) { CHECK(...); } registers a
 * test; unit_main.c runs them all and prints "ok NAME" or "not ok NAME".
 */
#ifndef PROCSNOOP_UNIT_H
#define PROCSNOOP_UNIT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

void unit__register(const char *name, void (*fn)(void));
void unit__fail(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

struct render_opts;
struct schema;
/*
 * One record of schema sc through the JSON sink (json) or the table sink (of
 * these column groups), in TZ=UTC: its output, valid until the next call.
 */
const char *unit__render(bool json, const struct render_opts *ro, const struct schema *sc,
			 uint32_t groups, const void *ev, size_t size);

#define TEST(name)                                                        \
	static void name(void);                                           \
	__attribute__((constructor)) static void register_##name(void)   \
	{                                                                 \
		unit__register(#name, name);                              \
	}                                                                 \
	static void name(void)

#define CHECK(cond)                                                           \
	do {                                                                  \
		if (!(cond))                                                  \
			unit__fail(__FILE__, __LINE__, "CHECK(%s)", #cond);   \
	} while (0)

#define CHECK_INT(got, want)                                                        \
	do {                                                                        \
		long long g_ = (long long)(got), w_ = (long long)(want);            \
		if (g_ != w_)                                                       \
			unit__fail(__FILE__, __LINE__, "%s: got %lld, want %lld", \
				   #got, g_, w_);                                   \
	} while (0)

#define CHECK_STR(got, want)                                                        \
	do {                                                                        \
		const char *g_ = (got), *w_ = (want);                               \
		if (!g_ || !w_ || strcmp(g_, w_))                                   \
			unit__fail(__FILE__, __LINE__, "%s: got \"%s\", want \"%s\"", \
				   #got, g_ ? g_ : "(null)", w_ ? w_ : "(null)");   \
	} while (0)

#endif
