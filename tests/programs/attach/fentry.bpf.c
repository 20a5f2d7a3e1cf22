// SPDX-License-Identifier: GPL-2.0
/// Each kill() aimed at one target, seen by an fentry program on the syscall.

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

SEC("fentry/__x64_sys_kill")
int BPF_PROG(on_kill, struct pt_regs *regs)
{
	send((int)PT_REGS_PARM1_CORE(regs), (int)PT_REGS_PARM2_CORE(regs), VIA_FENTRY);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
