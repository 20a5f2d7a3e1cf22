// SPDX-License-Identifier: GPL-2.0
/// Samples what one process runs, on every CPU, with its kernel and user
/// stacks: a profiler as the tutorials write one.

#include <vmlinux.h>
#include <bpf/bpf_helpers.h>

#define MAX_STACK_DEPTH 64

typedef __u64 stack_trace_t[MAX_STACK_DEPTH];

struct stacktrace_event {
	__u32 pid;
	__u32 cpu_id;
	char comm[16];
	__s32 kstack_sz; /* bytes of kstack, or bpf_get_stack's error */
	__s32 ustack_sz;
	stack_trace_t kstack;
	stack_trace_t ustack;
};

/// The process to sample (0: every process)
const volatile __u32 target = 0;

/// @intepreter {"stack_trace": {}}
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20);
} events SEC(".maps");

SEC("perf_event")
int profile(void *ctx)
{
	__u32 pid = bpf_get_current_pid_tgid() >> 32;
	struct stacktrace_event *e;

	if (target && pid != target)
		return 0;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e)
		return 0;
	e->pid = pid;
	e->cpu_id = bpf_get_smp_processor_id();
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	e->kstack_sz = bpf_get_stack(ctx, e->kstack, sizeof(e->kstack), 0);
	e->ustack_sz = bpf_get_stack(ctx, e->ustack, sizeof(e->ustack), BPF_F_USER_STACK);
	bpf_ringbuf_submit(e, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
