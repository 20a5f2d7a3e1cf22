// SPDX-License-Identifier: GPL-2.0
/* procsnoop open: open, openat, openat2 and creat, with the path the kernel resolved. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lib/log.h"
#include "lib/names.h"
#include "lib/parse.h"
#include "lib/strbuf.h"
#include "tracers/tracer.h"
#include "tracers/open.h"
#include "open.skel.h"


static const struct argp_option open_options[] = {
	{ NULL, 't', "TID", 0, "Only events of this thread (as --tid)", 1 },
	{ "failed", 'x', NULL, 0, "Only failed opens", 1 },
	{ "name", 'n', "NAME", 0, "Only command names containing NAME", 1 },
	{ NULL, 'c', "COMM", 0, "Only this command name, exactly (as --comm)", 1 },
	{ "write", OPEN_OPT_WRITE, NULL, 0,
	  "Only opens for writing or creating (O_WRONLY, O_RDWR, O_CREAT, O_TRUNC, O_TMPFILE)", 1 },
	{ "prefix", OPEN_OPT_PREFIX, "PATH", 0,
	  "Only paths that start with PATH (with --full-path, the full path)", 1 },
	{ "full-path", 'F', NULL, 0,
	  "Resolve relative paths in the kernel, against the cwd or the dirfd passed", 1 },
	{ NULL, 0, NULL, 0, "Table columns (JSON has every field):", 2 },
	{ "timestamp", 'T', NULL, 0, "Show the time", 2 },
	{ "print-uid", 'U', NULL, 0, "Show the user id", 2 },
	{ "extended-fields", 'e', NULL, 0, "Show the syscall, flags, mode and resolve flags", 2 },
	{},
};

static error_t open_parse(int key, char *arg, struct argp_state *state)
{
	struct tracer_input *in = state->input;
	struct open_opts *o = in->opts;
	const char *why = "";
	int err;

	if (key == ARGP_KEY_END) {
		if (open_opts__check(o, &why))
			options__usage_error(state, "%s", why);
		return 0;
	}
	err = open_opts__parse(key, arg, o, &in->common->filter, &why);
	if (err == -ENOENT)
		return ARGP_ERR_UNKNOWN;
	if (err) {
		const char *what = key == 't' ? "TID" : key == 'n' ? "name" :
				   key == 'c' ? "command name" : "prefix";

		options__usage_error(state, "invalid %s '%s': %s", what, arg, why);
	}
	return 0;
}

/*
 * The programs of one syscall in the variant this kernel runs (open.bpf.c):
 * the direct exit alone, or the entry and the compat exit.
 * open and creat exist on x86 but not on arm64: leave out what this kernel lacks.
 */
static void pick(const struct kernel_features *kf, const char *name, struct bpf_program *enter,
		 struct bpf_program *exit_direct, struct bpf_program *exit_compat)
{
	struct bpf_program *exits[] = { exit_direct, exit_compat };
	bool direct = kf->loop && kf->rdonly_cast && kf->task_btf && kf->task_pt_regs;
	char path[256];

	features__pick(exits, 2, direct ? 0 : 1);
	bpf_program__set_autoload(enter, !direct);
	pr_debug("%s: %s", name,
		 direct ? "the exit alone, full-path walk with bpf_loop and direct loads"
			: "entry and exit, full-path walk bounded to 64 components");
	snprintf(path, sizeof(path), "%s/events/syscalls/sys_enter_%s", tracefs__path(), name);
	if (access(path, F_OK) == 0)
		return;
	pr_debug("no syscall %s here", name);
	bpf_program__set_autoload(enter, false);
	features__pick(exits, 2, -1);
}

static int open_open(struct session *s, const struct common_opts *common, const void *opts)
{
	const struct open_opts *o = opts;
	struct open_bpf *skel = open_bpf__open();
	const struct kernel_features *kf;
	int err;

	if (!skel) {
		err = -errno;
		pr_err("cannot open the open BPF object: %s", strerror(errno));
		return err;
	}
	skel->rodata->cfg = common->filter;
	session__fill_filter(s, (struct filter_config *)&skel->rodata->cfg);
	skel->rodata->failed_only = o->failed_only;
	skel->rodata->write_only = o->write_only;
	skel->rodata->full_path = o->full_path;
	skel->rodata->name_len = o->name_len;
	memcpy((char *)skel->rodata->name, o->name, sizeof(o->name));
	skel->rodata->prefix_len = o->prefix_len;
	memcpy((char *)skel->rodata->prefix, o->prefix, sizeof(o->prefix));
	kf = session__features(s);
	pick(kf, "open", skel->progs.open_enter, skel->progs.open_exit, skel->progs.open_exit_compat);
	pick(kf, "openat", skel->progs.openat_enter, skel->progs.openat_exit,
	     skel->progs.openat_exit_compat);
	pick(kf, "creat", skel->progs.creat_enter, skel->progs.creat_exit,
	     skel->progs.creat_exit_compat);
	pick(kf, "openat2", skel->progs.openat2_enter, skel->progs.openat2_exit,
	     skel->progs.openat2_exit_compat);
	err = features__adapt_thread_map(kf, skel->maps.inflight);
	if (err) {
		pr_err("cannot set up the open thread map: %s", strerror(-err));
		open_bpf__destroy(skel);
		return err;
	}
	return session__add(s, skel->skeleton, skel);
}


const struct tracer open_tracer = {
	.name = "open",
	.summary = "files opened by open, openat, openat2 and creat",
	.doc = "Trace file opens: who opens which path, with which flags, and the result.\v"
	       "FD is the new descriptor, ERR the error of a failed open. With --full-path "
	       "the kernel resolves a relative path against the thread's working directory, "
	       "or the directory descriptor it passed, for failed opens too. A path cut at "
	       "PATH_MAX ends in \\... in the table; JSON names it in \"truncated\".",
	.options = open_options,
	.parse = open_parse,
	.opts_size = sizeof(struct open_opts),
	.schema = &open_schema,
	.table_groups = open_opts__table_groups,
	.open = open_open,
};
