// SPDX-License-Identifier: GPL-2.0
/* Load with the verifier's reason on failure; attach every program by its section. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>
#include "lib/log.h"
#include "runner/runner.h"

/* The line of the verifier log that names a helper or kfunc this kernel lacks. */
static const char *missing_feature(const char *log, char *buf, size_t len)
{
	static const char *const marks[] = {
		"unknown func", "invalid func", "not found in kernel or module BTFs",
		"failed to find kernel BTF type ID", "calling kernel function",
		"is not supported by this kernel",
	};

	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++) {
		const char *m = strstr(log, marks[i]), *start, *end;

		if (!m)
			continue;
		for (start = m; start > log && start[-1] != '\n'; start--)
			;
		end = strchr(m, '\n');
		if (!end)
			end = m + strlen(m);
		/* libbpf prefixes its own lines. */
		if (strncmp(start, "libbpf: ", 8) == 0)
			start += 8;
		snprintf(buf, len, "%.*s", (int)(end - start), start);
		return buf;
	}
	return NULL;
}

/* The program libbpf reports as refused with EPERM and no verifier log. */
static struct bpf_program *refused_program(struct bpf_object *obj, const char *log)
{
	const char *m = strstr(log, "': BPF program load failed: Operation not permitted");
	const char *start;
	struct bpf_program *prog;
	char name[128];

	if (!m || strstr(log, "processed ") || strstr(log, "-- BEGIN PROG LOAD LOG --"))
		return NULL;
	for (start = m; start > log && start[-1] != '\''; start--)
		;
	if ((size_t)(m - start) >= sizeof(name))
		return NULL;
	snprintf(name, sizeof(name), "%.*s", (int)(m - start), start);
	prog = bpf_object__find_program_by_name(obj, name);
	return prog;
}

/*
 * libbpf 1.1 probes tracing, lsm and ext programs with a made-up attach
 * target and reads the kernel's refusal as "unsupported" (it answers 0 for
 * tp_btf and fentry on Linux 6.18): for those the load itself tells.
 */
static bool probe_is_reliable(enum bpf_prog_type type)
{
	return type != BPF_PROG_TYPE_TRACING && type != BPF_PROG_TYPE_LSM &&
	       type != BPF_PROG_TYPE_EXT;
}

int attach__load(struct bpf_object *obj, const char *what)
{
	struct bpf_program *prog;
	char line[512];
	const char *why;
	int err;

	bpf_object__for_each_program(prog, obj) {
		enum bpf_prog_type type = bpf_program__type(prog);

		if (!bpf_program__autoload(prog))
			continue;
		if (probe_is_reliable(type) && libbpf_probe_bpf_prog_type(type, NULL) == 0) {
			pr_err("%s needs a newer kernel: program %s is of type %s, which this "
			       "kernel does not support", what, bpf_program__name(prog),
			       libbpf_bpf_prog_type_str(type));
			return -EOPNOTSUPP;
		}
	}
	log__reset_libbpf();
	err = bpf_object__load(obj);
	if (!err) {
		log__reset_libbpf();
		return 0;
	}
	why = missing_feature(log__libbpf_kept(), line, sizeof(line));
	if (why) {
		log__reset_libbpf();
		pr_err("%s needs a newer kernel: %s", what, why);
		return -EOPNOTSUPP;
	}
	if (err == -EPERM && (prog = refused_program(obj, log__libbpf_kept()))) {
		/* No verifier log: a lockdown or security policy said no. */
		log__reset_libbpf();
		pr_err("the kernel does not permit %s's program %s (%s) on this host: %s", what,
		       bpf_program__name(prog), bpf_program__section_name(prog), strerror(-err));
		return err;
	}
	log__flush_libbpf(30);
	pr_err("the kernel rejected %s: %s%s", what, strerror(-err),
	       log__verbosity() ? "" : " (the verifier's last words are above; -v shows all)");
	return err;
}

int attach__keep(struct attach_set *as, struct bpf_link *link)
{
	if (as->n == as->cap) {
		int cap = as->cap ? as->cap * 2 : 16;
		struct bpf_link **v = realloc(as->links, cap * sizeof(*v));

		if (!v) {
			bpf_link__destroy(link);
			return -ENOMEM;
		}
		as->links = v;
		as->cap = cap;
	}
	as->links[as->n++] = link;
	return 0;
}

int attach__all(struct bpf_object *obj, const struct netattach *na,
		const struct uprobe_opts *uo, unsigned int freq, struct attach_set *out)
{
	struct bpf_program *prog;
	int err = 0;

	memset(out, 0, sizeof(*out));
	bpf_object__for_each_program(prog, obj) {
		struct bpf_link *link = NULL;

		if (!bpf_program__autoload(prog) || netattach__owns(na, prog))
			continue;
		if (perfattach__owns(prog)) {
			err = perfattach__attach(prog, freq, out);
			if (err)
				break;
			continue;
		}
		if (uprobe__owns(prog, uo)) {
			err = uprobe__attach(prog, uo, &link);
			if (err || (err = attach__keep(out, link)))
				break;
			continue;
		}
		log__reset_libbpf();
		link = bpf_program__attach(prog);
		if (link) {
			err = attach__keep(out, link);
			if (err)
				break;
			continue;
		}
		err = -errno;
		if (err == -EOPNOTSUPP || err == -ESRCH)
			pr_err("program %s (SEC(\"%s\"), type %s) cannot be attached automatically: "
			       "name a tracepoint, kprobe, fentry or other attach point in its section",
			       bpf_program__name(prog), bpf_program__section_name(prog),
			       libbpf_bpf_prog_type_str(bpf_program__type(prog)));
		else if (err == -ENOENT)
			pr_err("program %s cannot attach: SEC(\"%s\") names an attach point this "
			       "kernel does not have", bpf_program__name(prog),
			       bpf_program__section_name(prog));
		else
			pr_err("program %s cannot attach to SEC(\"%s\"): %s", bpf_program__name(prog),
			       bpf_program__section_name(prog), strerror(-err));
		break;
	}
	log__reset_libbpf();
	if (err)
		attach__destroy(out);
	return err;
}

void attach__destroy(struct attach_set *as)
{
	for (int i = as->n - 1; i >= 0; i--)
		bpf_link__destroy(as->links[i]);
	free(as->links);
	memset(as, 0, sizeof(*as));
}

bool attach__uses_printk(struct bpf_object *obj)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj) {
		const struct bpf_insn *insn = bpf_program__insns(prog);
		size_t n = bpf_program__insn_cnt(prog);

		for (size_t i = 0; insn && i < n; i++)
			if (insn[i].code == (BPF_JMP | BPF_CALL) && insn[i].src_reg == 0 &&
			    (insn[i].imm == BPF_FUNC_trace_printk ||
			     insn[i].imm == BPF_FUNC_trace_vprintk))
				return true;
	}
	return false;
}
