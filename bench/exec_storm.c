// SPDX-License-Identifier: GPL-2.0
/*
 * exec_storm N [CPU] [PROGRAM]: N times fork, exec PROGRAM (default
 * /bin/true) and wait for its exit, pinned to CPU (default 0, the child
 * inherits it), after 50 warm-up rounds.  Prints
 * "execs N us_per_exec X issued N+50".
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int round_trip(const char *prog)
{
	char *const argv[] = { (char *)prog, NULL };
	char *const envp[] = { NULL };
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		execve(prog, argv, envp);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 5000;
	int cpu = argc > 2 ? atoi(argv[2]) : 0;
	const char *prog = argc > 3 ? argv[3] : "/bin/true";
	struct timespec a, b;
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		perror("sched_setaffinity");
	for (int i = 0; i < 50; i++)
		if (round_trip(prog)) {
			fprintf(stderr, "exec_storm: %s failed\n", prog);
			return 1;
		}
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (long i = 0; i < n; i++)
		if (round_trip(prog)) {
			fprintf(stderr, "exec_storm: %s failed\n", prog);
			return 1;
		}
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("execs %ld us_per_exec %.2f issued %ld\n", n,
	       ((b.tv_sec - a.tv_sec) * 1e6 + (b.tv_nsec - a.tv_nsec) / 1e3) / n, n + 50);
	return 0;
}
