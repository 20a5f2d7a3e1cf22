/* SPDX-License-Identifier: GPL-2.0 */
/* procsnoop --version (and -V, and run --version): argp's version hook. */
#ifndef PROCSNOOP_VERSION_H
#define PROCSNOOP_VERSION_H

#include <argp.h>
#include <stdio.h>

/*
 * Three lines: the release and, for a build from git, its description; the
 * libbpf linked in; the kernel release and what it offers the BPF programs
 * (present, absent, or unknown where a probe needs privileges it lacks).
 */
void version__print(FILE *out, struct argp_state *state);

#endif
