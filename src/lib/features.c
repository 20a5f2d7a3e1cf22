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

/*
 * The kernel's BTF, read once and walked once for the few things asked of
 * it.  libbpf's btf__parse_raw would do, but it validates and indexes all of
 * it: 9 ms here, and 5.7 s under valgrind, on top of the parse every object
 * load does.  /sys/kernel/btf/vmlinux is the kernel's own, well formed.
 */
struct kbtf {
	char *data;
	size_t size;
	const struct btf_header *hdr;
	const char *strs;
	uint32_t *offs; /* offs[id]: the type's offset in the type section */
	uint32_t ntypes;
};

static const char *kbtf_name(const struct kbtf *k, uint32_t off)
{
	return off < k->hdr->str_len ? k->strs + off : "";
}

static const struct btf_type *kbtf_type(const struct kbtf *k, uint32_t id)
{
	const char *types = k->data + k->hdr->hdr_len + k->hdr->type_off;

	return id && id <= k->ntypes ? (const struct btf_type *)(types + k->offs[id]) : NULL;
}

/* The bytes that follow a type of this kind; 0 with *ok false for a kind unknown here. */
static size_t kbtf_extra(const struct btf_type *t, bool *ok)
{
	uint32_t vlen = BTF_INFO_VLEN(t->info);

	switch (BTF_INFO_KIND(t->info)) {
	case BTF_KIND_INT: case BTF_KIND_VAR: case BTF_KIND_DECL_TAG:
		return 4;
	case BTF_KIND_ARRAY:
		return sizeof(struct btf_array);
	case BTF_KIND_STRUCT: case BTF_KIND_UNION: case BTF_KIND_DATASEC:
		return 12 * vlen;
	case BTF_KIND_ENUM: case BTF_KIND_FUNC_PROTO:
		return 8 * vlen;
	case BTF_KIND_ENUM64:
		return 12 * vlen;
	case BTF_KIND_PTR: case BTF_KIND_FWD: case BTF_KIND_TYPEDEF: case BTF_KIND_VOLATILE:
	case BTF_KIND_CONST: case BTF_KIND_RESTRICT: case BTF_KIND_FUNC: case BTF_KIND_FLOAT:
	case BTF_KIND_TYPE_TAG:
		return 0;
	}
	*ok = false;
	return 0;
}

static void kbtf_free(struct kbtf *k)
{
	free(k->data);
	free(k->offs);
}

/* 0, or -errno; a BTF this walk cannot follow is -EPROTO. */
static int kbtf_read(struct kbtf *k, const char *path)
{
	struct stat st;
	size_t got = 0, pos, cap = 1024;
	int fd = open(path, O_RDONLY | O_CLOEXEC), err = 0;
	bool ok = true;

	memset(k, 0, sizeof(*k));
	if (fd < 0 || fstat(fd, &st) || st.st_size < (off_t)sizeof(struct btf_header)) {
		err = fd < 0 ? -errno : -EPROTO;
		goto out;
	}
	k->size = st.st_size;
	k->data = malloc(k->size);
	k->offs = malloc(cap * sizeof(*k->offs));
	if (!k->data || !k->offs) {
		err = -ENOMEM;
		goto out;
	}
	/*
	 * sysfs hands out a page per read whatever is asked; valgrind checks
	 * the whole buffer asked for on each call (13 s for 5 MiB in one go).
	 */
	while (got < k->size) {
		size_t want = k->size - got < 65536 ? k->size - got : 65536;
		ssize_t n = read(fd, k->data + got, want);

		if (n <= 0) {
			err = n < 0 ? -errno : -EPROTO;
			goto out;
		}
		got += n;
	}
	k->hdr = (const struct btf_header *)k->data;
	if (k->hdr->magic != BTF_MAGIC || k->hdr->hdr_len > k->size ||
	    (uint64_t)k->hdr->hdr_len + k->hdr->type_off + k->hdr->type_len > k->size ||
	    (uint64_t)k->hdr->hdr_len + k->hdr->str_off + k->hdr->str_len > k->size) {
		err = -EPROTO;
		goto out;
	}
	k->strs = k->data + k->hdr->hdr_len + k->hdr->str_off;
	for (pos = 0; pos + sizeof(struct btf_type) <= k->hdr->type_len;) {
		const struct btf_type *t = (const void *)(k->data + k->hdr->hdr_len +
							  k->hdr->type_off + pos);

		if (k->ntypes + 2 > cap) {
			uint32_t *more = realloc(k->offs, 2 * cap * sizeof(*k->offs));

			if (!more) {
				err = -ENOMEM;
				goto out;
			}
			k->offs = more;
			cap *= 2;
		}
		k->offs[++k->ntypes] = pos;
		pos += sizeof(*t) + kbtf_extra(t, &ok);
		if (!ok) {
			err = -EPROTO;
			goto out;
		}
	}
out:
	if (fd >= 0)
		close(fd);
	if (err)
		kbtf_free(k);
	return err;
}

static bool kbtf_has(const struct kbtf *k, const char *name, unsigned int kind)
{
	for (uint32_t id = 1; id <= k->ntypes; id++) {
		const struct btf_type *t = kbtf_type(k, id);

		if (BTF_INFO_KIND(t->info) == kind && !strcmp(kbtf_name(k, t->name_off), name))
			return true;
	}
	return false;
}

/* Parameters of a raw tracepoint, from its btf_trace_NAME typedef (the first is void *__data). */
static int kbtf_tp_params(const struct kbtf *k, const char *tp)
{
	char name[128];

	snprintf(name, sizeof(name), "btf_trace_%s", tp);
	for (uint32_t id = 1; id <= k->ntypes; id++) {
		const struct btf_type *t = kbtf_type(k, id);

		if (BTF_INFO_KIND(t->info) != BTF_KIND_TYPEDEF ||
		    strcmp(kbtf_name(k, t->name_off), name))
			continue;
		t = kbtf_type(k, t->type);
		if (!t || BTF_INFO_KIND(t->info) != BTF_KIND_PTR)
			return -1;
		t = kbtf_type(k, t->type);
		if (!t || BTF_INFO_KIND(t->info) != BTF_KIND_FUNC_PROTO)
			return -1;
		return (int)BTF_INFO_VLEN(t->info) - 1;
	}
	return -1;
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
	struct kbtf btf;
	int ring;

	memset(f, 0, sizeof(*f));
	if (uname(&u) == 0)
		snprintf(f->release, sizeof(f->release), "%s", u.release);
	if (kbtf_read(&btf, VMLINUX_BTF)) {
		pr_err("this kernel (%s) has no BTF at %s: procsnoop needs a kernel built with "
		       "CONFIG_DEBUG_INFO_BTF (Debian's have it since 11)",
		       f->release, VMLINUX_BTF);
		return -ENOTSUP;
	}
	f->btf = true;
	f->rdonly_cast = kbtf_has(&btf, "bpf_rdonly_cast", BTF_KIND_FUNC);
	f->str_kfuncs = kbtf_has(&btf, "bpf_strnstr", BTF_KIND_FUNC) &&
			kbtf_has(&btf, "bpf_strnlen", BTF_KIND_FUNC);
	f->exit_group_dead = kbtf_tp_params(&btf, "sched_process_exit") >= 2;
	kbtf_free(&btf);

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
	enum feature_answer loop = FEATURE_UNKNOWN;
	libbpf_print_fn_t old = libbpf_set_print(NULL);
	struct utsname u;
	struct kbtf k;
	int err, fd;

	memset(s, 0, sizeof(*s));
	if (uname(&u) == 0)
		snprintf(s->release, sizeof(s->release), "%s", u.release);
	err = kbtf_read(&k, VMLINUX_BTF);
	if (!err) {
		btf = FEATURE_PRESENT;
		rdonly = kbtf_has(&k, "bpf_rdonly_cast", BTF_KIND_FUNC) ? FEATURE_PRESENT
									 : FEATURE_ABSENT;
		str = kbtf_has(&k, "bpf_strnstr", BTF_KIND_FUNC) &&
				      kbtf_has(&k, "bpf_strnlen", BTF_KIND_FUNC)
			      ? FEATURE_PRESENT
			      : FEATURE_ABSENT;
		group_dead = kbtf_tp_params(&k, "sched_process_exit") >= 2 ? FEATURE_PRESENT
									  : FEATURE_ABSENT;
		kbtf_free(&k);
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
		loop = survey_helper(BPF_FUNC_loop);
	}
	libbpf_set_print(old);
	survey_add(s, "btf", btf);
	survey_add(s, "ringbuf", ring);
	survey_add(s, "task_btf", task_btf);
	survey_add(s, "task_storage", storage);
	survey_add(s, "bpf_loop", loop);
	survey_add(s, "bpf_rdonly_cast", rdonly);
	survey_add(s, "bpf_strnstr", str);
	survey_add(s, "exit_group_dead", group_dead);
}
