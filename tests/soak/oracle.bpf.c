// SPDX-License-Identifier: GPL-2.0
/// The soak's oracle: counts, per time bucket, the events procsnoop should
/// report for the tasks of one cgroup, without a ring buffer, so nothing it
/// counts can be lost.  Run by `procsnoop run`; the counts are printed at the
/// end from the sampled map.

#include <vmlinux.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

/// The cgroup id (inode number of its directory) whose tasks are counted
const volatile __u64 cgid = 0;
/// Bucket width in nanoseconds of CLOCK_MONOTONIC
const volatile __u64 bucket_ns = 1000000000;

struct counts {
	__u64 sig;
	__u64 open;
	__u64 exec;
	__u64 exit;
};

/// @sample
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct counts);
} seen SEC(".maps");

/* The signal a thread is sending from a signal syscall. */
struct sending {
	int sig;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u32);
	__type(value, struct sending);
} in_syscall SEC(".maps");

static __always_inline bool ours(void)
{
	return bpf_get_current_cgroup_id() == cgid;
}

static __always_inline struct counts *bucket(void)
{
	__u64 key = bpf_ktime_get_ns() / bucket_ns;
	struct counts zero = {}, *c = bpf_map_lookup_elem(&seen, &key);

	if (c)
		return c;
	bpf_map_update_elem(&seen, &key, &zero, BPF_NOEXIST);
	return bpf_map_lookup_elem(&seen, &key);
}

#define COUNT(field)                                          \
	do {                                                  \
		struct counts *c = bucket();                  \
		if (c)                                        \
			__sync_fetch_and_add(&c->field, 1);   \
	} while (0)

static __always_inline int sig_enter(int sig)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct sending s = { .sig = sig };

	if (ours())
		bpf_map_update_elem(&in_syscall, &tid, &s, BPF_ANY);
	return 0;
}

static __always_inline int sig_exit(void)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	if (bpf_map_lookup_elem(&in_syscall, &tid)) {
		bpf_map_delete_elem(&in_syscall, &tid);
		COUNT(sig);
	}
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_kill")
int kill_enter(struct trace_event_raw_sys_enter *ctx) { return sig_enter(ctx->args[1]); }
SEC("tracepoint/syscalls/sys_enter_tkill")
int tkill_enter(struct trace_event_raw_sys_enter *ctx) { return sig_enter(ctx->args[1]); }
SEC("tracepoint/syscalls/sys_enter_tgkill")
int tgkill_enter(struct trace_event_raw_sys_enter *ctx) { return sig_enter(ctx->args[2]); }
SEC("tracepoint/syscalls/sys_enter_rt_sigqueueinfo")
int rsq_enter(struct trace_event_raw_sys_enter *ctx) { return sig_enter(ctx->args[1]); }
SEC("tracepoint/syscalls/sys_enter_rt_tgsigqueueinfo")
int rtsq_enter(struct trace_event_raw_sys_enter *ctx) { return sig_enter(ctx->args[2]); }
SEC("tracepoint/syscalls/sys_enter_pidfd_send_signal")
int pidfd_enter(struct trace_event_raw_sys_enter *ctx) { return sig_enter(ctx->args[1]); }

SEC("tracepoint/syscalls/sys_exit_kill")
int kill_exit(void *ctx) { return sig_exit(); }
SEC("tracepoint/syscalls/sys_exit_tkill")
int tkill_exit(void *ctx) { return sig_exit(); }
SEC("tracepoint/syscalls/sys_exit_tgkill")
int tgkill_exit(void *ctx) { return sig_exit(); }
SEC("tracepoint/syscalls/sys_exit_rt_sigqueueinfo")
int rsq_exit(void *ctx) { return sig_exit(); }
SEC("tracepoint/syscalls/sys_exit_rt_tgsigqueueinfo")
int rtsq_exit(void *ctx) { return sig_exit(); }
SEC("tracepoint/syscalls/sys_exit_pidfd_send_signal")
int pidfd_exit(void *ctx) { return sig_exit(); }

/*
 * A signal_generate of the signal a syscall sends belongs to that syscall's
 * event (a process group's members share it), as in procsnoop's sig tracer.
 */
SEC("tp_btf/signal_generate")
int BPF_PROG(signal_generate, int sig)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct sending *s = bpf_map_lookup_elem(&in_syscall, &tid);

	if (s && s->sig == sig)
		return 0;
	if (ours())
		COUNT(sig);
	return 0;
}

static __always_inline int open_exit(void)
{
	if (ours())
		COUNT(open);
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_open")
int open_x(void *ctx) { return open_exit(); }
SEC("tracepoint/syscalls/sys_exit_openat")
int openat_x(void *ctx) { return open_exit(); }
SEC("tracepoint/syscalls/sys_exit_openat2")
int openat2_x(void *ctx) { return open_exit(); }
SEC("tracepoint/syscalls/sys_exit_creat")
int creat_x(void *ctx) { return open_exit(); }

SEC("tp_btf/sched_process_exec")
int BPF_PROG(exec_done)
{
	if (ours())
		COUNT(exec);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(exit_done, struct task_struct *task, bool group_dead)
{
	if (group_dead && ours())
		COUNT(exit);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
