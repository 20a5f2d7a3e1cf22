// SPDX-License-Identifier: GPL-2.0
/* Shared by the storm programs: one record per getppid() of one process. */
#include <vmlinux.h>
#include <bpf/bpf_helpers.h>

struct event {
	__u32 pid;
	__u32 tid;
	char pad[192]; /* large records fill a buffer sooner */
};

/// The process whose getppid() calls are recorded
const volatile pid_t target = 0;

/* Not inlined: its prototype keeps struct event in the BTF of a prebuilt object. */
static __noinline bool traced(struct event *e)
{
	__u64 id = bpf_get_current_pid_tgid();

	if ((__u32)(id >> 32) != (__u32)target)
		return false;
	e->pid = id >> 32;
	e->tid = (__u32)id;
	return true;
}

char LICENSE[] SEC("license") = "GPL";
