/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What compile__program (runner.h) is made of: the content hash and the
 * cache (cache.c), the tools and the checks of a privileged run
 * (toolchain.c), the program's files (source.c).  Internal to src/runner.
 */
#ifndef PROCSNOOP_RUNNER_COMPILE_H
#define PROCSNOOP_RUNNER_COMPILE_H

#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "runner/runner.h"

/* Fresh files only: a name that exists (a leftover of ours) is removed first. */
#define CREATE_FLAGS (O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW)

struct toolchain {
	bool privileged;
	char clang[PATH_MAX]; /* what is executed: absolute */
	char bpftool[PATH_MAX];
	char **envp;
};

/* ---- cache.c ------------------------------------------------------------ */

struct hash {
	uint64_t a, b;
};

void hash__add(struct hash *h, const void *data, size_t n);
void hash__str(struct hash *h, const char *s);
/* 32 hex digits and a NUL. */
void hash__hex(const struct hash *h, char out[33]);
/* Adds a file's contents; 0 or -errno. */
int hash__file(const char *path, struct hash *h);

/* The cache directory, made private; one line printed on failure. */
int cache__dir(const struct toolchain *tc, char *out, size_t len);
/* Makes path, a directory only this uid may use; 0 or -errno. */
int cache__private_dir(const char *path);
/* A regular file of ours that nobody else may write. */
bool cache__file_ok(const char *path);
/* Adds the identity of the compiler (its path, size and mtime) to h. */
int cache__compiler_id(const struct toolchain *tc, struct hash *h);
/*
 * The directory of the vmlinux.h of the running kernel's BTF, or of the BTF
 * file btf when not NULL (--btf); the BTF's hash goes into key.
 */
int cache__vmlinux_dir(struct toolchain *tc, const char *cache, char *dir, size_t len,
		       struct hash *key, const char *btf) __attribute__((nonnull(1, 2, 3, 5)));
/* Records the local headers of clang's -MD output (dfile) in the cache entry out. */
int cache__write_deps(const char *dfile, const char *cache, const char *wrapper,
		      const char *out);
/* Every header that the entry deps records is unchanged. */
bool cache__deps_fresh(const char *deps);

/* ---- toolchain.c -------------------------------------------------------- */

/* Finds clang (trusted copies only when privileged); 0 or -errno with one line printed. */
int toolchain__init(struct toolchain *tc);
/* Finds the tool name; 0 with its path in out, or -errno with one line printed. */
int toolchain__find(const struct toolchain *tc, const char *name, const char *why_needed,
		    char *out, size_t len);
/* Runs argv[0] (a path); stdout to out_path, stderr to err_path.  The exit status, or -errno. */
int toolchain__run(const struct toolchain *tc, char *const argv[], const char *out_path,
		   const char *err_path);
/* Resolves path through directories owned by root (or owner) that nobody else may write. */
int trusted__resolve(const char *path, uid_t owner, mode_t create, char *out, size_t len,
		     char *why, size_t wlen);

/* ---- source.c ----------------------------------------------------------- */

/* The absolute directory of path, malloc'ed; NULL with errno. */
char *source__dir(const char *path);
/* Reads the headers src includes with quotes, from its directory, into out; n read. */
int source__local_includes(const struct source_file *src, struct source_file *out, int max);
void source__free_names(char **v, int n);

#endif
