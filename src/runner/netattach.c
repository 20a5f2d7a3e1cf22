// SPDX-License-Identifier: GPL-2.0
/*
 * tc and xdp programs: attached to a network interface named by their `///`
 * annotations (eunomia-bpf's @tchook, @tcopts, @ifindex, @flags, @xdpopts)
 * or by --ifindex/--ifname.  Links die with the process where the kernel has
 * them: tcx (Linux 6.6) for tc, a bpf_link for xdp (5.9).  A clsact filter
 * does not; one an earlier run left behind is recognised at the next start
 * by the record kept for it under NETATTACH_RUN_DIR, and removed.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/if_link.h>
#include <linux/pkt_sched.h>
#include <linux/rtnetlink.h>
#include <bpf/bpf.h>
#include "lib/json_read.h"
#include "lib/log.h"
#include "runner/runner.h"

#define NETATTACH_RUN_DIR "/run/procsnoop"

/* Not in the UAPI headers of every distribution that builds us (Linux 6.6). */
#define TCX_INGRESS_TYPE 46
#define TCX_EGRESS_TYPE 47
#define TCX_F_BEFORE (1U << 3)

enum net_kind { NET_TC, NET_XDP };

struct net_prog {
	struct bpf_program *prog;
	enum net_kind kind;
	bool egress;
	int ifindex; /* 0: not named yet */
	char ifname[IF_NAMESIZE];
	__u32 handle, priority; /* clsact */
	__u32 xdp_flags;
	int link_fd; /* tcx or xdp link, or -1 */
	bool filter; /* a clsact filter is attached */
	bool made_qdisc; /* the clsact qdisc is ours to remove once empty */
	char record[PATH_MAX]; /* its record, or "" */
};

struct netattach {
	struct net_prog *v;
	int n;
	enum tc_mode tc_mode;
};

static const char *const net_tags[] = { "@tchook", "@tcopts", "@ifindex", "@flags", "@xdpopts" };

bool netattach__is_tag(const char *word, size_t n)
{
	for (size_t i = 0; i < sizeof(net_tags) / sizeof(net_tags[0]); i++)
		if (strlen(net_tags[i]) == n && memcmp(net_tags[i], word, n) == 0)
			return true;
	return false;
}

static bool section_is(const char *sec, const char *name)
{
	return strcmp(sec, name) == 0;
}

/* The kind of a program this file attaches; false for the others. */
static bool net_kind_of(struct bpf_program *prog, enum net_kind *kind, bool *egress)
{
	const char *sec = bpf_program__section_name(prog);

	*egress = section_is(sec, "tc/egress") || section_is(sec, "tcx/egress");
	if (*egress || section_is(sec, "tc/ingress") || section_is(sec, "tcx/ingress")) {
		/* libbpf before 1.3 does not know these sections. */
		bpf_program__set_type(prog, BPF_PROG_TYPE_SCHED_CLS);
		*kind = NET_TC;
		return true;
	}
	switch (bpf_program__type(prog)) {
	case BPF_PROG_TYPE_SCHED_CLS:
		*kind = NET_TC;
		return true;
	case BPF_PROG_TYPE_XDP:
		/* xdp/devmap and xdp/cpumap programs go into maps, not onto interfaces. */
		if (!section_is(sec, "xdp") && !section_is(sec, "xdp.frags"))
			return false;
		*kind = NET_XDP;
		return true;
	default:
		return false;
	}
}

static int bad(const struct net_prog *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int bad(const struct net_prog *p, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	pr_err("program %s (SEC(\"%s\")): %s", bpf_program__name(p->prog),
	       bpf_program__section_name(p->prog), msg);
	return -EINVAL;
}

static int no_interface(struct net_prog *p, const char *where, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* An option names no interface: said once, without the program. */
static int no_interface(struct net_prog *p, const char *where, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (strncmp(where, "--", 2) == 0) {
		pr_err("%s: %s", where, msg);
		return -EINVAL;
	}
	return bad(p, "%s: %s", where, msg);
}

/* An interface by index (a number) or by name into p. */
static int name_interface(struct net_prog *p, const char *text, long index, const char *where)
{
	if (text) {
		unsigned idx = if_nametoindex(text);

		if (strlen(text) >= IF_NAMESIZE || !idx)
			return no_interface(p, where, "no network interface named '%s'", text);
		p->ifindex = idx;
	} else {
		if (index <= 0 || index > INT_MAX)
			return bad(p, "%s: an interface index is a number from 1, not %ld", where,
				   index);
		p->ifindex = index;
	}
	if (!if_indextoname(p->ifindex, p->ifname))
		return no_interface(p, where, "no network interface has index %d", p->ifindex);
	return 0;
}

static bool whole_number(const struct json *v, double max)
{
	return v && v->type == JSON_NUMBER && v->n >= 0 && v->n <= max && v->n == (double)(__u64)v->n;
}

/* The JSON object that follows a tag: from its '{' to the matching '}'. */
static struct json *tag_object(const char **pp)
{
	const char *p = *pp, *s = p;
	bool in_str = false;
	int depth = 0;

	if (*p != '{')
		return NULL;
	for (; *p; p++) {
		if (in_str) {
			if (*p == '\\' && p[1])
				p++;
			else if (*p == '"')
				in_str = false;
		} else if (*p == '"') {
			in_str = true;
		} else if (*p == '{') {
			depth++;
		} else if (*p == '}' && --depth == 0) {
			*pp = p + 1;
			return json__parse(s, p + 1 - s);
		}
	}
	return NULL;
}

static const char *only_keys(const struct json *o, const char *const *keys)
{
	for (size_t i = 0; i < o->len; i++) {
		bool known = false;

		for (const char *const *k = keys; *k; k++)
			known |= strcmp(o->keys[i], *k) == 0;
		if (!known)
			return o->keys[i];
	}
	return NULL;
}

static int parse_tchook(struct net_prog *p, const struct json *o, bool named)
{
	static const char *const keys[] = { "ifindex", "ifname", "attach_point", NULL };
	const struct json *ifi = json__get(o, "ifindex"), *ifn = json__get(o, "ifname");
	const struct json *ap = json__get(o, "attach_point");
	const char *k = only_keys(o, keys);

	if (k)
		return bad(p, "@tchook: unknown key \"%s\" (it takes ifindex and attach_point)", k);
	if (ap) {
		const char *s = json__str(ap);
		bool eg;

		if (s && strcmp(s, "BPF_TC_INGRESS") == 0)
			eg = false;
		else if (s && strcmp(s, "BPF_TC_EGRESS") == 0)
			eg = true;
		else
			return bad(p, "@tchook: attach_point is \"BPF_TC_INGRESS\" or "
				   "\"BPF_TC_EGRESS\"");
		if (strchr(bpf_program__section_name(p->prog), '/') && eg != p->egress)
			return bad(p, "@tchook: attach_point %s contradicts the section", s);
		p->egress = eg;
	}
	if (named)
		return 0;
	if (ifn && !json__str(ifn))
		return bad(p, "@tchook: ifname is a string");
	if (ifn)
		return name_interface(p, json__str(ifn), 0, "@tchook");
	if (ifi && json__str(ifi))
		return name_interface(p, json__str(ifi), 0, "@tchook");
	if (ifi && !whole_number(ifi, INT_MAX))
		return bad(p, "@tchook: ifindex is an interface index (a number from 1) or name");
	if (ifi)
		return name_interface(p, NULL, (long)ifi->n, "@tchook");
	return 0;
}

static int parse_tcopts(struct net_prog *p, const struct json *o)
{
	static const char *const keys[] = { "handle", "priority", NULL };
	const struct json *h = json__get(o, "handle"), *pr = json__get(o, "priority");
	const char *k = only_keys(o, keys);

	if (k)
		return bad(p, "@tcopts: unknown key \"%s\" (it takes handle and priority)", k);
	if (h && !whole_number(h, UINT32_MAX))
		return bad(p, "@tcopts: handle is a number from 0 to 4294967295");
	if (pr && !whole_number(pr, 0xffff))
		return bad(p, "@tcopts: priority is a number from 0 to 65535");
	if (h)
		p->handle = h->n;
	if (pr)
		p->priority = pr->n;
	return 0;
}

static const struct {
	const char *name;
	__u32 bit;
} xdp_flag_names[] = {
	{ "XDP_FLAGS_UPDATE_IF_NOEXIST", XDP_FLAGS_UPDATE_IF_NOEXIST },
	{ "XDP_FLAGS_SKB_MODE", XDP_FLAGS_SKB_MODE },
	{ "XDP_FLAGS_DRV_MODE", XDP_FLAGS_DRV_MODE },
	{ "XDP_FLAGS_HW_MODE", XDP_FLAGS_HW_MODE },
	{ "XDP_FLAGS_REPLACE", XDP_FLAGS_REPLACE },
};

/* @flags: a number, or flag names joined with '|'. */
static int parse_xdp_flags(struct net_prog *p, const char *w, size_t n)
{
	char buf[256], *tok, *save = NULL, *end;
	__u32 flags = 0;

	if (n >= sizeof(buf))
		return bad(p, "@flags: too long");
	memcpy(buf, w, n);
	buf[n] = 0;
	for (tok = strtok_r(buf, "|", &save); tok; tok = strtok_r(NULL, "|", &save)) {
		unsigned long v;
		size_t i;

		errno = 0;
		v = strtoul(tok, &end, 0);
		if (isdigit((unsigned char)tok[0]) && !*end && !errno && v <= UINT32_MAX) {
			flags |= v;
			continue;
		}
		for (i = 0; i < sizeof(xdp_flag_names) / sizeof(xdp_flag_names[0]); i++)
			if (strcmp(tok, xdp_flag_names[i].name) == 0)
				break;
		if (i == sizeof(xdp_flag_names) / sizeof(xdp_flag_names[0]))
			return bad(p, "@flags: '%s' is neither a number nor an XDP_FLAGS_ name", tok);
		flags |= xdp_flag_names[i].bit;
	}
	if (flags & ~(__u32)XDP_FLAGS_MASK)
		return bad(p, "@flags: 0x%x holds bits no XDP flag has", flags);
	if (flags & XDP_FLAGS_REPLACE)
		return bad(p, "@flags: XDP_FLAGS_REPLACE needs a program to replace; procsnoop "
			   "attaches through a bpf_link, which never replaces one");
	if (__builtin_popcount(flags & XDP_FLAGS_MODES) > 1)
		return bad(p, "@flags: at most one of XDP_FLAGS_SKB_MODE, XDP_FLAGS_DRV_MODE and "
			   "XDP_FLAGS_HW_MODE");
	p->xdp_flags = flags;
	return 0;
}

static int parse_xdpopts(struct net_prog *p, const struct json *o)
{
	static const char *const keys[] = { "old_prog_fd", NULL };
	const struct json *fd = json__get(o, "old_prog_fd");
	const char *k = only_keys(o, keys);

	if (k)
		return bad(p, "@xdpopts: unknown key \"%s\" (it takes old_prog_fd)", k);
	if (fd && !whole_number(fd, INT_MAX))
		return bad(p, "@xdpopts: old_prog_fd is a number");
	if (fd && fd->n != 0)
		return bad(p, "@xdpopts: old_prog_fd must be 0: procsnoop attaches through a "
			   "bpf_link, which never replaces a program");
	return 0;
}

static const char *skip_space(const char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return s;
}

/* The tags of one program's doc comment; named: --ifindex/--ifname given. */
static int parse_tags(struct net_prog *p, const char *raw, bool named)
{
	const char *s = raw ? raw : "";

	while (*(s = skip_space(s))) {
		const char *w = s, *arg;
		size_t wn;

		while (*s && !isspace((unsigned char)*s))
			s++;
		wn = s - w;
		if (!(w[0] == '@' && netattach__is_tag(w, wn)))
			continue;
		arg = s = skip_space(s);
		if (wn == 8 && !memcmp(w, "@ifindex", 8)) {
			size_t an;

			while (*s && !isspace((unsigned char)*s))
				s++;
			an = s - arg;
			if (p->kind != NET_XDP)
				return bad(p, "@ifindex is for xdp programs (tc takes @tchook)");
			if (!an)
				return bad(p, "@ifindex needs a value (an interface index or name)");
			if (!named) {
				char name[64];
				char *end;
				long v;

				snprintf(name, sizeof(name), "%.*s", (int)(an < 63 ? an : 63), arg);
				errno = 0;
				v = strtol(name, &end, 10);
				if (isdigit((unsigned char)name[0]) && !*end && !errno) {
					if (name_interface(p, NULL, v, "@ifindex"))
						return -EINVAL;
				} else if (name_interface(p, name, 0, "@ifindex")) {
					return -EINVAL;
				}
			}
			continue;
		}
		if (wn == 6 && !memcmp(w, "@flags", 6)) {
			size_t an;

			while (*s && !isspace((unsigned char)*s))
				s++;
			an = s - arg;
			if (p->kind != NET_XDP)
				return bad(p, "@flags is for xdp programs");
			if (!an)
				return bad(p, "@flags needs a value (a number, or XDP_FLAGS_ names)");
			if (parse_xdp_flags(p, arg, an))
				return -EINVAL;
			continue;
		}
		/* @tchook, @tcopts, @xdpopts: a JSON object. */
		{
			struct json *o = tag_object(&s);
			bool tc = w[1] == 't';
			int err;

			if (!o || o->type != JSON_OBJECT) {
				json__free(o);
				return bad(p, "%.*s: not a valid JSON object: %.60s", (int)wn, w, arg);
			}
			if (tc != (p->kind == NET_TC)) {
				json__free(o);
				return bad(p, "%.*s is for %s programs", (int)wn, w, tc ? "tc" : "xdp");
			}
			if (wn == 7 && !memcmp(w, "@tchook", 7))
				err = parse_tchook(p, o, named);
			else if (wn == 7)
				err = parse_tcopts(p, o);
			else
				err = parse_xdpopts(p, o);
			json__free(o);
			if (err)
				return err;
		}
	}
	return 0;
}

int netattach__prepare(struct bpf_object *obj, const struct doc_set *docs,
		       const struct net_opts *o, struct netattach **out)
{
	struct netattach *na = calloc(1, sizeof(*na));
	struct bpf_program *prog;

	*out = NULL;
	if (!na)
		return -ENOMEM;
	na->tc_mode = o->tc_mode;
	bpf_object__for_each_program(prog, obj) {
		struct net_prog *p, *v;
		const struct doc_entry *d;
		enum net_kind kind;
		bool egress;

		if (!bpf_program__autoload(prog) || !net_kind_of(prog, &kind, &egress))
			continue;
		v = realloc(na->v, (na->n + 1) * sizeof(*v));
		if (!v) {
			netattach__free(na);
			return -ENOMEM;
		}
		na->v = v;
		p = &v[na->n++];
		*p = (struct net_prog){ .prog = prog, .kind = kind, .egress = egress,
					.handle = 1, .priority = 1, .link_fd = -1 };
		if (o->ifname && name_interface(p, o->ifname, 0, "--ifname"))
			goto bad;
		if (o->ifindex && name_interface(p, NULL, o->ifindex, "--ifindex"))
			goto bad;
		d = docs ? doccomment__find(docs, bpf_program__name(prog)) : NULL;
		if (parse_tags(p, d ? d->raw : NULL, o->ifname || o->ifindex))
			goto bad;
		/* eunomia-bpf's default: the loopback interface. */
		if (!p->ifindex && name_interface(p, NULL, 1, "the default interface"))
			goto bad;
	}
	if (!na->n && (o->ifname || o->ifindex))
		pr_warn("%s is ignored: the object has no tc or xdp program",
			o->ifname ? "--ifname" : "--ifindex");
	*out = na;
	return 0;
bad:
	netattach__free(na);
	return -EINVAL;
}

bool netattach__owns(const struct netattach *na, const struct bpf_program *prog)
{
	for (int i = 0; na && i < na->n; i++)
		if (na->v[i].prog == prog)
			return true;
	return false;
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s: ", RUNNER_NAME);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static __u32 link_id(int fd)
{
	struct bpf_link_info info = {};
	__u32 len = sizeof(info);

	return bpf_obj_get_info_by_fd(fd, &info, &len) ? 0 : info.id;
}

/* BPF_LINK_CREATE for tcx, which libbpf before 1.3 cannot ask for. */
struct tcx_link_attr {
	__u32 prog_fd;
	__u32 target_ifindex;
	__u32 attach_type;
	__u32 flags;
	__u32 relative_fd;
	__u32 pad;
	__u64 expected_revision;
	char rest[96];
};

static int tcx_attach(struct net_prog *p)
{
	struct tcx_link_attr attr = {
		.prog_fd = bpf_program__fd(p->prog),
		.target_ifindex = p->ifindex,
		.attach_type = p->egress ? TCX_EGRESS_TYPE : TCX_INGRESS_TYPE,
		/* First in line, as priority 1 is among clsact filters. */
		.flags = TCX_F_BEFORE,
	};
	int fd = syscall(SYS_bpf, BPF_LINK_CREATE, &attr, sizeof(attr));

	return fd < 0 ? -errno : fd;
}

/* "pid starttime": the start time tells a live owner from a reused pid. */
static unsigned long long start_time(int pid)
{
	char path[64], buf[1024], *p;
	unsigned long long t = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	p = strrchr(buf, ')');
	/* Field 22; p is at the end of field 2. */
	for (int f = 2; p && f < 22; f++)
		p = strchr(p + 1, ' ');
	if (p)
		t = strtoull(p + 1, NULL, 10);
	return t;
}

static void record_path(struct net_prog *p)
{
	struct stat st;
	unsigned long long ns = stat("/proc/self/ns/net", &st) ? 0 : st.st_ino;

	snprintf(p->record, sizeof(p->record), "%s/tc-%llu-%d-%s-%u-%u", NETATTACH_RUN_DIR, ns,
		 p->ifindex, p->egress ? "egress" : "ingress", p->handle, p->priority);
}

static bool read_record(const char *path, int *pid, unsigned long long *start, __u32 *prog_id,
			bool *made_qdisc)
{
	FILE *f = fopen(path, "re");
	int made = 0;
	bool ok;

	if (!f)
		return false;
	ok = fscanf(f, "%d %llu %u %d", pid, start, prog_id, &made) >= 3;
	fclose(f);
	*made_qdisc = made == 1;
	return ok;
}

static void write_record(struct net_prog *p, __u32 prog_id)
{
	char tmp[PATH_MAX + 8];
	FILE *f;

	if (mkdir(NETATTACH_RUN_DIR, 0700) && errno != EEXIST)
		goto fail;
	snprintf(tmp, sizeof(tmp), "%s.new", p->record);
	f = fopen(tmp, "we");
	if (!f)
		goto fail;
	fprintf(f, "%d %llu %u %d\n", getpid(), start_time(getpid()), prog_id, p->made_qdisc);
	if (fclose(f) || rename(tmp, p->record))
		goto fail;
	return;
fail:
	pr_warn("cannot keep a record of the tc filter in %s (%s): if procsnoop is killed, "
		"the next run cannot know the filter for its own", NETATTACH_RUN_DIR,
		strerror(errno));
	p->record[0] = 0;
}

static const char *dir_name(const struct net_prog *p)
{
	return p->egress ? "egress" : "ingress";
}

/*
 * A filter already at our handle and priority: one an earlier run left (its
 * record names a dead process and the same program id) is removed; anything
 * else is someone's, and stays.
 */
static int take_slot(struct net_prog *p, const struct bpf_tc_hook *hook)
{
	LIBBPF_OPTS(bpf_tc_opts, q, .handle = p->handle, .priority = p->priority);
	unsigned long long start;
	bool made = false;
	__u32 rec_prog;
	int pid, err;

	if (bpf_tc_query(hook, &q))
		return 0;
	if (p->record[0] && read_record(p->record, &pid, &start, &rec_prog, &made) &&
	    rec_prog == q.prog_id) {
		if (pid == getpid()) {
			pr_err("%s %s: two programs want tc filter handle %u priority %u: give each "
			       "its own in @tcopts", p->ifname, dir_name(p), p->handle, p->priority);
			return -EBUSY;
		}
		if (start && start_time(pid) == start) {
			pr_err("%s %s already has tc filter handle %u priority %u from procsnoop "
			       "pid %d, still running: choose another in @tcopts", p->ifname,
			       dir_name(p), p->handle, p->priority, pid);
			return -EBUSY;
		}
		LIBBPF_OPTS(bpf_tc_opts, d, .handle = p->handle, .priority = p->priority);
		err = bpf_tc_detach(hook, &d);
		if (err) {
			pr_err("cannot remove the tc filter an earlier run left on %s %s: %s",
			       p->ifname, dir_name(p), strerror(-err));
			return err;
		}
		say("removed tc filter handle %u priority %u (program id %u) that an earlier run "
		    "(pid %d) left on %s %s", p->handle, p->priority, rec_prog, pid, p->ifname,
		    dir_name(p));
		/* Its clsact qdisc is ours to remove now. */
		p->made_qdisc |= made;
		unlink(p->record);
		return 0;
	}
	pr_err("%s %s already has a tc filter with handle %u priority %u (program id %u), not "
	       "procsnoop's: choose another handle or priority in @tcopts", p->ifname, dir_name(p),
	       p->handle, p->priority, q.prog_id);
	return -EBUSY;
}

static int clsact_attach(struct net_prog *p)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = p->ifindex,
		    .attach_point = p->egress ? BPF_TC_EGRESS : BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, o, .handle = p->handle, .priority = p->priority,
		    .prog_fd = bpf_program__fd(p->prog));
	struct bpf_prog_info info = {};
	__u32 len = sizeof(info);
	int err;

	err = bpf_tc_hook_create(&hook);
	p->made_qdisc = !err;
	if (err && err != -EEXIST) {
		pr_err("cannot add a clsact qdisc to %s: %s%s", p->ifname, strerror(-err),
		       err == -ENOENT ? " (the kernel has no clsact: its module is sch_ingress)" : "");
		return err;
	}
	if (p->handle && p->priority) {
		record_path(p);
		err = take_slot(p, &hook);
		if (err) {
			p->record[0] = 0;
			return err;
		}
	}
	err = bpf_tc_attach(&hook, &o);
	if (err) {
		pr_err("cannot attach %s to %s %s as a tc filter: %s", bpf_program__name(p->prog),
		       p->ifname, dir_name(p), strerror(-err));
		p->record[0] = 0;
		return err;
	}
	p->handle = o.handle;
	p->priority = o.priority;
	p->filter = true;
	if (!p->record[0])
		record_path(p);
	bpf_obj_get_info_by_fd(bpf_program__fd(p->prog), &info, &len);
	write_record(p, info.id);
	return 0;
}

static const char *xdp_mode(__u32 flags, int ifindex)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	if (flags & XDP_FLAGS_SKB_MODE)
		return "generic (skb) mode";
	if (flags & XDP_FLAGS_DRV_MODE)
		return "native (driver) mode";
	if (flags & XDP_FLAGS_HW_MODE)
		return "offloaded (hardware) mode";
	if (bpf_xdp_query(ifindex, 0, &q) == 0) {
		if (q.attach_mode == XDP_ATTACHED_SKB)
			return "generic (skb) mode (its driver has no native xdp)";
		if (q.attach_mode == XDP_ATTACHED_DRV)
			return "native (driver) mode";
	}
	return "the mode the kernel chose";
}

static int xdp_attach(struct net_prog *p)
{
	LIBBPF_OPTS(bpf_link_create_opts, lo, .flags = p->xdp_flags & XDP_FLAGS_MODES);
	int fd = bpf_link_create(bpf_program__fd(p->prog), p->ifindex, BPF_XDP, &lo);

	if (fd < 0) {
		if (fd == -EBUSY || fd == -EEXIST)
			pr_err("cannot attach %s to %s: the interface already has an xdp program "
			       "(ip link show dev %s)", bpf_program__name(p->prog), p->ifname,
			       p->ifname);
		else
			pr_err("cannot attach %s to %s through xdp: %s", bpf_program__name(p->prog),
			       p->ifname, strerror(-fd));
		return fd;
	}
	p->link_fd = fd;
	say("attached %s to %s (ifindex %d) through xdp in %s, link %u",
	    bpf_program__name(p->prog), p->ifname, p->ifindex, xdp_mode(p->xdp_flags, p->ifindex),
	    link_id(fd));
	return 0;
}

static int tc_attach(struct netattach *na, struct net_prog *p)
{
	int err;

	if (na->tc_mode != TC_MODE_CLSACT) {
		int fd = tcx_attach(p);

		if (fd >= 0) {
			p->link_fd = fd;
			say("attached %s to %s (ifindex %d) %s through tcx, first in line, link %u",
			    bpf_program__name(p->prog), p->ifname, p->ifindex, dir_name(p),
			    link_id(fd));
			return 0;
		}
		/* Before Linux 6.6 the attach type is unknown: EINVAL. */
		if (na->tc_mode == TC_MODE_TCX || fd != -EINVAL) {
			pr_err("cannot attach %s to %s %s through tcx: %s%s",
			       bpf_program__name(p->prog), p->ifname, dir_name(p), strerror(-fd),
			       fd == -EINVAL ? " (tcx needs Linux 6.6)" : "");
			return fd;
		}
		pr_debug("no tcx on this kernel: a clsact filter instead");
	}
	err = clsact_attach(p);
	if (!err)
		say("attached %s to %s (ifindex %d) %s as a clsact tc filter, handle %u priority %u",
		    bpf_program__name(p->prog), p->ifname, p->ifindex, dir_name(p), p->handle,
		    p->priority);
	return err;
}

int netattach__attach(struct netattach *na)
{
	for (int i = 0; na && i < na->n; i++) {
		struct net_prog *p = &na->v[i];
		int err = p->kind == NET_XDP ? xdp_attach(p) : tc_attach(na, p);

		if (err) {
			netattach__detach(na);
			return err;
		}
	}
	return 0;
}

/* The number of filters (and chains) on a clsact qdisc's two hooks, or -errno. */
static int clsact_filters(int ifindex)
{
	static const __u32 hooks[] = { TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS),
				       TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_EGRESS) };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE), n = 0;

	if (fd < 0)
		return -errno;
	for (size_t h = 0; h < sizeof(hooks) / sizeof(hooks[0]); h++) {
		struct {
			struct nlmsghdr n;
			struct tcmsg t;
		} req = {
			.n = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct tcmsg)),
			       .nlmsg_type = RTM_GETTFILTER,
			       .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = h + 1 },
			.t = { .tcm_family = AF_UNSPEC, .tcm_ifindex = ifindex,
			       .tcm_parent = hooks[h] },
		};
		char buf[16384] __attribute__((aligned(NLMSG_ALIGNTO)));
		bool done = false;

		if (send(fd, &req, req.n.nlmsg_len, 0) < 0)
			goto fail;
		while (!done) {
			ssize_t len = recv(fd, buf, sizeof(buf), 0);
			struct nlmsghdr *m = (struct nlmsghdr *)buf;

			if (len < 0)
				goto fail;
			for (; NLMSG_OK(m, (size_t)len); m = NLMSG_NEXT(m, len)) {
				if (m->nlmsg_type == NLMSG_DONE) {
					done = true;
				} else if (m->nlmsg_type == NLMSG_ERROR) {
					struct nlmsgerr *e = NLMSG_DATA(m);

					errno = e->error ? -e->error : EPROTO;
					goto fail;
				} else if (m->nlmsg_type == RTM_NEWTFILTER) {
					n++;
				}
			}
			if (!len)
				break;
		}
	}
	close(fd);
	return n;
fail:
	n = -errno;
	close(fd);
	return n;
}

/* The clsact qdisc this run made, once no filter is left on it: the interface as it was. */
static void drop_qdisc(struct net_prog *p)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = p->ifindex,
		    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);

	p->made_qdisc = false;
	if (clsact_filters(p->ifindex) != 0)
		return;
	bpf_tc_hook_destroy(&hook);
}

void netattach__detach(struct netattach *na)
{
	for (int i = na ? na->n - 1 : -1; i >= 0; i--) {
		struct net_prog *p = &na->v[i];

		if (p->link_fd >= 0) {
			close(p->link_fd);
			p->link_fd = -1;
		}
		if (p->filter) {
			LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = p->ifindex,
				    .attach_point = p->egress ? BPF_TC_EGRESS : BPF_TC_INGRESS);
			LIBBPF_OPTS(bpf_tc_opts, o, .handle = p->handle, .priority = p->priority);
			int err = bpf_tc_detach(&hook, &o);

			/* The interface may have gone, and its filters with it. */
			if (err && err != -ENOENT && err != -ENODEV && err != -EINVAL)
				pr_warn("cannot remove tc filter handle %u priority %u from %s %s: %s",
					p->handle, p->priority, p->ifname, dir_name(p),
					strerror(-err));
			p->filter = false;
			if (p->record[0])
				unlink(p->record);
			p->record[0] = 0;
			if (p->made_qdisc)
				drop_qdisc(p);
		}
	}
}

void netattach__free(struct netattach *na)
{
	if (!na)
		return;
	netattach__detach(na);
	free(na->v);
	free(na);
}
