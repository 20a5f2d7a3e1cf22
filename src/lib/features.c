// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <fcntl.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/btf.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "events.h"
#include "lib/features.h"
#include "lib/kernel_btf.h"
#include "lib/log.h"

#define VMLINUX_BTF "/sys/kernel/btf/vmlinux"

/* A helper exists for a program type when a program calling it is not refused as unknown. */
static bool helper_ok(enum bpf_func_id id)
{
	return libbpf_probe_bpf_helper(BPF_PROG_TYPE_TRACEPOINT, id, NULL) == 1;
}

/*
 * The kernel's BTF, through the one parse a session shares with its loads
 * (kernel_btf.h).  Absent (-ENOENT) when the kernel does not publish its own.
 */
static int kbtf_open(const struct btf **out)
{
	int err;

	if (access(VMLINUX_BTF, R_OK))
		return -errno;
	err = kernel_btf__hold();
	if (!err)
		*out = kernel_btf__get();
	return err;
}

static bool kbtf_has(const struct btf *b, const char *name, unsigned int kind)
{
	return btf__find_by_name_kind(b, name, kind) > 0;
}

/* Parameters of a raw tracepoint, from its btf_trace_NAME typedef (the first is void *__data). */
static int kbtf_tp_params(const struct btf *b, const char *tp)
{
	const struct btf_type *t;
	char name[128];
	int id;

	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	id = btf__find_by_name_kind(b, name, BTF_KIND_TYPEDEF);
	t = id > 0 ? btf__type_by_id(b, btf__type_by_id(b, id)->type) : NULL;
	if (!t || !btf_is_ptr(t))
		return -1;
	t = btf__type_by_id(b, t->type);
	if (!t || !btf_is_func_proto(t))
		return -1;
	return (int)btf_vlen(t) - 1;
}

/*
 * PROCSNOOP_FEATURES_OFF=bpf_loop,task_storage,... runs the programs a kernel
 * without them would run, on this one: the fallbacks can be tested anywhere.
 * Switching a feature off only ever picks an older variant.
 */
static void switch_off(struct kernel_features *f, const char *list)
{
	const struct {
		const char *name;
		bool *on;
	} names[] = {
		{ "task_btf", &f->task_btf },
		{ "task_storage", &f->task_storage },
		{ "task_pt_regs", &f->task_pt_regs },
		{ "bpf_loop", &f->loop },
		{ "bpf_rdonly_cast", &f->rdonly_cast },
		{ "bpf_strnstr", &f->str_kfuncs },
		{ "exit_group_dead", &f->exit_group_dead },
		{ "ancestor_cgroup", &f->ancestor_cgroup },
	};
	char buf[256], *tok, *save = NULL;
	const size_t n = sizeof(names) / sizeof(names[0]);

	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		bool all = !strcmp(tok, "all"), known = all;

		for (size_t i = 0; i < n; i++) {
			if (all || !strcmp(tok, names[i].name)) {
				*names[i].on = false;
				known = true;
			}
		}
		if (!known)
			pr_warn("PROCSNOOP_FEATURES_OFF: no feature '%s'", tok);
	}
	/* Task storage and registers are reached through the BTF task pointer. */
	f->task_storage = f->task_storage && f->task_btf;
	f->task_pt_regs = f->task_pt_regs && f->task_btf;
}

int features__probe(struct kernel_features *f)
{
	struct utsname u;
	const struct btf *btf = NULL;
	int ring;

	memset(f, 0, sizeof(*f));
	if (uname(&u) == 0)
		snprintf(f->release, sizeof(f->release), "%s", u.release);
	if (kbtf_open(&btf)) {
		pr_err("this kernel (%s) has no BTF at %s: procsnoop needs a kernel built with "
		       "CONFIG_DEBUG_INFO_BTF (Debian's have it since 11)",
		       f->release, VMLINUX_BTF);
		return -ENOTSUP;
	}
	f->btf = true;
	f->rdonly_cast = kbtf_has(btf, "bpf_rdonly_cast", BTF_KIND_FUNC);
	f->str_kfuncs = kbtf_has(btf, "bpf_strnstr", BTF_KIND_FUNC) &&
			kbtf_has(btf, "bpf_strnlen", BTF_KIND_FUNC);
	f->exit_group_dead = kbtf_tp_params(btf, "sched_process_exit") >= 2;
	kernel_btf__release();

	/*
	 * Not libbpf_probe_bpf_map_type, which answers 0 for a caller without
	 * privileges too: an unknown map type is EINVAL; EPERM is left to the
	 * session's map creation, which says what procsnoop needs.
	 */
	ring = bpf_map_create(BPF_MAP_TYPE_RINGBUF, NULL, 0, 0, sysconf(_SC_PAGESIZE), NULL);
	if (ring < 0 && errno == EINVAL) {
		pr_err("this kernel (%s) has no BPF ring buffer: procsnoop needs Linux 5.8 or later",
		       f->release);
		return -ENOTSUP;
	}
	f->ringbuf = ring >= 0;
	if (ring >= 0)
		close(ring);
	f->task_btf = helper_ok(BPF_FUNC_get_current_task_btf);
	/* The programs reach task storage through the BTF task pointer. */
	f->task_storage = f->task_btf && helper_ok(BPF_FUNC_task_storage_get);
	f->task_pt_regs = f->task_btf && helper_ok(BPF_FUNC_task_pt_regs);
	f->loop = helper_ok(BPF_FUNC_loop);
	f->ancestor_cgroup = helper_ok(BPF_FUNC_get_current_ancestor_cgroup_id);
	log__reset_libbpf();
	if (getenv("PROCSNOOP_FEATURES_OFF"))
		switch_off(f, getenv("PROCSNOOP_FEATURES_OFF"));
	return 0;
}

unsigned int features__kcaps(const struct kernel_features *f)
{
	return (f->task_btf ? KCAP_TASK_BTF : 0) | (f->task_storage ? KCAP_TASK_STORAGE : 0) |
	       (f->ancestor_cgroup ? KCAP_ANCESTOR_CGROUP : 0) |
	       (f->rdonly_cast ? KCAP_RDONLY_CAST : 0);
}

#define THREAD_MAP_ENTRIES 16384

int features__adapt_thread_map(const struct kernel_features *f, struct bpf_map *map)
{
	int err;

	pr_debug("%s: thread state in %s", bpf_map__name(map),
		 f->task_storage ? "task storage" : "an LRU hash by thread id");
	if (f->task_storage)
		return 0;
	/* LRU maps are always preallocated: BPF_F_NO_PREALLOC is refused there. */
	err = bpf_map__set_type(map, BPF_MAP_TYPE_LRU_HASH);
	if (!err)
		err = bpf_map__set_map_flags(map, 0);
	if (!err)
		err = bpf_map__set_max_entries(map, THREAD_MAP_ENTRIES);
	return err;
}

void features__pick(struct bpf_program *const *progs, int n, int which)
{
	for (int i = 0; i < n; i++)
		bpf_program__set_autoload(progs[i], i == which);
}

void features__describe(const struct kernel_features *f, char *buf, size_t len)
{
	const struct {
		bool on;
		const char *name;
	} list[] = {
		{ f->btf, "btf" },
		{ f->ringbuf, "ringbuf" },
		{ f->task_btf, "task_btf" },
		{ f->task_storage, "task_storage" },
		{ f->task_pt_regs, "task_pt_regs" },
		{ f->loop, "bpf_loop" },
		{ f->rdonly_cast, "bpf_rdonly_cast" },
		{ f->str_kfuncs, "bpf_strnstr" },
		{ f->exit_group_dead, "exit_group_dead" },
		{ f->ancestor_cgroup, "ancestor_cgroup" },
	};
	size_t used = 0;

	buf[0] = 0;
	for (size_t i = 0; i < sizeof(list) / sizeof(list[0]) && used < len; i++) {
		if (!list[i].on)
			continue;
		used += snprintf(buf + used, len - used, "%s%s", used ? " " : "", list[i].name);
	}
}

static void survey_add(struct feature_survey *s, const char *name, enum feature_answer a)
{
	if (s->n < FEATURE_SURVEY_MAX) {
		s->v[s->n].name = name;
		s->v[s->n++].answer = a;
	}
}

static enum feature_answer survey_helper(enum bpf_func_id id)
{
	return helper_ok(id) ? FEATURE_PRESENT : FEATURE_ABSENT;
}

void features__survey(struct feature_survey *s)
{
	enum feature_answer btf = FEATURE_UNKNOWN, rdonly = FEATURE_UNKNOWN;
	enum feature_answer str = FEATURE_UNKNOWN, group_dead = FEATURE_UNKNOWN;
	enum feature_answer ring, task_btf = FEATURE_UNKNOWN, storage = FEATURE_UNKNOWN;
	enum feature_answer loop = FEATURE_UNKNOWN, regs = FEATURE_UNKNOWN;
	enum feature_answer ancestor = FEATURE_UNKNOWN;
	libbpf_print_fn_t old = libbpf_set_print(NULL);
	struct utsname u;
	const struct btf *k = NULL;
	int err, fd;

	memset(s, 0, sizeof(*s));
	if (uname(&u) == 0)
		snprintf(s->release, sizeof(s->release), "%s", u.release);
	err = kbtf_open(&k);
	if (!err) {
		btf = FEATURE_PRESENT;
		rdonly = kbtf_has(k, "bpf_rdonly_cast", BTF_KIND_FUNC) ? FEATURE_PRESENT
									: FEATURE_ABSENT;
		str = kbtf_has(k, "bpf_strnstr", BTF_KIND_FUNC) &&
				      kbtf_has(k, "bpf_strnlen", BTF_KIND_FUNC)
			      ? FEATURE_PRESENT
			      : FEATURE_ABSENT;
		group_dead = kbtf_tp_params(k, "sched_process_exit") >= 2 ? FEATURE_PRESENT
									 : FEATURE_ABSENT;
		kernel_btf__release();
	} else if (err == -ENOENT) {
		/* kfuncs and typed tracepoint arguments exist only with BTF. */
		btf = rdonly = str = group_dead = FEATURE_ABSENT;
	}
	/* The ring buffer map also tells whether this process may load probes at all. */
	fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, NULL, 0, 0, sysconf(_SC_PAGESIZE), NULL);
	ring = fd >= 0 ? FEATURE_PRESENT : errno == EINVAL ? FEATURE_ABSENT : FEATURE_UNKNOWN;
	if (fd >= 0)
		close(fd);
	if (ring != FEATURE_UNKNOWN) {
		task_btf = survey_helper(BPF_FUNC_get_current_task_btf);
		storage = task_btf == FEATURE_PRESENT ? survey_helper(BPF_FUNC_task_storage_get)
						      : FEATURE_ABSENT;
		regs = task_btf == FEATURE_PRESENT ? survey_helper(BPF_FUNC_task_pt_regs)
						   : FEATURE_ABSENT;
		loop = survey_helper(BPF_FUNC_loop);
		ancestor = survey_helper(BPF_FUNC_get_current_ancestor_cgroup_id);
	}
	libbpf_set_print(old);
	survey_add(s, "btf", btf);
	survey_add(s, "ringbuf", ring);
	survey_add(s, "task_btf", task_btf);
	survey_add(s, "task_storage", storage);
	survey_add(s, "task_pt_regs", regs);
	survey_add(s, "bpf_loop", loop);
	survey_add(s, "bpf_rdonly_cast", rdonly);
	survey_add(s, "bpf_strnstr", str);
	survey_add(s, "exit_group_dead", group_dead);
	survey_add(s, "ancestor_cgroup", ancestor);
}
