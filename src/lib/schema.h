/* SPDX-License-Identifier: GPL-2.0 */
/*
 * An event is a record: a common header plus typed fields described by a
 * schema.  The table header, table rows, JSON keys and metric labels all
 * come from the one schema, so they cannot drift apart.
 */
#ifndef PROCSNOOP_SCHEMA_H
#define PROCSNOOP_SCHEMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "events.h"

enum field_kind {
	FK_INT,	   /* signed integer of size 1, 2, 4 or 8 */
	FK_UINT,   /* unsigned integer of size 1, 2, 4 or 8 */
	FK_HEX,	   /* unsigned integer shown as 0x... in the table */
	FK_STR,	   /* char[size], up to the first NUL */
	FK_TIME,   /* __u64 CLOCK_MONOTONIC ns */
	FK_SIGNAL, /* signal number: name, or number with --numeric */
	FK_RET,	   /* return value: the table shows an errno name when negative */
	FK_ERRNO,  /* the errno name of a negative return value, else null */
	FK_ENUM,   /* index into names[]: its name, else the number; negative is null */
	FK_BOOL,   /* JSON true or false; the table shows the same words */
	FK_CUSTOM, /* formatted by the field's format callback */
};

/* Where a field appears. */
#define F_TABLE 0x1 /* a table column */
#define F_JSON 0x2  /* a JSON key */
#define F_BOTH (F_TABLE | F_JSON)
#define F_LEFT 0x4  /* left-aligned table column */
/* A bounded value (a signal name, a result, an errno name) fit for a metric label. */
#define F_LABEL 0x8
/*
 * An FK_CUSTOM field whose formatter reads the event's time (FK_TIME fields
 * do too): the kernel stamps events only when an output shows one.
 */
#define F_TIME 0x10

/* Table column groups a tracer can switch on; G_BASE is always on. */
#define G_BASE 0x1u
/*
 * Groups every tracer has, from the top bit down (a tracer's own start at
 * 0x2): the CONTAINER column, with --containers and in the combined stream.
 */
#define G_CONTAINER 0x80000000u

struct value {
	/* V_STRLIST: len bytes of untrusted strings, each followed by its NUL (lib/strlist.h) */
	enum { V_NULL, V_INT, V_UINT, V_BYTES, V_TEXT, V_STRLIST } kind;
	int64_t i;
	uint64_t u;
	const char *s; /* V_BYTES: untrusted bytes to escape; V_TEXT: plain ASCII */
	size_t len;
	uint32_t flags; /* VF_* */
};

/* value.flags */
#define VF_QUOTE 0x1 /* V_STRLIST: the table quotes each string */
#define VF_MORE 0x2  /* V_STRLIST: the list was cut; the table ends it with " ..." */
#define VF_BARE 0x4  /* V_TEXT: a JSON literal (true, false), written without quotes */

struct containers;

struct render_opts {
	bool numeric;		/* signals as numbers */
	int64_t mono_to_real_ns; /* add to a CLOCK_MONOTONIC time for wall-clock time */
	/* Maps an event's cgroup to its container (lib/containers.h); NULL: null fields. */
	struct containers *containers;
};

/*
 * What a formatter renders one field of one record with.  The sinks fill it
 * once per record; a formatter may write its text into scratch.
 */
struct field_ctx {
	const void *ev; /* the record: an event_header and what follows */
	size_t size; /* its bytes: a field past them is null, never read */
	const struct render_opts *ro;
	bool json; /* JSON, else the table */
	char *scratch; /* at least 64 bytes */
	size_t scratch_len;
	const void *settings; /* the schema's settings (schema.settings) */
};

struct field;
typedef void (*field_format_fn)(const struct field *f, const struct field_ctx *c,
				struct value *v);

struct field {
	const char *key;    /* JSON key, metric label */
	const char *header; /* table column header */
	enum field_kind kind;
	uint16_t offset;
	uint16_t size;
	int16_t width; /* table column width */
	uint16_t flags;
	uint32_t groups; /* table column groups that show it */
	const char *const *names; /* FK_ENUM */
	int nnames;
	field_format_fn format; /* FK_CUSTOM */
	void *arg; /* FK_CUSTOM: what its format callback keeps, owned by the schema */
};

struct schema {
	const char *name; /* "sig": the TYPE column and JSON "type" */
	enum event_type type;
	const struct field *fields;
	int nfields;
	/*
	 * What the tracer's options change in its formatters (field_ctx.settings):
	 * its open points this at settings it made from them.  NULL: none.
	 */
	const void *settings;
	/*
	 * The table column groups shown besides G_BASE: a run's copy of the
	 * schema has the ones its tracer's options switch on.
	 */
	uint32_t groups;
};

/*
 * What a formatter returns: each helper sets the whole value.  A formatter
 * that sets none returns null (JSON null, "-" in the table).
 */
static inline void value__int(struct value *v, int64_t i)
{
	*v = (struct value){ .kind = V_INT, .i = i };
}

static inline void value__uint(struct value *v, uint64_t u)
{
	*v = (struct value){ .kind = V_UINT, .u = u };
}

/* Plain ASCII, written as it is: a name, a number in text. */
static inline void value__text(struct value *v, const char *s)
{
	*v = (struct value){ .kind = V_TEXT, .s = s, .len = strlen(s) };
}

/* JSON true or false; the table shows the same word. */
static inline void value__bool(struct value *v, bool b)
{
	*v = (struct value){ .kind = V_TEXT, .s = b ? "true" : "false", .len = b ? 4 : 5,
			     .flags = VF_BARE };
}

/* Untrusted bytes (a comm, a path): each sink escapes them. */
static inline void value__bytes(struct value *v, const char *s, size_t len)
{
	*v = (struct value){ .kind = V_BYTES, .s = s, .len = len };
}

/* len bytes of NUL-terminated untrusted strings (lib/strlist.h); flags VF_QUOTE, VF_MORE. */
static inline void value__strlist(struct value *v, const char *s, size_t len, uint32_t flags)
{
	*v = (struct value){ .kind = V_STRLIST, .s = s, .len = len, .flags = flags };
}

/* An integer field of size 1, 2, 4 or 8 bytes at p (unaligned), sign- or zero-extended. */
int64_t record__int(const void *p, size_t size);
uint64_t record__uint(const void *p, size_t size);
/* Plain ASCII text printed into c->scratch. */
void value__printf(struct value *v, const struct field_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* One field of c->ev as a value, valid while the record and c->scratch are. */
void field__value(const struct field *f, const struct field_ctx *c, struct value *v);

/* Whether f is a column of sc's table, with the groups sc's run switched on. */
static inline bool field__in_table(const struct schema *sc, const struct field *f)
{
	return (f->flags & F_TABLE) && (f->groups & (sc->groups | G_BASE));
}

/* Whether a column of sc's table shows the event's time: FK_TIME, or marked F_TIME. */
bool schema__table_shows_time(const struct schema *sc);

/* Field table entries for the common header. */
#define HDR_FIELD(k, h, kind_, member, w, fl, grp)                                        \
	{ .key = k, .header = h, .kind = kind_,                                            \
	  .offset = offsetof(struct event_header, member),                                \
	  .size = sizeof(((struct event_header *)0)->member), .width = w, .flags = fl,     \
	  .groups = grp }
#define EV_FIELD(type, k, h, kind_, member, w, fl, grp)                                   \
	{ .key = k, .header = h, .kind = kind_, .offset = offsetof(type, member),           \
	  .size = sizeof(((type *)0)->member), .width = w, .flags = fl, .groups = grp }
#define EV_ENUM(type, k, h, member, w, fl, grp, names_)                                   \
	{ .key = k, .header = h, .kind = FK_ENUM, .offset = offsetof(type, member),         \
	  .size = sizeof(((type *)0)->member), .width = w, .flags = fl, .groups = grp,      \
	  .names = names_, .nnames = sizeof(names_) / sizeof(names_[0]) }
/* A signed id that is null when negative (not known). */
#define EV_OPT_ID(type, k, h, member, w, fl, grp)                                          \
	{ .key = k, .header = h, .kind = FK_ENUM, .offset = offsetof(type, member),         \
	  .size = sizeof(((type *)0)->member), .width = w, .flags = fl, .groups = grp }
/* The header's namespace ids, JSON only: after cgroup_id in every tracer's schema. */
#define HDR_NS_FIELDS                                                                      \
	HDR_FIELD("ns_pid", "NSPID", FK_UINT, ns_pid, 0, F_JSON, G_BASE),                     \
	HDR_FIELD("ns_tid", "NSTID", FK_UINT, ns_tid, 0, F_JSON, G_BASE),                     \
	HDR_FIELD("pidns", "PIDNS", FK_UINT, pidns, 0, F_JSON, G_BASE),                       \
	HDR_FIELD("mntns", "MNTNS", FK_UINT, mntns, 0, F_JSON, G_BASE)
/*
 * The identity of the event's process image and of its parent's (events.h),
 * JSON only: "START:PID:SEQ" (lib/lineage_fields.c).
 */
void field__exec_id(const struct field *f, const struct field_ctx *c, struct value *v);
void field__parent_exec_id(const struct field *f, const struct field_ctx *c, struct value *v);
#define HDR_LINEAGE_FIELDS                                                                   \
	EV_CUSTOM("exec_id", "EXECID", field__exec_id, 0, F_JSON, G_BASE),                      \
	EV_CUSTOM("parent_exec_id", "PEXECID", field__parent_exec_id, 0, F_JSON, G_BASE)
/*
 * The container of the event's cgroup (lib/containers.h): after the namespace
 * ids in every tracer's schema.  The table has one CONTAINER column (G_CONTAINER:
 * the name, else the short id); JSON has each part.
 */
void field__container(const struct field *f, const struct field_ctx *c, struct value *v);
void field__container_id(const struct field *f, const struct field_ctx *c, struct value *v);
void field__container_runtime(const struct field *f, const struct field_ctx *c,
			      struct value *v);
void field__pod_uid(const struct field *f, const struct field_ctx *c, struct value *v);
void field__container_name(const struct field *f, const struct field_ctx *c, struct value *v);
void field__container_image(const struct field *f, const struct field_ctx *c, struct value *v);
#define HDR_CONTAINER_FIELDS                                                                 \
	EV_CUSTOM("container", "CONTAINER", field__container, 16, F_TABLE | F_LEFT, G_CONTAINER), \
	EV_CUSTOM("container_id", "CONTAINER", field__container_id, 0, F_JSON, G_BASE),          \
	EV_CUSTOM("container_name", "NAME", field__container_name, 0, F_JSON, G_BASE),           \
	EV_CUSTOM("image", "IMAGE", field__container_image, 0, F_JSON, G_BASE),                  \
	EV_CUSTOM("container_runtime", "RUNTIME", field__container_runtime, 0, F_JSON, G_BASE),  \
	EV_CUSTOM("pod_uid", "POD", field__pod_uid, 0, F_JSON, G_BASE)
/* FK_CUSTOM: fn(f, c, v) renders it from the whole record, c->ev. */
#define EV_CUSTOM(k, h, fn, w, fl, grp)                                                    \
	{ .key = k, .header = h, .kind = FK_CUSTOM, .width = w, .flags = fl, .groups = grp, \
	  .format = fn }

#endif
