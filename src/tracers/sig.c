// SPDX-License-Identifier: GPL-2.0
/* procsnoop sig: signals sent by syscalls and raised by the kernel. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include "lib/log.h"
#include "lib/names.h"
#include "lib/parse.h"
#include "tracers/tracer.h"
#include "sig.skel.h"

struct sig_opts {
	bool sig_filter;
	uint64_t sig_mask[2];
	bool target_set;
	int32_t target_pid;
	bool failed_only;
	uint32_t source_mode;
};

enum { OPT_TARGET = 0x200, OPT_SOURCE };

static const struct argp_option sig_options[] = {
	{ "signal", 's', "SIGNAL", 0,
	  "Only this signal: TERM, SIGTERM, 15, RTMIN+2 (repeatable, or comma-separated)", 1 },
	{ "target", OPT_TARGET, "PID", 0, "Only signals sent to this process or thread", 1 },
	{ "failed", 'x', NULL, 0, "Only failed sends (and kernel signals not delivered)", 1 },
	{ "kill", 'k', NULL, 0, "Only signals sent by syscalls (same as --source syscall)", 1 },
	{ "source", OPT_SOURCE, "WHICH", 0, "syscall, kernel or all (default)", 1 },
	{ "comm-exact", 'c', "COMM", OPTION_HIDDEN, NULL, 1 },
	{ "name", 'n', NULL, OPTION_HIDDEN, NULL, 1 },
	{},
};

static void add_signals(struct argp_state *state, struct sig_opts *o, char *arg)
{
	char *save = NULL, *tok;
	char *copy = strdup(arg);

	if (!copy)
		options__usage_error(state, "out of memory");
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int sig = signal__parse(tok);

		if (sig < 0)
			options__usage_error(state, "unknown signal '%s'", tok);
		o->sig_mask[sig / 64] |= 1ull << (sig % 64);
	}
	o->sig_filter = true;
	free(copy);
}

static error_t sig_parse(int key, char *arg, struct argp_state *state)
{
	struct tracer_input *in = state->input;
	struct sig_opts *o = in->opts;
	const char *why = "";
	uint32_t pid;

	switch (key) {
	case ARGP_KEY_INIT:
		o->source_mode = SIG_MODE_SYSCALL | SIG_MODE_KERNEL;
		break;
	case 's':
		add_signals(state, o, arg);
		break;
	case OPT_TARGET:
		if (parse__pid(arg, &pid, &why))
			options__usage_error(state, "invalid target PID '%s': %s", arg, why);
		o->target_set = true;
		o->target_pid = pid;
		break;
	case 'x':
		o->failed_only = true;
		break;
	case 'k':
		o->source_mode = SIG_MODE_SYSCALL;
		break;
	case OPT_SOURCE:
		if (strcmp(arg, "syscall") == 0)
			o->source_mode = SIG_MODE_SYSCALL;
		else if (strcmp(arg, "kernel") == 0)
			o->source_mode = SIG_MODE_KERNEL;
		else if (strcmp(arg, "all") == 0)
			o->source_mode = SIG_MODE_SYSCALL | SIG_MODE_KERNEL;
		else
			options__usage_error(state, "invalid source '%s': syscall, kernel or all",
					     arg);
		break;
	case 'c':
		/* sigsnoop's -c COMM */
		if (parse__comm(arg, in->common->filter.comm, &why))
			options__usage_error(state, "invalid command name '%s': %s", arg, why);
		in->common->filter.comm_set = 1;
		break;
	case 'n':
		/* sigsnoop's --name: names are the default here. */
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424 /* the same on every architecture */
#endif

/*
 * The direct variant (sig.bpf.c) where the kernel hands BPF a task's
 * registers and keeps task storage, on the architectures whose syscall
 * number sig.bpf.c reads; else the entries and the compat exits.
 */
static void pick_variant(struct sig_bpf *skel, const struct kernel_features *kf)
{
#if defined(__x86_64__) || defined(__aarch64__)
	bool direct = kf->task_btf && kf->task_storage && kf->task_pt_regs;
#else
	bool direct = false;
#endif
	struct bpf_program *pairs[][2] = {
		{ skel->progs.kill_exit, skel->progs.kill_exit_compat },
		{ skel->progs.tkill_exit, skel->progs.tkill_exit_compat },
		{ skel->progs.tgkill_exit, skel->progs.tgkill_exit_compat },
		{ skel->progs.rt_sigqueueinfo_exit, skel->progs.rt_sigqueueinfo_exit_compat },
		{ skel->progs.rt_tgsigqueueinfo_exit, skel->progs.rt_tgsigqueueinfo_exit_compat },
		{ skel->progs.pidfd_send_signal_exit, skel->progs.pidfd_send_signal_exit_compat },
		{ skel->progs.signal_generate, skel->progs.signal_generate_compat },
	};
	struct bpf_program *enters[] = {
		skel->progs.kill_enter,
		skel->progs.tkill_enter,
		skel->progs.tgkill_enter,
		skel->progs.rt_sigqueueinfo_enter,
		skel->progs.rt_tgsigqueueinfo_enter,
		skel->progs.pidfd_send_signal_enter,
	};
	const long nr[SIG_SRC_MAX] = {
		[SIG_SRC_KERNEL] = -1,
		[SIG_SRC_KILL] = SYS_kill,
		[SIG_SRC_TKILL] = SYS_tkill,
		[SIG_SRC_TGKILL] = SYS_tgkill,
		[SIG_SRC_RT_SIGQUEUEINFO] = SYS_rt_sigqueueinfo,
		[SIG_SRC_RT_TGSIGQUEUEINFO] = SYS_rt_tgsigqueueinfo,
		[SIG_SRC_PIDFD_SEND_SIGNAL] = SYS_pidfd_send_signal,
	};

	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		features__pick(pairs[i], 2, direct ? 0 : 1);
	for (size_t i = 0; i < sizeof(enters) / sizeof(enters[0]); i++)
		bpf_program__set_autoload(enters[i], !direct);
	for (int i = 0; i < SIG_SRC_MAX; i++)
		skel->rodata->syscall_nr[i] = nr[i];
	pr_debug("sig: %s", direct ? "the exits alone, arguments from the registers"
				   : "entries and exits");
}

static int sig_open(struct session *s, const struct common_opts *common, const void *opts)
{
	const struct sig_opts *o = opts;
	struct sig_bpf *skel = sig_bpf__open();
	int err;

	if (!skel) {
		err = -errno;
		pr_err("cannot open the sig BPF object: %s", strerror(errno));
		return err;
	}
	skel->rodata->cfg = common->filter;
	session__fill_filter(s, (struct filter_config *)&skel->rodata->cfg);
	skel->rodata->sig_filter = o->sig_filter;
	skel->rodata->sig_mask[0] = o->sig_mask[0];
	skel->rodata->sig_mask[1] = o->sig_mask[1];
	skel->rodata->target_set = o->target_set;
	skel->rodata->target_pid = o->target_pid;
	skel->rodata->failed_only = o->failed_only;
	skel->rodata->source_mode = o->source_mode;
	pick_variant(skel, session__features(s));
	err = features__adapt_thread_map(session__features(s), skel->maps.inflight);
	if (err) {
		pr_err("cannot set up the sig thread map: %s", strerror(-err));
		sig_bpf__destroy(skel);
		return err;
	}
	return session__add(s, skel->skeleton, skel);
}

static const char *const source_names[SIG_SRC_MAX] = {
	[SIG_SRC_KERNEL] = "kernel",
	[SIG_SRC_KILL] = "kill",
	[SIG_SRC_TKILL] = "tkill",
	[SIG_SRC_TGKILL] = "tgkill",
	[SIG_SRC_RT_SIGQUEUEINFO] = "rt_sigqueueinfo",
	[SIG_SRC_RT_TGSIGQUEUEINFO] = "rt_tgsigqueueinfo",
	[SIG_SRC_PIDFD_SEND_SIGNAL] = "pidfd_send_signal",
};

#define SIG_FIELD(k, h, kind, m, w, fl) EV_FIELD(struct sig_event, k, h, kind, m, w, fl, G_BASE)

static const struct field sig_fields[] = {
	HDR_FIELD("time", "TIME", FK_TIME, ts_ns, 15, F_BOTH | F_LEFT, G_BASE),
	HDR_FIELD("ts_ns", "TS", FK_UINT, ts_ns, 0, F_JSON, G_BASE),
	HDR_FIELD("pid", "PID", FK_UINT, pid, 7, F_BOTH, G_BASE),
	HDR_FIELD("tid", "TID", FK_UINT, tid, 7, F_BOTH, G_BASE),
	HDR_FIELD("ppid", "PPID", FK_UINT, ppid, 7, F_JSON, G_BASE),
	HDR_FIELD("uid", "UID", FK_UINT, uid, 6, F_BOTH, G_BASE),
	HDR_FIELD("comm", "COMM", FK_STR, comm, 16, F_BOTH | F_LEFT, G_BASE),
	HDR_FIELD("cgroup_id", "CGROUP", FK_UINT, cgroup_id, 0, F_JSON, G_BASE),
	HDR_NS_FIELDS,
	HDR_LINEAGE_FIELDS,
	HDR_CONTAINER_FIELDS,
	SIG_FIELD("sig", "SIG", FK_SIGNAL, sig, 11, F_BOTH | F_LEFT | F_LABEL),
	SIG_FIELD("signo", "SIGNO", FK_INT, sig, 0, F_JSON),
	SIG_FIELD("target_pid", "TPID", FK_INT, target_pid, 7, F_BOTH),
	SIG_FIELD("target_tid", "TTID", FK_INT, target_tid, 7, F_BOTH),
	SIG_FIELD("target_comm", "TCOMM", FK_STR, target_comm, 16, F_BOTH | F_LEFT),
	EV_OPT_ID(struct sig_event, "target_ns_pid", "TNSPID", target_ns_pid, 0, F_JSON, G_BASE),
	EV_OPT_ID(struct sig_event, "target_ns_tid", "TNSTID", target_ns_tid, 0, F_JSON, G_BASE),
	EV_ENUM(struct sig_event, "source", "VIA", source, 17, F_BOTH | F_LEFT | F_LABEL, G_BASE,
		source_names),
	SIG_FIELD("ret", "RET", FK_RET, ret, 6, F_BOTH | F_LEFT),
	SIG_FIELD("error", "ERROR", FK_ERRNO, ret, 0, F_JSON | F_LABEL),
	EV_ENUM(struct sig_event, "result", "RESULT", result, 15, F_BOTH | F_LEFT | F_LABEL, G_BASE,
		sigresult_names),
	SIG_FIELD("code", "CODE", FK_INT, code, 0, F_JSON),
};

static const struct schema sig_schema = {
	.name = "sig",
	.type = EVENT_SIG,
	.fields = sig_fields,
	.nfields = sizeof(sig_fields) / sizeof(sig_fields[0]),
};

const struct tracer sig_tracer = {
	.name = "sig",
	.summary = "signals sent by syscalls and raised by the kernel",
	.doc = "Trace signals: who sends which signal to whom, and with what result.\v"
	       "Each signal appears once. A signal sent by a syscall carries the syscall's "
	       "return value and, when the kernel generated it, the delivery result "
	       "(delivered, ignored, already_pending, ...). Signals the kernel raises "
	       "itself (SIGSEGV, SIGCHLD, SIGPIPE, ...) appear with VIA kernel.",
	.options = sig_options,
	.parse = sig_parse,
	.opts_size = sizeof(struct sig_opts),
	.schema = &sig_schema,
	.open = sig_open,
};
