/* SPDX-License-Identifier: GPL-2.0 */
/* `-- CMD`: the BPF object that keeps the session's `followed` map, CMD's process tree. */
#ifndef PROCSNOOP_FOLLOW_H
#define PROCSNOOP_FOLLOW_H

#include <stdint.h>
#include "lib/session.h"

struct follow_bpf;

/* Opens it into the session (which loads, attaches and frees it); NULL on failure, said. */
struct follow_bpf *follow__add(struct session *s);
/* Processes of the tree that could not be followed (the map was full); while the session lives. */
uint64_t follow__missed(const struct follow_bpf *f);

#endif
