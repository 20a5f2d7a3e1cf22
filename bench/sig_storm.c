// SPDX-License-Identifier: GPL-2.0
/*
 * sig_storm N [CPU]: N kill(getpid(), 0) calls in a tight loop, pinned to
 * CPU (default 0), after 1000 warm-up calls.  Prints
 * "calls N ns_per_call X issued N+1000".
 */
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 1000000;
	int cpu = argc > 2 ? atoi(argv[2]) : 0;
	pid_t self = getpid();
	struct timespec a, b;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		perror("sched_setaffinity");
	for (int i = 0; i < 1000; i++)
		syscall(SYS_kill, self, 0);
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < n; i++)
		syscall(SYS_kill, self, 0);
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("calls %ld ns_per_call %.1f issued %ld\n", n,
	       ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / n, n + 1000);
	return 0;
}
