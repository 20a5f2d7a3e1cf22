// SPDX-License-Identifier: GPL-2.0
/*
 * Uprobes whose binary the command line gives.  libbpf attaches a uprobe by
 * itself only when its section names both the binary and the function
 * (SEC("uprobe//bin/bash:readline")).  Here:
 *
 *   SEC("uprobe"), SEC("uretprobe")          the function is the program's name
 *   SEC("uprobe/FUNC[+OFF]")                  that function of the binary given
 *   SEC("uprobe/PATH:FUNC[+OFF]")             as libbpf would, restricted to --pid
 *
 * The binary is --uprobe-target PATH (a name without '/' is looked up as libbpf
 * does: PATH for programs, the library directories for .so files), else the
 * executable of --uprobe-pid PID, which also limits the probe to that process.
 * (Not --pid: ecli's @cmdarg examples give programs a --pid of their own.)
 * The .s (sleepable) forms are the same.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "lib/log.h"
#include "runner/runner.h"

struct uprobe_spec {
	bool ret;
	char path[PATH_MAX]; /* from the section, or "" */
	char func[256];
	unsigned long offset; /* after +, or 0 */
};

/* The uprobe forms of a section; false for any other section, or one libbpf attaches alone. */
static bool parse(const struct bpf_program *prog, bool pid_given, struct uprobe_spec *s)
{
	static const char *const kinds[] = { "uprobe.s", "uretprobe.s", "uprobe", "uretprobe" };
	const char *sec = bpf_program__section_name(prog), *rest = NULL, *colon, *plus;
	size_t n;

	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]) && !rest; i++) {
		n = strlen(kinds[i]);
		if (!strncmp(sec, kinds[i], n) && (sec[n] == 0 || sec[n] == '/')) {
			rest = sec[n] ? sec + n + 1 : "";
			s->ret = strstr(kinds[i], "ret") != NULL;
		}
	}
	if (!rest)
		return false;
	colon = strrchr(rest, ':');
	if (colon && !pid_given)
		return false; /* a whole target: libbpf's own attach */
	if (colon)
		snprintf(s->path, sizeof(s->path), "%.*s", (int)(colon - rest), rest);
	rest = colon ? colon + 1 : rest;
	if (!*rest)
		rest = bpf_program__name(prog);
	plus = strchr(rest, '+');
	snprintf(s->func, sizeof(s->func), "%.*s", plus ? (int)(plus - rest) : (int)strlen(rest), rest);
	if (plus) {
		char *end;

		errno = 0;
		s->offset = strtoul(plus + 1, &end, 0);
		if (errno || *end || end == plus + 1)
			s->func[0] = 0; /* said below */
	}
	return true;
}

bool uprobe__owns(const struct bpf_program *prog, const struct uprobe_opts *o)
{
	struct uprobe_spec s;

	return parse(prog, o->pid > 0, &s);
}

int uprobe__attach(struct bpf_program *prog, const struct uprobe_opts *o, struct bpf_link **out)
{
	LIBBPF_OPTS(bpf_uprobe_opts, uo);
	const char *name = bpf_program__name(prog), *sec = bpf_program__section_name(prog);
	char exe[64];
	const char *binary;
	struct uprobe_spec s;
	struct bpf_link *link;
	int err;

	*out = NULL;
	parse(prog, o->pid > 0, &s);
	if (!s.func[0]) {
		pr_err("program %s: SEC(\"%s\") has no function, or a bad offset after '+'", name,
		       sec);
		return -EINVAL;
	}
	snprintf(exe, sizeof(exe), "/proc/%d/exe", o->pid);
	binary = s.path[0] ? s.path : o->target ? o->target : o->pid > 0 ? exe : NULL;
	if (!binary) {
		pr_err("program %s (SEC(\"%s\")) names no binary: give --uprobe-target PATH or "
		       "--uprobe-pid PID", name, sec);
		return -EINVAL;
	}
	if (strchr(binary, '/') && access(binary, R_OK)) {
		pr_err("program %s cannot attach: %s: %s", name, binary, strerror(errno));
		return -EINVAL;
	}
	uo.retprobe = s.ret;
	uo.func_name = s.func;
	log__reset_libbpf();
	link = bpf_program__attach_uprobe_opts(prog, o->pid > 0 ? o->pid : -1, binary, s.offset,
					       &uo);
	if (!link) {
		err = -errno;
		log__reset_libbpf();
		if (err == -ENOENT || err == -ESRCH)
			pr_err("program %s cannot attach: %s has no function %s", name, binary,
			       s.func);
		else
			pr_err("program %s cannot attach to %s in %s: %s", name, s.func, binary,
			       strerror(-err));
		return -EINVAL;
	}
	log__reset_libbpf();
	*out = link;
	if (o->pid > 0)
		fprintf(stderr, "%s: attached %s to %s%s in %s, process %d only\n", RUNNER_NAME,
			name, s.func, s.ret ? "'s return" : "", binary, o->pid);
	else
		fprintf(stderr, "%s: attached %s to %s%s in %s\n", RUNNER_NAME, name, s.func,
			s.ret ? "'s return" : "", binary);
	return 0;
}
