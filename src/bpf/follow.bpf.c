// SPDX-License-Identifier: GPL-2.0
/*
 * `procsnoop -- CMD`: the processes of CMD's tree, by tgid, in `followed`
 * (shared with every tracer of the session, whose filter looks there).
 *
 * sched_process_fork runs in the parent after the child is made and before
 * it is woken, so a child of a followed process is followed before it can
 * run anything.  A process leaves the map when its leader's task_struct is
 * freed, after every event of its end (its exit, the SIGCHLD it sends): the
 * tgid cannot be given to another process before that.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "events.h"

char LICENSE[] SEC("license") = "GPL";

#include "followed.bpf.h"

/* Children that could not be followed: the map was full. */
__u64 missed = 0;

SEC("tp_btf/sched_process_fork")
int BPF_PROG(follow_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = parent->tgid, ctgid = child->tgid;
	__u8 one = 1;

	if (ptgid == ctgid || !bpf_map_lookup_elem(&followed, &ptgid))
		return 0;
	if (bpf_map_update_elem(&followed, &ctgid, &one, BPF_ANY))
		__sync_fetch_and_add(&missed, 1);
	return 0;
}

SEC("tp_btf/sched_process_free")
int BPF_PROG(follow_free, struct task_struct *task)
{
	__u32 tgid = task->tgid;

	if (task->pid == tgid)
		bpf_map_delete_elem(&followed, &tgid);
	return 0;
}
