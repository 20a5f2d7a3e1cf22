// SPDX-License-Identifier: GPL-2.0
/* A schema from BTF built here: ints, bool, enum, char array, int array, nested struct. */
#include <errno.h>
#include <stdlib.h>
#include "runner/btf_schema.h"
#include "unit.h"

struct inner {
	short x;
	long long y;
};

struct ev {
	__u32 pid;
	int kind;
	_Bool ok;
	__u16 vals[3];
	struct inner at;
	char comm[8];
	unsigned int bits : 3; /* left out */
};

static const struct field *field(const struct schema *sc, const char *key)
{
	for (int i = 0; i < sc->nfields; i++)
		if (strcmp(sc->fields[i].key, key) == 0)
			return &sc->fields[i];
	return NULL;
}

static struct btf *make_btf(__u32 *ev_id)
{
	struct btf *btf = btf__new_empty();
	int u32 = btf__add_int(btf, "unsigned int", 4, 0);
	int s32 = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	int b = btf__add_int(btf, "_Bool", 1, BTF_INT_BOOL);
	int u16 = btf__add_int(btf, "unsigned short", 2, 0);
	int s16 = btf__add_int(btf, "short", 2, BTF_INT_SIGNED);
	int s64 = btf__add_int(btf, "long long", 8, BTF_INT_SIGNED);
	int ch = btf__add_int(btf, "char", 1, BTF_INT_CHAR);
	int kind = btf__add_enum(btf, "kind", 4);
	int vals, inner, comm, td;

	btf__add_enum_value(btf, "KIND_A", 0);
	btf__add_enum_value(btf, "KIND_B", 1);
	td = btf__add_typedef(btf, "kind_t", kind);
	vals = btf__add_array(btf, u32, u16, 3);
	comm = btf__add_array(btf, u32, ch, 8);
	inner = btf__add_struct(btf, "inner", sizeof(struct inner));
	btf__add_field(btf, "x", s16, offsetof(struct inner, x) * 8, 0);
	btf__add_field(btf, "y", s64, offsetof(struct inner, y) * 8, 0);
	*ev_id = btf__add_struct(btf, "ev", sizeof(struct ev));
	btf__add_field(btf, "pid", u32, offsetof(struct ev, pid) * 8, 0);
	btf__add_field(btf, "kind", td, offsetof(struct ev, kind) * 8, 0);
	btf__add_field(btf, "ok", b, offsetof(struct ev, ok) * 8, 0);
	btf__add_field(btf, "vals", vals, offsetof(struct ev, vals) * 8, 0);
	btf__add_field(btf, "at", inner, offsetof(struct ev, at) * 8, 0);
	btf__add_field(btf, "comm", comm, offsetof(struct ev, comm) * 8, 0);
	btf__add_field(btf, "bits", u32, (offsetof(struct ev, comm) + 8) * 8, 3);
	(void)s32;
	return btf;
}

TEST(btf_schema_flattens_and_names)
{
	struct btf_schema_opts o = { .name = "ev", .type = EVENT_USER, .time_field = true,
				     .base = sizeof(struct event_header) };
	struct {
		struct event_header h;
		struct ev e;
	} rec = { .h = { .ts_ns = 1 },
		  .e = { .pid = 7, .kind = 1, .ok = 1, .vals = { 1, 2, 3 },
			 .at = { -4, 1ll << 40 }, .comm = "abc" } };
	struct render_opts ro = {};
	struct schema *sc;
	struct value v;
	char scratch[128];
	struct field_ctx c = { .ev = &rec, .size = sizeof(rec), .ro = &ro, .json = true,
			       .scratch = scratch, .scratch_len = sizeof(scratch) };
	__u32 id;
	struct btf *btf = make_btf(&id);

	CHECK_INT(btf_schema__new(btf, id, &o, &sc), 0);
	CHECK_STR(sc->name, "ev");
	/* time, pid, kind, ok, vals[0..2], at.x, at.y, comm; no bitfield */
	CHECK_INT(sc->nfields, 10);
	CHECK_STR(sc->fields[0].header, "TIME");
	CHECK_INT(field(sc, "pid")->offset, sizeof(struct event_header));
	field__value(field(sc, "kind"), &c, &v);
	CHECK_STR(v.s, "KIND_B");
	field__value(field(sc, "ok"), &c, &v);
	CHECK(v.kind == V_TEXT && v.flags == VF_BARE); /* JSON true */
	CHECK_STR(v.s, "true");
	field__value(field(sc, "vals[2]"), &c, &v);
	CHECK_INT(v.u, 3);
	field__value(field(sc, "at.x"), &c, &v);
	CHECK_INT(v.i, -4);
	field__value(field(sc, "at.y"), &c, &v);
	CHECK_INT(v.i, 1ll << 40);
	CHECK_STR(field(sc, "at.y")->header, "AT.Y");
	field__value(field(sc, "comm"), &c, &v);
	CHECK(v.kind == V_BYTES && v.len == 3 && memcmp(v.s, "abc", 3) == 0);
	CHECK(!field(sc, "bits"));
	/* A record cut short: the fields past its end are null. */
	c.size = sizeof(rec.h) + 8;
	field__value(field(sc, "comm"), &c, &v);
	CHECK(v.kind == V_NULL);
	btf_schema__free(sc);
	/* Not a struct. */
	CHECK_INT(btf_schema__new(btf, 1, &o, &sc), -EINVAL);
	btf__free(btf);
}
