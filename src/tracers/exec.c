// SPDX-License-Identifier: GPL-2.0
/* procsnoop exec: execve and execveat, with their full argument lists. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "lib/log.h"
#include "lib/names.h"
#include "lib/parse.h"
#include "lib/strlist.h"
#include "tracers/tracer.h"
#include "exec.skel.h"

#define G_TIME 0x2u /* -T */
#define G_TS 0x4u   /* -t */
#define G_UID 0x8u  /* -U */

#define AT_FDCWD_ -100

/* What exec's formatters read (field_ctx.settings). */
struct exec_render {
	uint32_t max_args; /* arguments shown (the kernel copies no more) */
	bool quote; /* the table quotes each argument */
	uint64_t start_ns; /* TIME(s) counts from here: procsnoop's start */
};

struct exec_opts {
	bool include_failed, failed_only;
	bool time, timestamp, uid_column;
	char name[COMM_LEN];
	char line[256];
	struct exec_render render;
};

static const struct exec_render render_defaults = { .max_args = EXEC_MAXARGS_DEFAULT };

enum { OPT_MAX_ARGS = 0x300, OPT_FAILED };

static const struct argp_option exec_options[] = {
	{ "fails", 'x', NULL, 0, "Include failed execs (ENOENT, EACCES, ENOEXEC...)", 1 },
	{ "failed", OPT_FAILED, NULL, 0, "Only failed execs", 1 },
	{ "time", 'T', NULL, 0, "Include a time column (HH:MM:SS.us)", 1 },
	{ "timestamp", 't', NULL, 0, "Include seconds since procsnoop started", 1 },
	{ "print-uid", 'U', NULL, 0, "Include a UID column", 1 },
	{ "quote", 'q', NULL, 0, "Quote each argument (\"a b\" \"c\\\"d\")", 1 },
	{ "name", 'n', "NAME", 0, "Only commands whose name (after the exec) contains NAME", 1 },
	{ "line", 'l', "LINE", 0, "Only execs with an argument that contains LINE", 1 },
	{ "cgroup", 'c', "PATH", 0, "Only processes in this cgroup v2 (as --cgroup)", 1 },
	{ "max-args", OPT_MAX_ARGS, "N", 0,
	  "Show at most N arguments (default 128, at most 1024); more are marked", 1 },
	{},
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static error_t exec_parse(int key, char *arg, struct argp_state *state)
{
	struct tracer_input *in = state->input;
	struct exec_opts *o = in->opts;
	const char *why = "";
	unsigned long n;
	char *end;

	switch (key) {
	case ARGP_KEY_INIT:
		o->render.max_args = EXEC_MAXARGS_DEFAULT;
		o->render.start_ns = mono_ns();
		break;
	case 'x':
		o->include_failed = true;
		break;
	case OPT_FAILED:
		o->include_failed = o->failed_only = true;
		break;
	case 'T':
		o->time = true;
		break;
	case 't':
		o->timestamp = true;
		break;
	case 'U':
		o->uid_column = true;
		break;
	case 'q':
		o->render.quote = true;
		break;
	case 'n':
		if (!arg[0] || strlen(arg) >= sizeof(o->name))
			options__usage_error(state, "invalid name '%s': 1 to %zu characters", arg,
					     sizeof(o->name) - 1);
		strcpy(o->name, arg);
		break;
	case 'l':
		if (!arg[0] || strlen(arg) >= sizeof(o->line))
			options__usage_error(state, "invalid line '%s': 1 to %zu characters", arg,
					     sizeof(o->line) - 1);
		strcpy(o->line, arg);
		break;
	case 'c':
		if (parse__cgroup(arg, &in->common->session.cgroup_path, &why))
			options__usage_error(state, "invalid cgroup '%s': %s", arg, why);
		break;
	case OPT_MAX_ARGS:
		errno = 0;
		n = strtoul(arg, &end, 10);
		if (arg[0] < '0' || arg[0] > '9' || *end || errno || n < 1 ||
		    n > EXEC_MAXARGS_LIMIT)
			options__usage_error(state, "invalid max args '%s': a number from 1 to %d",
					     arg, EXEC_MAXARGS_LIMIT);
		o->render.max_args = n;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static uint32_t exec_groups(const void *opts)
{
	const struct exec_opts *o = opts;

	return (o->time ? G_TIME : 0) | (o->timestamp ? G_TS : 0) | (o->uid_column ? G_UID : 0);
}

/* The variant of exec.bpf.c this kernel runs: V_KFUNC (6.17), V_LOOP (5.17) or V_BOUNDED. */
static int pick_variant(struct session *s, struct exec_bpf *skel)
{
	const struct kernel_features *kf = session__features(s);
	int v = !kf->loop ? 2 : kf->str_kfuncs ? 0 : 1;
	struct bpf_program *on_exec[] = { skel->progs.sched_process_exec,
					  skel->progs.sched_process_exec_loop,
					  skel->progs.sched_process_exec_bounded };
	struct bpf_program *execve[] = { skel->progs.execve_exit, skel->progs.execve_exit_loop,
					 skel->progs.execve_exit_bounded };
	struct bpf_program *execveat[] = { skel->progs.execveat_exit,
					   skel->progs.execveat_exit_loop,
					   skel->progs.execveat_exit_bounded };

	pr_debug("exec: %s loops, -n/-l matched in %s", kf->loop ? "bpf_loop" : "bounded",
		 v == 0 ? "the kernel" : "user space");
	features__pick(on_exec, 3, v);
	features__pick(execve, 3, v);
	features__pick(execveat, 3, v);
	return features__adapt_thread_map(kf, skel->maps.inflight);
}

static int exec_open(struct session *s, const struct common_opts *common, const void *opts)
{
	const struct exec_opts *o = opts;
	struct exec_bpf *skel = exec_bpf__open();
	int err, ncpus;

	if (!skel) {
		err = -errno;
		pr_err("cannot open the exec BPF object: %s", strerror(errno));
		return err;
	}
	ncpus = libbpf_num_possible_cpus();
	if (ncpus < 0 || (err = bpf_map__set_max_entries(skel->maps.scratch, ncpus))) {
		err = ncpus < 0 ? ncpus : err;
		pr_err("cannot size the exec scratch buffers: %s", strerror(-err));
		exec_bpf__destroy(skel);
		return err;
	}
	skel->rodata->cfg = common->filter;
	session__fill_filter(s, (struct filter_config *)&skel->rodata->cfg);
	skel->rodata->include_failed = o->include_failed;
	skel->rodata->failed_only = o->failed_only;
	skel->rodata->max_args = o->render.max_args;
	memcpy((char *)skel->rodata->name_sub, o->name, sizeof(o->name));
	memcpy((char *)skel->rodata->line_sub, o->line, sizeof(o->line));
	err = pick_variant(s, skel);
	if (err) {
		exec_bpf__destroy(skel);
		return err;
	}
	return session__add(s, skel->skeleton, skel);
}

/* ---- fields ---- */

static const struct exec_event *ev_of(const void *ev, size_t size)
{
	return size >= offsetof(struct exec_event, data) ? ev : NULL;
}

/* Does s (at most n bytes, or up to its NUL) contain sub? */
static bool strnstr_(const char *s, size_t n, const char *sub)
{
	return memmem(s, strnlen(s, n), sub, strlen(sub)) != NULL;
}

/* The bytes of data that exist in this record, from off. */
static size_t avail(const struct exec_event *e, size_t size, size_t off)
{
	size_t base = offsetof(struct exec_event, data);

	return size > base + off ? size - base - off : 0;
}

static size_t bounded(const struct exec_event *e, size_t size, size_t off, size_t len)
{
	size_t a = avail(e, size, off);

	return len < a ? len : a;
}

static void f_filename(const struct field *f, const struct field_ctx *c, struct value *v)
{
	const struct exec_event *e = ev_of(c->ev, c->size);

	if (!e || e->status & EXEC_FILENAME_FAULT)
		return;
	value__bytes(v, e->data, bounded(e, c->size, 0, e->filename_len));
}

static void f_path(const struct field *f, const struct field_ctx *c, struct value *v)
{
	const struct exec_event *e = ev_of(c->ev, c->size);
	size_t off;

	if (!e || !(e->status & EXEC_PATH_SET))
		return;
	off = (size_t)e->filename_len + 1 + e->args_len;
	value__bytes(v, e->data + off, bounded(e, c->size, off, e->path_len));
}

/* The arguments shown: at most max_args; *more when any were cut. */
static size_t args_shown(const struct exec_event *e, const struct field_ctx *c, bool *more,
			 size_t *count)
{
	const struct exec_render *r = c->settings;
	size_t off = (size_t)e->filename_len + 1;
	size_t len = bounded(e, c->size, off, e->args_len), shown;

	shown = strlist__prefix(e->data + off, len, r->max_args);
	*count = strlist__count(e->data + off, shown);
	*more = shown < len || (e->status & (EXEC_ARGS_TRUNCATED | EXEC_ARGS_FAULT)) ||
		((e->status & EXEC_ARGC_KNOWN) && e->argc > *count);
	return shown;
}

static void f_args(const struct field *f, const struct field_ctx *c, struct value *v)
{
	const struct exec_event *e = ev_of(c->ev, c->size);
	const struct exec_render *r = c->settings;
	size_t count, len;
	bool more;

	if (!e)
		return;
	len = args_shown(e, c, &more, &count);
	value__strlist(v, e->data + e->filename_len + 1, len,
		       (more ? VF_MORE : 0) | (r->quote && !c->json ? VF_QUOTE : 0));
}

static void f_args_truncated(const struct field *f, const struct field_ctx *c, struct value *v)
{
	const struct exec_event *e = ev_of(c->ev, c->size);
	size_t count;
	bool more;

	if (!e)
		return;
	args_shown(e, c, &more, &count);
	value__bool(v, more);
}

static void f_argc(const struct field *f, const struct field_ctx *c, struct value *v)
{
	const struct exec_event *e = ev_of(c->ev, c->size);

	if (!e || !(e->status & EXEC_ARGC_KNOWN))
		return;
	value__uint(v, e->argc);
}

static void f_dirfd(const struct field *f, const struct field_ctx *c, struct value *v)
{
	const struct exec_event *e = ev_of(c->ev, c->size);

	if (!e || e->syscall != EXEC_SYS_EXECVEAT)
		return;
	if (e->dirfd == AT_FDCWD_)
		value__text(v, "AT_FDCWD");
	else
		value__int(v, e->dirfd);
}

static const struct {
	uint32_t bit;
	const char *name;
} at_flag_names[] = {
	{ 0x100, "AT_SYMLINK_NOFOLLOW" },
	{ 0x1000, "AT_EMPTY_PATH" },
	{ 0x10000, "AT_EXECVE_CHECK" },
};

static void f_at_flags(const struct field *f, const struct field_ctx *c, struct value *v)
{
	const struct exec_event *e = ev_of(c->ev, c->size);
	char *scratch = c->scratch;
	size_t scratch_len = c->scratch_len;
	uint32_t rest;
	size_t off = 0;

	if (!e || e->syscall != EXEC_SYS_EXECVEAT)
		return;
	rest = e->at_flags;
	scratch[0] = 0;
	for (size_t i = 0; i < sizeof(at_flag_names) / sizeof(at_flag_names[0]); i++) {
		if (!(rest & at_flag_names[i].bit))
			continue;
		rest &= ~at_flag_names[i].bit;
		off += snprintf(scratch + off, scratch_len - off, "%s%s", off ? "|" : "",
				at_flag_names[i].name);
	}
	if (rest)
		snprintf(scratch + off, scratch_len - off, "%s0x%x", off ? "|" : "", rest);
	else if (!off)
		snprintf(scratch, scratch_len, "0");
	value__text(v, scratch);
}

static void f_elapsed(const struct field *f, const struct field_ctx *c, struct value *v)
{
	const struct event_header *h = c->ev;
	const struct exec_render *r = c->settings;
	int64_t d = (int64_t)(h->ts_ns - r->start_ns);

	value__printf(v, c, "%.3f", d / 1e9);
}

static const char *const syscall_names[EXEC_SYS_MAX] = {
	[EXEC_SYS_EXECVE] = "execve",
	[EXEC_SYS_EXECVEAT] = "execveat",
};

#define EXEC_FIELD(k, h, kind, m, w, fl, g) EV_FIELD(struct exec_event, k, h, kind, m, w, fl, g)

static const struct field exec_fields[] = {
	HDR_FIELD("time", "TIME", FK_TIME, ts_ns, 15, F_BOTH | F_LEFT, G_TIME),
	EV_CUSTOM("elapsed", "TIME(s)", f_elapsed, 8, F_TABLE | F_LEFT | F_TIME, G_TS),
	HDR_FIELD("ts_ns", "TS", FK_UINT, ts_ns, 0, F_JSON, G_BASE),
	HDR_FIELD("uid", "UID", FK_UINT, uid, 6, F_BOTH | F_LEFT, G_UID),
	HDR_FIELD("comm", "COMM", FK_STR, comm, 16, F_BOTH | F_LEFT, G_BASE),
	HDR_FIELD("pid", "PID", FK_UINT, pid, 7, F_BOTH, G_BASE),
	HDR_FIELD("tid", "TID", FK_UINT, tid, 7, F_JSON, G_BASE),
	HDR_FIELD("ppid", "PPID", FK_UINT, ppid, 7, F_BOTH, G_BASE),
	HDR_FIELD("cgroup_id", "CGROUP", FK_UINT, cgroup_id, 0, F_JSON, G_BASE),
	HDR_NS_FIELDS,
	HDR_LINEAGE_FIELDS,
	HDR_CONTAINER_FIELDS,
	EXEC_FIELD("old_comm", "OLDCOMM", FK_STR, old_comm, 16, F_JSON, G_BASE),
	EV_ENUM(struct exec_event, "syscall", "SYSCALL", syscall, 8, F_JSON | F_LABEL, G_BASE,
		syscall_names),
	EXEC_FIELD("ret", "RET", FK_RET, ret, 7, F_BOTH | F_LEFT, G_BASE),
	EXEC_FIELD("error", "ERROR", FK_ERRNO, ret, 0, F_JSON | F_LABEL, G_BASE),
	EV_CUSTOM("filename", "FILENAME", f_filename, 0, F_JSON, G_BASE),
	EV_CUSTOM("dirfd", "DIRFD", f_dirfd, 0, F_JSON, G_BASE),
	EV_CUSTOM("flags", "FLAGS", f_at_flags, 0, F_JSON, G_BASE),
	EV_CUSTOM("path", "PATH", f_path, 0, F_JSON, G_BASE),
	EV_CUSTOM("argc", "ARGC", f_argc, 0, F_JSON, G_BASE),
	EV_CUSTOM("args_truncated", "TRUNC", f_args_truncated, 0, F_JSON, G_BASE),
	EV_CUSTOM("args", "ARGS", f_args, 0, F_BOTH | F_LEFT, G_BASE),
};

static const struct schema exec_schema = {
	.name = "exec",
	.type = EVENT_EXEC,
	.fields = exec_fields,
	.nfields = sizeof(exec_fields) / sizeof(exec_fields[0]),
	.settings = &render_defaults, /* a run's: exec_settings */
};

/* What -m, -q and -t change in the formatters, for this run's copy of the schema. */
static const void *exec_settings(const void *opts)
{
	return &((const struct exec_opts *)opts)->render;
}

/*
 * -n and -l: the kernel matches them where it has the string kfuncs; the
 * other variants send every exec and this applies the same rules: the
 * command name (after the exec) contains name, an argument contains line.
 */
static bool exec_accept(const void *opts, const void *ev, size_t size)
{
	const struct exec_opts *o = opts;
	const struct exec_event *e = ev_of(ev, size);
	size_t off, len, linelen = strlen(o->line);
	const char *a;

	if (!e)
		return true;
	if (o->name[0] && !strnstr_(e->h.comm, sizeof(e->h.comm), o->name))
		return false;
	if (!linelen)
		return true;
	off = (size_t)e->filename_len + 1;
	len = bounded(e, size, off, e->args_len);
	for (a = e->data + off; a < e->data + off + len;) {
		size_t n = strnlen(a, e->data + off + len - a);

		if (memmem(a, n, o->line, linelen))
			return true;
		a += n + 1;
	}
	return false;
}

const struct tracer exec_tracer = {
	.name = "exec",
	.summary = "execve and execveat: filename, arguments, result",
	.doc = "Trace execs: who runs what, with which arguments, and with what result.\v"
	       "As with execsnoop, failed execs (ENOENT, EACCES, ENOEXEC...) appear with -x. "
	       "Arguments are bounded: at most "
	       "--max-args of them and 32 KiB of argument bytes; a cut list ends with "
	       "\" ...\" in the table and has \"args_truncated\": true in JSON. For "
	       "execveat with a directory fd or AT_EMPTY_PATH, \"path\" is the executable's "
	       "path.",
	.options = exec_options,
	.parse = exec_parse,
	.opts_size = sizeof(struct exec_opts),
	.schema = &exec_schema,
	.table_groups = exec_groups,
	.settings = exec_settings,
	.open = exec_open,
	.accept = exec_accept,
};
