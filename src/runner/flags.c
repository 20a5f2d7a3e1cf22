// SPDX-License-Identifier: GPL-2.0
/*
 * Globals become flags: every variable in .rodata, .data and .bss (and
 * their named variants) whose BTF type is an integer, a bool, an enum or a
 * char array.  Values are written into the map's initial image before load.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "runner/btf_schema.h"
#include "lib/log.h"
#include "lib/strbuf.h"
#include "runner/runner.h"

static bool data_section(const char *name)
{
	static const char *const prefixes[] = { ".rodata", ".data", ".bss" };

	for (size_t i = 0; i < 3; i++) {
		size_t n = strlen(prefixes[i]);

		if (strncmp(name, prefixes[i], n) == 0 && (name[n] == 0 || name[n] == '.'))
			return true;
	}
	return false;
}

/* libbpf names internal maps "<object prefix><section>", or just the section. */
static struct bpf_map *section_map(struct bpf_object *obj, const char *sec)
{
	struct bpf_map *map;

	bpf_object__for_each_map(map, obj) {
		const char *name = bpf_map__name(map), *dot;

		if (!bpf_map__is_internal(map))
			continue;
		dot = strchr(name, '.');
		if (strcmp(name, sec) == 0 || (dot && strcmp(dot, sec) == 0))
			return map;
	}
	return NULL;
}

static bool valid_name(const char *s)
{
	if (!s || !(isalpha((unsigned char)*s) || *s == '_'))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

static const char *enum_name_of(const struct btf *btf, const struct btf_type *t, long long v)
{
	for (int i = 0; i < btf_vlen(t); i++) {
		long long val = btf_is_enum64(t) ? (long long)btf_enum64_value(btf_enum64(t) + i)
						 : btf_enum(t)[i].val;
		__u32 off = btf_is_enum64(t) ? btf_enum64(t)[i].name_off : btf_enum(t)[i].name_off;

		if (val == v)
			return btf__name_by_offset(btf, off);
	}
	return NULL;
}

static void write_int(void *p, unsigned size, unsigned long long v)
{
	uint8_t b = v;
	uint16_t h = v;
	uint32_t w = v;
	uint64_t q = v;

	switch (size) {
	case 1: memcpy(p, &b, 1); break;
	case 2: memcpy(p, &h, 2); break;
	case 4: memcpy(p, &w, 4); break;
	default: memcpy(p, &q, 8); break;
	}
}

static void describe(const struct flag_set *fs, struct prog_flag *f, const char *doc)
{
	struct strbuf sb = {};

	strbuf__adds(&sb, doc && doc[0] ? doc : "");
	if (f->kind == FLAG_ENUM) {
		strbuf__adds(&sb, sb.len ? " (" : "(");
		for (int i = 0; i < btf_vlen(f->enum_type); i++) {
			__u32 off = btf_is_enum64(f->enum_type) ? btf_enum64(f->enum_type)[i].name_off
							       : btf_enum(f->enum_type)[i].name_off;

			strbuf__addf(&sb, "%s%s", i ? ", " : "", btf__name_by_offset(fs->btf, off));
		}
		strbuf__adds(&sb, ")");
	}
	strbuf__adds(&sb, sb.len ? " (default " : "(default ");
	switch (f->kind) {
	case FLAG_INT:
		strbuf__addf(&sb, "%lld", (long long)record__int(f->data, f->size));
		break;
	case FLAG_UINT:
		strbuf__addf(&sb, "%llu", (unsigned long long)record__uint(f->data, f->size));
		break;
	case FLAG_BOOL:
		strbuf__adds(&sb, record__uint(f->data, f->size) ? "true" : "false");
		break;
	case FLAG_ENUM: {
		long long v = record__int(f->data, f->size);
		const char *n = enum_name_of(fs->btf, f->enum_type, v);

		if (n)
			strbuf__adds(&sb, n);
		else
			strbuf__addf(&sb, "%lld", v);
		break;
	}
	case FLAG_STR:
		strbuf__addf(&sb, "\"%.*s\"", (int)strnlen(f->data, f->size), (const char *)f->data);
		break;
	}
	strbuf__adds(&sb, ")");
	strbuf__addc(&sb, 0);
	f->help = sb.oom ? NULL : sb.buf;
	if (!f->help)
		strbuf__free(&sb);
}

static bool is_char_int(const struct btf *btf, const struct btf_type *t)
{
	const char *n = btf__name_by_offset(btf, t->name_off);

	return btf_is_int(t) && t->size == 1 &&
	       ((btf_int_encoding(t) & BTF_INT_CHAR) || (n && strstr(n, "char")));
}

void flags__annotation_error(const struct prog_flag *f, const char *tag, const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (f->doc && f->doc->line > 0)
		pr_err("@%s of %s (line %d): %s", tag, f->name, f->doc->line, why);
	else
		pr_err("@%s of %s: %s", tag, f->name, why);
}

/* @cmdarg's default, written as if given on the command line. */
static int apply_cmdarg(const struct flag_set *fs, struct prog_flag *f,
			const struct doc_cmdarg *a)
{
	const struct doc_value *d = &a->def;
	const char *why = "";
	char text[32], whybuf[128];
	const char *arg = text;

	f->shortopt = a->shortopt;
	switch (d->kind) {
	case DOC_NONE:
		return 0;
	case DOC_BOOL:
		if (f->kind != FLAG_BOOL) {
			flags__annotation_error(f, "cmdarg", "\"default\" is true or false but %s "
						"is not a bool", f->name);
			return -EINVAL;
		}
		arg = d->b ? "true" : "false";
		break;
	case DOC_NUMBER:
		if (f->kind == FLAG_BOOL || f->kind == FLAG_STR) {
			flags__annotation_error(f, "cmdarg", "\"default\" is a number but %s is %s",
						f->name, f->kind == FLAG_BOOL ? "a bool (true or false)"
									     : "a string");
			return -EINVAL;
		}
		snprintf(text, sizeof(text), "%lld", d->n);
		break;
	case DOC_STRING:
		if (f->kind == FLAG_BOOL) {
			flags__annotation_error(f, "cmdarg", "\"default\" is a string but %s is a "
						"bool (true or false)", f->name);
			return -EINVAL;
		}
		arg = d->s;
		break;
	}
	if (flags__set(fs, f, arg, &why, whybuf, sizeof(whybuf))) {
		flags__annotation_error(f, "cmdarg", "\"default\" %s does not fit %s: expected %s",
					arg, f->name, why);
		return -EINVAL;
	}
	return 0;
}

static int add_var(struct flag_set *fs, const struct doc_set *docs, const char *name,
		   __u32 type_id, void *data, size_t room)
{
	const struct btf_type *t = btf_schema__skip_mods(fs->btf, type_id, NULL);
	struct prog_flag f = { .data = data };
	const struct doc_entry *doc = doccomment__find(docs, name);
	struct prog_flag *v;

	if (!t)
		return 0;
	if (btf_is_int(t)) {
		if (t->size != 1 && t->size != 2 && t->size != 4 && t->size != 8)
			return 0;
		f.size = t->size;
		if (btf_int_encoding(t) & BTF_INT_BOOL)
			f.kind = FLAG_BOOL;
		else
			f.kind = btf_int_encoding(t) & BTF_INT_SIGNED ? FLAG_INT : FLAG_UINT;
	} else if (btf_is_enum(t) || btf_is_enum64(t)) {
		f.kind = FLAG_ENUM;
		f.size = t->size;
		f.enum_type = t;
		if (f.size != 1 && f.size != 2 && f.size != 4 && f.size != 8)
			return 0;
	} else if (btf_is_array(t)) {
		const struct btf_type *et = btf_schema__skip_mods(fs->btf, btf_array(t)->type, NULL);

		if (!et || !is_char_int(fs->btf, et) || btf_array(t)->nelems == 0)
			return 0;
		f.kind = FLAG_STR;
		f.size = btf_array(t)->nelems;
	} else {
		pr_debug("global %s is not a flag: its type is not an integer, bool, enum or "
			 "char array", name);
		return 0;
	}
	if (f.size > room)
		return 0;
	f.doc = doc;
	f.name = strdup(name);
	f.opt = strdup(doc && doc->cmdarg.longopt ? doc->cmdarg.longopt : name);
	f.arg = strdup(f.kind == FLAG_ENUM ? "NAME" : f.kind == FLAG_STR ? "TEXT" : "N");
	if (!f.name || !f.arg || !f.opt)
		goto oom;
	if (doc && doc->cmdarg.set) {
		int err = apply_cmdarg(fs, &f, &doc->cmdarg);

		if (err) {
			free(f.name);
			free(f.opt);
			free(f.arg);
			return err;
		}
	}
	if (f.kind == FLAG_BOOL)
		f.bool_default = record__uint(f.data, f.size) != 0;
	describe(fs, &f, doc && doc->cmdarg.help ? doc->cmdarg.help : doc ? doc->text : NULL);
	if (!f.help)
		goto oom;
	v = realloc(fs->v, (fs->n + 1) * sizeof(*v));
	if (!v)
		goto oom;
	fs->v = v;
	fs->v[fs->n++] = f;
	return 0;
oom:
	free(f.name);
	free(f.opt);
	free(f.arg);
	free(f.help);
	return -ENOMEM;
}

static const struct prog_flag *flag_named(const struct flag_set *fs, const char *name)
{
	for (int i = 0; i < fs->n; i++)
		if (strcmp(fs->v[i].name, name) == 0)
			return &fs->v[i];
	return NULL;
}

/* @cmdarg on what is no flag; two flags with one option name or letter. */
static int check_annotations(const struct flag_set *fs, const struct doc_set *docs)
{
	for (int i = 0; i < docs->n; i++) {
		const struct doc_entry *e = &docs->entries[i];
		struct prog_flag dummy = { .name = e->name, .doc = e };

		if (e->cmdarg.set && !flag_named(fs, e->name)) {
			flags__annotation_error(&dummy, "cmdarg", "%s is not a global that can be "
						"a flag (an integer, bool, enum or char array)",
						e->name);
			return -EINVAL;
		}
	}
	for (int i = 0; i < fs->n; i++) {
		const struct prog_flag *f = &fs->v[i];

		for (int j = 0; j < fs->n; j++) {
			const struct prog_flag *g = &fs->v[j];

			if (i == j || !f->doc || !f->doc->cmdarg.set)
				continue;
			if (f->shortopt && f->shortopt == g->shortopt && j < i) {
				flags__annotation_error(f, "cmdarg", "-%c is %s's option too",
							f->shortopt, g->name);
				return -EINVAL;
			}
			if (strcmp(f->opt, g->opt) == 0) {
				flags__annotation_error(f, "cmdarg", "--%s is %s's option too", f->opt,
							g->name);
				return -EINVAL;
			}
		}
	}
	return 0;
}

int flags__collect(struct bpf_object *obj, const struct doc_set *docs, struct flag_set *fs)
{
	const struct btf *btf = bpf_object__btf(obj);
	int err = 0;

	memset(fs, 0, sizeof(*fs));
	fs->btf = btf;
	if (!btf)
		return 0;
	for (__u32 id = 1; id < btf__type_cnt(btf) && !err; id++) {
		const struct btf_type *t = btf__type_by_id(btf, id);
		const char *sec = btf__name_by_offset(btf, t->name_off);
		const struct btf_var_secinfo *vs;
		struct bpf_map *map;
		size_t size;
		char *image;

		if (!btf_is_datasec(t) || !sec || !data_section(sec))
			continue;
		map = section_map(obj, sec);
		image = map ? (char *)bpf_map__initial_value(map, &size) : NULL;
		if (!image)
			continue;
		vs = btf_var_secinfos(t);
		for (int i = 0; i < btf_vlen(t) && !err; i++) {
			const struct btf_type *var = btf__type_by_id(btf, vs[i].type);
			const char *name;

			if (!var || !btf_is_var(var) || vs[i].offset >= size)
				continue;
			name = btf__name_by_offset(btf, var->name_off);
			if (!valid_name(name) || strncmp(name, "__procsnoop", 11) == 0)
				continue;
			err = add_var(fs, docs, name, var->type, image + vs[i].offset,
				      size - vs[i].offset);
		}
	}
	if (!err)
		err = check_annotations(fs, docs);
	return err;
}

static bool parse_ll(const char *s, long long *v)
{
	char *end;

	errno = 0;
	*v = strtoll(s, &end, 0);
	return *s && !*end && !errno && !isspace((unsigned char)*s);
}

static bool parse_ull(const char *s, unsigned long long *v)
{
	char *end;

	errno = 0;
	if (!*s || *s == '-' || isspace((unsigned char)*s))
		return false;
	*v = strtoull(s, &end, 0);
	return !*end && !errno;
}

int flags__set(const struct flag_set *fs, const struct prog_flag *f, const char *arg,
	       const char **why, char *whybuf, size_t whylen)
{
	unsigned bits = f->size * 8;

	switch (f->kind) {
	case FLAG_INT: {
		long long v, lo = bits == 64 ? INT64_MIN : -(1ll << (bits - 1));
		long long hi = bits == 64 ? INT64_MAX : (1ll << (bits - 1)) - 1;

		if (!parse_ll(arg, &v) || v < lo || v > hi) {
			snprintf(whybuf, whylen, "an integer from %lld to %lld", lo, hi);
			*why = whybuf;
			return -EINVAL;
		}
		write_int(f->data, f->size, v);
		return 0;
	}
	case FLAG_UINT: {
		unsigned long long v, hi = bits == 64 ? UINT64_MAX : (1ull << bits) - 1;

		if (!parse_ull(arg, &v) || v > hi) {
			snprintf(whybuf, whylen, "an integer from 0 to %llu", hi);
			*why = whybuf;
			return -EINVAL;
		}
		write_int(f->data, f->size, v);
		return 0;
	}
	case FLAG_BOOL:
		if (!arg || !strcmp(arg, "true") || !strcmp(arg, "1") || !strcmp(arg, "yes")) {
			write_int(f->data, f->size, 1);
		} else if (!strcmp(arg, "false") || !strcmp(arg, "0") || !strcmp(arg, "no")) {
			write_int(f->data, f->size, 0);
		} else {
			*why = "true or false";
			return -EINVAL;
		}
		return 0;
	case FLAG_ENUM: {
		const struct btf_type *t = f->enum_type;
		long long v;

		for (int i = 0; i < btf_vlen(t); i++) {
			__u32 off = btf_is_enum64(t) ? btf_enum64(t)[i].name_off
						     : btf_enum(t)[i].name_off;
			const char *n = btf__name_by_offset(fs->btf, off);

			if (n && strcasecmp(n, arg) == 0) {
				v = btf_is_enum64(t) ? (long long)btf_enum64_value(btf_enum64(t) + i)
						     : (long long)btf_enum(t)[i].val;
				write_int(f->data, f->size, v);
				return 0;
			}
		}
		if (parse_ll(arg, &v) &&
		    (f->size == 8 || (v >= -(1ll << (bits - 1)) && v < (1ll << bits)))) {
			write_int(f->data, f->size, v);
			return 0;
		}
		snprintf(whybuf, whylen, "one of the names listed in --help, or a number");
		*why = whybuf;
		return -EINVAL;
	}
	case FLAG_STR:
		if (strlen(arg) >= f->size) {
			snprintf(whybuf, whylen, "at most %u bytes", f->size - 1);
			*why = whybuf;
			return -EINVAL;
		}
		memset(f->data, 0, f->size);
		memcpy(f->data, arg, strlen(arg));
		return 0;
	}
	return -EINVAL;
}

void flags__free(struct flag_set *fs)
{
	for (int i = 0; i < fs->n; i++) {
		free(fs->v[i].name);
		free(fs->v[i].opt);
		free(fs->v[i].arg);
		free(fs->v[i].help);
	}
	free(fs->v);
	memset(fs, 0, sizeof(*fs));
}
