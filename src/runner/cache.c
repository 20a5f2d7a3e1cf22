// SPDX-License-Identifier: GPL-2.0
/*
 * The cache of procsnoop run: objects keyed by a hash of their content, the
 * vmlinux.h of each kernel BTF, and the local headers an object was built
 * from (checked again on each hit).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lib/log.h"
#include "lib/strbuf.h"
#include "runner/compile.h"

#define ROOT_CACHE "/var/cache/procsnoop"

static uint64_t rotl(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

/* Two independent 64-bit lanes: a cache key, not a defence (the cache is private). */
void hash__add(struct hash *h, const void *data, size_t n)
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

void hash__str(struct hash *h, const char *s)
{
	hash__add(h, s, strlen(s) + 1);
}

void hash__hex(const struct hash *h, char out[33])
{
	snprintf(out, 33, "%016llx%016llx", (unsigned long long)h->a, (unsigned long long)h->b);
}

int hash__file(const char *path, struct hash *h)
{
	struct source_file f;
	int err = source__read(path, &f);

	if (err)
		return err;
	hash__add(h, f.text, f.len);
	source__free(&f);
	return 0;
}

/* Private to root (or the user): refuse a directory anyone else could write. */
int cache__compiler_id(const struct toolchain *tc, struct hash *h)
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

int cache__private_dir(const char *path)
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
int cache__dir(const struct toolchain *tc, char *out, size_t len)
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
		err = trusted__resolve(want, geteuid(), 0700, out, len, why, sizeof(why));
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
	err = cache__private_dir(out);
	if (err)
		pr_err("cannot use the cache directory %s: %s", out, strerror(-err));
	return err;
}

/* A cached file is ours and regular, never a link someone planted. */
bool cache__file_ok(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_uid == geteuid() &&
	       !(st.st_mode & 022);
}

/* cache/vmlinux-<btf hash>/vmlinux.h, made with bpftool when missing. */
int cache__vmlinux_dir(struct toolchain *tc, const char *cache, char *dir, size_t len,
		       struct hash *key, const char *btf)
{
	char hex[33], hdr[PATH_MAX], tmp[PATH_MAX], errf[PATH_MAX];

	if (strlen(cache) > 1024)
		return -ENAMETOOLONG;
	struct hash h = { 1, 2 };
	int err;

	if (!btf)
		btf = RUN_KERNEL_BTF;
	err = hash__file(btf, &h);
	if (err) {
		pr_err("cannot read %s: %s (procsnoop run needs a kernel with BTF, or --btf FILE)",
		       btf, strerror(-err));
		return err;
	}
	hash__add(key, &h, sizeof(h));
	hash__hex(&h, hex);
	snprintf(dir, len, "%.1024s/vmlinux-%s", cache, hex);
	snprintf(hdr, sizeof(hdr), "%.1100s/vmlinux.h", dir);
	err = cache__private_dir(dir);
	if (err)
		return err;
	if (cache__file_ok(hdr))
		return 0;
	err = toolchain__find(tc, "bpftool",
			      "procsnoop run needs it to make vmlinux.h (apt-get install bpftool)",
			      tc->bpftool, sizeof(tc->bpftool));
	if (err)
		return err;
	pr_info("making %s with %s", hdr, tc->bpftool);
	snprintf(tmp, sizeof(tmp), "%.1100s/vmlinux.h.%d", dir, getpid());
	snprintf(errf, sizeof(errf), "%.1100s/bpftool.%d.err", dir, getpid());
	{
		char *argv[] = { tc->bpftool, "btf", "dump", "file", (char *)btf, "format", "c",
				 NULL };

		err = toolchain__run(tc, argv, tmp, errf);
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

/* Local headers clang read, from its -MD output: "hash path" lines for the cache entry. */
int cache__write_deps(const char *dfile, const char *cache, const char *wrapper,
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
		if (hash__file(path, &h))
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

bool cache__deps_fresh(const char *deps)
{
	struct source_file d;
	bool fresh = true;

	if (!cache__file_ok(deps) || source__read(deps, &d))
		return false;
	for (char *line = d.text, *nl; fresh && *line; line = nl + 1) {
		struct hash h = { 3, 4 };
		char hex[33];

		nl = strchr(line, '\n');
		if (!nl || nl - line < 34)
			break;
		*nl = 0;
		fresh = hash__file(line + 33, &h) == 0;
		hash__hex(&h, hex);
		fresh = fresh && memcmp(hex, line, 32) == 0;
	}
	source__free(&d);
	return fresh;
}
