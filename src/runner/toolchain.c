// SPDX-License-Identifier: GPL-2.0
/*
 * The tools procsnoop run executes (clang, bpftool), and the checks a
 * privileged run makes before it trusts a tool or a directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>
#include "lib/log.h"
#include "runner/compile.h"

extern char **environ;

/*
 * Privileged: euid 0, a setuid or file-capability start (AT_SECURE), or CAP_BPF or
 * CAP_SYS_ADMIN held.  Such a run takes nothing from the environment: its cache is
 * /var/cache/procsnoop (as root), its tools come from the directories below, checked,
 * and they run with a fixed environment.
 */
static bool privileged(void)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2] = {};
	__u32 lo, hi;

	if (geteuid() == 0 || getauxval(AT_SECURE))
		return true;
	if (syscall(SYS_capget, &hdr, d))
		return true;
	lo = d[0].effective | d[0].permitted;
	hi = d[1].effective | d[1].permitted;
	return (lo & (1u << CAP_SYS_ADMIN)) || (hi & (1u << (CAP_BPF - 32)));
}

/* Root's search path on Debian (ENV_SUPATH in login.defs), in its order. */
static const char *const trusted_dirs[] = {
	"/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin",
};
#define TRUSTED_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static char *trusted_env[] = { "PATH=" TRUSTED_PATH, "LC_ALL=C", NULL };

/* Owned by root (or by owner) and writable by nobody else. */
static bool trusted_stat(const char *path, const struct stat *st, uid_t owner, char *why,
			 size_t wlen)
{
	if (st->st_uid != 0 && st->st_uid != owner)
		snprintf(why, wlen, "%s is owned by uid %u", path, st->st_uid);
	else if (st->st_mode & 022)
		snprintf(why, wlen, "%s is writable by %s", path,
			 (st->st_mode & 002) ? "others" : "its group");
	else
		return true;
	return false;
}

/*
 * Resolves an absolute path one component at a time, as the kernel does, and requires
 * every directory it passes through and what it ends at to pass trusted_stat: a symbolic
 * link is followed only from such a directory.  With create, a missing directory is made
 * (the last one with mode create, the others 0755).  0 with the resolved path in out, or
 * -errno with *why naming the offender.
 */
int trusted__resolve(const char *path, uid_t owner, mode_t create, char *out, size_t len,
		     char *why, size_t wlen)
{
	char cur[PATH_MAX] = "", rest[PATH_MAX], next[PATH_MAX], link[PATH_MAX],
		tmp[2 * PATH_MAX];
	struct stat st;
	int hops = 0;
	char *p;

	if (path[0] != '/' || strlen(path) >= sizeof(rest))
		return -EINVAL;
	if (stat("/", &st))
		return -errno;
	if (!trusted_stat("/", &st, owner, why, wlen))
		return -EPERM;
	snprintf(rest, sizeof(rest), "%s", path);
	p = rest;
	while (*p) {
		char *end;
		size_t n;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		end = strchrnul(p, '/');
		n = end - p;
		if (n == 1 && p[0] == '.') {
			p = end;
			continue;
		}
		if (n == 2 && p[0] == '.' && p[1] == '.') {
			char *slash = strrchr(cur, '/');

			if (slash)
				*slash = 0;
			p = end;
			continue;
		}
		if ((size_t)snprintf(next, sizeof(next), "%s/%.*s", cur, (int)n, p) >= sizeof(next))
			return -ENAMETOOLONG;
		if (lstat(next, &st) && errno == ENOENT && create) {
			bool last = !end[strspn(end, "/")];

			if (mkdir(next, last ? create : 0755) && errno != EEXIST) {
				snprintf(why, wlen, "cannot make %s: %s", next, strerror(errno));
				return -errno;
			}
		}
		if (lstat(next, &st)) {
			snprintf(why, wlen, "%s: %s", next, strerror(errno));
			return -errno;
		}
		if (S_ISLNK(st.st_mode)) {
			ssize_t k;

			if (++hops > 40)
				return -ELOOP;
			k = readlink(next, link, sizeof(link) - 1);
			if (k < 0)
				return -errno;
			link[k] = 0;
			if ((size_t)snprintf(tmp, sizeof(tmp), "%s/%s", link, end) >= sizeof(rest))
				return -ENAMETOOLONG;
			memcpy(rest, tmp, strlen(tmp) + 1);
			if (link[0] == '/')
				cur[0] = 0;
			p = rest;
			continue;
		}
		if (!trusted_stat(next, &st, owner, why, wlen))
			return -EPERM;
		if (end[strspn(end, "/")] && !S_ISDIR(st.st_mode)) {
			snprintf(why, wlen, "%s is not a directory", next);
			return -ENOTDIR;
		}
		memcpy(cur, next, strlen(next) + 1);
		p = end;
	}
	if ((size_t)snprintf(out, len, "%s", cur[0] ? cur : "/") >= len)
		return -ENAMETOOLONG;
	return 0;
}

/*
 * Finds a tool: privileged, in trusted_dirs only, the first one that has it, refused
 * unless it and every directory on its way are root's and writable by nobody else;
 * otherwise as named (a path) or on $PATH.  0, or -errno with one line printed.
 */
int toolchain__find(const struct toolchain *tc, const char *name, const char *why_needed,
		    char *out, size_t len)
{
	char cand[PATH_MAX], why[PATH_MAX + 64] = "";
	int err;

	if (tc->privileged) {
		for (size_t i = 0; i < sizeof(trusted_dirs) / sizeof(trusted_dirs[0]); i++) {
			struct stat st;

			snprintf(cand, sizeof(cand), "%s/%s", trusted_dirs[i], name);
			if (access(cand, X_OK))
				continue;
			err = trusted__resolve(cand, 0, 0, out, len, why, sizeof(why));
			if (!err && (stat(out, &st) || !S_ISREG(st.st_mode))) {
				snprintf(why, sizeof(why), "%s is not a regular file", out);
				err = -EPERM;
			}
			if (err)
				pr_err("refusing to run %s: %s (a privileged run only takes root's "
				       "tools)",
				       cand, why[0] ? why : strerror(-err));
			return err;
		}
	} else if (strchr(name, '/')) {
		if (access(name, X_OK) == 0 && (size_t)snprintf(out, len, "%s", name) < len)
			return 0;
	} else {
		const char *env = getenv("PATH");
		char *dirs = strdup(env ? env : "/usr/bin:/bin"), *save = NULL;

		for (char *d = dirs ? strtok_r(dirs, ":", &save) : NULL; d;
		     d = strtok_r(NULL, ":", &save)) {
			snprintf(cand, sizeof(cand), "%s/%s", d, name);
			if (access(cand, X_OK) == 0 && (size_t)snprintf(out, len, "%s", cand) < len) {
				free(dirs);
				return 0;
			}
		}
		free(dirs);
	}
	pr_err("cannot find %s: %s", name, why_needed);
	return -ENOENT;
}

int toolchain__init(struct toolchain *tc)
{
	const char *c = getenv("CLANG");

	memset(tc, 0, sizeof(*tc));
	tc->privileged = privileged();
	tc->envp = tc->privileged ? trusted_env : environ;
	if (tc->privileged && c)
		pr_info("running privileged: $CLANG and $PATH are ignored");
	if (tc->privileged || !c || !c[0])
		c = "clang";
	return toolchain__find(tc, c, "procsnoop run needs clang (apt-get install clang)", tc->clang,
			       sizeof(tc->clang));
}

/* Runs argv with argv[0] the tool's path; stderr goes to err_path.  The exit status, or -errno. */
int toolchain__run(const struct toolchain *tc, char *const argv[], const char *out_path,
		   const char *err_path)
{
	posix_spawn_file_actions_t fa;
	int status, err;
	pid_t pid;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (out_path) {
		unlink(out_path);
		posix_spawn_file_actions_addopen(&fa, 1, out_path, CREATE_FLAGS, 0600);
	} else {
		posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	}
	if (err_path) {
		unlink(err_path);
		posix_spawn_file_actions_addopen(&fa, 2, err_path, CREATE_FLAGS, 0600);
	}
	err = posix_spawn(&pid, argv[0], &fa, NULL, argv, tc->envp);
	posix_spawn_file_actions_destroy(&fa);
	if (err) {
		pr_err("cannot run %s: %s", argv[0], strerror(err));
		return -err;
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
