// SPDX-License-Identifier: GPL-2.0
/*
 * Causes known signal syscalls for the end-to-end tests.  Each argument is
 * one step, run in order:
 *   kill:PID:SIG  tkill:TID:SIG  tgkill:TGID:TID:SIG  sigqueue:PID:SIG
 *   tgsigqueue:TGID:TID:SIG  pidfd:PID:SIG  setuid:UID  comm:NAME  sleep:MS
 *   killn:PID:SIG:N (N kill() calls)  wait (read a line from stdin first)
 *   segv  block (block every signal, then sleep until killed)
 *   forksegv (a child that dies of SIGSEGV; this process, SIGCHLD at its default, reaps it)
 *   selfkill:N (N children that each kill themselves with SIGKILL)
 * Each syscall step prints "STEP RET ERRNO" on stdout.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static long arg(char **save)
{
	char *tok = strtok_r(NULL, ":", save);

	if (!tok) {
		fprintf(stderr, "sigactor: missing value\n");
		exit(2);
	}
	return strtol(tok, NULL, 10);
}

static void report(const char *step, long ret)
{
	printf("%s %ld %d\n", step, ret, ret < 0 ? errno : 0);
	fflush(stdout);
}

static void queue_info(siginfo_t *si, int sig)
{
	memset(si, 0, sizeof(*si));
	si->si_signo = sig;
	si->si_code = SI_QUEUE;
	si->si_pid = getpid();
	si->si_uid = getuid();
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		char *save = NULL, *copy = strdup(argv[i]);
		char *step = strtok_r(copy, ":", &save);
		siginfo_t si;
		long a, b, c;

		if (!strcmp(step, "kill")) {
			a = arg(&save), b = arg(&save);
			report(argv[i], syscall(SYS_kill, a, b));
		} else if (!strcmp(step, "killn")) {
			long n, bad = 0;

			a = arg(&save), b = arg(&save), n = arg(&save);
			for (long k = 0; k < n; k++)
				bad += syscall(SYS_kill, a, b) != 0;
			report(argv[i], -bad);
		} else if (!strcmp(step, "wait")) {
			char line[16];

			if (!fgets(line, sizeof(line), stdin))
				return 1;
		} else if (!strcmp(step, "tkill")) {
			a = arg(&save), b = arg(&save);
			report(argv[i], syscall(SYS_tkill, a, b));
		} else if (!strcmp(step, "tgkill")) {
			a = arg(&save), b = arg(&save), c = arg(&save);
			report(argv[i], syscall(SYS_tgkill, a, b, c));
		} else if (!strcmp(step, "sigqueue")) {
			a = arg(&save), b = arg(&save);
			queue_info(&si, b);
			report(argv[i], syscall(SYS_rt_sigqueueinfo, a, b, &si));
		} else if (!strcmp(step, "tgsigqueue")) {
			a = arg(&save), b = arg(&save), c = arg(&save);
			queue_info(&si, c);
			report(argv[i], syscall(SYS_rt_tgsigqueueinfo, a, b, c, &si));
		} else if (!strcmp(step, "pidfd")) {
			a = arg(&save), b = arg(&save);
			int fd = syscall(SYS_pidfd_open, a, 0);

			if (fd < 0) {
				report("pidfd_open", fd);
				return 1;
			}
			report(argv[i], syscall(SYS_pidfd_send_signal, fd, b, NULL, 0));
			close(fd);
		} else if (!strcmp(step, "setuid")) {
			a = arg(&save);
			if (setgid(a) || setuid(a)) {
				perror("setuid");
				return 1;
			}
		} else if (!strcmp(step, "comm")) {
			prctl(PR_SET_NAME, strtok_r(NULL, "", &save));
		} else if (!strcmp(step, "sleep")) {
			usleep(arg(&save) * 1000);
		} else if (!strcmp(step, "segv")) {
			fflush(stdout);
			*(volatile int *)8 = 1;
		} else if (!strcmp(step, "forksegv")) {
			sigset_t chld;
			pid_t pid;

			/* SIGCHLD at its default and unblocked: the kernel ignores it. */
			signal(SIGCHLD, SIG_DFL);
			sigemptyset(&chld);
			sigaddset(&chld, SIGCHLD);
			sigprocmask(SIG_UNBLOCK, &chld, NULL);
			fflush(stdout);
			pid = fork();
			if (pid == 0)
				*(volatile int *)8 = 1;
			if (pid < 0 || waitpid(pid, NULL, 0) != pid) {
				perror("forksegv");
				return 1;
			}
			printf("forksegv %d 0\n", pid);
		} else if (!strcmp(step, "block")) {
			sigset_t all;

			sigfillset(&all);
			sigprocmask(SIG_BLOCK, &all, NULL);
			printf("ready\n");
			fflush(stdout);
			for (;;)
				pause();
		} else if (!strcmp(step, "selfkill")) {
			a = arg(&save);
			for (long n = 0; n < a; n++) {
				pid_t pid = fork();

				if (pid == 0) {
					syscall(SYS_kill, getpid(), SIGKILL);
					_exit(1);
				}
				if (pid < 0) {
					perror("fork");
					return 1;
				}
				/* Reap as we go so the pid space is not exhausted. */
				while (waitpid(-1, NULL, WNOHANG) > 0)
					;
			}
			while (wait(NULL) > 0)
				;
			report(argv[i], 0);
		} else {
			fprintf(stderr, "sigactor: unknown step '%s'\n", step);
			return 2;
		}
		free(copy);
	}
	return 0;
}
