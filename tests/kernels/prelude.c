// SPDX-License-Identifier: GPL-2.0
/*
 * Prints what procsnoop run puts before a program's source (src/runner/prelude.c):
 * the kernel matrix compiles a program with it, as the runner would, for a guest
 * that has no clang.
 */
#include <stdio.h>

extern const char runner__prelude[];

int main(void)
{
	return fputs(runner__prelude, stdout) == EOF;
}
