// SPDX-License-Identifier: GPL-2.0
/* A process that outlives procsnoop by holding its BPF links (link_reaper.h). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "lib/link_reaper.h"

#define MAX_HELD 256

/* Closes [lo, hi]: close_range where the kernel has it (5.9), else one by one. */
static void close_between(unsigned int lo, unsigned int hi)
{
#ifdef SYS_close_range
	if (syscall(SYS_close_range, lo, hi, 0) == 0)
		return;
#endif
	for (unsigned int fd = lo; fd <= hi && fd < 65536; fd++)
		close((int)fd);
}

/*
 * In the grandchild, after fork: only async-signal-safe calls.  Keeps
 * keep[0..n) (sorted), closes every other descriptor, and waits for the end
 * of the pipe.
 */
static void hold(const int *keep, int n, int wait_fd)
{
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	unsigned int next = 0;
	char c;

	setsid();
	/* What ps shows for the second or two it lives. */
	prctl(PR_SET_NAME, "procsnoop:links", 0, 0, 0);
	sigaction(SIGINT, &dfl, NULL);
	sigaction(SIGTERM, &dfl, NULL);
	sigaction(SIGHUP, &dfl, NULL);
	for (int i = 0; i < n; i++) {
		if ((unsigned int)keep[i] > next)
			close_between(next, (unsigned int)keep[i] - 1);
		next = (unsigned int)keep[i] + 1;
	}
	close_between(next, ~0u);
	while (read(wait_fd, &c, 1) < 0 && errno == EINTR)
		;
	_exit(0);
}

int link_reaper__start(const int *fds, int n, int *release_fd)
{
	int keep[MAX_HELD + 1], p[2], nkeep = 0, status;
	pid_t pid;

	if (n > MAX_HELD)
		return -E2BIG;
	if (pipe2(p, O_CLOEXEC))
		return -errno;
	/* The descriptors to keep, sorted (insertion: a few dozen at most). */
	for (int i = 0; i <= n; i++) {
		int fd = i < n ? fds[i] : p[0], j = nkeep;

		if (fd < 0)
			continue;
		while (j > 0 && keep[j - 1] > fd) {
			keep[j] = keep[j - 1];
			j--;
		}
		keep[j] = fd;
		nkeep++;
	}
	pid = fork();
	if (pid < 0) {
		int err = -errno;

		close(p[0]);
		close(p[1]);
		return err;
	}
	if (pid == 0) {
		/* The middle process exits at once, so that init adopts the holder. */
		if (fork() == 0)
			hold(keep, nkeep, p[0]);
		_exit(0);
	}
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	*release_fd = p[1];
	return 0;
}
