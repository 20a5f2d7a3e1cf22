// SPDX-License-Identifier: GPL-2.0
/*
 * The workload of the kernel matrix (tests/kernels/matrix.py).  It runs in a
 * guest that has nothing but busybox, so it is linked statically, and it
 * prints what the host needs to check procsnoop's events as "key=value"
 * lines on stdout: the guest cannot run the checks itself.
 *
 *   guest_actor sig|open|exec|exit   one workload
 *   guest_actor all                  all four, in that order, in one process
 *   guest_actor noop ...             exits 0 (what the exec workload runs)
 *   guest_actor udp                  UDP datagrams to 127.0.0.1 (tc and xdp programs)
 *   guest_actor spin                 a second in procsnoop_spin (perf_event programs)
 *
 * Every step is done by this process (pid=), or by a child whose pid is
 * printed, so the host can match events by pid without guessing.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define OPEN_DIR "/tmp/kdir"
#define MISSING_PROGRAM "/opt/missing-program"

static void fact(const char *key, long value)
{
	printf("%s=%ld\n", key, value);
	fflush(stdout);
}

static void fact_str(const char *key, const char *value)
{
	printf("%s=%s\n", key, value);
	fflush(stdout);
}

static void die(const char *what)
{
	fprintf(stderr, "guest_actor: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* A child that waits for a signal; _exit(0) only if pause() ever returns. */
static pid_t pausing_child(void)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		pause();
		_exit(0);
	}
	return pid;
}

/* The exit status of pid, as the raw wait status. */
static int reap(pid_t pid)
{
	int status;

	if (waitpid(pid, &status, 0) != pid)
		die("waitpid");
	return status;
}

static long ns_inode(const char *path)
{
	struct stat st;

	return stat(path, &st) ? -1 : (long)st.st_ino;
}

static long status_fact(int status)
{
	return WIFSIGNALED(status) ? -WTERMSIG(status) : WEXITSTATUS(status);
}

/*
 * kill(child, SIGUSR1) to a child at SIGUSR1's default action (it dies of
 * it), and kill(other, 0), the probe that never reaches signal_generate.
 */
static void do_sig(void)
{
	pid_t target = pausing_child(), probed = pausing_child();
	long ret;

	fact("sig_target", target);
	ret = kill(target, SIGUSR1);
	fact("sig_ret", ret);
	fact("sig_target_status", status_fact(reap(target)));
	fact("probe_target", probed);
	ret = kill(probed, 0);
	fact("probe_ret", ret);
	kill(probed, SIGKILL);
	reap(probed);
}

/* A relative open of a file that exists and of one that does not, from a known cwd. */
static void do_open(void)
{
	int fd;

	if ((mkdir(OPEN_DIR, 0755) && errno != EEXIST) ||
	    (mkdir(OPEN_DIR "/rel", 0755) && errno != EEXIST))
		die("mkdir " OPEN_DIR "/rel");
	fd = open(OPEN_DIR "/rel/file", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die("create " OPEN_DIR "/rel/file");
	close(fd);
	if (chdir(OPEN_DIR))
		die("chdir " OPEN_DIR);
	fd = open("rel/file", O_RDONLY);
	fact("open_fd", fd);
	if (fd >= 0)
		close(fd);
	fd = open("rel/missing", O_RDONLY);
	fact("open_missing_ret", fd);
	fact("open_missing_errno", fd < 0 ? errno : 0);
	fact_str("open_cwd", OPEN_DIR);
}

/*
 * A child that execs this program with an argument holding a space, and one
 * whose execve of a missing file fails: its exit code carries the errno.
 */
static void do_exec(void)
{
	static char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	pid_t pid;

	if (n < 0)
		die("readlink /proc/self/exe");
	self[n] = '\0';
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		char *args[] = { "guest_actor", "noop", "two words", "x", NULL };

		execv(self, args);
		_exit(127);
	}
	fact("exec_pid", pid);
	fact_str("exec_filename", self);
	fact("exec_status", status_fact(reap(pid)));

	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		/*
		 * On the stack, not string literals: a failed exec's arguments are
		 * read without faulting pages in, and a literal in a page of this
		 * static binary not touched yet comes out cut (argc null).
		 */
		char a0[] = "missing-program", a1[] = "y";
		char *args[] = { a0, a1, NULL };

		execv(MISSING_PROGRAM, args);
		_exit(errno);
	}
	fact("exec_fail_pid", pid);
	fact_str("exec_fail_filename", MISSING_PROGRAM);
	fact("exec_fail_errno", status_fact(reap(pid)));
}

/*
 * A child that makes a new pid namespace and, in it, a child of its own
 * (pid 1 there) that exits 5: its exit names its ids in that namespace.
 */
static void nested_exit(void)
{
	pid_t pid, inner;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid) {
		reap(pid);
		return;
	}
	if (unshare(CLONE_NEWPID))
		die("unshare(CLONE_NEWPID)");
	inner = fork();
	if (inner < 0)
		die("fork");
	if (inner == 0)
		_exit(5);
	fact("nested_pid", inner);
	fact("nested_pidns", ns_inode("/proc/self/ns/pid_for_children"));
	fact("nested_status", status_fact(reap(inner)));
	_exit(0);
}

/* One child that exits 3, one killed by SIGKILL, one in a new pid namespace that exits 5. */
static void do_exit(void)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0)
		_exit(3);
	fact("exit3_pid", pid);
	fact("exit3_status", status_fact(reap(pid)));
	pid = pausing_child();
	fact("killed_pid", pid);
	kill(pid, SIGKILL);
	fact("killed_status", status_fact(reap(pid)));
	nested_exit();
}

#define UDP_PORT 9999
#define UDP_SIZE 100
#define UDP_COUNT 3

/* UDP_COUNT datagrams of UDP_SIZE bytes to 127.0.0.1:UDP_PORT. */
static void do_udp(void)
{
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(UDP_PORT) };
	char payload[UDP_SIZE];
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0)
		die("socket");
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	memset(payload, 'p', sizeof(payload));
	for (int i = 0; i < UDP_COUNT; i++)
		if (sendto(fd, payload, sizeof(payload), 0, (struct sockaddr *)&to, sizeof(to)) < 0)
			die("sendto");
	close(fd);
	fact("udp_port", UDP_PORT);
	fact("udp_size", UDP_SIZE);
	fact("udp_count", UDP_COUNT);
}

/* Busy in user space and in read(2) of /dev/zero by turns for ms: samples land in both. */
__attribute__((noinline, used)) unsigned long procsnoop_spin(long ms)
{
	static char buf[1 << 16];
	volatile unsigned long x = 0;
	struct timespec start, now;
	int fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);

	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		for (int i = 0; i < 20000; i++)
			x += i;
		if (fd >= 0 && read(fd, buf, sizeof(buf)) < 0)
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 < ms);
	if (fd >= 0)
		close(fd);
	return x;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	int all = !strcmp(mode, "all");

	if (!strcmp(mode, "noop"))
		return 0;
	if (!strcmp(mode, "spin")) {
		fact("pid", getpid());
		procsnoop_spin(1000);
		/* A stack is named from the process's maps: still there when procsnoop reads them. */
		sleep(2);
		fact_str("done", mode);
		return 0;
	}
	if (!strcmp(mode, "udp")) {
		fact("pid", getpid());
		do_udp();
		fact_str("done", mode);
		return 0;
	}
	if (!all && strcmp(mode, "sig") && strcmp(mode, "open") && strcmp(mode, "exec") &&
	    strcmp(mode, "exit")) {
		fprintf(stderr, "usage: guest_actor sig|open|exec|exit|all|noop|udp|spin\n");
		return 2;
	}
	fact("pid", getpid());
	/* The namespaces every event of this process names (the guest has only the first ones). */
	fact("pidns", ns_inode("/proc/self/ns/pid"));
	fact("mntns", ns_inode("/proc/self/ns/mnt"));
	if (all || !strcmp(mode, "sig"))
		do_sig();
	if (all || !strcmp(mode, "open"))
		do_open();
	if (all || !strcmp(mode, "exec"))
		do_exec();
	if (all || !strcmp(mode, "exit"))
		do_exit();
	fact_str("done", mode);
	return 0;
}
