// SPDX-License-Identifier: GPL-2.0
/*
 * procsnoop open without its BPF object: option values, and the schema that
 * turns an open_event into a record.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "lib/names.h"
#include "lib/parse.h"
#include "lib/strbuf.h"
#include "tracers/open.h"

/* The kernel's generic values (x86 and arm64 alike). */
#define K_O_CREAT 00000100
#define K___O_TMPFILE 020000000

/*
 * The table escapes every backslash of a name as "\\", so a lone backslash
 * cannot be part of a path: it marks one cut at PATH_MAX.
 */
#define TRUNC_MARK "\\..."

int open_opts__parse(int key, const char *arg, struct open_opts *o, struct filter_config *filter,
		     const char **why)
{
	size_t n;

	switch (key) {
	case 't':
		return parse__pid(arg, &filter->tid, why);
	case 'x':
		o->failed_only = true;
		break;
	case 'n':
		n = strlen(arg);
		if (!n || n > COMM_LEN - 1) {
			*why = n ? "longer than the kernel's 15-character command name" : "empty";
			return -EINVAL;
		}
		memset(o->name, 0, sizeof(o->name));
		memcpy(o->name, arg, n);
		o->name_len = n;
		break;
	case 'c':
		if (parse__comm(arg, filter->comm, why))
			return -EINVAL;
		filter->comm_set = 1;
		break;
	case OPEN_OPT_WRITE:
		o->write_only = true;
		break;
	case OPEN_OPT_PREFIX:
		n = strlen(arg);
		if (!n || n > OPEN_PREFIX_MAX - 1) {
			*why = n ? "longer than 255 bytes" : "empty";
			return -EINVAL;
		}
		memset(o->prefix, 0, sizeof(o->prefix));
		memcpy(o->prefix, arg, n);
		o->prefix_len = n;
		break;
	case 'F':
		o->full_path = true;
		break;
	case 'T':
		o->show_time = true;
		break;
	case 'U':
		o->show_uid = true;
		break;
	case 'e':
		o->extended = true;
		break;
	default:
		return -ENOENT;
	}
	return 0;
}

/* Checks that need every option: 0, or -EINVAL with *why. */
int open_opts__check(const struct open_opts *o, const char **why)
{
	if (o->full_path && o->prefix_len && o->prefix[0] != '/') {
		*why = "with --full-path, the prefix must be an absolute path";
		return -EINVAL;
	}
	return 0;
}

uint32_t open_opts__table_groups(const void *opts)
{
	const struct open_opts *o = opts;

	return (o->show_time ? G_OPEN_TIME : 0) | (o->show_uid ? G_OPEN_UID : 0) |
	       (o->extended ? G_OPEN_EXT : 0) | (o->full_path ? G_OPEN_FULL : G_OPEN_PATH);
}

/* The event, when its lengths agree with the size the ring buffer gave. */
static const struct open_event *valid(const void *ev, size_t size)
{
	const struct open_event *e = ev;
	size_t need = offsetof(struct open_event, data);

	if (size < need)
		return NULL;
	need += (size_t)e->path_len + 1;
	if ((e->status & (OPEN_FULL_SET | OPEN_FULL_SAME)) == OPEN_FULL_SET)
		need += (size_t)e->full_len + 1;
	return need <= size ? e : NULL;
}

static void format_fd(const struct field *f, const struct field_ctx *c, struct value *v)
{
	const struct open_event *e = valid(c->ev, c->size);

	if (e && e->ret >= 0)
		value__int(v, e->ret);
}

static bool has_dirfd(const struct open_event *e)
{
	return e->syscall == OPEN_SYS_OPENAT || e->syscall == OPEN_SYS_OPENAT2;
}

static void format_dirfd(const struct field *f, const struct field_ctx *c, struct value *v)
{
	const struct open_event *e = valid(c->ev, c->size);

	if (e && has_dirfd(e))
		value__int(v, e->dirfd);
}

static void format_flags(const struct field *f, const struct field_ctx *c, struct value *v)
{
	const struct open_event *e = valid(c->ev, c->size);

	if (e)
		value__text(v, openflags__format(e->flags, c->scratch, c->scratch_len));
}

/* Only O_CREAT and O_TMPFILE read the mode. */
static void format_mode(const struct field *f, const struct field_ctx *c, struct value *v)
{
	const struct open_event *e = valid(c->ev, c->size);

	if (!e || !(e->flags & (K_O_CREAT | K___O_TMPFILE)))
		return;
	value__printf(v, c, "%04o", e->mode);
}

static void format_resolve(const struct field *f, const struct field_ctx *c, struct value *v)
{
	const struct open_event *e = valid(c->ev, c->size);

	if (e && e->syscall == OPEN_SYS_OPENAT2)
		value__text(v, resolveflags__format(e->resolve, c->scratch, c->scratch_len));
}

/*
 * A path as bytes; a cut one in the table as its escaped text and the mark.
 * The sinks render one record at a time per thread, so one buffer per
 * thread serves every cut path.
 */
static void path_value(const char *s, size_t len, bool cut, bool json, struct value *v)
{
	static __thread struct strbuf sb;

	value__bytes(v, s, len);
	if (!cut || json)
		return;
	strbuf__reset(&sb);
	escape__table(&sb, s, len);
	strbuf__adds(&sb, TRUNC_MARK);
	if (!sb.oom)
		value__text(v, sb.buf);
}

static void format_path(const struct field *f, const struct field_ctx *c, struct value *v)
{
	const struct open_event *e = valid(c->ev, c->size);

	if (e && !(e->status & OPEN_PATH_FAULT))
		path_value(e->data, e->path_len, e->status & OPEN_PATH_TRUNCATED, c->json, v);
}

/* The table falls back to the path as passed when there is no full path (a bad dirfd). */
static void format_full_path(const struct field *f, const struct field_ctx *c, struct value *v)
{
	const struct open_event *e = valid(c->ev, c->size);

	if (!e)
		return;
	if (!(e->status & OPEN_FULL_SET)) {
		if (!c->json)
			format_path(f, c, v);
		return;
	}
	if (e->status & OPEN_FULL_SAME)
		path_value(e->data, e->path_len, e->status & OPEN_PATH_TRUNCATED, c->json, v);
	else
		path_value(e->data + e->path_len + 1, e->full_len,
			   e->status & OPEN_FULL_TRUNCATED, c->json, v);
}

static void format_truncated(const struct field *f, const struct field_ctx *c, struct value *v)
{
	const struct open_event *e = valid(c->ev, c->size);
	bool path, full;

	if (!e)
		return;
	path = e->status & OPEN_PATH_TRUNCATED;
	full = (e->status & OPEN_FULL_SET) &&
	       (e->status & ((e->status & OPEN_FULL_SAME) ? OPEN_PATH_TRUNCATED :
							      OPEN_FULL_TRUNCATED));
	if (path && full)
		value__text(v, "path,full_path");
	else if (path)
		value__text(v, "path");
	else if (full)
		value__text(v, "full_path");
}

static const char *const syscall_names[OPEN_SYS_MAX] = {
	[OPEN_SYS_OPEN] = "open",
	[OPEN_SYS_OPENAT] = "openat",
	[OPEN_SYS_OPENAT2] = "openat2",
	[OPEN_SYS_CREAT] = "creat",
};

#define OPEN_FIELD(k, h, kind, m, w, fl, grp) EV_FIELD(struct open_event, k, h, kind, m, w, fl, grp)

static const struct field open_fields[] = {
	HDR_FIELD("time", "TIME", FK_TIME, ts_ns, 15, F_BOTH | F_LEFT, G_OPEN_TIME),
	HDR_FIELD("ts_ns", "TS", FK_UINT, ts_ns, 0, F_JSON, G_BASE),
	HDR_FIELD("pid", "PID", FK_UINT, pid, 7, F_BOTH, G_BASE),
	HDR_FIELD("tid", "TID", FK_UINT, tid, 7, F_BOTH, G_BASE),
	HDR_FIELD("ppid", "PPID", FK_UINT, ppid, 7, F_JSON, G_BASE),
	HDR_FIELD("uid", "UID", FK_UINT, uid, 6, F_BOTH, G_OPEN_UID),
	HDR_FIELD("comm", "COMM", FK_STR, comm, 16, F_BOTH | F_LEFT, G_BASE),
	HDR_FIELD("cgroup_id", "CGROUP", FK_UINT, cgroup_id, 0, F_JSON, G_BASE),
	HDR_NS_FIELDS,
	HDR_LINEAGE_FIELDS,
	HDR_CONTAINER_FIELDS,
	EV_ENUM(struct open_event, "syscall", "SYSCALL", syscall, 7, F_BOTH | F_LEFT | F_LABEL,
		G_OPEN_EXT, syscall_names),
	EV_CUSTOM("fd", "FD", format_fd, 4, F_BOTH, G_BASE),
	OPEN_FIELD("error", "ERR", FK_ERRNO, ret, 7, F_BOTH | F_LEFT | F_LABEL, G_BASE),
	OPEN_FIELD("ret", "RET", FK_INT, ret, 0, F_JSON, G_BASE),
	EV_CUSTOM("dirfd", "DIRFD", format_dirfd, 0, F_JSON, G_BASE),
	EV_CUSTOM("flags", "FLAGS", format_flags, 24, F_BOTH | F_LEFT, G_OPEN_EXT),
	EV_CUSTOM("mode", "MODE", format_mode, 5, F_BOTH | F_LEFT, G_OPEN_EXT),
	EV_CUSTOM("resolve", "RESOLVE", format_resolve, 7, F_BOTH | F_LEFT, G_OPEN_EXT),
	EV_CUSTOM("path", "PATH", format_path, 0, F_BOTH | F_LEFT, G_OPEN_PATH),
	EV_CUSTOM("full_path", "PATH", format_full_path, 0, F_BOTH | F_LEFT, G_OPEN_FULL),
	EV_CUSTOM("truncated", "TRUNCATED", format_truncated, 0, F_JSON, G_BASE),
};

const struct schema open_schema = {
	.name = "open",
	.type = EVENT_OPEN,
	.fields = open_fields,
	.nfields = sizeof(open_fields) / sizeof(open_fields[0]),
};
