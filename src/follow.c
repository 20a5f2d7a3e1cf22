// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <string.h>
#include "follow.h"
#include "follow.skel.h"
#include "lib/log.h"

struct follow_bpf *follow__add(struct session *s)
{
	struct follow_bpf *skel = follow_bpf__open();

	if (!skel) {
		pr_err("cannot open the follow BPF object: %s", strerror(errno));
		return NULL;
	}
	/* Attached after the tracers (session order): a process leaves the map after its events. */
	if (session__add(s, skel->skeleton, skel))
		return NULL;
	return skel;
}

uint64_t follow__missed(const struct follow_bpf *f)
{
	return f && f->bss ? f->bss->missed : 0;
}
