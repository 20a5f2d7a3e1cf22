// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <linux/membarrier.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include "lib/container_filter.h"
#include "lib/features.h"
#include "lib/kernel_btf.h"
#include "lib/link_reaper.h"
#include "lib/log.h"
#include "lib/parse.h"
#include "lib/ringbuf_reader.h"
#include "lib/session.h"
#include "lib/stream.h"

#define MAX_OBJECTS 16

struct session {
	int ringbuf_fd, lost_fd, submits_fd, cgroup_map_fd, cgroup_fd, control_fd, followed_fd;
	uint32_t buffer_bytes;
	bool include_self;
	/* --container: the set the programs read (events.h), mapped read-write, and its keeper. */
	int container_map_fd;
	struct container_set *containers;
	struct container_filter *cfilter;
	/* Where the kernel keeps a task's cgroup ancestry (filter_config.cg), for 5.10. */
	__typeof__(((struct filter_config *)0)->cg) cg_offsets;
	const char *container_values[SESSION_MAX_CONTAINERS];
	/* The control word every program reads (events.h), mapped read-write. */
	struct session_control *control;
	/* Nothing emits any more (session__quiesce); the links are still attached. */
	bool quiesced;
	/* Holds the kernel's BTF from the feature probe to the end of the loads. */
	bool btf_held;
	int ncpus;
	/* The loss counters, mapped: cpu * EVENT_TYPE_MAX + type. */
	const volatile uint64_t *lost;
	size_t lost_bytes;
	struct ringbuf_reader *rb;
	ringbuf_record_fn consumer;
	void *consumer_ctx;
	int nobjs;
	struct kernel_features features;
	struct {
		struct bpf_object_skeleton *skel;
		void *outer;
	} objs[MAX_OBJECTS];
};

static const char *const tracefs_dirs[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };

/* statfs, not access(): a non-root user with CAP_BPF may not search tracefs. */
static bool is_tracefs(const char *path)
{
	struct statfs st;

	return statfs(path, &st) == 0 && st.f_type == TRACEFS_MAGIC;
}

const char *tracefs__path(void)
{
	for (size_t i = 0; i < sizeof(tracefs_dirs) / sizeof(tracefs_dirs[0]); i++)
		if (is_tracefs(tracefs_dirs[i]))
			return tracefs_dirs[i];
	return tracefs_dirs[0];
}

int tracefs__ensure(void)
{
	if (is_tracefs("/sys/kernel/tracing") || is_tracefs("/sys/kernel/debug/tracing"))
		return 0;
	if (mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL) && errno != EBUSY) {
		int err = -errno;

		pr_err("cannot mount tracefs on /sys/kernel/tracing: %s", strerror(errno));
		return err;
	}
	pr_debug("mounted tracefs on /sys/kernel/tracing");
	return 0;
}

static int create_maps(struct session *s)
{
	LIBBPF_OPTS(bpf_map_create_opts, mmapable, .map_flags = BPF_F_MMAPABLE);
	LIBBPF_OPTS(bpf_map_create_opts, noprealloc, .map_flags = BPF_F_NO_PREALLOC);
	long page = sysconf(_SC_PAGESIZE);

	s->ringbuf_fd = bpf_map_create(BPF_MAP_TYPE_RINGBUF, "events", 0, 0, s->buffer_bytes, NULL);
	if (s->ringbuf_fd < 0)
		goto fail;
	s->lost_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "lost", 4, 8, s->ncpus * EVENT_TYPE_MAX,
				    &mmapable);
	if (s->lost_fd < 0)
		goto fail;
	s->lost_bytes = (s->ncpus * EVENT_TYPE_MAX * 8 + page - 1) / page * page;
	s->lost = mmap(NULL, s->lost_bytes, PROT_READ, MAP_SHARED, s->lost_fd, 0);
	if (s->lost == MAP_FAILED) {
		s->lost = NULL;
		goto fail;
	}
	s->submits_fd = bpf_map_create(BPF_MAP_TYPE_PERCPU_ARRAY, "submits", 4, 8, 1, NULL);
	if (s->submits_fd < 0)
		goto fail;
	s->cgroup_map_fd = bpf_map_create(BPF_MAP_TYPE_CGROUP_ARRAY, "cgroup_filter", 4, 4, 1, NULL);
	if (s->cgroup_map_fd < 0)
		goto fail;
	/* Not preallocated: empty, as it is unless procsnoop runs a command, it costs nothing. */
	s->followed_fd = bpf_map_create(BPF_MAP_TYPE_HASH, "followed", 4, 1, FOLLOW_MAX,
					&noprealloc);
	if (s->followed_fd < 0)
		goto fail;
	s->container_map_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "container_filter", 4,
					     sizeof(struct container_set), 1, &mmapable);
	if (s->container_map_fd < 0)
		goto fail;
	s->control_fd = bpf_map_create(BPF_MAP_TYPE_ARRAY, "control", 4,
				       sizeof(struct session_control), 1, &mmapable);
	if (s->control_fd < 0)
		goto fail;
	s->control = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, s->control_fd, 0);
	if (s->control == MAP_FAILED) {
		s->control = NULL;
		goto fail;
	}
	return 0;
fail:
	pr_err("cannot create BPF maps: %s (procsnoop needs root, or CAP_BPF and CAP_PERFMON)",
	       strerror(errno));
	return -errno;
}

/*
 * Without bpf_get_current_ancestor_cgroup_id for tracing programs (5.10): the
 * offsets the programs read a task's cgroup ancestry at, from the kernel's BTF.
 */
static int find_cgroup_offsets(struct session *s)
{
	__typeof__(s->cg_offsets) *o = &s->cg_offsets;
	const struct {
		const char *type, *member;
		uint32_t *off;
	} want[] = {
		{ "task_struct", "cgroups", &o->task_cgroups },
		{ "css_set", "dfl_cgrp", &o->cset_dfl_cgrp },
		{ "cgroup", "level", &o->cgrp_level },
		{ "cgroup", "kn", &o->cgrp_kn },
		{ "kernfs_node", "id", &o->kn_id },
	};

	if (s->features.ancestor_cgroup)
		return 0;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		if (kernel_btf__member_offset(want[i].type, want[i].member, want[i].off)) {
			pr_err("--container: this kernel's BTF has no %s.%s", want[i].type,
			       want[i].member);
			return -ENOENT;
		}
	}
	/* Since 6.0 the ancestors themselves; before, their ids. */
	if (!kernel_btf__member_offset("cgroup", "ancestors", &o->cgrp_ancestors))
		return 0;
	o->ancestor_ids = 1;
	if (!kernel_btf__member_offset("cgroup", "ancestor_ids", &o->cgrp_ancestors))
		return 0;
	pr_err("--container: this kernel's BTF has neither cgroup.ancestors nor ancestor_ids");
	return -ENOENT;
}

/* The set of --container, mapped, filled from the running containers and kept current. */
static int start_container_filter(struct session *s, const struct session_opts *opts)
{
	struct container_filter_opts fo = { .values = s->container_values,
					    .nvalues = opts->ncontainers };
	void *set;

	if (find_cgroup_offsets(s))
		return -ENOENT;
	memcpy(s->container_values, opts->containers, sizeof(s->container_values));
	fo.cgroup_root = parse__cgroup2_mount();
	if (!fo.cgroup_root) {
		pr_err("--container: no cgroup v2 hierarchy is mounted");
		return -ENOENT;
	}
	set = mmap(NULL, sizeof(struct container_set), PROT_READ | PROT_WRITE, MAP_SHARED,
		   s->container_map_fd, 0);
	if (set == MAP_FAILED) {
		pr_err("--container: cannot map the container set: %s", strerror(errno));
		return -errno;
	}
	s->containers = set;
	return container_filter__new(&fo, s->containers, &s->cfilter);
}

int session__new(const struct session_opts *opts, struct session **out)
{
	struct rlimit unlimited = { RLIM_INFINITY, RLIM_INFINITY };
	struct session *s;
	int err;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->ringbuf_fd = s->lost_fd = s->submits_fd = s->cgroup_map_fd = s->cgroup_fd = -1;
	s->control_fd = s->followed_fd = s->container_map_fd = -1;
	s->buffer_bytes = opts->buffer_bytes ? opts->buffer_bytes : SESSION_DEFAULT_BUFFER;
	s->include_self = opts->include_self;
	s->ncpus = libbpf_num_possible_cpus();
	if (s->ncpus <= 0) {
		free(s);
		return -EINVAL;
	}
	/*
	 * Each object's load parses the kernel's BTF (5 MB here, 11 MB of heap at
	 * its peak) and frees it.  With glibc's sliding threshold the second
	 * parse's buffers would come from the heap and stay there, fragmented: 6 MB
	 * resident for good with four tracers.  A fixed threshold keeps them in
	 * their own mappings, which free() returns.
	 */
	mallopt(M_MMAP_THRESHOLD, 256 * 1024);
	/* Kernels since 5.11 charge BPF memory to the memory cgroup; this may fail harmlessly. */
	setrlimit(RLIMIT_MEMLOCK, &unlimited);

	/* One parse of the kernel's BTF, for the probe and for every load (kernel_btf.h). */
	s->btf_held = kernel_btf__hold() == 0;
	err = features__probe(&s->features);
	if (!err) {
		char found[256];

		features__describe(&s->features, found, sizeof(found));
		pr_info("kernel %s offers: %s", s->features.release, found);
		err = tracefs__ensure();
	}
	if (!err)
		err = create_maps(s);
	if (!err && opts->cgroup_path) {
		int key = 0;

		s->cgroup_fd = open(opts->cgroup_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (s->cgroup_fd < 0 ||
		    bpf_map_update_elem(s->cgroup_map_fd, &key, &s->cgroup_fd, BPF_ANY)) {
			err = -errno;
			pr_err("cannot use cgroup %s: %s", opts->cgroup_path, strerror(errno));
		}
	}
	if (!err && opts->ncontainers)
		err = start_container_filter(s, opts);
	if (err) {
		session__destroy(s);
		return err;
	}
	*out = s;
	return 0;
}

void session__fill_filter(const struct session *s, struct filter_config *cfg)
{
	cfg->cgroup_set = s->cgroup_fd >= 0;
	cfg->container_set = s->cfilter != NULL;
	memcpy(&cfg->cg, &s->cg_offsets, sizeof(cfg->cg));
	cfg->wake_bytes = s->buffer_bytes / 4;
	cfg->kcaps = features__kcaps(&s->features);
	cfg->self_tgid = s->include_self ? 0 : (uint32_t)getpid();
}

int session__follow(struct session *s, uint32_t tgid)
{
	uint8_t one = 1;

	return bpf_map_update_elem(s->followed_fd, &tgid, &one, BPF_ANY) ? -errno : 0;
}

struct stream_source *session__container_source(struct session *s)
{
	return s->cfilter ? container_filter__source(s->cfilter) : NULL;
}

const struct kernel_features *session__features(const struct session *s)
{
	return &s->features;
}

static int reuse(struct bpf_object *obj, const char *name, int fd)
{
	struct bpf_map *map = bpf_object__find_map_by_name(obj, name);

	if (!map)
		return 0;
	return bpf_map__reuse_fd(map, fd);
}

int session__add(struct session *s, struct bpf_object_skeleton *skel, void *outer)
{
	struct bpf_object *obj = *skel->obj;
	int err;

	if (s->nobjs == MAX_OBJECTS)
		return -E2BIG;
	s->objs[s->nobjs].skel = skel;
	s->objs[s->nobjs].outer = outer;
	s->nobjs++;
	err = reuse(obj, "events", s->ringbuf_fd);
	if (!err)
		err = reuse(obj, "lost", s->lost_fd);
	if (!err)
		err = reuse(obj, "submits", s->submits_fd);
	if (!err)
		err = reuse(obj, "cgroup_filter", s->cgroup_map_fd);
	if (!err)
		err = reuse(obj, "container_filter", s->container_map_fd);
	if (!err)
		err = reuse(obj, "control", s->control_fd);
	if (!err)
		err = reuse(obj, "followed", s->followed_fd);
	if (err)
		pr_err("cannot share maps with %s: %s", bpf_object__name(obj), strerror(-err));
	return err;
}

static int on_sample(void *ctx, void *data, size_t size)
{
	struct session *s = ctx;

	return s->consumer ? s->consumer(s->consumer_ctx, data, size) : 0;
}

static void release_btf(struct session *s)
{
	if (s->btf_held)
		kernel_btf__release();
	s->btf_held = false;
}

int session__start(struct session *s)
{
	int err = 0;

	for (int i = 0; i < s->nobjs && !err; i++) {
		struct bpf_object_skeleton *skel = s->objs[i].skel;

		log__reset_libbpf();
		err = bpf_object__load_skeleton(skel);
		if (err) {
			log__flush_libbpf(40);
			pr_err("cannot load the BPF programs of %s: %s", skel->name,
			       strerror(-err));
			break;
		}
		err = bpf_object__attach_skeleton(skel);
		if (err) {
			log__flush_libbpf(10);
			pr_err("cannot attach the BPF programs of %s: %s", skel->name,
			       strerror(-err));
			break;
		}
	}
	/* Without it (no BTF in sysfs), each load parsed what libbpf found itself. */
	release_btf(s);
	if (err)
		return err;
	log__reset_libbpf();
	/* What the loads freed goes back to the system before the ring buffer is mapped. */
	malloc_trim(0);
	s->rb = ringbuf_reader__new(s->ringbuf_fd, s->buffer_bytes, on_sample, s);
	if (!s->rb) {
		err = -errno;
		pr_err("cannot open the ring buffer: %s", strerror(errno));
		return err;
	}
	return 0;
}

int session__ringbuf_fill(const struct session *s, uint64_t *used, uint64_t *size)
{
	uint64_t pending;

	if (!s->rb)
		return -ENODATA;
	pending = ringbuf_reader__pending(s->rb);
	*size = s->buffer_bytes;
	*used = pending < *size ? pending : *size;
	return 0;
}

int session__read_lost(const struct session *s, uint64_t *lost)
{
	for (uint32_t t = 0; t < EVENT_TYPE_MAX; t++) {
		lost[t] = 0;
		for (int c = 0; c < s->ncpus; c++)
			lost[t] += s->lost[c * EVENT_TYPE_MAX + t];
	}
	return 0;
}

struct ringbuf_reader *session__ring_buffer(struct session *s, ringbuf_record_fn fn, void *ctx)
{
	s->consumer = fn;
	s->consumer_ctx = ctx;
	return s->rb;
}

void session__detach(struct session *s)
{
	for (int i = s->nobjs - 1; i >= 0; i--)
		bpf_object__detach_skeleton(s->objs[i].skel);
	s->quiesced = false;
}

int session__quiesce(struct session *s)
{
	__atomic_store_n(&s->control->stopping, 1, __ATOMIC_SEQ_CST);
	/*
	 * Every program runs inside an RCU read-side section (trace_call_bpf for
	 * the syscall tracepoints, __bpf_trace_run for tp_btf), and
	 * MEMBARRIER_CMD_GLOBAL waits for a grace period: when it returns, a
	 * program that read the flag before it was set has submitted.
	 */
	if (syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0)) {
		int err = -errno;

		pr_debug("membarrier: %s; detaching one tracepoint after another", strerror(errno));
		session__detach(s);
		return err;
	}
	s->quiesced = true;
	return 0;
}

static struct bpf_prog_skeleton *skel_prog(const struct bpf_object_skeleton *skel, int i)
{
	return (struct bpf_prog_skeleton *)((char *)skel->progs + (size_t)i * skel->prog_skel_sz);
}

/*
 * Hands the links of a quiesced session to a process that outlives this one
 * (link_reaper.h); returns the descriptor to close once this process has
 * closed its own copies, or -1 when the links are released here.
 */
static int hand_off_links(struct session *s)
{
	int fds[256], n = 0, release_fd, err;

	if (!s->quiesced)
		return -1;
	for (int i = 0; i < s->nobjs; i++) {
		struct bpf_object_skeleton *skel = s->objs[i].skel;

		for (int p = 0; p < skel->prog_cnt; p++) {
			struct bpf_link *link = *skel_prog(skel, p)->link;

			if (link && n < (int)(sizeof(fds) / sizeof(fds[0])))
				fds[n++] = bpf_link__fd(link);
		}
	}
	if (!n)
		return -1;
	err = link_reaper__start(fds, n, &release_fd);
	if (err) {
		pr_debug("cannot release the links in the background: %s", strerror(-err));
		return -1;
	}
	return release_fd;
}

void session__destroy(struct session *s)
{
	int release_fd;

	if (!s)
		return;
	release_btf(s);
	release_fd = hand_off_links(s);
	for (int i = s->nobjs - 1; i >= 0; i--) {
		bpf_object__destroy_skeleton(s->objs[i].skel);
		free(s->objs[i].outer);
	}
	/* This process holds no link any more: the holder may let them go. */
	if (release_fd >= 0)
		close(release_fd);
	ringbuf_reader__free(s->rb);
	if (s->lost)
		munmap((void *)s->lost, s->lost_bytes);
	if (s->ringbuf_fd >= 0)
		close(s->ringbuf_fd);
	if (s->lost_fd >= 0)
		close(s->lost_fd);
	if (s->submits_fd >= 0)
		close(s->submits_fd);
	if (s->cgroup_map_fd >= 0)
		close(s->cgroup_map_fd);
	if (s->cgroup_fd >= 0)
		close(s->cgroup_fd);
	container_filter__free(s->cfilter);
	if (s->containers)
		munmap(s->containers, sizeof(struct container_set));
	if (s->container_map_fd >= 0)
		close(s->container_map_fd);
	if (s->control)
		munmap(s->control, sysconf(_SC_PAGESIZE));
	if (s->control_fd >= 0)
		close(s->control_fd);
	if (s->followed_fd >= 0)
		close(s->followed_fd);
	free(s);
}
