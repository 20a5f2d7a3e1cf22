// SPDX-License-Identifier: GPL-2.0
/// Calls of one function of a user-space program, and what it returns: the
/// binary is the one procsnoop run's --uprobe-target or --uprobe-pid gives.

#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

struct event {
	__u32 pid;
	int value; /* the argument at entry, the return value at return */
	bool at_return;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 16);
} rb SEC(".maps");

static __always_inline void send(int value, bool at_return)
{
	struct event *e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);

	if (!e)
		return;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	e->value = value;
	e->at_return = at_return;
	bpf_ringbuf_submit(e, 0);
}

/* No function in the section: the program's name is the function's. */
SEC("uprobe")
int BPF_KPROBE(procsnoop_probe_me, int x)
{
	send(x, false);
	return 0;
}

SEC("uretprobe/procsnoop_probe_me")
int BPF_KRETPROBE(probe_me_returns, int ret)
{
	send(ret, true);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
