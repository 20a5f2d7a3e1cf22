// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <mntent.h>
#include <pwd.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include "lib/parse.h"

#define PID_MAX_LIMIT 4194304

static int fail(const char **why, const char *msg)
{
	*why = msg;
	return -EINVAL;
}

static int parse_u64(const char *text, unsigned long long *out)
{
	char *end;

	if (!text || !isdigit((unsigned char)*text))
		return -EINVAL;
	errno = 0;
	*out = strtoull(text, &end, 10);
	if (errno || *end)
		return -EINVAL;
	return 0;
}

int parse__pid(const char *text, uint32_t *out, const char **why)
{
	unsigned long long v;

	if (parse_u64(text, &v))
		return fail(why, "not a number");
	if (v < 1 || v > PID_MAX_LIMIT)
		return fail(why, "out of range (1 to 4194304)");
	*out = v;
	return 0;
}

static int inode_number(unsigned long long v, uint32_t *out, const char **why)
{
	/* The kernel's namespace inode numbers are 32-bit (proc_inum). */
	if (v < 1 || v > UINT32_MAX)
		return fail(why, "out of range (an inode number of 1 to 4294967295)");
	*out = v;
	return 0;
}

int parse__pidns(const char *text, uint32_t *out, const char **why)
{
	unsigned long long v;
	struct stat st;
	int fd, type;

	if (!text || !*text)
		return fail(why, "empty");
	if (isdigit((unsigned char)*text)) {
		if (parse_u64(text, &v))
			return fail(why, "not a number");
		return inode_number(v, out, why);
	}
	if (strncmp(text, "pid:[", 5) == 0) {
		char digits[24];
		size_t n = strlen(text + 5);

		if (n < 2 || n > sizeof(digits) || text[5 + n - 1] != ']')
			return fail(why, "not of the form pid:[NUMBER]");
		memcpy(digits, text + 5, n - 1);
		digits[n - 1] = 0;
		if (parse_u64(digits, &v))
			return fail(why, "not of the form pid:[NUMBER]");
		return inode_number(v, out, why);
	}
	if (*text != '/')
		return fail(why, "not an inode number, pid:[NUMBER] or a path like /proc/PID/ns/pid");
	fd = open(text, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(why, errno == ENOENT ? "no such file" : strerror(errno));
	type = ioctl(fd, NS_GET_NSTYPE);
	if (type < 0 || fstat(fd, &st)) {
		close(fd);
		return fail(why, "not a namespace file (like /proc/PID/ns/pid)");
	}
	close(fd);
	if (type != CLONE_NEWPID)
		return fail(why, "a namespace, but not a pid namespace");
	return inode_number(st.st_ino, out, why);
}

int parse__uid(const char *text, uint32_t *out, const char **why)
{
	unsigned long long v;
	struct passwd *pw;

	if (!text || !*text)
		return fail(why, "empty");
	if (isdigit((unsigned char)*text)) {
		if (parse_u64(text, &v))
			return fail(why, "not a number");
		if (v >= UINT32_MAX)
			return fail(why, "out of range");
		*out = v;
		return 0;
	}
	pw = getpwnam(text);
	if (!pw)
		return fail(why, "no such user");
	*out = pw->pw_uid;
	return 0;
}

int parse__seconds(const char *text, double *out, const char **why)
{
	char *end;
	double v;

	if (!text || !*text)
		return fail(why, "empty");
	errno = 0;
	v = strtod(text, &end);
	if (errno || *end || end == text || !isfinite(v))
		return fail(why, "not a number of seconds");
	if (v <= 0)
		return fail(why, "must be more than 0");
	*out = v;
	return 0;
}

int parse__buffer_size(const char *text, uint32_t *out, const char **why)
{
	unsigned long long v, mult = 1;
	char num[32];
	size_t n;

	if (!text || !*text || (n = strlen(text)) >= sizeof(num))
		return fail(why, "not a size");
	memcpy(num, text, n + 1);
	switch (num[n - 1]) {
	case 'k': case 'K': mult = 1024; num[n - 1] = 0; break;
	case 'm': case 'M': mult = 1024 * 1024; num[n - 1] = 0; break;
	}
	if (parse_u64(num, &v))
		return fail(why, "not a size (bytes, or a number with K or M)");
	if (v > (1ull << 30) / mult)
		return fail(why, "too large (at most 1G)");
	v *= mult;
	if (v < (unsigned long long)sysconf(_SC_PAGESIZE) || (v & (v - 1)))
		return fail(why, "must be a power of two of at least one page");
	*out = v;
	return 0;
}

int parse__comm(const char *text, char out[16], const char **why)
{
	size_t n = text ? strlen(text) : 0;

	if (!n)
		return fail(why, "empty");
	if (n > 15)
		return fail(why, "longer than the kernel's 15-character command name");
	memset(out, 0, 16);
	memcpy(out, text, n);
	return 0;
}

const char *parse__cgroup2_mount(void)
{
	static char path[PATH_MAX];
	struct mntent *m;
	FILE *f = setmntent("/proc/self/mounts", "r");

	if (!f)
		return NULL;
	path[0] = 0;
	while ((m = getmntent(f))) {
		if (strcmp(m->mnt_type, "cgroup2") == 0) {
			snprintf(path, sizeof(path), "%s", m->mnt_dir);
			break;
		}
	}
	endmntent(f);
	return path[0] ? path : NULL;
}

int parse__cgroup(const char *text, const char **out, const char **why)
{
	static char joined[PATH_MAX];
	const char *path = text, *root;
	struct statfs sfs;
	struct stat st;

	if (!text || !*text)
		return fail(why, "empty");
	if (text[0] != '/') {
		root = parse__cgroup2_mount();
		if (!root)
			return fail(why, "no cgroup v2 hierarchy is mounted");
		snprintf(joined, sizeof(joined), "%s/%s", root, text);
		path = joined;
	}
	if (stat(path, &st))
		return fail(why, errno == ENOENT ? "no such cgroup" : strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return fail(why, "not a directory");
	if (statfs(path, &sfs) || sfs.f_type != CGROUP2_SUPER_MAGIC)
		return fail(why, "not a cgroup v2 directory");
	*out = path;
	return 0;
}

/* A letter or a digit, in ASCII whatever the locale. */
static bool ascii_alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

int parse__container(const char *text, const char **why)
{
	size_t n = text ? strlen(text) : 0;

	if (!n)
		return fail(why, "empty");
	if (n > PARSE_CONTAINER_MAX)
		return fail(why, "longer than 255 characters");
	if (!ascii_alnum(text[0]))
		return fail(why, "an id or a name starts with a letter or a digit");
	for (size_t i = 1; i < n; i++)
		if (!ascii_alnum(text[i]) && text[i] != '_' && text[i] != '.' && text[i] != '-')
			return fail(why, "an id or a name has only letters, digits, '_', '.' and '-'");
	return 0;
}
