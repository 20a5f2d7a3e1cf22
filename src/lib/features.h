/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the running kernel offers the BPF programs, probed once before any
 * object is loaded, so each tracer picks the programs and maps that load
 * here instead of failing whole on a helper, kfunc or map type it lacks.
 */
#ifndef PROCSNOOP_FEATURES_H
#define PROCSNOOP_FEATURES_H

#include <stdbool.h>
#include <bpf/libbpf.h>

struct kernel_features {
	char release[65]; /* uname -r (utsname holds 65 bytes) */
	bool btf; /* /sys/kernel/btf/vmlinux is readable BTF */
	bool ringbuf; /* BPF_MAP_TYPE_RINGBUF (5.8) */
	bool task_btf; /* bpf_get_current_task_btf (5.11) */
	bool task_storage; /* task storage from tracepoint programs (5.11) */
	bool task_pt_regs; /* bpf_task_pt_regs: a task's user registers (5.15) */
	bool loop; /* bpf_loop (5.17) */
	bool rdonly_cast; /* the bpf_rdonly_cast kfunc (6.2) */
	bool str_kfuncs; /* the bpf_strnstr and bpf_strnlen kfuncs (6.17) */
	bool exit_group_dead; /* tp_btf sched_process_exit passes group_dead */
	bool ancestor_cgroup; /* bpf_get_current_ancestor_cgroup_id from tracing programs (not 5.10) */
};

/*
 * Fills f.  Returns 0, or -ENOTSUP after one line on stderr when the
 * kernel cannot run procsnoop at all (no BTF, no ring buffer).
 */
int features__probe(struct kernel_features *f);
/* The KCAP_* bits of events.h for f. */
unsigned int features__kcaps(const struct kernel_features *f);
/*
 * Thread state kept from a syscall's entry to its exit: task storage where
 * tracing programs may use it, else an LRU hash keyed by thread id, which
 * bounds what a thread that dies inside the syscall leaves behind.
 */
int features__adapt_thread_map(const struct kernel_features *f, struct bpf_map *map);
/* Loads progs[which] and none of the other variants of the same program. */
void features__pick(struct bpf_program *const *progs, int n, int which);
/* "btf ringbuf task_btf ..." for -v: what was found. */
void features__describe(const struct kernel_features *f, char *buf, size_t len);

/*
 * What the kernel offers, for --version: the names of features__describe,
 * each present, absent or unknown.  Nothing is logged and nothing fails: a
 * probe that cannot tell (no BPF privileges, an unreadable BTF) answers
 * unknown.  Without privileges the kernel refuses every probe load, and
 * libbpf's helper probe would take that refusal for a yes.
 */
enum feature_answer { FEATURE_UNKNOWN, FEATURE_ABSENT, FEATURE_PRESENT };
#define FEATURE_SURVEY_MAX 12
struct feature_survey {
	char release[65]; /* uname -r */
	int n;
	struct {
		const char *name;
		enum feature_answer answer;
	} v[FEATURE_SURVEY_MAX];
};
void features__survey(struct feature_survey *s);

#endif
