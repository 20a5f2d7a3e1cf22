// SPDX-License-Identifier: GPL-2.0
/*
 * procsnoop sig: signals sent by the six signal syscalls (enter and exit
 * paired through a per-thread LRU map) and signals the kernel raises itself
 * (signal_generate).  A signal_generate that fires inside a traced syscall
 * of the same thread adds its delivery result to that syscall's event
 * instead of making a second one.
 *
 * The syscall's entry state lives in task storage (5.11): it costs a
 * pointer dereference instead of a hash update and delete, and the kernel
 * frees it when the thread dies, so a thread that dies inside the syscall (a
 * process that sends itself SIGKILL) cannot leak it.  Older kernels keep it
 * in an LRU hash keyed by thread id instead (common.bpf.h, thread_state).
 */
#include "common.bpf.h"

/* Signals to report: bit n set for signal n (0..127); all when sig_filter is 0. */
const volatile __u8 sig_filter = 0;
const volatile __u64 sig_mask[2] = {};
const volatile __u8 target_set = 0;
const volatile __s32 target_pid = 0;
const volatile __u8 failed_only = 0;
const volatile __u32 source_mode = SIG_MODE_SYSCALL | SIG_MODE_KERNEL;

struct inflight {
	__u32 active;
	__s32 sig;
	__s32 target_pid;
	__s32 target_tid;
	__s32 result;
	__s32 code;
	__u32 source;
	__u32 generated;
	char target_comm[COMM_LEN];
};

THREAD_STATE_MAP(inflight, struct inflight);

static __always_inline bool sig_wanted(int sig)
{
	if (!sig_filter)
		return true;
	if (sig < 0 || sig > 127)
		return false;
	return (sig_mask[(sig >> 6) & 1] >> (sig & 63)) & 1;
}

static __always_inline int on_enter(__u32 source, int sig, int tpid, int ttid)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct inflight *f, init = {};

	if (!sig_wanted(sig) || !filter_pass(id))
		return 0;
	f = thread_state_enter(&inflight, (__u32)id, &init, EVENT_SIG);
	if (!f)
		return 0;
	f->active = 1;
	f->sig = sig;
	f->target_pid = tpid;
	f->target_tid = ttid;
	f->result = SIG_RESULT_NONE;
	f->code = 0;
	f->source = source;
	f->generated = 0;
	f->target_comm[0] = 0;
	return 0;
}

static __always_inline bool target_wanted(int tpid, int ttid)
{
	return !target_set || tpid == target_pid || (ttid && ttid == target_pid);
}

static __always_inline int on_exit(long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct inflight st, *f = &st;
	struct sig_event *e;

	if (!thread_state_take(&inflight, (__u32)id, &st))
		return 0;
	if (!(source_mode & SIG_MODE_SYSCALL) || (failed_only && ret >= 0) ||
	    !target_wanted(f->target_pid, f->target_tid))
		return 0;
	e = event_reserve(sizeof(*e), EVENT_SIG);
	if (!e)
		return 0;
	header_fill(&e->h, EVENT_SIG, sizeof(*e), id);
	e->sig = f->sig;
	e->target_pid = f->target_pid;
	e->target_tid = f->target_tid;
	e->ret = ret;
	e->result = f->result;
	e->code = f->code;
	e->source = f->source;
	e->_pad = 0;
	__builtin_memcpy(e->target_comm, f->target_comm, COMM_LEN);
	event_submit(e);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_kill")
int kill_enter(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter(SIG_SRC_KILL, (int)ctx->args[1], (int)ctx->args[0], 0);
}

SEC("tracepoint/syscalls/sys_enter_tkill")
int tkill_enter(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter(SIG_SRC_TKILL, (int)ctx->args[1], 0, (int)ctx->args[0]);
}

SEC("tracepoint/syscalls/sys_enter_tgkill")
int tgkill_enter(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter(SIG_SRC_TGKILL, (int)ctx->args[2], (int)ctx->args[0], (int)ctx->args[1]);
}

SEC("tracepoint/syscalls/sys_enter_rt_sigqueueinfo")
int rt_sigqueueinfo_enter(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter(SIG_SRC_RT_SIGQUEUEINFO, (int)ctx->args[1], (int)ctx->args[0], 0);
}

SEC("tracepoint/syscalls/sys_enter_rt_tgsigqueueinfo")
int rt_tgsigqueueinfo_enter(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter(SIG_SRC_RT_TGSIGQUEUEINFO, (int)ctx->args[2], (int)ctx->args[0],
			(int)ctx->args[1]);
}

/* The target is known only once the kernel resolves the pidfd (signal_generate). */
SEC("tracepoint/syscalls/sys_enter_pidfd_send_signal")
int pidfd_send_signal_enter(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter(SIG_SRC_PIDFD_SEND_SIGNAL, (int)ctx->args[1], 0, 0);
}

SYS_EXIT_PROG(kill, kill_exit, on_exit(ctx->ret))
SYS_EXIT_PROG(tkill, tkill_exit, on_exit(ctx->ret))
SYS_EXIT_PROG(tgkill, tgkill_exit, on_exit(ctx->ret))
SYS_EXIT_PROG(rt_sigqueueinfo, rt_sigqueueinfo_exit, on_exit(ctx->ret))
SYS_EXIT_PROG(rt_tgsigqueueinfo, rt_tgsigqueueinfo_exit, on_exit(ctx->ret))
SYS_EXIT_PROG(pidfd_send_signal, pidfd_send_signal_exit, on_exit(ctx->ret))

#define SI_USER_CODE 0
#define SI_KERNEL_CODE 0x80

SEC("tp_btf/signal_generate")
int BPF_PROG(signal_generate, int sig, struct kernel_siginfo *info, struct task_struct *task,
	     int group, int result)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct inflight *f = thread_state(&inflight, (__u32)id, NULL, false);
	struct sig_event *e;
	int code, tgid;

	/* SEND_SIG_NOINFO is 0 and SEND_SIG_PRIV is 1, not pointers. */
	if ((unsigned long)info <= 1)
		code = info ? SI_KERNEL_CODE : SI_USER_CODE;
	else
		code = BPF_CORE_READ(info, si_code);
	tgid = BPF_CORE_READ(task, tgid);

	if (f && f->active && f->sig == sig) {
		/* Raised by a traced syscall of this thread: complete its event. */
		if (!f->generated) {
			f->generated = 1;
			f->result = result;
			f->code = code;
			if (f->source == SIG_SRC_PIDFD_SEND_SIGNAL || f->source == SIG_SRC_TKILL)
				f->target_pid = tgid;
			BPF_CORE_READ_STR_INTO(&f->target_comm, task, comm);
		}
		return 0;
	}
	if (!(source_mode & SIG_MODE_KERNEL))
		return 0;
	if (failed_only && result == 0)
		return 0;
	if (!sig_wanted(sig) || !target_wanted(tgid, 0) || !filter_pass(id))
		return 0;
	e = event_reserve(sizeof(*e), EVENT_SIG);
	if (!e)
		return 0;
	header_fill(&e->h, EVENT_SIG, sizeof(*e), id);
	e->sig = sig;
	e->target_pid = tgid;
	e->target_tid = BPF_CORE_READ(task, pid);
	e->ret = 0;
	e->result = result;
	e->code = code;
	e->source = SIG_SRC_KERNEL;
	e->_pad = 0;
	BPF_CORE_READ_STR_INTO(&e->target_comm, task, comm);
	event_submit(e);
	return 0;
}
