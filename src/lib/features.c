// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "events.h"
#include "lib/features.h"
#include "lib/log.h"

#define VMLINUX_BTF "/sys/kernel/btf/vmlinux"

/* A helper exists for a program type when a program calling it is not refused as unknown. */
static bool helper_ok(enum bpf_func_id id)
{
	return libbpf_probe_bpf_helper(BPF_PROG_TYPE_TRACEPOINT, id, NULL) == 1;
}

/* Parameters of a raw tracepoint, from its btf_trace_NAME typedef (the first is void *__data). */
static int tp_params(const struct btf *btf, const char *tp)
{
	char name[128];
	const struct btf_type *t;
	int id;

	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	id = btf__find_by_name_kind(btf, name, BTF_KIND_TYPEDEF);
	if (id <= 0)
		return -1;
	t = btf__type_by_id(btf, btf__resolve_type(btf, id));
	if (!t || !btf_is_ptr(t))
		return -1;
	t = btf__type_by_id(btf, t->type);
	if (!t || !btf_is_func_proto(t))
		return -1;
	return btf_vlen(t) - 1;
}

static bool has_func(const struct btf *btf, const char *name)
{
	return btf__find_by_name_kind(btf, name, BTF_KIND_FUNC) > 0;
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
		{ "bpf_loop", &f->loop },
		{ "bpf_rdonly_cast", &f->rdonly_cast },
		{ "bpf_strnstr", &f->str_kfuncs },
		{ "exit_group_dead", &f->exit_group_dead },
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
	/* Task storage is reached through the BTF task pointer. */
	f->task_storage = f->task_storage && f->task_btf;
}

int features__probe(struct kernel_features *f)
{
	struct utsname u;
	struct btf *btf;
	int ring;

	memset(f, 0, sizeof(*f));
	if (uname(&u) == 0)
		snprintf(f->release, sizeof(f->release), "%s", u.release);
	btf = btf__parse_raw(VMLINUX_BTF);
	if (!btf) {
		pr_err("this kernel (%s) has no BTF at %s: procsnoop needs a kernel built with "
		       "CONFIG_DEBUG_INFO_BTF (Debian's have it since 11)",
		       f->release, VMLINUX_BTF);
		return -ENOTSUP;
	}
	f->btf = true;
	f->rdonly_cast = has_func(btf, "bpf_rdonly_cast");
	f->str_kfuncs = has_func(btf, "bpf_strnstr") && has_func(btf, "bpf_strnlen");
	f->exit_group_dead = tp_params(btf, "sched_process_exit") >= 2;
	btf__free(btf);

	ring = libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL);
	if (ring == 0) {
		pr_err("this kernel (%s) has no BPF ring buffer: procsnoop needs Linux 5.8 or later",
		       f->release);
		return -ENOTSUP;
	}
	/* A failed probe (no privilege) is left to the map creation, which says why. */
	f->ringbuf = ring == 1;
	f->task_btf = helper_ok(BPF_FUNC_get_current_task_btf);
	/* The programs reach task storage through the BTF task pointer. */
	f->task_storage = f->task_btf && helper_ok(BPF_FUNC_task_storage_get);
	f->loop = helper_ok(BPF_FUNC_loop);
	log__reset_libbpf();
	if (getenv("PROCSNOOP_FEATURES_OFF"))
		switch_off(f, getenv("PROCSNOOP_FEATURES_OFF"));
	return 0;
}

unsigned int features__kcaps(const struct kernel_features *f)
{
	return (f->task_btf ? KCAP_TASK_BTF : 0) | (f->task_storage ? KCAP_TASK_STORAGE : 0);
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
		{ f->loop, "bpf_loop" },
		{ f->rdonly_cast, "bpf_rdonly_cast" },
		{ f->str_kfuncs, "bpf_strnstr" },
		{ f->exit_group_dead, "exit_group_dead" },
	};
	size_t used = 0;

	buf[0] = 0;
	for (size_t i = 0; i < sizeof(list) / sizeof(list[0]) && used < len; i++) {
		if (!list[i].on)
			continue;
		used += snprintf(buf + used, len - used, "%s%s", used ? " " : "", list[i].name);
	}
}
