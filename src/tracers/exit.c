// SPDX-License-Identifier: GPL-2.0
/* procsnoop exit: process (and with -T thread) exits, with the exec they end. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "lib/log.h"
#include "lib/names.h"
#include "lib/parse.h"
#include "tracers/tracer.h"
#include "exit.skel.h"

#define G_TIME 0x2u /* -t */

struct exit_opts {
	bool failed_only, threads, time;
};

static const struct argp_option exit_options[] = {
	{ "failed", 'x', NULL, 0, "Only error exits: a non-zero code, or killed by a signal", 1 },
	{ "threaded", 'T', NULL, 0, "Every thread's exit, not only the process's", 1 },
	{ "timestamp", 't', NULL, 0, "Include a time column (HH:MM:SS.us)", 1 },
	{ "cgroup", 'c', "PATH", 0, "Only processes in this cgroup v2 (as --cgroup)", 1 },
	{},
};

static error_t exit_parse(int key, char *arg, struct argp_state *state)
{
	struct tracer_input *in = state->input;
	struct exit_opts *o = in->opts;
	const char *why = "";

	switch (key) {
	case 'x':
		o->failed_only = true;
		break;
	case 'T':
		o->threads = true;
		break;
	case 't':
		o->time = true;
		break;
	case 'c':
		if (parse__cgroup(arg, &in->common->session.cgroup_path, &why))
			options__usage_error(state, "invalid cgroup '%s': %s", arg, why);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static uint32_t exit_groups(const void *opts)
{
	return ((const struct exit_opts *)opts)->time ? G_TIME : 0;
}

static int exit_open(struct session *s, const struct common_opts *common, const void *opts)
{
	const struct exit_opts *o = opts;
	struct exit_bpf *skel = exit_bpf__open();
	struct bpf_program *progs[2];
	bool gd;
	int err;

	if (!skel) {
		err = -errno;
		pr_err("cannot open the exit BPF object: %s", strerror(errno));
		return err;
	}
	skel->rodata->cfg = common->filter;
	session__fill_filter(s, (struct filter_config *)&skel->rodata->cfg);
	skel->rodata->failed_only = o->failed_only;
	skel->rodata->threads = o->threads;
	progs[0] = skel->progs.sched_process_exit;
	progs[1] = skel->progs.sched_process_exit_nogd;
	/* sched_process_exit passes group_dead since 6.16 (exit.bpf.c). */
	gd = session__features(s)->exit_group_dead;
	pr_debug("exit: the process's end %s",
		 gd ? "from the tracepoint's group_dead" : "from the count of live threads");
	features__pick(progs, 2, gd ? 0 : 1);
	return session__add(s, skel->skeleton, skel);
}

/* ---- fields ---- */

static const struct exit_event *ev_of(const void *ev, size_t size)
{
	return size >= sizeof(struct exit_event) ? ev : NULL;
}

static int killing_signal(uint32_t status)
{
	return status & 0x7f;
}

/* Table: "0", "3", "SIGKILL", "SIGSEGV (core dumped)". */
static void f_exit(const struct field *f, const struct field_ctx *c, struct value *v)
{
	const struct exit_event *e = ev_of(c->ev, c->size);
	const char *core;
	char name[32]; /* not scratch: value__printf writes there */
	int sig;

	if (!e)
		return;
	sig = killing_signal(e->status);
	if (!sig) {
		value__int(v, (e->status >> 8) & 0xff);
		return;
	}
	core = e->flags & EXIT_CORE_DUMPED ? " (core dumped)" : "";
	if (c->ro->numeric)
		value__printf(v, c, "%d%s", sig, core);
	else
		value__printf(v, c, "%s%s", signal__format(sig, name, sizeof(name)), core);
}

static void f_exit_code(const struct field *f, const struct field_ctx *c, struct value *v)
{
	const struct exit_event *e = ev_of(c->ev, c->size);

	if (!e || killing_signal(e->status))
		return;
	value__int(v, (e->status >> 8) & 0xff);
}

static void f_sig(const struct field *f, const struct field_ctx *c, struct value *v)
{
	const struct exit_event *e = ev_of(c->ev, c->size);

	if (!e || !killing_signal(e->status))
		return;
	value__text(v, signal__format(killing_signal(e->status), c->scratch, c->scratch_len));
}

static void f_signo(const struct field *f, const struct field_ctx *c, struct value *v)
{
	const struct exit_event *e = ev_of(c->ev, c->size);

	if (!e || !killing_signal(e->status))
		return;
	value__int(v, killing_signal(e->status));
}

static void f_flag(const struct exit_event *e, uint16_t bit, struct value *v)
{
	if (e)
		value__bool(v, e->flags & bit);
}

static void f_core(const struct field *f, const struct field_ctx *c, struct value *v)
{
	f_flag(ev_of(c->ev, c->size), EXIT_CORE_DUMPED, v);
}

static void f_thread(const struct field *f, const struct field_ctx *c, struct value *v)
{
	f_flag(ev_of(c->ev, c->size), EXIT_THREAD, v);
}

static void f_age(const struct field *f, const struct field_ctx *c, struct value *v)
{
	const struct exit_event *e = ev_of(c->ev, c->size);

	if (!e)
		return;
	value__printf(v, c, "%.2f", e->age_ns / 1e9);
}

static void f_filename(const struct field *f, const struct field_ctx *c, struct value *v)
{
	const struct exit_event *e = ev_of(c->ev, c->size);

	if (!e || !(e->flags & EXIT_EXEC_KNOWN))
		return;
	value__bytes(v, e->exec.filename,
		     strnlen(e->exec.filename, e->exec.filename_len < EXIT_FILENAME_MAX
						       ? e->exec.filename_len
						       : EXIT_FILENAME_MAX));
}

static bool args_cut(const struct exit_event *e)
{
	return e->exec.status & EXEC_REC_ARGS_TRUNCATED;
}

static void f_args(const struct field *f, const struct field_ctx *c, struct value *v)
{
	const struct exit_event *e = ev_of(c->ev, c->size);

	if (!e || !(e->flags & EXIT_EXEC_KNOWN))
		return;
	value__strlist(v, e->exec.args,
		       e->exec.args_len < EXIT_ARGS_MAX ? e->exec.args_len : EXIT_ARGS_MAX,
		       args_cut(e) ? VF_MORE : 0);
}

static void f_args_truncated(const struct field *f, const struct field_ctx *c, struct value *v)
{
	const struct exit_event *e = ev_of(c->ev, c->size);

	if (!e || !(e->flags & EXIT_EXEC_KNOWN))
		return;
	value__bool(v, args_cut(e));
}

static void f_argc(const struct field *f, const struct field_ctx *c, struct value *v)
{
	const struct exit_event *e = ev_of(c->ev, c->size);

	if (!e || !(e->flags & EXIT_EXEC_KNOWN))
		return;
	value__uint(v, e->exec.argc);
}

static const struct field exit_fields[] = {
	HDR_FIELD("time", "TIME", FK_TIME, ts_ns, 15, F_BOTH | F_LEFT, G_TIME),
	HDR_FIELD("ts_ns", "TS", FK_UINT, ts_ns, 0, F_JSON, G_BASE),
	HDR_FIELD("comm", "COMM", FK_STR, comm, 16, F_BOTH | F_LEFT, G_BASE),
	HDR_FIELD("pid", "PID", FK_UINT, pid, 7, F_BOTH, G_BASE),
	HDR_FIELD("ppid", "PPID", FK_UINT, ppid, 7, F_BOTH, G_BASE),
	HDR_FIELD("tid", "TID", FK_UINT, tid, 7, F_BOTH, G_BASE),
	HDR_FIELD("uid", "UID", FK_UINT, uid, 6, F_JSON, G_BASE),
	HDR_FIELD("cgroup_id", "CGROUP", FK_UINT, cgroup_id, 0, F_JSON, G_BASE),
	HDR_NS_FIELDS,
	HDR_LINEAGE_FIELDS,
	HDR_CONTAINER_FIELDS,
	EV_CUSTOM("age", "AGE(s)", f_age, 8, F_TABLE, G_BASE),
	EV_FIELD(struct exit_event, "age_ns", "AGE", FK_UINT, age_ns, 0, F_JSON, G_BASE),
	EV_CUSTOM("exit", "EXIT", f_exit, 22, F_TABLE | F_LEFT, G_BASE),
	EV_CUSTOM("exit_code", "CODE", f_exit_code, 0, F_JSON, G_BASE),
	EV_CUSTOM("sig", "SIG", f_sig, 0, F_JSON | F_LABEL, G_BASE),
	EV_CUSTOM("signo", "SIGNO", f_signo, 0, F_JSON, G_BASE),
	EV_CUSTOM("core_dumped", "CORE", f_core, 0, F_JSON, G_BASE),
	EV_FIELD(struct exit_event, "status", "STATUS", FK_HEX, status, 0, F_JSON, G_BASE),
	EV_CUSTOM("thread", "THREAD", f_thread, 0, F_JSON, G_BASE),
	EV_CUSTOM("filename", "FILENAME", f_filename, 0, F_JSON, G_BASE),
	EV_CUSTOM("argc", "ARGC", f_argc, 0, F_JSON, G_BASE),
	EV_CUSTOM("args_truncated", "TRUNC", f_args_truncated, 0, F_JSON, G_BASE),
	EV_CUSTOM("args", "ARGS", f_args, 0, F_BOTH | F_LEFT, G_BASE),
};

static const struct schema exit_schema = {
	.name = "exit",
	.type = EVENT_EXIT,
	.fields = exit_fields,
	.nfields = sizeof(exit_fields) / sizeof(exit_fields[0]),
};

const struct tracer exit_tracer = {
	.name = "exit",
	.summary = "process exits: code or signal, core dump, age, what ran",
	.doc = "Trace process exits: the exit code, or the signal that killed the process "
	       "and whether it dumped core, its age, and the filename and arguments of "
	       "the exec it ends.\v"
	       "The arguments are those of the process's last exec seen since procsnoop "
	       "started (at most 256 bytes of filename and 1 KiB of arguments, cut lists "
	       "marked); a process that exec'd before has none. With -T every thread's "
	       "exit appears, marked \"thread\": true unless it ends the process.",
	.options = exit_options,
	.parse = exit_parse,
	.opts_size = sizeof(struct exit_opts),
	.schema = &exit_schema,
	.table_groups = exit_groups,
	.open = exit_open,
};
