// SPDX-License-Identifier: GPL-2.0
/*
 * procsnoop sig: signals sent by the six signal syscalls and signals the
 * kernel raises itself (signal_generate).  A signal_generate that fires
 * inside a traced syscall of the same thread adds its delivery result to
 * that syscall's event instead of making a second one.
 *
 * The programs come in two variants, one of which user space loads:
 * - direct (bpf_task_pt_regs 5.15, task storage 5.11): each syscall's exit
 *   reads the arguments from the registers the thread entered it with, and
 *   signal_generate tells a signal syscall by the registers' syscall number.
 *   No entry program runs.
 * - compat: the entry keeps the arguments as thread state for the exit and
 *   for signal_generate (task storage, or an LRU hash keyed by thread id
 *   before 5.11: common.bpf.h, thread_state).
 *
 * In both, the state lives in task storage where the kernel offers it: it
 * costs a pointer dereference instead of a hash update and delete, and the
 * kernel frees it when the thread dies, so a thread that dies inside the
 * syscall (a process that sends itself SIGKILL) cannot leak it.
 *
 * signal_generate comes last in this file, so it is attached after the
 * exits: state it leaves is always taken by the exit of the same syscall.
 */
#include "common.bpf.h"

/* Signals to report: bit n set for signal n (0..127); all when sig_filter is 0. */
const volatile __u8 sig_filter = 0;
const volatile __u64 sig_mask[2] = {};
const volatile __u8 target_set = 0;
const volatile __s32 target_pid = 0;
const volatile __u8 failed_only = 0;
const volatile __u32 source_mode = SIG_MODE_SYSCALL | SIG_MODE_KERNEL;
/* This architecture's numbers of the six syscalls, in enum sig_source order (direct variant). */
const volatile __s64 syscall_nr[SIG_SRC_MAX] = {};

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
	__s32 target_ns_pid;
	__s32 target_ns_tid;
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
	f->target_ns_pid = f->target_ns_tid = -1;
	return 0;
}

static __always_inline bool target_wanted(int tpid, int ttid)
{
	return !target_set || tpid == target_pid || (ttid && ttid == target_pid);
}

/* The event of a finished signal syscall whose state is in *f. */
static __always_inline int emit(struct inflight *f, long ret, __u64 id)
{
	struct sig_event *e;

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
	e->target_ns_pid = f->target_ns_pid;
	e->target_ns_tid = f->target_ns_tid;
	event_submit(e);
	return 0;
}

/* The compat exits: the state the entry left. */
static __always_inline int exit_from_state(long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct inflight st;

	if (!thread_state_take(&inflight, (__u32)id, &st))
		return 0;
	return emit(&st, ret, id);
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

SYS_EXIT_PROG(kill, kill_exit_compat, exit_from_state(ctx->ret))
SYS_EXIT_PROG(tkill, tkill_exit_compat, exit_from_state(ctx->ret))
SYS_EXIT_PROG(tgkill, tgkill_exit_compat, exit_from_state(ctx->ret))
SYS_EXIT_PROG(rt_sigqueueinfo, rt_sigqueueinfo_exit_compat, exit_from_state(ctx->ret))
SYS_EXIT_PROG(rt_tgsigqueueinfo, rt_tgsigqueueinfo_exit_compat, exit_from_state(ctx->ret))
SYS_EXIT_PROG(pidfd_send_signal, pidfd_send_signal_exit_compat, exit_from_state(ctx->ret))

#if defined(__TARGET_ARCH_x86)
#define SYSCALL_NR(regs) ((regs)->orig_ax)
#elif defined(__TARGET_ARCH_arm64)
#define SYSCALL_NR(regs) ((regs)->syscallno)
#else
#define SYSCALL_NR(regs) (-1L) /* user space loads the compat variant */
#endif

/* The registers the current thread entered its syscall with (direct variant). */
static __always_inline struct pt_regs *syscall_regs(void)
{
	return (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
}

/* The arguments of signal syscall `source` (what the entry would keep), from regs. */
static __always_inline void args_from_regs(struct pt_regs *regs, __u32 source,
					   struct inflight *f)
{
	long a1 = PT_REGS_PARM1_SYSCALL(regs), a2 = PT_REGS_PARM2_SYSCALL(regs);

	f->source = source;
	f->result = SIG_RESULT_NONE;
	f->target_pid = f->target_tid = 0;
	f->target_ns_pid = f->target_ns_tid = -1;
	f->sig = (int)a2;
	if (source == SIG_SRC_KILL || source == SIG_SRC_RT_SIGQUEUEINFO) {
		f->target_pid = (int)a1;
	} else if (source == SIG_SRC_TKILL) {
		f->target_tid = (int)a1;
	} else if (source == SIG_SRC_TGKILL || source == SIG_SRC_RT_TGSIGQUEUEINFO) {
		f->target_pid = (int)a1;
		f->target_tid = (int)a2;
		f->sig = (int)PT_REGS_PARM3_SYSCALL(regs);
	}
}

/*
 * The direct exits: the arguments from the registers, what signal_generate
 * found (the delivery result, the target's comm) from the thread's state.
 */
static __always_inline int exit_from_regs(long ret, __u32 source)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct inflight f = {}, *g;

	args_from_regs(syscall_regs(), source, &f);
	/* Taken whatever the filters say: it belongs to this syscall only. */
	g = thread_state(&inflight, (__u32)id, NULL, false);
	if (g && g->active) {
		g->active = 0;
		if (g->source == source && g->sig == f.sig) {
			f.result = g->result;
			f.code = g->code;
			if (source == SIG_SRC_PIDFD_SEND_SIGNAL || source == SIG_SRC_TKILL)
				f.target_pid = g->target_pid;
			__builtin_memcpy(f.target_comm, g->target_comm, COMM_LEN);
			f.target_ns_pid = g->target_ns_pid;
			f.target_ns_tid = g->target_ns_tid;
		}
	}
	if (!sig_wanted(f.sig) || !filter_pass(id))
		return 0;
	return emit(&f, ret, id);
}

SYS_EXIT_PROG(kill, kill_exit, exit_from_regs(ctx->ret, SIG_SRC_KILL))
SYS_EXIT_PROG(tkill, tkill_exit, exit_from_regs(ctx->ret, SIG_SRC_TKILL))
SYS_EXIT_PROG(tgkill, tgkill_exit, exit_from_regs(ctx->ret, SIG_SRC_TGKILL))
SYS_EXIT_PROG(rt_sigqueueinfo, rt_sigqueueinfo_exit,
	      exit_from_regs(ctx->ret, SIG_SRC_RT_SIGQUEUEINFO))
SYS_EXIT_PROG(rt_tgsigqueueinfo, rt_tgsigqueueinfo_exit,
	      exit_from_regs(ctx->ret, SIG_SRC_RT_TGSIGQUEUEINFO))
SYS_EXIT_PROG(pidfd_send_signal, pidfd_send_signal_exit,
	      exit_from_regs(ctx->ret, SIG_SRC_PIDFD_SEND_SIGNAL))

#define SI_USER_CODE 0
#define SI_KERNEL_CODE 0x80

/* The si_code of a generated signal. */
static __always_inline int generated_code(struct kernel_siginfo *info)
{
	/* SEND_SIG_NOINFO is 0 and SEND_SIG_PRIV is 1, not pointers. */
	if ((unsigned long)info <= 1)
		return info ? SI_KERNEL_CODE : SI_USER_CODE;
	return BPF_CORE_READ(info, si_code);
}

/* Completes the state of the traced syscall that raised it, with the first signal it raised. */
static __always_inline void generated_in_syscall(struct inflight *f, struct kernel_siginfo *info,
						 struct task_struct *task, int result)
{
	struct ns_ids ids;

	if (f->generated)
		return;
	f->generated = 1;
	f->result = result;
	f->code = generated_code(info);
	if (f->source == SIG_SRC_PIDFD_SEND_SIGNAL || f->source == SIG_SRC_TKILL)
		f->target_pid = BPF_CORE_READ(task, tgid);
	BPF_CORE_READ_STR_INTO(&f->target_comm, task, comm);
	if (cfg.ns_ids) {
		task_ns_ids(task, &ids);
		f->target_ns_pid = ids.pid;
		f->target_ns_tid = ids.tid;
	}
}

/* A signal the kernel raised itself, outside any signal syscall of this thread. */
static __always_inline int generated_by_kernel(int sig, struct kernel_siginfo *info,
					       struct task_struct *task, int result, __u64 id)
{
	struct sig_event *e;
	struct ns_ids ids;
	int tgid = BPF_CORE_READ(task, tgid);

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
	e->code = generated_code(info);
	e->source = SIG_SRC_KERNEL;
	e->_pad = 0;
	BPF_CORE_READ_STR_INTO(&e->target_comm, task, comm);
	e->target_ns_pid = e->target_ns_tid = -1;
	if (cfg.ns_ids) {
		task_ns_ids(task, &ids);
		e->target_ns_pid = ids.pid;
		e->target_ns_tid = ids.tid;
	}
	event_submit(e);
	return 0;
}

SEC("tp_btf/signal_generate")
int BPF_PROG(signal_generate_compat, int sig, struct kernel_siginfo *info,
	     struct task_struct *task, int group, int result)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct inflight *f = thread_state(&inflight, (__u32)id, NULL, false);

	if (f && f->active && f->sig == sig) {
		generated_in_syscall(f, info, task, result);
		return 0;
	}
	return generated_by_kernel(sig, info, task, result, id);
}

/*
 * Inside a signal syscall raising its own signal, the thread's state takes
 * the result for the exit; the first signal counts (kill(-1, sig) raises
 * one per process).  The sender is known by its syscall's number.
 */
SEC("tp_btf/signal_generate")
int BPF_PROG(signal_generate, int sig, struct kernel_siginfo *info, struct task_struct *task,
	     int group, int result)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct pt_regs *regs = syscall_regs();
	long nr = SYSCALL_NR(regs);

	for (__u32 source = SIG_SRC_KILL; source < SIG_SRC_MAX; source++) {
		struct inflight args = {}, *f;

		if (nr != syscall_nr[source])
			continue;
		args_from_regs(regs, source, &args);
		if (args.sig != sig)
			break;
		f = thread_state(&inflight, (__u32)id, &args, true);
		if (!f)
			return 0;
		if (!f->active) {
			*f = args;
			f->active = 1;
		}
		generated_in_syscall(f, info, task, result);
		return 0;
	}
	return generated_by_kernel(sig, info, task, result, id);
}
