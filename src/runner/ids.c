// SPDX-License-Identifier: GPL-2.0
/*
 * Which task wrote a program's record: the cgroup id the prelude (prelude.c)
 * puts on each record, which becomes the container fields of `run`'s JSON
 * events (lib/containers.h).  The cgroup helper exists only for programs
 * that run in a task's context, so the prelude's switch is set for an
 * object whose programs are all of those kinds; a tc or XDP program makes
 * the whole object go without.
 */
#include <stdint.h>
#include <string.h>
#include "runner/runner.h"

static bool task_context(enum bpf_prog_type t)
{
	switch (t) {
	case BPF_PROG_TYPE_KPROBE:
	case BPF_PROG_TYPE_TRACEPOINT:
	case BPF_PROG_TYPE_RAW_TRACEPOINT:
	case BPF_PROG_TYPE_RAW_TRACEPOINT_WRITABLE:
	case BPF_PROG_TYPE_PERF_EVENT:
	case BPF_PROG_TYPE_TRACING:
	case BPF_PROG_TYPE_LSM:
		return true;
	default:
		return false;
	}
}

bool ids__enable(struct bpf_object *obj)
{
	struct bpf_program *prog;
	struct bpf_map *map;
	unsigned char *v = NULL;
	size_t size = 0;

	bpf_object__for_each_program(prog, obj)
		if (!task_context(bpf_program__type(prog)))
			return false;
	bpf_object__for_each_map(map, obj) {
		const char *name = bpf_map__name(map);
		size_t n = strlen(name), k = strlen(RUN_IDS_SECTION);

		/* libbpf names it for the section, after the object's name or not. */
		if (bpf_map__is_internal(map) && n >= k && !strcmp(name + n - k, RUN_IDS_SECTION)) {
			/* libbpf's image before the load, writable as flags.c writes it */
			v = (unsigned char *)bpf_map__initial_value(map, &size);
			break;
		}
	}
	/* The section holds the switch alone: one byte. */
	if (!v || size < 1)
		return false;
	v[0] = 1;
	return true;
}

uint64_t ids__take(const void **data, size_t *size, bool perf)
{
	const unsigned char *p = *data;
	uint64_t t[2];

	if (*size < sizeof(t))
		return 0;
	if (perf) {
		memcpy(t, p, sizeof(t));
		if (t[0] != RUN_IDS_MAGIC)
			return 0;
		*data = p + sizeof(t);
		*size -= sizeof(t);
		return t[1];
	}
	memcpy(t, p + *size - sizeof(t), sizeof(t));
	if (t[1] != RUN_IDS_MAGIC)
		return 0;
	*size -= sizeof(t);
	return t[0];
}
