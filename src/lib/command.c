// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "lib/command.h"
#include "lib/log.h"
#include "lib/names.h"
#include "lib/stream.h"

struct command {
	struct stream_source src;
	pid_t pid;
	int go_fd; /* writing a byte lets it exec; closing it unwritten makes it exit */
	int err_fd; /* close-on-exec: EOF when the exec worked, else its errno */
	int pidfd;
	const char *name;
	bool released, ended, stop_asked;
	int status; /* as a shell gives it */
};

static bool executable(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

int command__check(const char *file, const char **why)
{
	const char *path = getenv("PATH");
	char buf[4096];

	if (!*file) {
		*why = "an empty command name";
		return -ENOENT;
	}
	if (strchr(file, '/')) {
		if (executable(file))
			return 0;
		*why = access(file, F_OK) ? "no such file" : "not an executable file";
		return access(file, F_OK) ? -ENOENT : -EACCES;
	}
	if (!path)
		path = "/usr/local/bin:/bin:/usr/bin";
	while (*path) {
		size_t n = strcspn(path, ":");

		if (snprintf(buf, sizeof(buf), "%.*s%s%s", (int)n, path, n ? "/" : "./", file) <
			    (int)sizeof(buf) &&
		    executable(buf))
			return 0;
		path += n + (path[n] == ':');
	}
	*why = "command not found";
	return -ENOENT;
}

int command__user(const struct run_as *user, struct run_as *out, const char **why)
{
	const char *uid_text = getenv("SUDO_UID"), *gid_text = getenv("SUDO_GID");
	const struct passwd *pw;
	char *end;
	unsigned long uid;

	memset(out, 0, sizeof(*out));
	if (user && user->set) {
		*out = *user;
		return 0;
	}
	if (!uid_text || getuid() != 0)
		return 0;
	errno = 0;
	uid = strtoul(uid_text, &end, 10);
	pw = errno || *end || end == uid_text ? NULL : getpwuid(uid);
	if (!pw) {
		*why = "SUDO_UID names no user";
		return -EINVAL;
	}
	out->set = true;
	out->uid = pw->pw_uid;
	out->gid = pw->pw_gid;
	if (gid_text && *gid_text) {
		unsigned long gid = strtoul(gid_text, &end, 10);

		if (!*end)
			out->gid = gid;
	}
	snprintf(out->name, sizeof(out->name), "%s", pw->pw_name);
	return 0;
}

/* In the child: never returns. */
static void child(char *const argv[], const struct run_as *as, int go_fd, int err_fd)
{
	sigset_t none;
	char go;
	int err;

	/* procsnoop ignores SIGPIPE; an exec keeps what is ignored. */
	signal(SIGPIPE, SIG_DFL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (read(go_fd, &go, 1) != 1)
		_exit(127); /* procsnoop gave up before tracing started */
	close(go_fd);
	if (as->set && (initgroups(as->name, as->gid) || setresgid(as->gid, as->gid, as->gid) ||
			setresuid(as->uid, as->uid, as->uid))) {
		err = errno;
		if (write(err_fd, &err, sizeof(err)) < 0)
			_exit(126);
		_exit(126);
	}
	execvp(argv[0], argv);
	err = errno;
	if (write(err_fd, &err, sizeof(err)) < 0)
		_exit(127);
	_exit(err == ENOENT ? 127 : 126);
}

int command__start(char *const argv[], const struct run_as *as, struct command **out)
{
	struct command *c = calloc(1, sizeof(*c));
	int go[2], errp[2], err;

	if (!c)
		return -ENOMEM;
	c->name = argv[0];
	c->pidfd = -1;
	if (pipe2(go, O_CLOEXEC)) {
		err = -errno;
		free(c);
		pr_err("cannot start %s: %s", argv[0], strerror(-err));
		return err;
	}
	if (pipe2(errp, O_CLOEXEC)) {
		err = -errno;
		close(go[0]);
		close(go[1]);
		free(c);
		pr_err("cannot start %s: %s", argv[0], strerror(-err));
		return err;
	}
	fflush(NULL);
	c->pid = fork();
	if (c->pid == 0) {
		close(go[1]);
		close(errp[0]);
		child(argv, as, go[0], errp[1]);
	}
	err = c->pid < 0 ? -errno : 0;
	close(go[0]);
	close(errp[1]);
	c->go_fd = go[1];
	c->err_fd = errp[0];
	if (!err) {
		c->pidfd = syscall(SYS_pidfd_open, c->pid, 0);
		if (c->pidfd < 0)
			err = -errno;
	}
	if (err) {
		pr_err("cannot start %s: %s", argv[0], strerror(-err));
		command__free(c);
		return err;
	}
	*out = c;
	return 0;
}

pid_t command__pid(const struct command *c)
{
	return c->pid;
}

static void reap(struct command *c, int options)
{
	siginfo_t info = { 0 };

	if (c->ended || waitid(P_PID, c->pid, &info, WEXITED | options) || info.si_pid != c->pid)
		return;
	c->ended = true;
	c->status = info.si_code == CLD_EXITED ? info.si_status : 128 + info.si_status;
}

int command__go(struct command *c)
{
	int child_errno = 0;
	ssize_t n;

	if (write(c->go_fd, "", 1) != 1) {
		int err = -errno;

		pr_err("cannot start %s: %s", c->name, strerror(errno));
		return err;
	}
	close(c->go_fd);
	c->go_fd = -1;
	c->released = true;
	do
		n = read(c->err_fd, &child_errno, sizeof(child_errno));
	while (n < 0 && errno == EINTR);
	close(c->err_fd);
	c->err_fd = -1;
	if (n == (ssize_t)sizeof(child_errno)) {
		pr_err("cannot run %s: %s", c->name, strerror(child_errno));
		reap(c, 0);
		return -child_errno;
	}
	return 0;
}

static int source_fd(struct stream_source *src)
{
	return ((struct command *)src)->pidfd;
}

static int source_drain(struct stream_source *src, struct stream *st)
{
	struct command *c = (struct command *)src;

	reap(c, WNOHANG);
	if (c->ended)
		stream__end(st);
	return 0;
}

static void source_summary(struct stream_source *src, char *buf, size_t len)
{
	const struct command *c = (const struct command *)src;
	char name[32];

	if (!c->ended)
		snprintf(buf, len, "; %s (pid %d) is still running", c->name, (int)c->pid);
	else if (c->status > 128)
		snprintf(buf, len, "; %s killed by %s", c->name, signal__format(c->status - 128, name, sizeof(name)));
	else
		snprintf(buf, len, "; %s exited with %d", c->name, c->status);
}

static const struct stream_source_ops source_ops = {
	.fd = source_fd,
	.drain = source_drain,
	.summary = source_summary,
};

int command__source(struct command *c, struct stream_source **out)
{
	c->src.ops = &source_ops;
	c->src.name = "the command";
	*out = &c->src;
	return 0;
}

bool command__defer_stop(void *ctx, int sig, bool by_kernel)
{
	struct command *c = ctx;
	char name[32];

	reap(c, WNOHANG);
	if (c->ended || c->stop_asked)
		return false;
	c->stop_asked = true;
	if (!sig) {
		kill(c->pid, SIGTERM);
		fprintf(stderr, "procsnoop: the duration is over: sent SIGTERM to %s (pid %d), "
			"tracing until it ends\n", c->name, (int)c->pid);
	} else if (by_kernel) {
		/* The terminal sent it to CMD's process group as well. */
		fprintf(stderr, "procsnoop: tracing until %s (pid %d) ends; again to stop now\n",
			c->name, (int)c->pid);
	} else {
		kill(c->pid, sig);
		fprintf(stderr, "procsnoop: passed %s on to %s (pid %d), tracing until it ends; "
			"again to stop now\n", signal__format(sig, name, sizeof(name)), c->name, (int)c->pid);
	}
	return true;
}

bool command__ended(const struct command *c, int *status)
{
	if (c->ended)
		*status = c->status;
	return c->ended;
}

void command__free(struct command *c)
{
	if (!c)
		return;
	if (c->go_fd >= 0)
		close(c->go_fd); /* unreleased: it exits without running anything */
	if (c->err_fd >= 0)
		close(c->err_fd);
	if (!c->released && c->pid > 0)
		reap(c, 0);
	if (c->pidfd >= 0)
		close(c->pidfd);
	free(c);
}
