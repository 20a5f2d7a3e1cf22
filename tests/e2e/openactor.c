// SPDX-License-Identifier: GPL-2.0
/*
 * Causes known open syscalls for the end-to-end tests.  Steps, each a
 * word followed by its arguments as separate argv entries (paths may hold
 * any byte):
 *   chdir DIR            dir PATH (opens a directory; later "@" means its fd)
 *   open PATH FLAGS MODE       openat DIRFD PATH FLAGS MODE
 *   openat2 DIRFD PATH FLAGS MODE RESOLVE       creat PATH MODE
 *   openn PATH N (N openat+close)   nullopen (open(NULL): EFAULT)
 *   setuid UID   comm NAME   wait (read a line from stdin first)
 *   thread PATH (a thread prints "tid N", waits for a line, opens PATH)
 * DIRFD is a number, "cwd" (AT_FDCWD) or "@"; numbers take C syntax (0x, 0).
 * Each open step prints "STEP RET ERRNO" and closes what it opened, except dir.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static int dir_fd = -1;

static void report(const char *step, long ret)
{
	printf("%s %ld %d\n", step, ret, ret < 0 ? errno : 0);
	fflush(stdout);
	if (ret >= 0)
		close(ret);
}

static long num(const char *s)
{
	return strtol(s, NULL, 0);
}

static int dirfd_arg(const char *s)
{
	if (!strcmp(s, "cwd"))
		return AT_FDCWD;
	if (!strcmp(s, "@"))
		return dir_fd;
	return num(s);
}

static void wait_line(void)
{
	char line[16];

	if (!fgets(line, sizeof(line), stdin))
		exit(1);
}

static void *thread_main(void *path)
{
	printf("tid %ld\n", (long)syscall(SYS_gettid));
	fflush(stdout);
	wait_line();
	report("thread", syscall(SYS_openat, AT_FDCWD, path, O_RDONLY, 0));
	return NULL;
}

static void need(int argc, int i, int n)
{
	if (i + n >= argc) {
		fprintf(stderr, "openactor: missing arguments\n");
		exit(2);
	}
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *step = argv[i];

		if (!strcmp(step, "chdir")) {
			need(argc, i, 1);
			if (chdir(argv[++i])) {
				perror("chdir");
				return 1;
			}
		} else if (!strcmp(step, "dir")) {
			need(argc, i, 1);
			dir_fd = syscall(SYS_openat, AT_FDCWD, argv[++i], O_RDONLY | O_DIRECTORY, 0);
			printf("dir %d %d\n", dir_fd, dir_fd < 0 ? errno : 0);
			fflush(stdout);
#ifdef SYS_open
		} else if (!strcmp(step, "open")) {
			need(argc, i, 3);
			report(step, syscall(SYS_open, argv[i + 1], num(argv[i + 2]), num(argv[i + 3])));
			i += 3;
		} else if (!strcmp(step, "creat")) {
			need(argc, i, 2);
			report(step, syscall(SYS_creat, argv[i + 1], num(argv[i + 2])));
			i += 2;
#endif
		} else if (!strcmp(step, "openat")) {
			need(argc, i, 4);
			report(step, syscall(SYS_openat, dirfd_arg(argv[i + 1]), argv[i + 2],
					     num(argv[i + 3]), num(argv[i + 4])));
			i += 4;
		} else if (!strcmp(step, "openat2")) {
			struct open_how how = {};

			need(argc, i, 5);
			how.flags = num(argv[i + 3]);
			how.mode = num(argv[i + 4]);
			how.resolve = num(argv[i + 5]);
			report(step, syscall(SYS_openat2, dirfd_arg(argv[i + 1]), argv[i + 2], &how,
					     sizeof(how)));
			i += 5;
		} else if (!strcmp(step, "openn")) {
			long n, bad = 0;

			need(argc, i, 2);
			n = num(argv[i + 2]);
			for (long k = 0; k < n; k++) {
				long fd = syscall(SYS_openat, AT_FDCWD, argv[i + 1], O_RDONLY, 0);

				if (fd < 0)
					bad++;
				else
					close(fd);
			}
			printf("openn %ld 0\n", -bad);
			fflush(stdout);
			i += 2;
		} else if (!strcmp(step, "nullopen")) {
			report(step, syscall(SYS_openat, AT_FDCWD, NULL, O_RDONLY, 0));
		} else if (!strcmp(step, "setuid")) {
			need(argc, i, 1);
			if (setuid(num(argv[++i]))) {
				perror("setuid");
				return 1;
			}
		} else if (!strcmp(step, "comm")) {
			need(argc, i, 1);
			prctl(PR_SET_NAME, argv[++i]);
		} else if (!strcmp(step, "wait")) {
			wait_line();
		} else if (!strcmp(step, "thread")) {
			pthread_t t;

			need(argc, i, 1);
			pthread_create(&t, NULL, thread_main, argv[++i]);
			pthread_join(t, NULL);
		} else {
			fprintf(stderr, "openactor: unknown step %s\n", step);
			return 2;
		}
	}
	return 0;
}
