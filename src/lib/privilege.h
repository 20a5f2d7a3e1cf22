/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Least privilege: once every program is loaded and attached, procsnoop
 * needs no capability to read the ring buffer or the loss counters
 * through the file descriptors it already holds.
 */
#ifndef PROCSNOOP_PRIVILEGE_H
#define PROCSNOOP_PRIVILEGE_H

#include <stdbool.h>
#include <sys/types.h>

struct run_as {
	bool set;
	uid_t uid;
	gid_t gid;
	char name[64];
};

/* Resolves a user name or number; 0 or -EINVAL with *why set. */
int privilege__parse_user(const char *text, struct run_as *out, const char **why);
/*
 * Switches to the user (when set), then drops every capability from the
 * effective, permitted, inheritable, ambient and bounding sets and sets
 * no_new_privs.  0, or a negative errno.
 */
int privilege__drop(const struct run_as *user);

#endif
