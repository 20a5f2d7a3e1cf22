// SPDX-License-Identifier: GPL-2.0
/* The kernel features read from BTF agree with libbpf's own reading of the same BTF. */
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>
#include "events.h"
#include "lib/features.h"
#include "unit.h"

static int tp_params(const struct btf *btf, const char *typedef_name)
{
	int id = btf__find_by_name_kind(btf, typedef_name, BTF_KIND_TYPEDEF);
	const struct btf_type *t;

	if (id <= 0)
		return -1;
	t = btf__type_by_id(btf, btf__type_by_id(btf, id)->type); /* the pointer */
	t = btf__type_by_id(btf, t->type); /* the prototype */
	return btf_vlen(t) - 1;
}

TEST(features_from_btf_match_libbpf)
{
	struct btf *btf = btf__parse_raw("/sys/kernel/btf/vmlinux");
	struct kernel_features f;
	char text[256];

	CHECK(btf != NULL);
	if (!btf)
		return;
	CHECK_INT(features__probe(&f), 0);
	CHECK(f.btf);
	CHECK(f.release[0] != 0);
	CHECK_INT(f.rdonly_cast, btf__find_by_name_kind(btf, "bpf_rdonly_cast", BTF_KIND_FUNC) > 0);
	CHECK_INT(f.str_kfuncs, btf__find_by_name_kind(btf, "bpf_strnstr", BTF_KIND_FUNC) > 0 &&
					btf__find_by_name_kind(btf, "bpf_strnlen", BTF_KIND_FUNC) > 0);
	CHECK_INT(f.exit_group_dead, tp_params(btf, "btf_trace_sched_process_exit") >= 2);
	/* A tracepoint's typedef is found: sched_process_exec passes (p, old_pid, bprm). */
	CHECK_INT(tp_params(btf, "btf_trace_sched_process_exec"), 3);
	features__describe(&f, text, sizeof(text));
	CHECK(strncmp(text, "btf", 3) == 0);
	btf__free(btf);
}

TEST(features_switched_off_by_name)
{
	struct kernel_features f;
	char text[256];

	setenv("PROCSNOOP_FEATURES_OFF", "bpf_loop,task_btf", 1);
	CHECK_INT(features__probe(&f), 0);
	unsetenv("PROCSNOOP_FEATURES_OFF");
	CHECK(!f.loop);
	CHECK(!f.task_btf);
	CHECK(!f.task_storage); /* reached through the BTF task pointer */
	CHECK(!f.task_pt_regs); /* likewise */
	CHECK_INT(features__kcaps(&f), (f.ancestor_cgroup ? KCAP_ANCESTOR_CGROUP : 0) |
					       (f.rdonly_cast ? KCAP_RDONLY_CAST : 0));
	features__describe(&f, text, sizeof(text));
	CHECK(strstr(text, "bpf_loop") == NULL);
	CHECK(strstr(text, "task_btf") == NULL);
	setenv("PROCSNOOP_FEATURES_OFF", "all", 1);
	CHECK_INT(features__probe(&f), 0);
	unsetenv("PROCSNOOP_FEATURES_OFF");
	CHECK(!f.rdonly_cast && !f.str_kfuncs && !f.exit_group_dead && !f.loop);
	CHECK(!f.ancestor_cgroup);
	CHECK(f.btf);
}
