// SPDX-License-Identifier: GPL-2.0
/*
 * Causes known execs and exits for the end-to-end tests of procsnoop exec
 * and exit.  One mode per run:
 *
 *   execveat DIR NAME ARG...   execveat(open(DIR), NAME, ARG...)
 *   fexec FILE ARG...          execveat(open(FILE), "", ARG..., AT_EMPTY_PATH)
 *   exit CODE [ARG...]         exit(CODE)
 *   kill SIG                   kill(getpid(), SIG)
 *   segv DIR                   a core-dumping SIGSEGV, the core written in DIR
 *   thread                     a second thread exits first (prints its tid), then exit(0)
 *   mix FILE                   open FILE, kill(getpid(), 0), exit(0)
 *   threads N CODE             N threads running, then exit_group(CODE): all die at once
 *   thread-exec FILE ARG...    a second thread execs FILE (the kernel gives it the pid)
 *
 * A failed exec prints "errno N" and exits 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char **environ;

static void *spin(void *arg)
{
	for (;;)
		*(volatile int *)arg += 1;
	return NULL;
}

static void *exec_main(void *arg)
{
	char **argv = arg;

	execve(argv[0], argv + 1, environ);
	printf("errno %d\n", errno);
	exit(1);
}

static void *thread_main(void *arg)
{
	printf("tid %ld\n", (long)syscall(SYS_gettid));
	fflush(stdout);
	return NULL;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	int fd;

	if (strcmp(mode, "execveat") == 0 && argc >= 4) {
		fd = open(argv[2], O_PATH | O_DIRECTORY);
		if (fd < 0)
			return 2;
		syscall(SYS_execveat, fd, argv[3], argv + 4, environ, 0);
	} else if (strcmp(mode, "fexec") == 0 && argc >= 3) {
		fd = open(argv[2], O_PATH);
		if (fd < 0)
			return 2;
		syscall(SYS_execveat, fd, "", argv + 3, environ, AT_EMPTY_PATH);
	} else if (strcmp(mode, "exit") == 0 && argc >= 3) {
		exit(atoi(argv[2]));
	} else if (strcmp(mode, "kill") == 0 && argc >= 3) {
		kill(getpid(), atoi(argv[2]));
		return 2;
	} else if (strcmp(mode, "segv") == 0 && argc >= 3) {
		struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };

		if (chdir(argv[2]) || setrlimit(RLIMIT_CORE, &rl))
			return 2;
		prctl(PR_SET_DUMPABLE, 1);
		*(volatile int *)0 = 1;
		return 2;
	} else if (strcmp(mode, "thread") == 0) {
		pthread_t t;

		if (pthread_create(&t, NULL, thread_main, NULL) || pthread_join(t, NULL))
			return 2;
		/* The thread is gone; give its exit a moment to be the earlier event. */
		usleep(20000);
		return 0;
	} else if (strcmp(mode, "threads") == 0 && argc >= 4) {
		static int counters[64];
		int n = atoi(argv[2]);
		pthread_t t;

		for (int i = 0; i < n && i < 64; i++)
			if (pthread_create(&t, NULL, spin, &counters[i]))
				return 2;
		usleep(20000);
		syscall(SYS_exit_group, atoi(argv[3]));
	} else if (strcmp(mode, "thread-exec") == 0 && argc >= 3) {
		pthread_t t;

		if (pthread_create(&t, NULL, exec_main, argv + 2))
			return 2;
		pause();
	} else if (strcmp(mode, "mix") == 0 && argc >= 3) {
		fd = open(argv[2], O_RDONLY);
		if (fd >= 0)
			close(fd);
		kill(getpid(), 0);
		return 0;
	} else {
		fprintf(stderr, "usage: execactor MODE ARGS...\n");
		return 2;
	}
	printf("errno %d\n", errno);
	return 1;
}
