// SPDX-License-Identifier: GPL-2.0
/*
 * clang -target bpf with a vmlinux.h for the running kernel, libbpf's
 * headers and the program's directory on the include path.  Objects are
 * cached by content: the source, the headers named and every local header
 * clang read (checked again on each hit), the compiler, the kernel's BTF.
 *
 * clang writes BTF only for types reachable from globals, maps and function
 * signatures, so a struct the program only fills on its stack (the
 * tutorial's execsnoop event) would be missing.  The program is compiled
 * through a wrapper that #includes it unchanged and adds, for each struct
 * the program's own files define, an unused static function taking a
 * pointer to it: the BTF then describes the struct, and libbpf never loads
 * a subprogram nothing calls.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <spawn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>
#include "lib/log.h"
#include "lib/strbuf.h"
#include "runner/runner.h"

extern char **environ;

#if defined(__x86_64__)
#define TARGET_ARCH "x86"
#elif defined(__aarch64__)
#define TARGET_ARCH "arm64"
#elif defined(__s390x__)
#define TARGET_ARCH "s390"
#elif defined(__powerpc64__)
#define TARGET_ARCH "powerpc"
#elif defined(__riscv)
#define TARGET_ARCH "riscv"
#else
#error "unknown target architecture for BPF programs"
#endif

/* Bump when the way objects are built changes. */
#define CACHE_FORMAT "procsnoop-run-3"
#define KERNEL_BTF "/sys/kernel/btf/vmlinux"

struct hash {
	uint64_t a, b;
};

static uint64_t rotl(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

/* Two independent 64-bit lanes: a cache key, not a defence (the cache is private). */
static void hash__add(struct hash *h, const void *data, size_t n)
{
	const unsigned char *p = data;
	uint64_t w;

	while (n >= 8) {
		memcpy(&w, p, 8);
		h->a = rotl((h->a ^ w) * 0x9e3779b97f4a7c15ull, 31) * 0xbf58476d1ce4e5b9ull;
		h->b = rotl((h->b + w) * 0xc2b2ae3d27d4eb4full, 29) ^ (h->b >> 17);
		p += 8;
		n -= 8;
	}
	w = n;
	memcpy(&w, p, n);
	w ^= (uint64_t)n << 56;
	h->a = rotl((h->a ^ w) * 0x9e3779b97f4a7c15ull, 31) * 0xbf58476d1ce4e5b9ull;
	h->b = rotl((h->b + w) * 0xc2b2ae3d27d4eb4full, 29) ^ (h->b >> 17);
}

static void hash__str(struct hash *h, const char *s)
{
	hash__add(h, s, strlen(s) + 1);
}

static void hash__hex(const struct hash *h, char out[33])
{
	snprintf(out, 33, "%016llx%016llx", (unsigned long long)h->a, (unsigned long long)h->b);
}

int source__read(const char *path, struct source_file *out)
{
	struct strbuf sb = {};
	char buf[65536];
	ssize_t n;
	int fd, err = 0;

	memset(out, 0, sizeof(*out));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			err = -errno;
			break;
		}
		strbuf__add(&sb, buf, n);
	}
	close(fd);
	strbuf__addc(&sb, 0);
	if (!err && sb.oom)
		err = -ENOMEM;
	if (err) {
		strbuf__free(&sb);
		return err;
	}
	out->path = strdup(path);
	out->text = sb.buf;
	out->len = sb.len - 1;
	if (!out->path) {
		strbuf__free(&sb);
		return -ENOMEM;
	}
	return 0;
}

void source__free(struct source_file *f)
{
	free(f->path);
	free(f->text);
	memset(f, 0, sizeof(*f));
}

static int hash_file(const char *path, struct hash *h)
{
	struct source_file f;
	int err = source__read(path, &f);

	if (err)
		return err;
	hash__add(h, f.text, f.len);
	source__free(&f);
	return 0;
}

int source__struct_names(const char *text, char ***names)
{
	char **v = NULL;
	int n = 0;

	*names = NULL;
	for (const char *p = text; (p = strstr(p, "struct")); p += 6) {
		const char *q = p + 6, *name;
		size_t len;
		char **nv;
		bool dup = false;

		if ((p > text && (isalnum((unsigned char)p[-1]) || p[-1] == '_')) ||
		    !isspace((unsigned char)*q))
			continue;
		while (isspace((unsigned char)*q))
			q++;
		name = q;
		while (isalnum((unsigned char)*q) || *q == '_')
			q++;
		len = q - name;
		while (isspace((unsigned char)*q))
			q++;
		if (!len || *q != '{' || isdigit((unsigned char)*name))
			continue;
		for (int i = 0; i < n; i++)
			dup |= strlen(v[i]) == len && memcmp(v[i], name, len) == 0;
		if (dup)
			continue;
		nv = realloc(v, (n + 1) * sizeof(*v));
		if (!nv || !(nv[n] = strndup(name, len))) {
			free(nv ? nv : v);
			return -ENOMEM;
		}
		v = nv;
		n++;
	}
	*names = v;
	return n;
}

static void free_names(char **v, int n)
{
	for (int i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

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
#define ROOT_CACHE "/var/cache/procsnoop"

static char *trusted_env[] = { "PATH=" TRUSTED_PATH, "LC_ALL=C", NULL };

struct toolchain {
	bool privileged;
	char clang[PATH_MAX]; /* what is executed: absolute */
	char bpftool[PATH_MAX];
	char **envp;
};

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
static int resolve_trusted(const char *path, uid_t owner, mode_t create, char *out, size_t len,
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

/* Private to root (or the user): refuse a directory anyone else could write. */
static int ensure_private_dir(const char *path)
{
	struct stat st;

	if (mkdir(path, 0700) && errno != EEXIST)
		return -errno;
	if (lstat(path, &st))
		return -errno;
	if (!S_ISDIR(st.st_mode) || st.st_uid != geteuid()) {
		pr_err("cache directory %s is not a directory owned by uid %u", path, geteuid());
		return -EPERM;
	}
	if ((st.st_mode & 077) && chmod(path, 0700))
		return -errno;
	return 0;
}

/*
 * Privileged: root's /var/cache/procsnoop (another uid's home from the passwd
 * database), every directory on the way trusted.  Otherwise $XDG_CACHE_HOME,
 * ~/.cache, the user's own business.
 */
static int cache_dir(const struct toolchain *tc, char *out, size_t len)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	char parent[PATH_MAX], why[PATH_MAX + 64] = "";
	int err;

	if (tc->privileged) {
		struct passwd *pw = geteuid() ? getpwuid(geteuid()) : NULL;
		char want[PATH_MAX];

		if (xdg)
			pr_info("running privileged: $XDG_CACHE_HOME is ignored");
		if (geteuid() == 0)
			snprintf(want, sizeof(want), ROOT_CACHE);
		else if (pw && pw->pw_dir[0] == '/')
			snprintf(want, sizeof(want), "%.4000s/.cache/procsnoop", pw->pw_dir);
		else {
			pr_err("uid %u has no home directory for its cache", geteuid());
			return -ENOENT;
		}
		err = resolve_trusted(want, geteuid(), 0700, out, len, why, sizeof(why));
		if (err) {
			pr_err("refusing the cache directory %s: %s", want,
			       why[0] ? why : strerror(-err));
			return err;
		}
	} else {
		if (xdg && xdg[0] == '/')
			snprintf(parent, sizeof(parent), "%s", xdg);
		else if (!home)
			snprintf(parent, sizeof(parent), "/var/cache");
		else
			snprintf(parent, sizeof(parent), "%s/.cache", home);
		if (mkdir(parent, 0755) && errno != EEXIST)
			return -errno;
		if ((size_t)snprintf(out, len, "%s/procsnoop", parent) >= len)
			return -ENAMETOOLONG;
	}
	err = ensure_private_dir(out);
	if (err)
		pr_err("cannot use the cache directory %s: %s", out, strerror(-err));
	return err;
}

/* A cached file is ours and regular, never a link someone planted. */
static bool cached_file_ok(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
	       !(st.st_mode & 022);
}

/*
 * Finds a tool: privileged, in trusted_dirs only, the first one that has it, refused
 * unless it and every directory on its way are root's and writable by nobody else;
 * otherwise as named (a path) or on $PATH.  0, or -errno with one line printed.
 */
static int find_tool(const struct toolchain *tc, const char *name, const char *why_needed,
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
			err = resolve_trusted(cand, 0, 0, out, len, why, sizeof(why));
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

static int toolchain__init(struct toolchain *tc)
{
	const char *c = getenv("CLANG");

	memset(tc, 0, sizeof(*tc));
	tc->privileged = privileged();
	tc->envp = tc->privileged ? trusted_env : environ;
	if (tc->privileged && c)
		pr_info("running privileged: $CLANG and $PATH are ignored");
	if (tc->privileged || !c || !c[0])
		c = "clang";
	return find_tool(tc, c, "procsnoop run needs clang (apt-get install clang)", tc->clang,
			 sizeof(tc->clang));
}

/* Fresh files only: a name that exists (a leftover of ours) is removed first. */
#define CREATE_FLAGS (O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW)

/* Runs argv with argv[0] the tool's path; stderr goes to err_path.  The exit status, or -errno. */
static int run_tool(const struct toolchain *tc, char *const argv[], const char *out_path,
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

static int compiler_id(const struct toolchain *tc, struct hash *h)
{
	char *path = realpath(tc->clang, NULL);
	struct stat st;

	/* The binary's identity is cheaper than asking it for --version every run. */
	if (!path || stat(path, &st)) {
		free(path);
		pr_err("cannot find %s: procsnoop run needs clang (apt-get install clang)",
		       tc->clang);
		return -ENOENT;
	}
	hash__str(h, path);
	hash__add(h, &st.st_size, sizeof(st.st_size));
	hash__add(h, &st.st_mtim, sizeof(st.st_mtim));
	free(path);
	return 0;
}

/* cache/vmlinux-<btf hash>/vmlinux.h, made with bpftool when missing. */
static int vmlinux_dir(struct toolchain *tc, const char *cache, char *dir, size_t len,
		       struct hash *key) __attribute__((nonnull));
static int vmlinux_dir(struct toolchain *tc, const char *cache, char *dir, size_t len,
		       struct hash *key)
{
	char hex[33], hdr[PATH_MAX], tmp[PATH_MAX], errf[PATH_MAX];

	if (strlen(cache) > 1024)
		return -ENAMETOOLONG;
	struct hash h = { 1, 2 };
	int err;

	err = hash_file(KERNEL_BTF, &h);
	if (err) {
		pr_err("cannot read %s: %s (procsnoop run needs a kernel with BTF)", KERNEL_BTF,
		       strerror(-err));
		return err;
	}
	hash__add(key, &h, sizeof(h));
	hash__hex(&h, hex);
	snprintf(dir, len, "%.1024s/vmlinux-%s", cache, hex);
	snprintf(hdr, sizeof(hdr), "%.1100s/vmlinux.h", dir);
	err = ensure_private_dir(dir);
	if (err)
		return err;
	if (cached_file_ok(hdr))
		return 0;
	err = find_tool(tc, "bpftool",
			"procsnoop run needs it to make vmlinux.h (apt-get install bpftool)",
			tc->bpftool, sizeof(tc->bpftool));
	if (err)
		return err;
	pr_info("making %s with %s", hdr, tc->bpftool);
	snprintf(tmp, sizeof(tmp), "%.1100s/vmlinux.h.%d", dir, getpid());
	snprintf(errf, sizeof(errf), "%.1100s/bpftool.%d.err", dir, getpid());
	{
		char *argv[] = { tc->bpftool, "btf", "dump", "file", KERNEL_BTF, "format", "c",
				 NULL };

		err = run_tool(tc, argv, tmp, errf);
	}
	if (err == 0 && rename(tmp, hdr) == 0) {
		unlink(errf);
		return 0;
	}
	pr_err("%s could not write vmlinux.h (exit %d)", tc->bpftool, err);
	unlink(tmp);
	unlink(errf);
	return err < 0 ? err : -EIO;
}

static char *dir_of(const char *path)
{
	char *abs = realpath(path, NULL), *slash;

	if (!abs)
		return NULL;
	slash = strrchr(abs, '/');
	if (slash == abs)
		slash[1] = 0;
	else
		*slash = 0;
	return abs;
}

/* Local headers clang read, from its -MD output: "hash path" lines for the cache entry. */
static int write_deps(const char *dfile, const char *cache, const char *wrapper,
		      const char *out)
{
	struct source_file d;
	struct strbuf sb = {};
	int err = source__read(dfile, &d), fd;
	char *p, *colon, tmp[PATH_MAX];

	if (err)
		return err;
	colon = strstr(d.text, ": ");
	p = colon ? colon + 2 : d.text + d.len;
	while (*p) {
		char path[PATH_MAX], hex[33];
		size_t n = 0;
		struct hash h = { 3, 4 };

		while (*p == ' ' || *p == '\\' || *p == '\n')
			p++;
		while (*p && *p != ' ' && *p != '\n' && n + 1 < sizeof(path)) {
			if (*p == '\\' && p[1] == ' ')
				p++;
			path[n++] = *p++;
		}
		path[n] = 0;
		if (!n || strcmp(path, wrapper) == 0 || strncmp(path, cache, strlen(cache)) == 0 ||
		    strncmp(path, "/usr/", 5) == 0)
			continue;
		if (hash_file(path, &h))
			continue;
		hash__hex(&h, hex);
		strbuf__addf(&sb, "%s %s\n", hex, path);
	}
	source__free(&d);
	snprintf(tmp, sizeof(tmp), "%.4000s.%d", out, getpid());
	unlink(tmp);
	fd = open(tmp, CREATE_FLAGS | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, sb.buf ? sb.buf : "", sb.len) != (ssize_t)sb.len)
		err = -EIO;
	if (fd >= 0)
		close(fd);
	if (!err && rename(tmp, out))
		err = -errno;
	if (err)
		unlink(tmp);
	strbuf__free(&sb);
	return err;
}

static bool deps_fresh(const char *deps)
{
	struct source_file d;
	bool fresh = true;

	if (!cached_file_ok(deps) || source__read(deps, &d))
		return false;
	for (char *line = d.text, *nl; fresh && *line; line = nl + 1) {
		struct hash h = { 3, 4 };
		char hex[33];

		nl = strchr(line, '\n');
		if (!nl || nl - line < 34)
			break;
		*nl = 0;
		fresh = hash_file(line + 33, &h) == 0;
		hash__hex(&h, hex);
		fresh = fresh && memcmp(hex, line, 32) == 0;
	}
	source__free(&d);
	return fresh;
}

/* Prints clang's diagnostics, without the lines about our wrapper. */
static void show_diagnostics(const char *errf, const char *wrapper)
{
	struct source_file e;

	if (source__read(errf, &e))
		return;
	fflush(stdout);
	for (char *line = e.text, *nl; *line; line = nl + 1) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = 0;
		if (!strstr(line, wrapper))
			fprintf(stderr, "%s\n", line);
		if (!nl)
			break;
	}
	source__free(&e);
}

static int write_wrapper(const char *path, const struct source_file *src,
			 const struct source_file *headers, int nheaders)
{
	struct strbuf sb = {};
	char *abs = realpath(src->path, NULL);
	int fd, err = 0;

	if (!abs)
		return -errno;
	strbuf__adds(&sb, runner__loss_prelude);
	strbuf__addf(&sb, "#include \"%s\"\n", abs);
	/* Local headers the program includes ("execsnoop.h"), named on the command line or not. */
	struct source_file local[16] = {};
	int nlocal = 0;
	char *dir = dir_of(src->path);

	for (const char *p = src->text; dir && nlocal < 16 && (p = strstr(p, "#include")); p++) {
		const char *q = p + 8, *end;
		char path[PATH_MAX];

		while (*q == ' ' || *q == '\t')
			q++;
		if (*q != '"' || !(end = strchr(q + 1, '"')) || memchr(q, '\n', end - q))
			continue;
		snprintf(path, sizeof(path), "%s/%.*s", dir, (int)(end - q - 1), q + 1);
		if (source__read(path, &local[nlocal]) == 0)
			nlocal++;
	}
	free(dir);
	free(abs);
	for (int i = -1 - nlocal; i < nheaders; i++) {
		char **names;
		const char *text = i < -1 ? local[-2 - i].text : i < 0 ? src->text : headers[i].text;
		int n = source__struct_names(text, &names);

		if (n < 0) {
			for (int k = 0; k < nlocal; k++)
				source__free(&local[k]);
			strbuf__free(&sb);
			return n;
		}
		for (int j = 0; j < n; j++)
			strbuf__addf(&sb,
				     "struct %s;\n__attribute__((used)) static int "
				     "__procsnoop_keep_%d_%s(struct %s *p) { return 0; }\n",
				     names[j], i + 1 + nlocal, names[j], names[j]);
		free_names(names, n);
	}
	for (int i = 0; i < nlocal; i++)
		source__free(&local[i]);
	unlink(path);
	fd = open(path, CREATE_FLAGS | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, sb.buf, sb.len) != (ssize_t)sb.len)
		err = -EIO;
	if (fd >= 0)
		close(fd);
	strbuf__free(&sb);
	return err;
}

int compile__program(const struct source_file *src, const struct source_file *headers,
		     int nheaders, char **obj_path, bool *cached)
{
	char cache[PATH_MAX], vmdir[PATH_MAX], obj[PATH_MAX + 64], deps[PATH_MAX + 64],
		wrapper[PATH_MAX + 64], tmpobj[PATH_MAX + 64], dfile[PATH_MAX + 64],
		errf[PATH_MAX + 64], hex[33];
	struct hash key = { 0x70726f63, 0x736e6f6f70 };
	char *srcdir = NULL, *hdirs[16] = {};
	struct toolchain tc;
	int err, st;

	*obj_path = NULL;
	*cached = false;
	err = toolchain__init(&tc);
	if (!err)
		err = cache_dir(&tc, cache, sizeof(cache));
	if (err)
		return err;
	hash__str(&key, CACHE_FORMAT);
	hash__str(&key, runner__loss_prelude);
	err = compiler_id(&tc, &key);
	if (!err)
		err = vmlinux_dir(&tc, cache, vmdir, sizeof(vmdir), &key);
	if (err)
		return err;
	srcdir = dir_of(src->path);
	if (!srcdir)
		return -errno;
	hash__str(&key, srcdir);
	hash__add(&key, src->text, src->len);
	for (int i = 0; i < nheaders; i++) {
		hash__str(&key, headers[i].path);
		hash__add(&key, headers[i].text, headers[i].len);
	}
	hash__hex(&key, hex);
	snprintf(obj, sizeof(obj), "%s/%s.bpf.o", cache, hex);
	snprintf(deps, sizeof(deps), "%s/%s.deps", cache, hex);
	if (cached_file_ok(obj) && deps_fresh(deps)) {
		free(srcdir);
		*cached = true;
		*obj_path = strdup(obj);
		return *obj_path ? 0 : -ENOMEM;
	}

	snprintf(wrapper, sizeof(wrapper), "%s/%s.%d.c", cache, hex, getpid());
	snprintf(tmpobj, sizeof(tmpobj), "%s/%s.%d.o", cache, hex, getpid());
	snprintf(dfile, sizeof(dfile), "%s/%s.%d.d", cache, hex, getpid());
	snprintf(errf, sizeof(errf), "%s/%s.%d.err", cache, hex, getpid());
	err = write_wrapper(wrapper, src, headers, nheaders);
	if (err) {
		free(srcdir);
		return err;
	}
	{
		char incv[PATH_MAX + 4], incs[PATH_MAX + 4], inch[16][PATH_MAX + 4];
		char *argv[48];
		int a = 0;

		snprintf(incv, sizeof(incv), "-I%s", vmdir);
		snprintf(incs, sizeof(incs), "-I%s", srcdir);
		argv[a++] = tc.clang;
		argv[a++] = "-target";
		argv[a++] = "bpf";
		argv[a++] = "-g";
		argv[a++] = "-O2";
		argv[a++] = "-D__TARGET_ARCH_" TARGET_ARCH;
		argv[a++] = "-fno-color-diagnostics";
		argv[a++] = incs;
		for (int i = 0; i < nheaders && i < 16; i++) {
			hdirs[i] = dir_of(headers[i].path);
			if (hdirs[i]) {
				snprintf(inch[i], sizeof(inch[i]), "-I%s", hdirs[i]);
				argv[a++] = inch[i];
			}
		}
		argv[a++] = incv;
		if (log__verbosity() < 1)
			argv[a++] = "-Wno-everything"; /* tutorial code warns; errors still show */
		argv[a++] = "-MD";
		argv[a++] = "-MF";
		argv[a++] = dfile;
		argv[a++] = "-c";
		argv[a++] = wrapper;
		argv[a++] = "-o";
		argv[a++] = tmpobj;
		argv[a] = NULL;
		pr_info("compiling %s into %s with %s", src->path, obj, tc.clang);
		unlink(tmpobj);
		unlink(dfile);
		st = run_tool(&tc, argv, NULL, errf);
	}
	for (int i = 0; i < 16; i++)
		free(hdirs[i]);
	free(srcdir);
	if (st == 0 && log__verbosity() >= 1)
		show_diagnostics(errf, wrapper);
	if (st != 0) {
		if (st > 0)
			show_diagnostics(errf, wrapper);
		err = st < 0 ? st : -EINVAL;
	} else if ((err = write_deps(dfile, cache, wrapper, deps)) == 0 &&
		   (chmod(tmpobj, 0600) || rename(tmpobj, obj))) {
		/* 0600: clang creates it under the umask, which may let the group write. */
		err = -errno;
	}
	unlink(wrapper);
	unlink(tmpobj);
	unlink(dfile);
	unlink(errf);
	if (err)
		return err;
	*obj_path = strdup(obj);
	return *obj_path ? 0 : -ENOMEM;
}
