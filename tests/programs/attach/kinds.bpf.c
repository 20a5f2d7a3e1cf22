// SPDX-License-Identifier: GPL-2.0
/// Each signal to one target seen through two kinds of attachment, a BTF
/// tracepoint and a raw tracepoint: each sends one record.

#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

enum via { VIA_TP_BTF = 1, VIA_FENTRY, VIA_RAW_TP };

struct event {
	__u32 pid;
	int sig;
	enum via via;
};

/// The process whose signals are counted
const volatile int target = 0;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 16);
} rb SEC(".maps");

static __always_inline void send(int pid, int sig, enum via via)
{
	struct event *e;

	if (!target || pid != target)
		return;
	e = bpf_ringbuf_reserve(&rb, sizeof(*e), 0);
	if (!e)
		return;
	e->pid = pid;
	e->sig = sig;
	e->via = via;
	bpf_ringbuf_submit(e, 0);
}

SEC("tp_btf/signal_generate")
int BPF_PROG(on_generate, int sig, struct kernel_siginfo *info, struct task_struct *task)
{
	send(task->tgid, sig, VIA_TP_BTF);
	return 0;
}

SEC("raw_tracepoint/signal_generate")
int on_raw(struct bpf_raw_tracepoint_args *ctx)
{
	struct task_struct *task = (struct task_struct *)ctx->args[2];

	send(BPF_CORE_READ(task, tgid), (int)ctx->args[0], VIA_RAW_TP);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
