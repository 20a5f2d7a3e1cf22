// SPDX-License-Identifier: GPL-2.0
/*
 * The user-space function the uprobe tests probe.  It prints "ready PID",
 * waits for a line on stdin, then calls procsnoop_probe_me(N) for each N of
 * its arguments and prints what each returned: "N -> 2N+1".
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* Not inlined, and kept in the symbol table: a uprobe finds it by name. */
__attribute__((noinline, used)) int procsnoop_probe_me(int x)
{
	__asm__ volatile("" ::: "memory");
	return 2 * x + 1;
}

int main(int argc, char **argv)
{
	char line[16];

	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	for (int i = 1; i < argc; i++) {
		int x = atoi(argv[i]);

		printf("%d -> %d\n", x, procsnoop_probe_me(x));
	}
	return 0;
}
