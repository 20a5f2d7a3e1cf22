/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What every tracer's kernel half shares: the filter check, the event
 * header fill, the ring buffer with its wakeup policy, and the loss counter.
 * The maps here are created once by user space and shared by every object
 * of a session (bpf_map__reuse_fd), so several tracers feed one stream.
 */
#ifndef PROCSNOOP_COMMON_BPF_H
#define PROCSNOOP_COMMON_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "events.h"

char LICENSE[] SEC("license") = "GPL";

const volatile struct filter_config cfg = {};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 2 << 20); /* the session's size replaces it */
} events SEC(".maps");

/*
 * Failed reservations, at cpu * EVENT_TYPE_MAX + type.  A memory-mapped
 * array, not a per-CPU one: user space reads it without a bpf() call, which
 * 5.10 refuses once procsnoop has dropped its capabilities (the session
 * sizes it for every possible CPU).
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, EVENT_TYPE_MAX);
	__type(key, __u32);
	__type(value, __u64);
} lost SEC(".maps");

/* Events submitted per CPU; every 64th submit looks at the fill level. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} submits SEC(".maps");

/*
 * Set by user space, through a memory mapping, when procsnoop stops: from
 * then on no program emits anything.  The links are released after procsnoop
 * has exited (session.c says why), and an event written in between would be
 * neither delivered nor counted.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct session_control);
} control SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} cgroup_filter SEC(".maps");

#include "followed.bpf.h"

/* --container: the cgroups of the matched containers (events.h), kept current by user space. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct container_set);
} container_filter SEC(".maps");

/*
 * The current task for BPF_CORE_READ: a BTF pointer where the kernel has
 * bpf_get_current_task_btf (5.11), else the plain helper's address.  Both
 * read the same through BPF_CORE_READ; only the former allows direct loads.
 */
static __always_inline struct task_struct *current_task(void)
{
	if (cfg.kcaps & KCAP_TASK_BTF)
		return bpf_get_current_task_btf();
	return (struct task_struct *)bpf_get_current_task();
}

static __always_inline __u32 current_ppid(void)
{
	if (cfg.kcaps & KCAP_TASK_BTF)
		return bpf_get_current_task_btf()->real_parent->tgid;
	return BPF_CORE_READ((struct task_struct *)bpf_get_current_task(), real_parent, tgid);
}

/*
 * A task's ids inside its own pid namespace, the deepest level of its struct
 * pid (the process's id from its group leader's), and that namespace's inode
 * number.  At level 0, the initial namespace, they are its plain ids and the
 * kernel's fixed inode number for it (PROC_PID_INIT_INO).  Deeper, the level
 * indexes an array, which only a helper read can do.
 */
#define PID_INIT_INODE 0xEFFFFFFCu
#define PID_MAX_LEVEL 32 /* the kernel's MAX_PID_NS_LEVEL */

struct ns_ids {
	__u32 pid;
	__u32 tid;
	__u32 pidns;
};

static __always_inline void nested_ns_ids(struct pid *tp, struct pid *gp, unsigned int level,
					  struct ns_ids *out)
{
	const struct upid *t = __builtin_preserve_access_index(&tp->numbers[0]);
	const struct upid *g = __builtin_preserve_access_index(&gp->numbers[0]);
	struct upid up = {};
	int nr = 0;

	bpf_probe_read_kernel(&up, sizeof(up), t + level);
	bpf_probe_read_kernel(&nr, sizeof(nr), g + level); /* nr is upid's first member */
	out->tid = up.nr;
	out->pid = nr;
	out->pidns = BPF_CORE_READ(up.ns, ns.inum);
}

/* Any task's: a signal's target. */
static __always_inline void task_ns_ids(struct task_struct *task, struct ns_ids *out)
{
	struct pid *tp = BPF_CORE_READ(task, thread_pid);
	unsigned int level = BPF_CORE_READ(tp, level);

	if (!level) {
		out->pid = BPF_CORE_READ(task, tgid);
		out->tid = BPF_CORE_READ(task, pid);
		out->pidns = PID_INIT_INODE;
		return;
	}
	nested_ns_ids(tp, BPF_CORE_READ(task, group_leader, thread_pid), level, out);
}

/*
 * The current task's pid namespace inode << 32 | its mount namespace inode.
 * A global function, so that the verifier checks it once rather than on
 * every path that reaches an event; and helper reads, not direct loads
 * through the task's BTF pointer: each of those costs this kernel's verifier
 * milliseconds (with direct loads, inlined, the namespace ids took the
 * programs' load from 0.05 to 0.19 s).
 */
__noinline __u64 current_namespaces(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	__u64 mntns = BPF_CORE_READ(task, nsproxy, mnt_ns, ns.inum);
	struct ns_ids ids;

	if (!BPF_CORE_READ(task, thread_pid, level))
		return (__u64)PID_INIT_INODE << 32 | mntns;
	task_ns_ids(task, &ids);
	return (__u64)ids.pidns << 32 | mntns;
}

/* Inside a nested pid namespace: its ids of the current task (tgid << 32 | tid). */
__noinline __u64 current_nested_ids(void)
{
	struct ns_ids ids;

	task_ns_ids((struct task_struct *)bpf_get_current_task(), &ids);
	return (__u64)ids.pid << 32 | ids.tid;
}

/*
 * The identity of the current process image and of its parent's: each
 * process's start time (its group leader's, boot-time ns) and its exec count
 * (self_exec_id, which exec increments and fork copies).  With the pid they
 * name one image of one process, the same from any observer and whether the
 * exec was seen or not.  Helper reads, as current_namespaces says why.
 */
static __always_inline void header_lineage(struct event_header *h)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct task_struct *leader = BPF_CORE_READ(task, group_leader);
	struct task_struct *parent = BPF_CORE_READ(task, real_parent, group_leader);

	h->start_ns = BPF_CORE_READ(leader, start_boottime);
	h->exec_seq = BPF_CORE_READ(leader, self_exec_id);
	h->parent_start_ns = BPF_CORE_READ(parent, start_boottime);
	h->parent_exec_seq = BPF_CORE_READ(parent, self_exec_id);
}

/* Weak: only kernels that have it (6.2) take the branches that call it. */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym __weak;

/*
 * The current task for direct loads, which cost a fraction of a helper read.
 * On kernels with trusted BTF pointers, loading a pointer field through one
 * (bpf_get_current_task_btf's) makes the verifier search the kernel's BTF by
 * name for that field's trust rules: here (6.18) the loads below took every
 * tracer's start from 0.10 to 0.17 s.  Loads through an untrusted pointer,
 * bpf_rdonly_cast's (6.2, which came with trusted pointers), are not checked
 * so; the start stays at 0.10 s.  Kernels without the kfunc (5.11 to 6.1)
 * have no trusted pointers, and bpf_get_current_task_btf's loads are plain.
 */
static __always_inline struct task_struct *current_task_loads(void)
{
	if (cfg.kcaps & KCAP_RDONLY_CAST)
		return bpf_rdonly_cast((void *)bpf_get_current_task(),
				       bpf_core_type_id_kernel(struct task_struct));
	return bpf_get_current_task_btf();
}

/*
 * header_lineage and the namespace ids with direct loads (a faulting load
 * reads zero, as a failed helper read leaves zero).  The ids inside a nested
 * pid namespace index an array, which only a helper read can do.
 */
static __always_inline void header_identity_direct(struct event_header *h, __u64 pid_tgid)
{
	struct task_struct *task = current_task_loads();
	struct task_struct *leader = task->group_leader;
	struct task_struct *parent = task->real_parent->group_leader;
	struct pid *tp = task->thread_pid;
	unsigned int level = tp->level;

	h->start_ns = leader->start_boottime;
	h->exec_seq = leader->self_exec_id;
	h->parent_start_ns = parent->start_boottime;
	h->parent_exec_seq = parent->self_exec_id;
	h->mntns = task->nsproxy->mnt_ns->ns.inum;
	h->ns_pid = pid_tgid >> 32;
	h->ns_tid = (__u32)pid_tgid;
	h->pidns = PID_INIT_INODE;
	if (level) {
		const struct upid *t = &tp->numbers[0];
		struct upid up = {};
		int nr = 0;

		if (level > PID_MAX_LEVEL)
			level = PID_MAX_LEVEL;
		bpf_probe_read_kernel(&up, sizeof(up), t + level);
		nr = up.nr;
		if (pid_tgid >> 32 != (__u32)pid_tgid) { /* a thread: its leader's id */
			const struct upid *g = &leader->thread_pid->numbers[0];

			bpf_probe_read_kernel(&nr, sizeof(nr), g + level); /* upid's first member */
		}
		h->ns_tid = up.nr;
		h->ns_pid = nr;
		if (cfg.kcaps & KCAP_RDONLY_CAST)
			h->pidns = ((struct pid_namespace *)bpf_rdonly_cast(
					    up.ns, bpf_core_type_id_kernel(struct pid_namespace)))
					   ->ns.inum;
		else
			h->pidns = BPF_CORE_READ(up.ns, ns.inum);
	}
}

/*
 * The header's namespace fields and the image ids, when an output shows them
 * (cfg.ns_ids); else zeros.  In the initial pid namespace the ids are those
 * BPF already has.
 */
static __always_inline void header_namespaces(struct event_header *h, __u64 pid_tgid)
{
	__u64 ns, ids = pid_tgid;

	if (!cfg.ns_ids) {
		h->ns_pid = h->ns_tid = h->pidns = h->mntns = 0;
		h->start_ns = h->parent_start_ns = 0;
		h->exec_seq = h->parent_exec_seq = 0;
		return;
	}
	if (cfg.kcaps & (KCAP_TASK_BTF | KCAP_RDONLY_CAST)) {
		header_identity_direct(h, pid_tgid);
		return;
	}
	header_lineage(h);
	ns = current_namespaces();
	if (ns >> 32 != PID_INIT_INODE)
		ids = current_nested_ids();
	h->ns_pid = ids >> 32;
	h->ns_tid = (__u32)ids;
	h->pidns = ns >> 32;
	h->mntns = (__u32)ns;
}

/*
 * Copies the current process's arguments (mm->arg_start..arg_end, each with
 * its NUL) to dst, at most max bytes: a power of two, with room for twice as
 * many at dst (the verifier sees the length masked to 2 * max - 1).  task is
 * current_task().  Sets `cut` in *status when there were more, `fault` when
 * the read failed (and then copies nothing).  Returns the bytes copied.
 */
static __always_inline __u32 current_args_read(struct task_struct *task, char *dst,
					       const __u32 max, __u16 *status, const __u16 cut,
					       const __u16 fault)
{
	const char *start = (const char *)BPF_CORE_READ(task, mm, arg_start);
	const char *end = (const char *)BPF_CORE_READ(task, mm, arg_end);
	__u32 len = end > start ? end - start : 0;

	if (len > max) {
		len = max;
		*status |= cut;
	}
	barrier_var(len); /* else clang passes the unmasked copy */
	len &= 2 * max - 1;
	if (len && bpf_probe_read_user(dst, len, start)) {
		*status |= fault;
		len = 0;
	}
	return len;
}

static __always_inline void count_lost(__u32 type)
{
	__u32 slot = bpf_get_smp_processor_id() * EVENT_TYPE_MAX + type;
	__u64 *n = bpf_map_lookup_elem(&lost, &slot);

	if (n)
		__sync_fetch_and_add(n, 1);
}

/*
 * The map of a tracer's per-thread state (thread_state below), of values of
 * value_type: task storage as declared; before 5.11 user space makes it an
 * LRU hash keyed by thread id before load (features__adapt_thread_map).
 */
#define THREAD_STATE_MAP(name, value_type)               \
	struct {                                         \
		__uint(type, BPF_MAP_TYPE_TASK_STORAGE); \
		__uint(map_flags, BPF_F_NO_PREALLOC);    \
		__type(key, int);                        \
		__type(value, value_type);               \
	} name SEC(".maps")

/*
 * A thread's state from a syscall's entry to its exit lives in `map`: task
 * storage where tracing programs may use it (5.11; the kernel frees it with
 * the thread), else an LRU hash keyed by thread id, which user space makes
 * of the same map before load (features__adapt_thread_map) and which bounds
 * what a thread that dies inside the syscall leaves behind.  `tid` keys the
 * hash; task storage always belongs to the current task.
 */
static __always_inline void *thread_state(void *map, __u32 tid, const void *init, bool create)
{
	void *v;

	if (cfg.kcaps & KCAP_TASK_STORAGE)
		return bpf_task_storage_get(map, bpf_get_current_task_btf(), 0,
					    create ? BPF_LOCAL_STORAGE_GET_F_CREATE : 0);
	v = bpf_map_lookup_elem(map, &tid);
	if (!v && create) {
		bpf_map_update_elem(map, &tid, init, BPF_ANY);
		v = bpf_map_lookup_elem(map, &tid);
	}
	return v;
}

/*
 * The syscall is over: the hash entry goes.  Copy what is still needed
 * first: once deleted, another CPU may reuse the element.
 */
static __always_inline void thread_state_drop(void *map, __u32 tid)
{
	if (!(cfg.kcaps & KCAP_TASK_STORAGE))
		bpf_map_delete_elem(map, &tid);
}

/*
 * A syscall's entry: its thread's state, created, or NULL counted as a lost
 * event of `type` (no memory, or a nested BPF program holds the storage).
 */
static __always_inline void *thread_state_enter(void *map, __u32 tid, const void *init,
						__u32 type)
{
	void *v = thread_state(map, tid, init, true);

	if (!v)
		count_lost(type);
	return v;
}

/*
 * A syscall's exit: copies to *st (a struct with an `active` member) the
 * state the entry left, marks it used and drops it (copied first: once
 * deleted, another CPU may reuse the element); false when the entry left none.
 */
#define thread_state_take(map, tid, st)                                          \
	({                                                                       \
		__u32 __tid = (tid);                                             \
		typeof(*(st)) *__p = thread_state(map, __tid, NULL, false);      \
		bool __taken = __p && __p->active;                               \
                                                                                 \
		if (__taken) {                                                   \
			*(st) = *__p;                                            \
			__p->active = 0;                                         \
			thread_state_drop(map, __tid);                           \
		}                                                                \
		__taken;                                                         \
	})

/* A pointer or number at p + off, read with a helper; 0 when it cannot be read. */
static __always_inline __u64 read_at(const void *p, __u32 off, __u32 size)
{
	__u64 v = 0;

	bpf_probe_read_kernel(&v, size, p + off);
	return v;
}

/*
 * The id of the current task's cgroup v2 ancestor at depth `level` (its own
 * at its depth), 0 below its depth.  5.10 does not give tracing programs the
 * helper: there, the same from the task's cgroup, at the offsets cfg.cg holds.
 */
static __always_inline __u64 current_ancestor_cgroup(__u32 level)
{
	const void *task, *cg, *up;

	if (cfg.kcaps & KCAP_ANCESTOR_CGROUP)
		return bpf_get_current_ancestor_cgroup_id(level);
	task = (const void *)bpf_get_current_task();
	cg = (const void *)read_at((const void *)read_at(task, cfg.cg.task_cgroups, 8),
				   cfg.cg.cset_dfl_cgrp, 8);
	if (!cg || level > (__u32)read_at(cg, cfg.cg.cgrp_level, 4))
		return 0;
	if (cfg.cg.ancestor_ids)
		return read_at(cg, cfg.cg.cgrp_ancestors + level * 8, 8);
	up = (const void *)read_at(cg, cfg.cg.cgrp_ancestors + level * 8, 8);
	return up ? read_at((const void *)read_at(up, cfg.cg.cgrp_kn, 8), cfg.cg.kn_id, 8) : 0;
}

/*
 * 1 when the current task's cgroup, or one of its ancestors, is in the
 * container set.  A global function: the verifier walks its loops once, not
 * once per program that filters.  Past the task's own depth the ancestor is
 * 0, and so at every deeper level.
 */
__noinline int current_in_containers(void)
{
	__u32 zero = 0, levels;
	struct container_set *set = bpf_map_lookup_elem(&container_filter, &zero);

	if (!set)
		return 0;
	levels = *(volatile __u32 *)&set->levels;
	for (__u32 level = 1; level < CONTAINER_LEVELS && (levels >> level); level++) {
		__u64 id;
		__u32 slot;

		if (!(levels & (1u << level)))
			continue;
		id = current_ancestor_cgroup(level);
		if (!id)
			return 0;
		slot = container_set_hash(id);
		for (__u32 p = 0; p < CONTAINER_SET_PROBES; p++)
			if (set->ids[(slot + p) & (CONTAINER_SET_SLOTS - 1)] == id)
				return 1;
	}
	return 0;
}

static __always_inline bool comm_matches(void)
{
	char comm[COMM_LEN];

	bpf_get_current_comm(comm, sizeof(comm));
#pragma unroll
	for (int i = 0; i < COMM_LEN; i++) {
		if (comm[i] != cfg.comm[i])
			return false;
		if (!comm[i])
			break;
	}
	return true;
}

/* The filters every tracer shares; pid_tgid from bpf_get_current_pid_tgid(). */
static __always_inline bool filter_pass(__u64 pid_tgid)
{
	if (cfg.self_tgid && (__u32)(pid_tgid >> 32) == cfg.self_tgid)
		return false;
	if (cfg.pid && (__u32)(pid_tgid >> 32) != cfg.pid)
		return false;
	if (cfg.tid && (__u32)pid_tgid != cfg.tid)
		return false;
	if (cfg.uid_set && (__u32)bpf_get_current_uid_gid() != cfg.uid)
		return false;
	if (cfg.ppid && current_ppid() != cfg.ppid)
		return false;
	if (cfg.comm_set && !comm_matches())
		return false;
	if (cfg.cgroup_set && bpf_current_task_under_cgroup(&cgroup_filter, 0) != 1)
		return false;
	if (cfg.container_set && !current_in_containers())
		return false;
	if (cfg.pidns && current_namespaces() >> 32 != cfg.pidns)
		return false;
	if (cfg.follow) {
		__u32 tgid = pid_tgid >> 32;

		if (!bpf_map_lookup_elem(&followed, &tgid))
			return false;
	}
	return true;
}

static __always_inline bool session_stopping(void)
{
	__u32 zero = 0;
	struct session_control *c = bpf_map_lookup_elem(&control, &zero);

	return !c || c->stopping;
}

/* Reserve an event; on failure the loss is counted against its type. */
static __always_inline void *event_reserve(__u32 size, __u32 type)
{
	void *e;

	if (session_stopping())
		return NULL;
	e = bpf_ringbuf_reserve(&events, size, 0);

	if (!e)
		count_lost(type);
	return e;
}

/*
 * The header's fields of the current task that every event has: direct loads
 * where the kernel allows them (5.11), ~1 ns each where the helpers cost 5 to
 * 16 ns each here.  The same values:
 * - the cgroup id is its default hierarchy cgroup's kernfs node id;
 * - the uid is the subjective one, which the helper maps into the initial
 *   user namespace, where every id maps to itself;
 * - comm always ends in a NUL, where user space stops reading.  Kernels
 *   before 5.18 may leave bytes of an older name after it, which the helper
 *   would have zeroed.
 */
static __always_inline void header_task(struct event_header *h)
{
	if (cfg.kcaps & (KCAP_TASK_BTF | KCAP_RDONLY_CAST)) {
		struct task_struct *t = current_task_loads();
		const __u64 *comm = (const __u64 *)t->comm;

		h->cgroup_id = t->cgroups->dfl_cgrp->kn->id;
		h->uid = t->cred->uid.val;
		h->ppid = t->real_parent->tgid;
		((__u64 *)h->comm)[0] = comm[0];
		((__u64 *)h->comm)[1] = comm[1];
		return;
	}
	h->cgroup_id = bpf_get_current_cgroup_id();
	h->uid = (__u32)bpf_get_current_uid_gid();
	h->ppid = current_ppid();
	bpf_get_current_comm(h->comm, sizeof(h->comm));
}

static __always_inline void header_fill(struct event_header *h, __u16 type, __u16 size,
					__u64 pid_tgid)
{
	header_namespaces(h, pid_tgid);
	h->ts_ns = cfg.timestamps ? bpf_ktime_get_ns() : 0;
	h->pid = pid_tgid >> 32;
	h->tid = (__u32)pid_tgid;
	header_task(h);
	h->type = type;
	h->size = size;
	h->_pad = 0;
}

/*
 * Submit without waking the reader, which drains on a short timer.  Every
 * 64th submit on a CPU checks the fill level (bpf_ringbuf_query reads the
 * reader's cache line, ~1 us) and wakes the reader once it passes
 * cfg.wake_bytes, so a burst cannot fill the buffer between two timer ticks.
 */
static __always_inline __u64 submit_flags(void)
{
	__u32 zero = 0;
	__u64 *n = bpf_map_lookup_elem(&submits, &zero);

	if (n && ((++*n) & 63) == 0 &&
	    bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= cfg.wake_bytes)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

static __always_inline void event_submit(void *e)
{
	bpf_ringbuf_submit(e, submit_flags());
}

/* An event built elsewhere (a per-CPU buffer), copied at its real size. */
static __always_inline void event_output(void *e, __u32 size, __u32 type)
{
	if (session_stopping())
		return;
	if (bpf_ringbuf_output(&events, e, size, submit_flags()))
		count_lost(type);
}

/* The program `name` on the tracepoint syscalls/sys_exit_<sc>; it returns `call`, of ctx. */
#define SYS_EXIT_PROG(sc, name, call)                           \
	SEC("tracepoint/syscalls/sys_exit_" #sc)                \
	int name(struct trace_event_raw_sys_exit *ctx)          \
	{                                                       \
		return call;                                    \
	}

#endif /* PROCSNOOP_COMMON_BPF_H */
