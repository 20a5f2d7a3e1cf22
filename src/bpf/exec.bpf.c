// SPDX-License-Identifier: GPL-2.0
/*
 * procsnoop exec: execve and execveat, successful and failed.
 *
 * The syscall's entry saves its arguments as thread state (common.bpf.h:
 * task storage, freed with the thread, or an LRU hash before 5.11).
 * A successful exec is reported from sched_process_exec, where the new
 * image exists: its arguments are one contiguous read of the new stack
 * (mm->arg_start..arg_end), bprm has argc and the opened file, and the
 * comm is the new one.  A failed exec returns into the old image, whose
 * argv pointers are still valid at the syscall's exit: it is reported
 * there, reading argv one pointer at a time.
 *
 * The event is built in a per-CPU buffer and copied into the ring buffer
 * at its real size: a /bin/true exec takes some 200 bytes, not 40 KiB.
 *
 * Every program comes in three variants, of which user space loads one:
 *   V_KFUNC    bpf_loop, and -n/-l matched in the kernel (bpf_strnstr, 6.17)
 *   V_LOOP     bpf_loop; -n/-l are matched in user space (5.17)
 *   V_BOUNDED  bounded loops whose state lives in the per-CPU buffer, so the
 *              verifier of a kernel without bpf_loop prunes every exit alike
 */
#include "common.bpf.h"
#include "path.bpf.h"

#define AT_FDCWD -100
#define AT_EMPTY_PATH 0x1000
#define WALK_MAX 64 /* path components */

const volatile __u8 include_failed = 0;
const volatile __u8 failed_only = 0;
const volatile __u32 max_args = EXEC_MAXARGS_DEFAULT;
/* -n: the command name contains this; -l: an argument contains this. */
const volatile char name_sub[COMM_LEN] = {};
const volatile char line_sub[256] = {};

enum variant { V_KFUNC, V_LOOP, V_BOUNDED };

/* Linux 6.17+: only the V_KFUNC programs call them, and only when -n or -l is given. */
extern int bpf_strnstr(const char *s1__ign, const char *s2__ign, size_t len) __ksym __weak;
extern int bpf_strnlen(const char *s__ign, size_t count) __ksym __weak;

struct inflight {
	__u32 active;
	__u16 syscall;
	__u16 _pad;
	__s32 dirfd;
	__u32 at_flags;
	const char *filename;
	const char *const *argv;
	char old_comm[COMM_LEN];
};

THREAD_STATE_MAP(inflight, struct inflight);

/* Offsets into data are masked to these regions; the slack keeps every write in bounds. */
#define FN_REGION (2 * EXEC_FILENAME_MAX)
#define TAIL_REGION 65536
#define WALK_END EXEC_PATH_MAX

struct args_ctx {
	const char *const *argv;
	__u32 start, len, nargs;
	__u16 status;
	bool done;
};

struct scratch {
	struct exec_event ev;
	char slack[TAIL_REGION + EXEC_ARGS_MAX + 256 - sizeof(((struct exec_event *)0)->data)];
	char walk[2 * EXEC_PATH_MAX + 256];
	/* V_BOUNDED keeps its loop state here: values read back from a map are unknown to the verifier. */
	struct path_walk wc;
	struct args_ctx ac;
};

/*
 * One per CPU, indexed by CPU: per-CPU maps cap values at 32 KiB.  The
 * programs run with migration off and never nest, so the CPU's slot is theirs.
 * User space sets max_entries to the number of possible CPUs.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch SEC(".maps");

static __always_inline struct scratch *scratch_get(void)
{
	__u32 cpu = bpf_get_smp_processor_id();

	return bpf_map_lookup_elem(&scratch, &cpu);
}

static __always_inline int on_enter(__u16 sc, int dirfd, const char *filename,
				    const char *const *argv, __u32 at_flags)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct inflight *f, init = {};

	if (!filter_pass(id))
		return 0;
	f = thread_state_enter(&inflight, (__u32)id, &init, EVENT_EXEC);
	if (!f)
		return 0;
	f->syscall = sc;
	f->dirfd = dirfd;
	f->at_flags = at_flags;
	f->filename = filename;
	f->argv = argv;
	bpf_get_current_comm(f->old_comm, sizeof(f->old_comm));
	f->active = 1;
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_execve")
int execve_enter(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter(EXEC_SYS_EXECVE, AT_FDCWD, (const char *)ctx->args[0],
			(const char *const *)ctx->args[1], 0);
}

SEC("tracepoint/syscalls/sys_enter_execveat")
int execveat_enter(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter(EXEC_SYS_EXECVEAT, (int)ctx->args[0], (const char *)ctx->args[1],
			(const char *const *)ctx->args[2], (__u32)ctx->args[4]);
}

/* ---- the executable's path (execveat with a dirfd) ---- */

static long walk_step(__u64 i, void *vctx)
{
	struct scratch *s = scratch_get();

	return s ? path_walk_step(vctx, s->walk, EXEC_PATH_MAX, false) : 1;
}

/*
 * Walks path up to the thread's root into s->walk, ending at WALK_END.
 * Returns where it starts (WALK_END - 1 for the root, which is "/").
 */
static __always_inline __u32 walk_path(struct scratch *s, struct dentry *d, struct vfsmount *vm,
				       bool *truncated, const enum variant v)
{
	struct path_walk stack_ctx = {}, *c = v == V_BOUNDED ? &s->wc : &stack_ctx;
	__u32 pos;

	path_walk_start(c, current_task(), (__u64)d, (__u64)vm, WALK_END, false);
	path_walk(c, s->walk, EXEC_PATH_MAX, false, WALK_MAX, v == V_BOUNDED ? NULL : walk_step, c);
	*truncated = !c->done;
	pos = c->pos;
	if (pos >= WALK_END) {
		s->walk[WALK_END - 1] = '/';
		return WALK_END - 1;
	}
	return pos;
}

/*
 * Puts the path of file (and, when name is not empty, "/" name) at
 * data[off]; name is the filename at data[0].  Returns the bytes added.
 */
static __always_inline __u32 put_path(struct scratch *s, struct file *file, __u32 off,
				      bool add_name, const enum variant v)
{
	struct exec_event *e = &s->ev;
	bool trunc = false;
	__u32 pos, end = WALK_END, flen, len;

	if (!file)
		return 0;
	pos = walk_path(s, BPF_CORE_READ(file, f_path.dentry), BPF_CORE_READ(file, f_path.mnt),
			&trunc, v);
	if (pos >= WALK_END)
		return 0;
	if (add_name) {
		if (WALK_END - pos > 1) /* not after the root's "/" */
			s->walk[end++] = '/';
		flen = e->filename_len & (EXEC_PATH_MAX - 1);
		bpf_probe_read_kernel(&s->walk[end], flen, e->data);
		end += flen;
	}
	len = end - pos;
	if (len > EXEC_PATH_MAX - 1) {
		len = EXEC_PATH_MAX - 1;
		trunc = true;
	}
	off &= TAIL_REGION - 1;
	bpf_probe_read_kernel(&e->data[off], len & (EXEC_PATH_MAX - 1),
			      &s->walk[pos & (EXEC_PATH_MAX - 1)]);
	e->data[(off + len) & (TAIL_REGION - 1)] = 0;
	e->path_len = len;
	e->status |= EXEC_PATH_SET | (trunc ? EXEC_PATH_TRUNCATED : 0);
	return len + 1;
}

/* ---- filters on the new name and the arguments ---- */

/* Without the string kfuncs (v != V_KFUNC), user space applies -n and -l to what comes. */
static __always_inline bool name_matches(const char *comm, const enum variant v)
{
	if (v != V_KFUNC || !name_sub[0])
		return true;
	return bpf_strnstr(comm, (const char *)name_sub, COMM_LEN) >= 0;
}

struct line_ctx {
	__u32 pos, end;
	bool found;
};

static long line_step(__u64 i, void *vctx)
{
	struct line_ctx *c = vctx;
	struct scratch *s = scratch_get();
	const char *arg;
	int n;

	if (!s || c->pos >= c->end)
		return 1;
	arg = &s->ev.data[c->pos & (TAIL_REGION - 1)];
	if (bpf_strnstr(arg, (const char *)line_sub, c->end - c->pos) >= 0) {
		c->found = true;
		return 1;
	}
	n = bpf_strnlen(arg, c->end - c->pos);
	if (n < 0)
		return 1;
	c->pos += n + 1;
	return 0;
}

/* -l: does an argument (at data[off], len bytes) contain line_sub? */
static __always_inline bool line_matches(__u32 off, __u32 len, const enum variant v)
{
	struct line_ctx c = { .pos = off, .end = off + len };

	if (v != V_KFUNC || !line_sub[0])
		return true;
	bpf_loop(EXEC_MAXARGS_LIMIT, line_step, &c, 0);
	return c.found;
}

/* ---- the event ---- */

/*
 * The event, started in the CPU's scratch buffer from the header and the
 * syscall's state; NULL when there is no buffer or -n leaves the exec out.
 */
static __always_inline struct scratch *event_start(struct inflight *f, __u64 id,
						   const enum variant v)
{
	struct scratch *s = scratch_get();
	struct exec_event *e;

	if (!s)
		return NULL;
	e = &s->ev;
	header_fill(&e->h, EVENT_EXEC, 0, id);
	e->dirfd = f->dirfd;
	e->at_flags = f->at_flags;
	e->syscall = f->syscall;
	e->status = 0;
	e->argc = 0;
	e->filename_len = 0;
	e->args_len = 0;
	e->path_len = 0;
	e->_pad[0] = e->_pad[1] = e->_pad[2] = 0;
	__builtin_memcpy(e->old_comm, f->old_comm, COMM_LEN);
	if (!name_matches(e->h.comm, v))
		return NULL;
	return s;
}

/* Sets the filename from n, a *_read_*_str result; returns where the arguments start. */
static __always_inline __u32 filename_done(struct exec_event *e, long n)
{
	if (n <= 0) {
		e->status |= EXEC_FILENAME_FAULT;
		e->data[0] = 0;
		n = 1;
	} else if (n == EXEC_FILENAME_MAX) {
		e->status |= EXEC_FILENAME_TRUNCATED;
	}
	e->filename_len = n - 1;
	return n & (FN_REGION - 1);
}

static __always_inline int event_send(struct exec_event *e, __u32 size)
{
	if (size > sizeof(*e))
		size = sizeof(*e);
	if (size < offsetof(struct exec_event, data))
		size = offsetof(struct exec_event, data);
	e->h.size = size;
	event_output(e, size, EVENT_EXEC);
	return 0;
}

static __always_inline bool via_dirfd(struct inflight *f, const char *name0)
{
	if (f->syscall != EXEC_SYS_EXECVEAT || f->dirfd == AT_FDCWD)
		return false;
	return name0[0] != '/' || (f->at_flags & AT_EMPTY_PATH && !name0[0]);
}

/*
 * A thread other than the leader that execs takes the leader's pid: the
 * hash of older kernels keyed its state by the old one.
 */
static __always_inline int on_exec(pid_t old_pid, struct linux_binprm *bprm, const enum variant v)
{
	struct task_struct *task = current_task();
	struct inflight st, *f = &st;
	__u64 id = bpf_get_current_pid_tgid();
	const char *fname;
	struct exec_event *e;
	struct scratch *s;
	__u32 off, len, skip = 0;
	long n;

	if (!thread_state_take(&inflight, old_pid, &st) || failed_only)
		return 0;
	s = event_start(f, id, v);
	if (!s)
		return 0;
	e = &s->ev;
	e->ret = 0;
	e->argc = BPF_CORE_READ(bprm, argc);
	e->status |= EXEC_ARGC_KNOWN;

	/* execveat with a dirfd names the file "/dev/fd/N[/name]": give back the name as passed. */
	fname = BPF_CORE_READ(bprm, filename);
	if (f->syscall == EXEC_SYS_EXECVEAT && fname == BPF_CORE_READ(bprm, fdpath) && fname) {
		char c = 0;

		skip = 8; /* "/dev/fd/" */
		for (int i = 0; i < 11; i++) {
			bpf_probe_read_kernel(&c, 1, fname + skip);
			if (c < '0' || c > '9')
				break;
			skip++;
		}
		if (c == '/')
			skip++;
	}
	n = bpf_probe_read_kernel_str(e->data, EXEC_FILENAME_MAX, fname + skip);
	off = filename_done(e, n);

	len = current_args_read(task, &e->data[off], EXEC_ARGS_MAX, &e->status,
				EXEC_ARGS_TRUNCATED, EXEC_ARGS_FAULT);
	e->args_len = len;
	if (!line_matches(off, len, v))
		return 0;
	off += len;
	if (via_dirfd(f, e->data))
		off += put_path(s, BPF_CORE_READ(bprm, file), off, false, v);
	return event_send(e, offsetof(struct exec_event, data) + off);
}

static __always_inline long args_body(__u64 i, struct args_ctx *c, struct scratch *s)
{
	const char *arg = NULL;
	__u32 used = c->len, left;
	long n;

	if (bpf_probe_read_user(&arg, sizeof(arg), &c->argv[i])) {
		c->status |= EXEC_ARGS_FAULT;
		return 1;
	}
	if (!arg) {
		c->done = true;
		return 1;
	}
	if (i >= max_args || used >= EXEC_ARGS_MAX) {
		c->status |= EXEC_ARGS_TRUNCATED;
		return 1;
	}
	/* A no-op for the verifier, which in V_BOUNDED reads used back from memory. */
	barrier_var(used);
	used &= EXEC_ARGS_MAX - 1;
	left = EXEC_ARGS_MAX - used;
	n = bpf_probe_read_user_str(&s->ev.data[(c->start + used) & (TAIL_REGION - 1)], left, arg);
	if (n <= 0) {
		c->status |= EXEC_ARGS_FAULT;
		return 1;
	}
	c->len += n;
	c->nargs++;
	if (n == left) {
		c->status |= EXEC_ARGS_TRUNCATED;
		return 1;
	}
	return 0;
}

static long args_step(__u64 i, void *vctx)
{
	struct scratch *s = scratch_get();

	return s ? args_body(i, vctx, s) : 1;
}

static __always_inline int on_exit(long ret, const enum variant v)
{
	struct task_struct *task = current_task();
	__u64 id = bpf_get_current_pid_tgid();
	struct inflight st, *f = &st;
	struct args_ctx stack_ctx = {}, *c;
	struct exec_event *e;
	struct scratch *s;
	__u32 off, len;
	long n;

	if (!thread_state_take(&inflight, (__u32)id, &st))
		return 0;
	/* A successful exec was reported by sched_process_exec. */
	if (ret >= 0 || !include_failed)
		return 0;
	s = event_start(f, id, v);
	if (!s)
		return 0;
	e = &s->ev;
	e->ret = ret;
	n = bpf_probe_read_user_str(e->data, EXEC_FILENAME_MAX, f->filename);
	off = filename_done(e, n);

	c = v == V_BOUNDED ? &s->ac : &stack_ctx;
	c->argv = f->argv;
	c->start = off;
	c->len = c->nargs = 0;
	c->status = 0;
	c->done = false;
	if (!f->argv) {
		c->done = true;
	} else if (v == V_BOUNDED) {
		for (int i = 0; i < EXEC_MAXARGS_LIMIT + 1; i++)
			if (args_body(i, c, s))
				break;
	} else {
		bpf_loop(EXEC_MAXARGS_LIMIT + 1, args_step, c, 0);
	}
	e->status |= c->status;
	if (c->done) {
		e->argc = c->nargs;
		e->status |= EXEC_ARGC_KNOWN;
	}
	len = c->len & (2 * EXEC_ARGS_MAX - 1);
	e->args_len = len;
	if (!line_matches(off, len, v))
		return 0;
	off += len;
	if (!(e->status & EXEC_FILENAME_FAULT) && via_dirfd(f, e->data))
		off += put_path(s, fd_file(task, f->dirfd), off, e->filename_len > 0, v);
	return event_send(e, offsetof(struct exec_event, data) + off);
}

/* The programs of one variant; user space loads those of one (exec.c). */
#define EXEC_PROGRAMS(suffix, v)                                                        \
	SEC("tp_btf/sched_process_exec")                                                \
	int BPF_PROG(sched_process_exec##suffix, struct task_struct *p, pid_t old_pid,  \
		     struct linux_binprm *bprm)                                         \
	{                                                                               \
		return on_exec(old_pid, bprm, v);                                       \
	}                                                                               \
	SYS_EXIT_PROG(execve, execve_exit##suffix, on_exit(ctx->ret, v))                \
	SYS_EXIT_PROG(execveat, execveat_exit##suffix, on_exit(ctx->ret, v))

EXEC_PROGRAMS(, V_KFUNC)
EXEC_PROGRAMS(_loop, V_LOOP)
EXEC_PROGRAMS(_bounded, V_BOUNDED)
