// SPDX-License-Identifier: GPL-2.0
/*
 * procsnoop exit: processes (with -T, threads) as they exit, with the exit
 * code or the killing signal, the core dump, the age, and the filename and
 * arguments of the exec the exit ends.
 *
 * Every successful exec leaves its filename and arguments in an LRU hash
 * keyed by tgid: bounded in entries and in bytes, so processes that never
 * exit under our eyes (or a flood of them) cannot grow it.  The process's
 * exit takes its entry out.
 *
 * sched_process_exit passes group_dead since Linux 6.16; before, the exit
 * that ends the process is the one that finds no live thread left, and
 * since two threads may both find that, the first of them claims the
 * process in `claimed`.
 */
#include "common.bpf.h"

#define SIGNAL_GROUP_EXIT 0x00000004 /* include/linux/sched/signal.h */
#define EXEC_TABLE_SIZE 8192

const volatile __u8 failed_only = 0;
const volatile __u8 threads = 0;

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, EXEC_TABLE_SIZE);
	__type(key, __u32);
	__type(value, struct exec_record);
} execs SEC(".maps");

/* The slack keeps a masked read length inside the value. */
struct record_scratch {
	struct exec_record r;
	char slack[EXIT_ARGS_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct record_scratch);
} record_scratch SEC(".maps");

/* Before 6.16: the processes whose exit was reported; a process is its tgid and start time. */
struct process_key {
	__u32 tgid;
	__u32 _pad;
	__u64 start_ns;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, EXEC_TABLE_SIZE);
	__type(key, struct process_key);
	__type(value, __u8);
} claimed SEC(".maps");

SEC("tp_btf/sched_process_exec")
int BPF_PROG(exit_sched_process_exec, struct task_struct *p, pid_t old_pid,
	     struct linux_binprm *bprm)
{
	struct task_struct *task = current_task();
	__u32 tgid = bpf_get_current_pid_tgid() >> 32, zero = 0;
	struct record_scratch *rs = bpf_map_lookup_elem(&record_scratch, &zero);
	struct exec_record *r;
	long n;

	if (!rs)
		return 0;
	r = &rs->r;
	r->ts_ns = bpf_ktime_get_ns();
	r->argc = BPF_CORE_READ(bprm, argc);
	r->status = 0;
	n = bpf_probe_read_kernel_str(r->filename, EXIT_FILENAME_MAX, BPF_CORE_READ(bprm, filename));
	if (n <= 0) {
		r->filename[0] = 0;
		n = 1;
	} else if (n == EXIT_FILENAME_MAX) {
		r->status |= EXEC_REC_FILENAME_TRUNCATED;
	}
	r->filename_len = n - 1;
	r->args_len = current_args_read(task, r->args, EXIT_ARGS_MAX, &r->status,
					EXEC_REC_ARGS_TRUNCATED, 0);
	bpf_map_update_elem(&execs, &tgid, r, BPF_ANY);
	return 0;
}

static __always_inline int on_exit(struct task_struct *task, bool group_dead)
{
	__u64 id = bpf_get_current_pid_tgid();
	__u32 tgid = id >> 32;
	struct signal_struct *sig = task->signal;
	struct exec_record *r;
	struct exit_event *e;
	__u32 status;
	__u64 start;

	if (!group_dead && !threads)
		return 0;
	if (group_dead && (sig->flags & SIGNAL_GROUP_EXIT))
		status = sig->group_exit_code;
	else if (group_dead)
		status = task->group_leader->exit_code;
	else
		status = task->exit_code;
	if (failed_only && !status)
		goto forget;
	if (!filter_pass(id))
		goto forget;
	e = event_reserve(sizeof(*e), EVENT_EXIT);
	if (!e)
		goto forget;
	header_fill(&e->h, EVENT_EXIT, sizeof(*e), id);
	start = group_dead ? task->group_leader->start_time : task->start_time;
	/* The age needs the time when no output shows it too. */
	e->age_ns = (cfg.timestamps ? e->h.ts_ns : bpf_ktime_get_ns()) - start;
	e->status = status;
	e->flags = (status & 0x7f) && (status & 0x80) ? EXIT_CORE_DUMPED : 0;
	if (!group_dead)
		e->flags |= EXIT_THREAD;
	e->_pad = 0;
	r = bpf_map_lookup_elem(&execs, &tgid);
	if (r) {
		e->flags |= EXIT_EXEC_KNOWN;
		bpf_probe_read_kernel(&e->exec, sizeof(e->exec), r);
	} else {
		e->exec.ts_ns = 0;
		e->exec.argc = 0;
		e->exec.filename_len = 0;
		e->exec.args_len = 0;
		e->exec.status = 0;
	}
	event_submit(e);
forget:
	if (group_dead)
		bpf_map_delete_elem(&execs, &tgid);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(sched_process_exit, struct task_struct *task, bool group_dead)
{
	return on_exit(task, group_dead);
}

/* Before 6.16: the live count has dropped before the tracepoint fires. */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(sched_process_exit_nogd, struct task_struct *task)
{
	struct process_key k = {
		.tgid = bpf_get_current_pid_tgid() >> 32,
		.start_ns = task->group_leader->start_time,
	};
	__u8 one = 1;

	if (task->signal->live.counter)
		return on_exit(task, false);
	/* An insert that finds the key is a thread that came second. */
	return on_exit(task, !bpf_map_update_elem(&claimed, &k, &one, BPF_NOEXIST));
}
