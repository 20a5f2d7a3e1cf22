// SPDX-License-Identifier: GPL-2.0
/*
 * User-space functions the tests look for: the uprobe tests probe
 * procsnoop_probe_me, the profile test samples procsnoop_spin.  It prints
 * "ready PID", waits for a line on stdin, then
 *
 *   uprobeactor N...        calls procsnoop_probe_me(N) for each N and prints
 *                           what each returned: "N -> 2N+1"
 *   uprobeactor spin MS     runs procsnoop_spin for MS milliseconds
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

/* Not inlined, and kept in the symbol table: a uprobe finds it by name. */
__attribute__((noinline, used)) int procsnoop_probe_me(int x)
{
	__asm__ volatile("" ::: "memory");
	return 2 * x + 1;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Busy in user space and in the kernel (reading /dev/zero) by turns: samples land in both. */
__attribute__((noinline, used)) unsigned long procsnoop_spin(double ms)
{
	static char buf[1 << 20];
	volatile unsigned long x = 0;
	double end = now_ms() + ms;
	int fd = open("/dev/zero", O_RDONLY);

	while (now_ms() < end) {
		for (int i = 0; i < 100000; i++)
			x += i;
		if (fd >= 0 && read(fd, buf, sizeof(buf)) < 0)
			break;
	}
	if (fd >= 0)
		close(fd);
	return x;
}

int main(int argc, char **argv)
{
	char line[16];

	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	if (argc == 3 && argv[1][0] == 's') {
		procsnoop_spin(atof(argv[2]));
		return 0;
	}
	for (int i = 1; i < argc; i++) {
		int x = atoi(argv[i]);

		printf("%d -> %d\n", x, procsnoop_probe_me(x));
	}
	return 0;
}
