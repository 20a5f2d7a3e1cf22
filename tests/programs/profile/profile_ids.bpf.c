// SPDX-License-Identifier: GPL-2.0
/// Samples what one process runs, with its stacks as ids into a stack trace
/// map, as bcc's profile keeps them.

#include <vmlinux.h>
#include <bpf/bpf_helpers.h>

#define MAX_STACK_DEPTH 127

struct stack_sample {
	__u32 pid;
	char comm[16];
	__s32 kernel_stack_id; /* bpf_get_stackid's: an id, or a negative error */
	__s32 user_stack_id;
};

/// The process to sample (0: every process)
const volatile __u32 target = 0;

struct {
	__uint(type, BPF_MAP_TYPE_STACK_TRACE);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, MAX_STACK_DEPTH * sizeof(__u64));
	__uint(max_entries, 4096);
} stacks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 18);
} samples SEC(".maps");

SEC("perf_event")
int profile(void *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct stack_sample *e;

	if (target && pid != target)
		return 0;
	e = bpf_ringbuf_reserve(&samples, sizeof(*e), 0);
	if (!e)
		return 0;
	e->pid = pid;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	e->kernel_stack_id = bpf_get_stackid(ctx, &stacks, 0);
	e->user_stack_id = bpf_get_stackid(ctx, &stacks, BPF_F_USER_STACK);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
