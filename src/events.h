/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The contract between the kernel half and the user half: fixed-width
 * structs, a common header at the start of every event, a type tag.
 * Included by BPF code (after vmlinux.h) and by user-space code.
 */
#ifndef PROCSNOOP_EVENTS_H
#define PROCSNOOP_EVENTS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define COMM_LEN 16

enum event_type {
	EVENT_NONE = 0,
	EVENT_SIG = 1,
	EVENT_OPEN = 2,
	EVENT_EXEC = 3,
	EVENT_EXIT = 4,
	EVENT_USER = 5, /* records of `procsnoop run` programs */
	EVENT_TYPE_MAX = 6,
};

/* Every event of a built-in tracer starts with this header. */
struct event_header {
	__u64 ts_ns; /* CLOCK_MONOTONIC, bpf_ktime_get_ns(); 0 unless filter_config.timestamps */
	__u64 cgroup_id;
	__u32 pid; /* tgid */
	__u32 tid;
	__u32 ppid;
	__u32 uid;
	__u16 type; /* enum event_type */
	__u16 size; /* bytes of the whole event */
	__u32 _pad;
	char comm[COMM_LEN];
	/* The ids inside the task's own pid namespace (those of a container). */
	__u32 ns_pid;
	__u32 ns_tid;
	/* The inode numbers of its pid and mount namespaces (ls -l /proc/PID/ns). */
	__u32 pidns;
	__u32 mntns;
	/*
	 * The process image's identity (exec_id in JSON): its process's start
	 * (boot-time ns) and the kernel's exec count of it (self_exec_id), with
	 * pid; the same of its parent process (parent_exec_id).  Filled with
	 * the namespace ids.
	 */
	__u64 start_ns;
	__u64 parent_start_ns;
	__u32 exec_seq;
	__u32 parent_exec_seq;
};

/*
 * Kernel capabilities the BPF programs branch on.  The value is read-only
 * data, so the verifier sees a constant and never walks the branch for a
 * helper the kernel lacks.
 */
#define KCAP_TASK_BTF 0x01     /* bpf_get_current_task_btf (5.11) */
#define KCAP_TASK_STORAGE 0x02 /* task storage from tracing programs (5.11) */
#define KCAP_ANCESTOR_CGROUP 0x04 /* bpf_get_current_ancestor_cgroup_id for tracing (not 5.10) */
#define KCAP_RDONLY_CAST 0x08 /* the bpf_rdonly_cast kfunc (6.2): untrusted BTF pointers */

/*
 * Filters every tracer applies in the kernel before it reserves anything.
 * A zero field means "no filter".  Lives in each object's .rodata as `cfg`.
 */
struct filter_config {
	__u32 pid;
	__u32 tid;
	__u32 ppid;
	__u32 uid;
	__u8 uid_set;
	__u8 comm_set;
	__u8 cgroup_set;
	__u8 kcaps; /* KCAP_* bits: what this kernel offers, chosen before load */
	/* Force a reader wakeup once this many bytes wait in the ring buffer. */
	__u32 wake_bytes;
	char comm[COMM_LEN];
	/* procsnoop's own process, whose events are dropped (0 with --include-self). */
	__u32 self_tgid;
	/* --pidns: only tasks in this pid namespace (its inode number) */
	__u32 pidns;
	/* --container: only tasks in a cgroup of the container_filter map, or below one */
	__u8 container_set;
	/* Fill the header's namespace fields and a signal target's ids (JSON shows them). */
	__u8 ns_ids;
	/* `-- CMD`: only the processes in the session's `followed` map (CMD's tree) */
	__u8 follow;
	/*
	 * Stamp the header's ts_ns: an output shows the time.  Else it is 0, and
	 * each event saves a clock read (~35 ns in a VM whose clock is the TSC).
	 */
	__u8 timestamps;
	/*
	 * --container where tracing programs lack bpf_get_current_ancestor_cgroup_id
	 * (5.10): the byte offsets, found by user space in the kernel's BTF, of what
	 * the programs read instead.  Offsets rather than CO-RE: relocations against
	 * these types cost libbpf ~4 ms per object at every start, used or not.
	 */
	struct {
		__u32 task_cgroups;   /* task_struct.cgroups */
		__u32 cset_dfl_cgrp;  /* css_set.dfl_cgrp */
		__u32 cgrp_level;     /* cgroup.level */
		__u32 cgrp_ancestors; /* cgroup.ancestors (6.0+), else cgroup.ancestor_ids */
		__u32 cgrp_kn;        /* cgroup.kn */
		__u32 kn_id;          /* kernfs_node.id */
		__u8 ancestor_ids;    /* cgrp_ancestors holds ids, not cgroups (before 6.0) */
	} cg;
};

/* `-- CMD`: at most this many processes of its tree alive at once are followed. */
#define FOLLOW_MAX 65536

/*
 * The cgroups of the containers --container matched: the single value of the
 * container_filter map, written by user space through a memory mapping (it
 * keeps adding containers after it has dropped the capabilities that bpf()
 * needs before 6.5).  ids is an open-addressed table of cgroup ids: an id
 * sits within CONTAINER_SET_PROBES slots of its hash, 0 is a free slot, and
 * nothing moves on removal, so a lookup reads those slots and no more.  Bit L
 * of levels is set while a cgroup at depth L (the cgroup2 root is 0) is in
 * the table: the BPF side compares the current task's ancestor at each such
 * depth, so a process in a sub-cgroup of its container matches too.
 */
#define CONTAINER_SET_BITS 10
#define CONTAINER_SET_SLOTS (1u << CONTAINER_SET_BITS)
#define CONTAINER_SET_PROBES 8
#define CONTAINER_LEVELS 32

struct container_set {
	__u32 levels;
	__u32 _pad;
	__u64 ids[CONTAINER_SET_SLOTS];
};

/* The home slot of a cgroup id in container_set.ids (a multiplicative hash). */
static inline __u32 container_set_hash(__u64 id)
{
	return (__u32)((id * 0x9E3779B97F4A7C15ull) >> (64 - CONTAINER_SET_BITS));
}

/* The session's control word, shared by every object and mapped by user space. */
struct session_control {
	__u32 stopping; /* nonzero: emit nothing more */
};

/* ---- procsnoop sig ---------------------------------------------------- */

enum sig_source {
	SIG_SRC_KERNEL = 0,
	SIG_SRC_KILL,
	SIG_SRC_TKILL,
	SIG_SRC_TGKILL,
	SIG_SRC_RT_SIGQUEUEINFO,
	SIG_SRC_RT_TGSIGQUEUEINFO,
	SIG_SRC_PIDFD_SEND_SIGNAL,
	SIG_SRC_MAX,
};

/* The kernel's enum trace_signal_result, plus "not generated". */
#define SIG_RESULT_NONE (-1)

/* source_mode bits in the sig tracer's .rodata */
#define SIG_MODE_SYSCALL 1
#define SIG_MODE_KERNEL 2

struct sig_event {
	struct event_header h;
	__s32 sig;
	__s32 target_pid; /* as passed: may be 0, -1 or -pgid for kill() */
	__s32 target_tid; /* tkill, tgkill, rt_tgsigqueueinfo; 0 otherwise */
	__s32 ret; /* syscall return value; 0 for kernel signals */
	__s32 result; /* enum trace_signal_result or SIG_RESULT_NONE */
	__s32 code; /* si_code */
	__u32 source; /* enum sig_source */
	__u32 _pad;
	char target_comm[COMM_LEN];
	/* The target's ids in its own pid namespace, once the kernel found it; else -1. */
	__s32 target_ns_pid;
	__s32 target_ns_tid;
};

/* ---- procsnoop open --------------------------------------------------- */

enum open_syscall {
	OPEN_SYS_OPEN = 0,
	OPEN_SYS_OPENAT,
	OPEN_SYS_OPENAT2,
	OPEN_SYS_CREAT,
	OPEN_SYS_MAX,
};

/* PATH_MAX: the longest path the kernel accepts is one byte shorter (the NUL). */
#define OPEN_PATH_MAX 4096
/* Longest --prefix. */
#define OPEN_PREFIX_MAX 256

/* open_event.status bits */
#define OPEN_PATH_TRUNCATED 0x01 /* longer than PATH_MAX - 1: the open fails ENAMETOOLONG */
#define OPEN_PATH_FAULT 0x02	 /* the path pointer was not readable */
#define OPEN_FULL_SET 0x04	 /* a full path follows the path */
#define OPEN_FULL_SAME 0x08	 /* the full path is the (absolute) path itself */
#define OPEN_FULL_TRUNCATED 0x10 /* the full path was cut at PATH_MAX - 1 bytes */
#define OPEN_FULL_BADFD 0x20	 /* dirfd is no open file: no full path */

/*
 * h.size is the real size: the path and, with OPEN_FULL_SET, the full path
 * follow each other in data, each with its NUL.
 */
struct open_event {
	struct event_header h;
	__s32 ret; /* fd, or -errno */
	__s32 dirfd; /* as passed; AT_FDCWD (-100) for open and creat */
	__u64 flags; /* as passed (openat2: how.flags) */
	__u64 resolve; /* openat2's how.resolve; 0 otherwise */
	__u32 mode;
	__u16 syscall; /* enum open_syscall */
	__u16 status; /* OPEN_* bits */
	__u16 path_len; /* bytes of the path at data[0], without its NUL */
	__u16 full_len; /* bytes of the full path at data[path_len + 1] */
	__u32 _pad;
	char data[2 * OPEN_PATH_MAX];
};

/* ---- procsnoop exec and exit ------------------------------------------ */

enum exec_syscall {
	EXEC_SYS_EXECVE = 0,
	EXEC_SYS_EXECVEAT,
	EXEC_SYS_MAX,
};

/* Bounds of an exec event; what passes them is cut and marked. */
#define EXEC_FILENAME_MAX 4096 /* the filename as passed, with its NUL (PATH_MAX) */
#define EXEC_ARGS_MAX 32768    /* argument bytes, each argument with its NUL */
#define EXEC_PATH_MAX 4096     /* execveat: the executable's path, with its NUL */
#define EXEC_MAXARGS_DEFAULT 128
#define EXEC_MAXARGS_LIMIT 1024 /* the largest --max-args */

/* exec_event.status bits */
#define EXEC_ARGS_TRUNCATED 0x01     /* cut at EXEC_ARGS_MAX bytes or --max-args arguments */
#define EXEC_ARGS_FAULT 0x02	     /* argv (or an argument) was not readable */
#define EXEC_FILENAME_TRUNCATED 0x04 /* longer than EXEC_FILENAME_MAX - 1 */
#define EXEC_FILENAME_FAULT 0x08     /* the filename pointer was not readable */
#define EXEC_PATH_SET 0x10	     /* a resolved path follows the arguments */
#define EXEC_PATH_TRUNCATED 0x20     /* the path was cut */
#define EXEC_ARGC_KNOWN 0x40	     /* argc holds how many arguments were passed */

/*
 * h.comm is the command name after the exec (unchanged when it failed),
 * old_comm the name before.  data holds the filename with its NUL, then
 * args_len bytes of arguments (each with its NUL; the last one lacks it
 * when the bytes were cut), then with EXEC_PATH_SET the path with its NUL.
 * h.size is the real size.
 */
struct exec_event {
	struct event_header h;
	__s32 ret; /* 0, or -errno */
	__s32 dirfd; /* execveat's dirfd; AT_FDCWD (-100) for execve */
	__u32 at_flags; /* execveat's flags */
	__u32 argc; /* with EXEC_ARGC_KNOWN */
	__u16 syscall; /* enum exec_syscall */
	__u16 status; /* EXEC_* bits */
	__u16 filename_len; /* without its NUL */
	__u16 args_len;
	__u16 path_len; /* without its NUL */
	__u16 _pad[3];
	char old_comm[COMM_LEN];
	char data[EXEC_FILENAME_MAX + EXEC_ARGS_MAX + EXEC_PATH_MAX];
};

/* What an exit remembers of the exec it ends: bounded, cut and marked. */
#define EXIT_FILENAME_MAX 256
#define EXIT_ARGS_MAX 1024

/* exec_record.status bits */
#define EXEC_REC_FILENAME_TRUNCATED 0x01
#define EXEC_REC_ARGS_TRUNCATED 0x02

struct exec_record {
	__u64 ts_ns; /* when the exec happened */
	__u32 argc;
	__u16 filename_len; /* without its NUL */
	__u16 args_len; /* each argument with its NUL, the last one cut without */
	__u16 status; /* EXEC_REC_* bits */
	__u16 _pad[3];
	char filename[EXIT_FILENAME_MAX];
	char args[EXIT_ARGS_MAX];
};

/* exit_event.flags bits */
#define EXIT_CORE_DUMPED 0x01 /* the killing signal dumped core */
#define EXIT_THREAD 0x02      /* one thread exited; its process lives on (-T) */
#define EXIT_EXEC_KNOWN 0x04  /* the process's exec was seen: exec is filled */

struct exit_event {
	struct event_header h;
	__u64 age_ns; /* since the process (with -T: the thread) started */
	__u32 status; /* wait status: code << 8, or the signal | 0x80 with a core dump */
	__u16 flags; /* EXIT_* bits */
	__u16 _pad;
	struct exec_record exec;
};

#endif /* PROCSNOOP_EVENTS_H */
