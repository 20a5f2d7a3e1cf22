/* SPDX-License-Identifier: GPL-2.0 */
/* Parsing of command-line values; each returns 0 or -EINVAL and sets *why. */
#ifndef PROCSNOOP_PARSE_H
#define PROCSNOOP_PARSE_H

#include <stdint.h>

/* A process or thread id: a decimal number from 1 to 4194304. */
int parse__pid(const char *text, uint32_t *out, const char **why);
/* A user id, or a user name from the passwd database. */
int parse__uid(const char *text, uint32_t *out, const char **why);
/* Seconds, > 0, fractions allowed. */
int parse__seconds(const char *text, double *out, const char **why);
/* Bytes with an optional K or M suffix: a power of two of at least one page. */
int parse__buffer_size(const char *text, uint32_t *out, const char **why);
/* A command name that fits the kernel's 16-byte comm (15 characters). */
int parse__comm(const char *text, char out[16], const char **why);
/*
 * A pid namespace, as its inode number: the number, "pid:[NUMBER]" as
 * `readlink /proc/PID/ns/pid` prints it, or the path of such a file.
 */
int parse__pidns(const char *text, uint32_t *out, const char **why);
/*
 * A cgroup v2 directory: an absolute path, or one relative to the cgroup v2
 * mount.  *out points to a static buffer or to text.
 */
int parse__cgroup(const char *text, const char **out, const char **why);
/*
 * A container: the start of its id or its name, as runtimes allow names
 * (a letter or digit, then letters, digits, '_', '.', '-'); at most
 * PARSE_CONTAINER_MAX characters.
 */
#define PARSE_CONTAINER_MAX 255
int parse__container(const char *text, const char **why);
/* Where cgroup2 is mounted (a static buffer), or NULL. */
const char *parse__cgroup2_mount(void);

#endif
