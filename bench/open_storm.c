// SPDX-License-Identifier: GPL-2.0
/*
 * open_storm ok|fail PATH N [CPU]: N openat(AT_FDCWD, PATH, O_RDONLY) calls
 * in a tight loop pinned to CPU (default 0), after 1000 warm-up calls;
 * "ok" closes each descriptor (PATH must exist), "fail" expects ENOENT.
 * Prints "calls N ns_per_call X issued N+1000".
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static void one(const char *path, int ok)
{
	long fd = syscall(SYS_openat, AT_FDCWD, path, O_RDONLY, 0);

	if (ok) {
		if (fd < 0) {
			perror(path);
			exit(1);
		}
		close(fd);
	} else if (fd >= 0 || errno != ENOENT) {
		fprintf(stderr, "open_storm: %s: expected ENOENT\n", path);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	int ok, cpu;
	long n;
	struct timespec a, b;
	cpu_set_t set;

	if (argc < 4) {
		fprintf(stderr, "usage: open_storm ok|fail PATH N [CPU]\n");
		return 2;
	}
	ok = strcmp(argv[1], "ok") == 0;
	n = atol(argv[3]);
	cpu = argc > 4 ? atoi(argv[4]) : 0;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		perror("sched_setaffinity");
	for (int i = 0; i < 1000; i++)
		one(argv[2], ok);
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < n; i++)
		one(argv[2], ok);
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("calls %ld ns_per_call %.1f issued %ld\n", n,
	       ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n, n + 1000);
	return 0;
}
