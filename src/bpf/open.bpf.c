// SPDX-License-Identifier: GPL-2.0
/*
 * procsnoop open: open, openat, openat2 and creat.  The exit reads the
 * path, resolves the full path when asked, applies the path filters and
 * sends an event of its real length.
 *
 * The exit programs come in two variants, one of which user space loads:
 * - direct (bpf_loop 5.17, bpf_rdonly_cast 6.2, bpf_task_pt_regs 5.15): the
 *   exit alone does everything.  It reads the arguments from the registers
 *   the thread entered the syscall with, and walks the full path with
 *   bpf_loop and direct loads of dentries.  No entry program runs: each
 *   traced syscall costs one program instead of two.
 * - compat: the entry keeps the arguments as thread state (common.bpf.h: task
 *   storage, or an LRU hash before 5.11) for the exit, whose walk is a
 *   bounded loop of helper reads that stops after OPEN_WALK_COMPAT
 *   components (the full path is then marked cut).
 *
 * The event is built in a per-CPU scratch buffer and copied out with
 * bpf_ringbuf_output: a reservation must have a constant size, and the
 * largest event (two paths of PATH_MAX) would take 8 KiB of the ring buffer
 * for every open of a ten-byte path.
 */
#include "common.bpf.h"
#include "path.bpf.h"

/* Generic values; x86 and arm64 use them too. */
#define O_ACCMODE 00000003
#define O_CREAT 00000100
#define O_TRUNC 00001000
#define __O_TMPFILE 020000000
#define AT_FDCWD (-100)
#define RESOLVE_IN_ROOT 0x10

/* A path of PATH_MAX bytes has at most PATH_MAX / 2 components, plus mount crossings. */
#define OPEN_WALK_MAX OPEN_PATH_MAX
/* What the verifier of a kernel without bpf_loop walks comfortably. */
#define OPEN_WALK_COMPAT 64

const volatile __u8 failed_only = 0;
const volatile __u8 write_only = 0;
const volatile __u8 full_path = 0;
/* -n: the command name contains this */
const volatile __u32 name_len = 0;
const volatile char name[COMM_LEN] = {};
/* --prefix: the path (the full path with full_path) starts with this */
const volatile __u32 prefix_len = 0;
const volatile char prefix[OPEN_PREFIX_MAX] = {};

struct inflight {
	__u64 fname; /* user pointer */
	__u64 flags;
	__u64 resolve;
	__s32 dirfd;
	__u32 mode;
	__u16 syscall;
	__u16 active;
	__u32 _pad;
};

THREAD_STATE_MAP(inflight, struct inflight);

struct scratch {
	struct open_event ev;
	/* The directory's path is built backwards ending at OPEN_PATH_MAX, the path follows. */
	char walk[2 * OPEN_PATH_MAX + 64];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct scratch);
} scratch SEC(".maps");

static __always_inline bool is_write(__u64 flags)
{
	return (flags & O_ACCMODE) || (flags & (O_CREAT | O_TRUNC | __O_TMPFILE));
}

/*
 * Unrolled and without branches on the name's bytes: name_len is known to
 * the verifier, so it walks one path instead of one per partial match.
 */
static __always_inline bool comm_contains(void)
{
	char comm[COMM_LEN];

	bpf_get_current_comm(comm, sizeof(comm));
#pragma unroll
	for (int i = 0; i < COMM_LEN; i++) {
		__u32 miss = 0;

#pragma unroll
		for (int j = 0; j < COMM_LEN - 1; j++) {
			if (j >= name_len)
				break;
			if (i + j >= COMM_LEN - 1)
				miss = 1;
			else
				miss |= comm[i + j] ^ name[j];
		}
		if (!miss)
			return true;
	}
	return false;
}

/* The filters known before the path is read: the flags, the process. */
static __always_inline bool opener_wanted(__u64 flags, __u64 pid_tgid)
{
	if (write_only && !is_write(flags))
		return false;
	return filter_pass(pid_tgid) && (!name_len || comm_contains());
}

static __always_inline int on_enter(__u16 sc, int dirfd, __u64 fname, __u64 flags, __u32 mode,
				    __u64 resolve)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct inflight *f, init = {};

	if (!opener_wanted(flags, id))
		return 0;
	f = thread_state_enter(&inflight, (__u32)id, &init, EVENT_OPEN);
	if (!f)
		return 0;
	f->fname = fname;
	f->flags = flags;
	f->resolve = resolve;
	f->dirfd = dirfd;
	f->mode = mode;
	f->syscall = sc;
	f->active = 1;
	return 0;
}

/* The walk's state (path.bpf.h) and, for bpf_loop's callback, the buffer. */
struct walk_ctx {
	struct path_walk w;
	char *walk;
};

static long walk_step(__u64 i, void *vctx)
{
	struct walk_ctx *c = vctx;

	return path_walk_step(&c->w, c->walk, OPEN_PATH_MAX, true);
}

/*
 * Appends the full path after the path: the directory (cwd, or dirfd's)
 * walked up to the thread's root, '/', the path.  Returns its bytes with
 * the NUL, 0 when there is none.
 */
static __always_inline __u32 resolve_full(struct scratch *s, struct inflight *f, __u32 plen,
					  const bool direct)
{
	struct task_struct *task = direct ? current_task_loads() : current_task();
	struct open_event *e = &s->ev;
	struct walk_ctx c = {};
	__u32 end, total, pos;
	__u64 d, vm;

	if (e->status & OPEN_PATH_FAULT)
		return 0;
	if (plen && e->data[0] == '/' && !(f->resolve & RESOLVE_IN_ROOT)) {
		e->status |= OPEN_FULL_SET | OPEN_FULL_SAME;
		e->full_len = plen;
		return 0;
	}
	if (f->dirfd == AT_FDCWD && direct) {
		struct fs_struct *fs = task->fs;

		d = (__u64)fs->pwd.dentry;
		vm = (__u64)fs->pwd.mnt;
	} else if (f->dirfd == AT_FDCWD) {
		d = (__u64)BPF_CORE_READ(task, fs, pwd.dentry);
		vm = (__u64)BPF_CORE_READ(task, fs, pwd.mnt);
	} else {
		struct file *file = fd_file(task, f->dirfd);

		if (!file) {
			e->status |= OPEN_FULL_BADFD;
			return 0;
		}
		d = (__u64)BPF_CORE_READ(file, f_path.dentry);
		vm = (__u64)BPF_CORE_READ(file, f_path.mnt);
	}
	path_walk_start(&c.w, task, d, vm, OPEN_PATH_MAX, direct);
	c.walk = s->walk;
	path_walk(&c.w, s->walk, OPEN_PATH_MAX, direct, direct ? OPEN_WALK_MAX : OPEN_WALK_COMPAT,
		  direct ? walk_step : NULL, &c);
	if (!c.w.done)
		e->status |= OPEN_FULL_TRUNCATED;

	pos = c.w.pos;
	if (pos < 1 || pos > OPEN_PATH_MAX)
		return 0;
	end = OPEN_PATH_MAX;
	if (plen && e->data[0] != '/')
		s->walk[end++] = '/';
	plen &= OPEN_PATH_MAX - 1;
	bpf_probe_read_kernel(&s->walk[end], plen, e->data);
	end += plen;
	if (end == pos)
		s->walk[end++] = '/'; /* the root itself */
	total = end - pos;
	if (total > OPEN_PATH_MAX - 1) {
		total = OPEN_PATH_MAX - 1;
		e->status |= OPEN_FULL_TRUNCATED;
	}
	bpf_probe_read_kernel(&e->data[plen + 1], total, &s->walk[pos]);
	e->data[plen + 1 + total] = 0;
	e->full_len = total;
	e->status |= OPEN_FULL_SET;
	return total + 1;
}

static __always_inline bool prefix_matches(const char *str)
{
	for (__u32 i = 0; i < OPEN_PREFIX_MAX; i++) {
		if (i >= prefix_len)
			return true;
		if (str[i] != prefix[i])
			return false;
	}
	return true;
}

/* The event of a finished syscall whose arguments are in *f. */
static __always_inline int emit(struct inflight *f, long ret, __u64 pid_tgid, const bool direct)
{
	struct open_event *e;
	struct scratch *s;
	__u32 zero = 0, plen, size;
	const char *str;
	long n;

	s = bpf_map_lookup_elem(&scratch, &zero);
	if (!s)
		return 0;
	e = &s->ev;
	e->status = 0;
	e->full_len = 0;
	n = bpf_probe_read_user_str(e->data, OPEN_PATH_MAX + 1, (const void *)f->fname);
	if (n <= 0) {
		plen = 0;
		e->data[0] = 0;
		e->status = OPEN_PATH_FAULT;
	} else if (n > OPEN_PATH_MAX) {
		plen = OPEN_PATH_MAX - 1;
		e->data[OPEN_PATH_MAX - 1] = 0;
		e->status = OPEN_PATH_TRUNCATED;
	} else {
		plen = n - 1;
	}
	plen &= OPEN_PATH_MAX - 1;
	e->path_len = plen;
	size = offsetof(struct open_event, data) + plen + 1;
	if (full_path)
		size += resolve_full(s, f, plen, direct);
	if (prefix_len) {
		str = e->data;
		if ((e->status & (OPEN_FULL_SET | OPEN_FULL_SAME)) == OPEN_FULL_SET)
			str = &e->data[plen + 1];
		if (!prefix_matches(str))
			return 0;
	}
	if (size > sizeof(*e))
		return 0;
	header_fill(&e->h, EVENT_OPEN, size, pid_tgid);
	e->ret = ret;
	e->dirfd = f->dirfd;
	e->flags = f->flags;
	e->resolve = f->resolve;
	e->mode = f->mode;
	e->syscall = f->syscall;
	e->_pad = 0;
	event_output(e, size, EVENT_OPEN);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_open")
int open_enter(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter(OPEN_SYS_OPEN, AT_FDCWD, ctx->args[0], (__u32)ctx->args[1],
			(__u32)ctx->args[2], 0);
}

SEC("tracepoint/syscalls/sys_enter_openat")
int openat_enter(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter(OPEN_SYS_OPENAT, (int)ctx->args[0], ctx->args[1], (__u32)ctx->args[2],
			(__u32)ctx->args[3], 0);
}

SEC("tracepoint/syscalls/sys_enter_openat2")
int openat2_enter(struct trace_event_raw_sys_enter *ctx)
{
	struct open_how how = {};

	/* A short or unreadable open_how fails the syscall; the event shows zeros. */
	if (ctx->args[3] >= sizeof(how))
		bpf_probe_read_user(&how, sizeof(how), (void *)ctx->args[2]);
	return on_enter(OPEN_SYS_OPENAT2, (int)ctx->args[0], ctx->args[1], how.flags,
			(__u32)how.mode, how.resolve);
}

SEC("tracepoint/syscalls/sys_enter_creat")
int creat_enter(struct trace_event_raw_sys_enter *ctx)
{
	return on_enter(OPEN_SYS_CREAT, AT_FDCWD, ctx->args[0], O_CREAT | O_TRUNC | 1 /* O_WRONLY */,
			(__u32)ctx->args[1], 0);
}

/* The compat exits: the entry's state, a bounded walk. */
static __always_inline int exit_from_state(long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct inflight st;

	if (!thread_state_take(&inflight, (__u32)id, &st) || (failed_only && ret >= 0))
		return 0;
	return emit(&st, ret, id, false);
}

SYS_EXIT_PROG(open, open_exit_compat, exit_from_state(ctx->ret))
SYS_EXIT_PROG(openat, openat_exit_compat, exit_from_state(ctx->ret))
SYS_EXIT_PROG(openat2, openat2_exit_compat, exit_from_state(ctx->ret))
SYS_EXIT_PROG(creat, creat_exit_compat, exit_from_state(ctx->ret))

/*
 * The direct exits: the arguments from the registers the thread entered the
 * syscall with, which the kernel keeps until it returns to user space (only
 * a tracer such as gdb could have changed them since).  Fields as on entry.
 */
static __always_inline int exit_from_regs(long ret, __u16 sc)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct pt_regs *regs;
	struct inflight f = {};

	if (failed_only && ret >= 0)
		return 0;
	regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	f.syscall = sc;
	if (sc == OPEN_SYS_OPEN || sc == OPEN_SYS_CREAT) {
		f.dirfd = AT_FDCWD;
		f.fname = PT_REGS_PARM1_SYSCALL(regs);
		f.flags = sc == OPEN_SYS_CREAT ? O_CREAT | O_TRUNC | 1 /* O_WRONLY */
					      : (__u32)PT_REGS_PARM2_SYSCALL(regs);
		f.mode = sc == OPEN_SYS_CREAT ? PT_REGS_PARM2_SYSCALL(regs)
					      : PT_REGS_PARM3_SYSCALL(regs);
	} else {
		f.dirfd = (int)PT_REGS_PARM1_SYSCALL(regs);
		f.fname = PT_REGS_PARM2_SYSCALL(regs);
		if (sc == OPEN_SYS_OPENAT) {
			f.flags = (__u32)PT_REGS_PARM3_SYSCALL(regs);
			f.mode = PT_REGS_PARM4_SYSCALL(regs);
		} else {
			struct open_how how = {};

			if (PT_REGS_PARM4_SYSCALL(regs) >= sizeof(how))
				bpf_probe_read_user(&how, sizeof(how),
						    (void *)PT_REGS_PARM3_SYSCALL(regs));
			f.flags = how.flags;
			f.mode = how.mode;
			f.resolve = how.resolve;
		}
	}
	if (!opener_wanted(f.flags, id))
		return 0;
	return emit(&f, ret, id, true);
}

SYS_EXIT_PROG(open, open_exit, exit_from_regs(ctx->ret, OPEN_SYS_OPEN))
SYS_EXIT_PROG(openat, openat_exit, exit_from_regs(ctx->ret, OPEN_SYS_OPENAT))
SYS_EXIT_PROG(openat2, openat2_exit, exit_from_regs(ctx->ret, OPEN_SYS_OPENAT2))
SYS_EXIT_PROG(creat, creat_exit, exit_from_regs(ctx->ret, OPEN_SYS_CREAT))
