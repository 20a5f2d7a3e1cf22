// SPDX-License-Identifier: GPL-2.0
#include <stdarg.h>
#include <stdlib.h>
#include "unit.h"

#define MAX_TESTS 1024

static struct {
	const char *name;
	void (*fn)(void);
} tests[MAX_TESTS];
static int ntests, failures_in_test;

void unit__register(const char *name, void (*fn)(void))
{
	if (ntests < MAX_TESTS)
		tests[ntests++] = (typeof(tests[0])){ name, fn };
}

void unit__fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	failures_in_test++;
	printf("# %s:%d: ", file, line);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

int main(void)
{
	int failed = 0;

	for (int i = 0; i < ntests; i++) {
		failures_in_test = 0;
		tests[i].fn();
		printf("%s %s\n", failures_in_test ? "not ok" : "ok", tests[i].name);
		failed += failures_in_test != 0;
	}
	printf("# %d tests, %d failed\n", ntests, failed);
	return failed ? 1 : 0;
}
