// SPDX-License-Identifier: GPL-2.0
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include "runner/btf_schema.h"
#include "runner/symbols.h"
#include "lib/strbuf.h"

#define MAX_DEPTH 8
#define MAX_ENUM_NAMES 1024
/* Stack fields a struct may have; more are shown as numbers. */
#define STACKS_MAX 8
/* The largest stack trace map value read for a stack id (127 frames, the kernel's default max). */
#define STACK_ID_MAX_BYTES (256 * 8)

struct stack_field;

struct owned_schema {
	struct schema sc; /* first: the public pointer */
	struct symbols *symbols; /* for stack fields, made with the first */
	struct stack_field *stacks[STACKS_MAX];
	int nstacks;
	struct field *fields;
	int cap;
	/* Strings and names arrays the fields point to. */
	void **allocs;
	int nallocs;
};

struct walk {
	const struct btf *btf;
	const struct btf_schema_opts *opts;
	const struct bpf_map *stack_map; /* for stack id fields, or NULL */
	struct owned_schema *os;
	size_t base;
	int err;
	unsigned steps; /* bounds the walk of nested arrays of empty structs */
};

const struct btf_type *btf_schema__skip_mods(const struct btf *btf, __u32 id, __u32 *res_id)
{
	const struct btf_type *t = btf__type_by_id(btf, id);

	for (int i = 0; t && i < 32; i++) {
		switch (btf_kind(t)) {
		case BTF_KIND_TYPEDEF:
		case BTF_KIND_CONST:
		case BTF_KIND_VOLATILE:
		case BTF_KIND_RESTRICT:
		case BTF_KIND_TYPE_TAG:
			id = t->type;
			t = btf__type_by_id(btf, id);
			continue;
		default:
			if (res_id)
				*res_id = id;
			return t;
		}
	}
	return NULL;
}

static void *keep(struct walk *w, void *p)
{
	void **v;

	if (!p) {
		w->err = -ENOMEM;
		return NULL;
	}
	v = realloc(w->os->allocs, (w->os->nallocs + 1) * sizeof(*v));
	if (!v) {
		free(p);
		w->err = -ENOMEM;
		return NULL;
	}
	w->os->allocs = v;
	v[w->os->nallocs++] = p;
	return p;
}

/* Room for one more field: false when out of memory (w->err says so). */
static bool room(struct walk *w)
{
	struct owned_schema *os = w->os;
	struct field *v;
	int cap;

	if (os->sc.nfields < os->cap)
		return true;
	cap = os->cap ? os->cap * 2 : 16;
	v = realloc(os->fields, cap * sizeof(*v));
	if (!v) {
		w->err = -ENOMEM;
		return false;
	}
	os->fields = v;
	os->cap = cap;
	os->sc.fields = v;
	return true;
}

static struct field *add_field(struct walk *w, const char *key, enum field_kind kind,
			       size_t offset, size_t size)
{
	struct owned_schema *os = w->os;
	struct field *f;
	char *k, *h;

	if (w->err || os->sc.nfields >= BTF_SCHEMA_MAX_FIELDS)
		return NULL;
	/* A record is at most 64 KiB: struct field offsets are 16 bits. */
	if (w->base + offset + size > 0xffff || size == 0 || size > 0xffff)
		return NULL;
	if (!room(w))
		return NULL;
	k = keep(w, strdup(key));
	h = k ? keep(w, strdup(key)) : NULL;
	if (!h)
		return NULL;
	for (char *p = h; *p; p++)
		*p = toupper((unsigned char)*p);
	f = &os->fields[os->sc.nfields++];
	memset(f, 0, sizeof(*f));
	f->key = k;
	f->header = h;
	f->kind = kind;
	f->offset = w->base + offset;
	f->size = size;
	f->flags = F_BOTH;
	f->groups = G_BASE;
	f->width = strlen(h);
	return f;
}

static void set_width(struct field *f, int w)
{
	if (f && f->width < w)
		f->width = w;
}

static void format_hex_bytes(const struct field *f, const struct field_ctx *c, struct value *v)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)c->ev + f->offset;
	size_t n = f->size, o = 0;

	if ((size_t)f->offset + f->size > c->size)
		return;
	for (size_t i = 0; i < n && o + 3 < c->scratch_len; i++) {
		c->scratch[o++] = digits[p[i] >> 4];
		c->scratch[o++] = digits[p[i] & 15];
	}
	c->scratch[o] = 0;
	value__text(v, c->scratch);
}

static void format_float(const struct field *f, const struct field_ctx *c, struct value *v)
{
	const char *p = (const char *)c->ev + f->offset;

	if ((size_t)f->offset + f->size > c->size)
		return;
	if (f->size == 4) {
		float x;

		memcpy(&x, p, 4);
		value__printf(v, c, "%g", x);
	} else {
		double x;

		memcpy(&x, p, 8);
		value__printf(v, c, "%g", x);
	}
}

static void add_hex_bytes(struct walk *w, const char *key, size_t off, size_t size)
{
	struct field *f = add_field(w, key, FK_CUSTOM, off, size);

	if (f) {
		f->format = format_hex_bytes;
		f->flags |= F_LEFT;
		/* Two digits a byte, up to what the sinks' scratch buffer holds. */
		set_width(f, size * 2 > 64 ? 64 : size * 2);
	}
}

/*
 * A stack trace: an array of 8-byte addresses whose name says which stack
 * (kstack, kernel_stack, ustack, user_stack and the like), as bpf_get_stack()
 * fills it.  Each address is shown as a symbol: a list in JSON, innermost
 * first; frames joined by ';' in the table.  Its length comes from a field
 * named NAME_sz or NAME_size (bytes, as bpf_get_stack returns them; negative:
 * no stack), else the stack ends at its first zero.  A user stack's addresses
 * are those of the process in the struct's pid (or tgid) field.
 */
struct stack_field {
	bool kernel;
	bool raw; /* addresses, not symbols */
	int len_off, len_size; /* the length field, or len_size 0 */
	int pid_off, pid_size; /* the pid field, or pid_size 0 */
	struct symbols *symbols;
	struct strbuf out; /* the frames, each with its NUL */
	const struct bpf_map *map; /* a stack id's: the stack trace map */
	__u64 *frames; /* a stack id's: the map's value */
};

static int stack_kind(const struct walk *w, const char *key)
{
	const char *name = strrchr(key, '.') ? strrchr(key, '.') + 1 : key;

	/* Named by @intepreter: those fields, and no others of the array forms. */
	if (w->opts->stack_names.kstack || w->opts->stack_names.ustack) {
		if (w->opts->stack_names.kstack && !strcmp(key, w->opts->stack_names.kstack))
			return 1;
		if (w->opts->stack_names.ustack && !strcmp(key, w->opts->stack_names.ustack))
			return 2;
	}
	static const char *const kernel[] = { "kstack", "kernel_stack", "kern_stack", "kstack_trace" };
	static const char *const user[] = { "ustack", "user_stack", "ustack_trace" };
	static const char *const kernel_id[] = { "kstack_id", "kern_stack_id", "kernel_stack_id",
						 "kstackid", "kernel_stackid" };
	static const char *const user_id[] = { "ustack_id", "user_stack_id", "ustackid",
					       "user_stackid" };

	for (size_t i = 0; i < sizeof(kernel_id) / sizeof(kernel_id[0]); i++)
		if (!strcmp(name, kernel_id[i]))
			return 3;
	for (size_t i = 0; i < sizeof(user_id) / sizeof(user_id[0]); i++)
		if (!strcmp(name, user_id[i]))
			return 4;

	for (size_t i = 0; i < sizeof(kernel) / sizeof(kernel[0]); i++)
		if (!strcmp(name, kernel[i]))
			return 1;
	for (size_t i = 0; i < sizeof(user) / sizeof(user[0]); i++)
		if (!strcmp(name, user[i]))
			return 2;
	return 0;
}

static void render_frames(struct stack_field *sf, const struct field_ctx *c, const char *addrs,
			  size_t n, struct value *v);

static void format_stack(const struct field *f, const struct field_ctx *c, struct value *v)
{
	struct stack_field *sf = f->arg;
	const char *rec = c->ev;
	size_t n = f->size / 8;

	if ((size_t)f->offset + f->size > c->size)
		return;
	if (sf->len_size) {
		int64_t len;

		if ((size_t)sf->len_off + sf->len_size > c->size)
			return;
		len = record__int(rec + sf->len_off, sf->len_size);
		if (len < 0)
			return; /* bpf_get_stack's error: no stack */
		if ((uint64_t)len / 8 < n)
			n = len / 8;
	}
	render_frames(sf, c, rec + f->offset, n, v);
}

/*
 * A stack id into the program's stack trace map (bpf_get_stackid's; negative:
 * none): the map's entry, shown as format_stack shows an array.
 */
static void format_stack_id(const struct field *f, const struct field_ctx *c, struct value *v)
{
	struct stack_field *sf = f->arg;
	__u32 value_size = bpf_map__value_size(sf->map), key;
	int64_t id;
	int fd = bpf_map__fd(sf->map);

	if ((size_t)f->offset + f->size > c->size || fd < 0 || value_size > STACK_ID_MAX_BYTES)
		return;
	id = record__int((const char *)c->ev + f->offset, f->size);
	if (id < 0 || id > UINT32_MAX)
		return;
	key = id;
	memset(sf->frames, 0, value_size);
	if (bpf_map_lookup_elem(fd, &key, sf->frames))
		return; /* gone from the map, or never there */
	render_frames(sf, c, (const char *)sf->frames, value_size / 8, v);
}

/* n addresses at addrs (the first zero ends them) as the value of a stack field. */
static void render_frames(struct stack_field *sf, const struct field_ctx *c, const char *addrs,
			  size_t n, struct value *v)
{
	const char *rec = c->ev;
	char frame[512];
	int pid = 0;

	if (sf->pid_size && (size_t)sf->pid_off + sf->pid_size <= c->size)
		pid = record__int(rec + sf->pid_off, sf->pid_size);
	sf->out.len = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t addr;

		memcpy(&addr, addrs + i * 8, 8);
		if (!addr)
			break;
		if (sf->raw)
			snprintf(frame, sizeof(frame), "0x%llx", (unsigned long long)addr);
		else if (sf->kernel)
			symbols__kernel(sf->symbols, addr, frame, sizeof(frame));
		else
			symbols__user(sf->symbols, pid, addr, frame, sizeof(frame));
		if (!c->json && sf->out.len)
			strbuf__add(&sf->out, ";", 1);
		strbuf__add(&sf->out, frame, strlen(frame) + (c->json ? 1 : 0));
	}
	if (c->json)
		value__strlist(v, sf->out.buf ? sf->out.buf : "", sf->out.len, 0);
	else
		value__bytes(v, sf->out.buf ? sf->out.buf : "", sf->out.len);
}

static void free_stack_field(void *p)
{
	struct stack_field *sf = p;

	free(sf->frames);
	strbuf__free(&sf->out);
	free(sf);
}

/*
 * A stack field: an array of addresses (map NULL), or a stack id into map.
 * Beyond STACKS_MAX of them, the rest are plain numbers.
 */
static void add_stack(struct walk *w, const char *key, size_t off, size_t size, bool kernel,
		      const struct bpf_map *map)
{
	struct stack_field *sf;
	struct field *f;

	if (w->os->nstacks == STACKS_MAX) {
		if (map)
			add_field(w, key, FK_INT, off, size);
		else
			add_hex_bytes(w, key, off, size);
		return;
	}
	f = add_field(w, key, FK_CUSTOM, off, size);
	if (!f)
		return;
	if (!w->os->symbols && !(w->os->symbols = symbols__new())) {
		w->err = -ENOMEM;
		return;
	}
	sf = calloc(1, sizeof(*sf));
	if (!sf) {
		w->err = -ENOMEM;
		return;
	}
	sf->kernel = kernel;
	sf->raw = w->opts->stack_names.raw;
	sf->symbols = w->os->symbols;
	sf->map = map;
	if (map && !(sf->frames = malloc(STACK_ID_MAX_BYTES))) {
		free(sf);
		w->err = -ENOMEM;
		return;
	}
	w->os->stacks[w->os->nstacks++] = sf;
	f->format = map ? format_stack_id : format_stack;
	f->arg = sf;
	f->flags |= F_LEFT;
	set_width(f, 40);
}

/*
 * Each stack field's length and pid fields, by name (@intepreter's, else
 * NAME_sz or NAME_size, and pid or tgid), wherever they are in the struct.
 */
static void link_stacks(struct owned_schema *os, const struct btf_schema_opts *o)
{
	for (int i = 0; i < os->sc.nfields; i++) {
		struct field *f = &os->fields[i];
		struct stack_field *sf = f->arg;
		const char *dot = strrchr(f->key, '.');
		size_t plen = dot ? (size_t)(dot - f->key + 1) : 0;

		if (f->format != format_stack && f->format != format_stack_id)
			continue;
		for (int j = 0; j < os->sc.nfields; j++) {
			const struct field *g = &os->fields[j];
			size_t klen = strlen(f->key);
			bool int_field = g->kind == FK_INT || g->kind == FK_UINT;

			if (!int_field)
				continue;
			const char *len_name = sf->kernel ? o->stack_names.kstack_sz
							  : o->stack_names.ustack_sz;

			if (len_name ? !strcmp(g->key, len_name)
				     : !strncmp(g->key, f->key, klen) &&
					       (!strcmp(g->key + klen, "_sz") ||
						!strcmp(g->key + klen, "_size"))) {
				sf->len_off = g->offset;
				sf->len_size = g->size;
			}
			if ((o->stack_names.pid ? !strcmp(g->key, o->stack_names.pid)
						: !strncmp(g->key, f->key, plen) &&
							  (!strcmp(g->key + plen, "pid") ||
							   !strcmp(g->key + plen, "tgid"))) &&
			    !sf->pid_size) {
				sf->pid_off = g->offset;
				sf->pid_size = g->size;
			}
		}
	}
}

static bool is_char(const struct btf *btf, const struct btf_type *t)
{
	const char *name = btf__name_by_offset(btf, t->name_off);

	if (!btf_is_int(t) || t->size != 1)
		return false;
	return (btf_int_encoding(t) & BTF_INT_CHAR) ||
	       (name && (strcmp(name, "char") == 0 || strcmp(name, "signed char") == 0));
}

static void add_enum(struct walk *w, const char *key, const struct btf_type *t, size_t off)
{
	int max = -1, n = btf_vlen(t);
	const char **names;
	struct field *f;
	bool is64 = btf_is_enum64(t);
	size_t widest = 0;

	if (t->size != 1 && t->size != 2 && t->size != 4 && t->size != 8)
		return;
	for (int i = 0; i < n; i++) {
		long long val = is64 ? (long long)btf_enum64_value(btf_enum64(t) + i)
				     : btf_enum(t)[i].val;

		if (val >= 0 && val < MAX_ENUM_NAMES && val > max)
			max = val;
	}
	f = add_field(w, key, FK_ENUM, off, t->size);
	if (!f)
		return;
	f->flags |= F_LEFT;
	if (max < 0)
		return;
	names = keep(w, calloc(max + 1, sizeof(*names)));
	if (!names)
		return;
	for (int i = 0; i < n; i++) {
		long long val = is64 ? (long long)btf_enum64_value(btf_enum64(t) + i)
				     : btf_enum(t)[i].val;
		__u32 name_off = is64 ? btf_enum64(t)[i].name_off : btf_enum(t)[i].name_off;
		const char *name = btf__name_by_offset(w->btf, name_off);

		if (val < 0 || val > max || names[val] || !name)
			continue;
		names[val] = name;
		if (strlen(name) > widest)
			widest = strlen(name);
	}
	f->names = names;
	f->nnames = max + 1;
	set_width(f, widest > 24 ? 24 : widest);
}

static void walk_type(struct walk *w, const char *key, __u32 id, size_t off, int depth);

static void walk_members(struct walk *w, const char *prefix, const struct btf_type *t,
			 size_t off, int depth)
{
	const struct btf_member *m = btf_members(t);
	int n = btf_vlen(t);

	for (int i = 0; i < n && !w->err; i++) {
		const char *name = btf__name_by_offset(w->btf, m[i].name_off);
		__u32 bit = btf_member_bit_offset(t, i);
		char key[256];

		if (btf_member_bitfield_size(t, i) || bit % 8)
			continue;
		if (!name || !name[0])
			snprintf(key, sizeof(key), "%s", prefix); /* anonymous: no level */
		else if (prefix[0])
			snprintf(key, sizeof(key), "%s.%s", prefix, name);
		else
			snprintf(key, sizeof(key), "%s", name);
		if (!name || !name[0]) {
			/* Keys of its members go straight under prefix. */
			char p[256];

			snprintf(p, sizeof(p), "%s", prefix);
			walk_type(w, p[0] ? p : NULL, m[i].type, off + bit / 8, depth + 1);
		} else {
			walk_type(w, key, m[i].type, off + bit / 8, depth + 1);
		}
	}
}

static void walk_type(struct walk *w, const char *key, __u32 id, size_t off, int depth)
{
	const struct btf_type *t;
	struct field *f;
	__u32 rid;

	if (depth > MAX_DEPTH || w->err || off > 0xffff || ++w->steps > 100000 ||
	    w->os->sc.nfields >= BTF_SCHEMA_MAX_FIELDS)
		return;
	t = btf_schema__skip_mods(w->btf, id, &rid);
	if (!t)
		return;
	switch (btf_kind(t)) {
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		walk_members(w, key ? key : "", t, off, depth);
		return;
	default:
		break;
	}
	if (!key)
		return;
	switch (btf_kind(t)) {
	case BTF_KIND_INT: {
		__u8 enc = btf_int_encoding(t);

		if (btf_int_offset(t) || (btf_int_bits(t) != t->size * 8))
			return;
		if (w->stack_map && (t->size == 4 || t->size == 8) && stack_kind(w, key) >= 3) {
			add_stack(w, key, off, t->size, stack_kind(w, key) == 3, w->stack_map);
			return;
		}
		if (enc & BTF_INT_BOOL) {
			f = add_field(w, key, FK_BOOL, off, t->size);
			set_width(f, 5);
		} else if (t->size == 1 || t->size == 2 || t->size == 4 || t->size == 8) {
			f = add_field(w, key, (enc & BTF_INT_SIGNED) || is_char(w->btf, t) ? FK_INT
										: FK_UINT,
				      off, t->size);
			set_width(f, t->size >= 4 ? 7 : 4);
		} else {
			add_hex_bytes(w, key, off, t->size);
		}
		return;
	}
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		add_enum(w, key, t, off);
		return;
	case BTF_KIND_PTR:
		f = add_field(w, key, FK_HEX, off, 8);
		set_width(f, 18);
		return;
	case BTF_KIND_FLOAT:
		if (t->size != 4 && t->size != 8)
			return;
		f = add_field(w, key, FK_CUSTOM, off, t->size);
		if (f) {
			f->format = format_float;
			set_width(f, 10);
		}
		return;
	case BTF_KIND_ARRAY: {
		const struct btf_array *a = btf_array(t);
		const struct btf_type *et;
		__u32 eid;
		__s64 esz;

		et = btf_schema__skip_mods(w->btf, a->type, &eid);
		if (!et || a->nelems == 0)
			return;
		esz = btf__resolve_size(w->btf, eid);
		if (esz <= 0 || esz > 0xffff || a->nelems > 0xffff ||
		    (size_t)esz * a->nelems > 0xffff)
			return;
		if (esz == 8 && btf_is_int(et) && a->nelems >= 2 &&
		    (stack_kind(w, key) == 1 || stack_kind(w, key) == 2)) {
			add_stack(w, key, off, esz * a->nelems, stack_kind(w, key) == 1, NULL);
		} else if (is_char(w->btf, et)) {
			f = add_field(w, key, FK_STR, off, a->nelems);
			if (f) {
				f->flags |= F_LEFT;
				set_width(f, a->nelems > 16 ? 16 : a->nelems);
			}
		} else if (a->nelems <= BTF_SCHEMA_MAX_ARRAY &&
			   (btf_is_int(et) || btf_is_enum(et) || btf_is_enum64(et) ||
			    btf_is_ptr(et) || btf_is_float(et) || btf_is_composite(et) ||
			    btf_is_array(et))) {
			for (__u32 i = 0; i < a->nelems && !w->err; i++) {
				char k[256];

				snprintf(k, sizeof(k), "%s[%u]", key, i);
				walk_type(w, k, a->type, off + i * esz, depth + 1);
			}
		} else {
			add_hex_bytes(w, key, off, esz * a->nelems);
		}
		return;
	}
	default:
		return;
	}
}

/* A field of the whole record, unless a field of the struct has its key. */
static void add_extra(struct walk *w, const struct field *extra)
{
	struct owned_schema *os = w->os;

	for (int i = 0; i < os->sc.nfields; i++)
		if (!strcmp(os->fields[i].key, extra->key))
			return;
	if (os->sc.nfields < BTF_SCHEMA_MAX_FIELDS && room(w))
		os->fields[os->sc.nfields++] = *extra;
}

int btf_schema__new(const struct btf *btf, __u32 id, const struct btf_schema_opts *opts,
		    struct schema **out)
{
	struct owned_schema *os;
	const struct btf_type *t;
	struct walk w = { .btf = btf, .opts = opts, .base = opts->base,
			  .stack_map = opts->stack_map };
	char *name;

	*out = NULL;
	t = btf_schema__skip_mods(btf, id, NULL);
	if (!t || !btf_is_composite(t))
		return -EINVAL;
	os = calloc(1, sizeof(*os));
	if (!os)
		return -ENOMEM;
	w.os = os;
	name = keep(&w, strdup(opts->name ? opts->name : "event"));
	os->sc.name = name;
	os->sc.type = opts->type;
	if (opts->time_field) {
		w.base = 0;
		if (add_field(&w, "time", FK_TIME, offsetof(struct event_header, ts_ns), 8)) {
			os->fields[0].width = 15;
			os->fields[0].flags |= F_LEFT;
		}
		w.base = opts->base;
	}
	walk_type(&w, opts->key_prefix && opts->key_prefix[0] ? opts->key_prefix : NULL, id, 0, 0);
	for (int i = 0; i < opts->nextra && !w.err; i++)
		add_extra(&w, &opts->extra[i]);
	link_stacks(os, opts);
	if (w.err) {
		btf_schema__free(&os->sc);
		return w.err;
	}
	*out = &os->sc;
	return 0;
}

void btf_schema__free(struct schema *sc)
{
	struct owned_schema *os = (struct owned_schema *)sc;

	if (!os)
		return;
	for (int i = 0; i < os->nallocs; i++)
		free(os->allocs[i]);
	for (int i = 0; i < os->nstacks; i++)
		free_stack_field(os->stacks[i]);
	symbols__free(os->symbols);
	free(os->allocs);
	free(os->fields);
	free(os);
}
