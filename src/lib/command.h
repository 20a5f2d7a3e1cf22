/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `procsnoop [COMMANDS] [OPTIONS] -- CMD [ARGS...]`: the command procsnoop
 * starts and traces.  It is forked before tracing starts and waits, not yet
 * exec'd, until the tracers follow it (command__go); the stream ends when it
 * ends, and procsnoop's exit status is its own.
 */
#ifndef PROCSNOOP_COMMAND_H
#define PROCSNOOP_COMMAND_H

#include <stdbool.h>
#include <sys/types.h>
#include "lib/privilege.h"

struct command;
struct stream_source;

/*
 * Finds argv[0] as execvp would: 0, or -ENOENT / -EACCES with *why set
 * ("command not found", "not executable"), for a usage error before any
 * tracing starts.
 */
int command__check(const char *file, const char **why);
/*
 * The user CMD runs as: `user` when set (--user), else the invoking user
 * when procsnoop runs through sudo (SUDO_UID, SUDO_GID), else procsnoop's.
 * 0, or -EINVAL with *why set (a SUDO_UID that names nobody).
 */
int command__user(const struct run_as *user, struct run_as *out, const char **why);
/* Forks CMD, held before its exec; 0 or a negative errno (said on stderr). */
int command__start(char *const argv[], const struct run_as *as, struct command **out);
pid_t command__pid(const struct command *c);
/* Lets it exec: 0, or a negative errno when the exec failed (said on stderr). */
int command__go(struct command *c);
/*
 * A stream source that ends the stream once CMD has ended (a pidfd), and
 * the stream's defer_stop: a stop asks CMD to end (a signal sent to
 * procsnoop alone is passed on; the end of -d sends SIGTERM; the terminal's
 * Ctrl-C reached CMD already) and tracing goes on until it does; a second
 * stop ends tracing at once.
 */
int command__source(struct command *c, struct stream_source **out);
bool command__defer_stop(void *ctx, int sig, bool by_kernel);
/* Whether it ended, and then its exit status as a shell gives it (128 + signal). */
bool command__ended(const struct command *c, int *status);
/* Kills a CMD still held before its exec, and frees. */
void command__free(struct command *c);

#endif
