/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `-- CMD`: the tgids of CMD's process tree, one map shared by the session's
 * objects: follow.bpf.c keeps it, every tracer's filter reads it.
 */
#ifndef PROCSNOOP_FOLLOWED_BPF_H
#define PROCSNOOP_FOLLOWED_BPF_H

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, FOLLOW_MAX);
	__type(key, __u32);
	__type(value, __u8);
} followed SEC(".maps");

#endif
