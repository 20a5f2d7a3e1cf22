// SPDX-License-Identifier: GPL-2.0
/*
 * Every field kind, rendered by the real JSON and table sinks: what a JSON
 * consumer parses (numbers as numbers, booleans as true/false, null) and
 * what the table shows.
 */
#include <stdint.h>
#include "lib/sink.h"
#include "unit.h"

struct kinds_event {
	struct event_header h;
	__s8 s8;
	__s16 s16;
	__s32 s32;
	__s64 s64;
	__u8 u8;
	__u16 u16;
	__u32 u32;
	__u64 u64;
	__u64 time;
	char str[16];
	__u8 flag;
};

#define KF(kind, member) \
	((struct field)EV_FIELD(struct kinds_event, "v", "V", kind, member, 0, F_BOTH, G_BASE))

struct custom_settings {
	const char *unit;
};

/* JSON: the number; table: the number and the unit of the schema's settings; flag 0: null. */
static void f_custom(const struct field *f, const struct field_ctx *c, struct value *v)
{
	const struct kinds_event *e = c->ev;
	const struct custom_settings *s = c->settings;

	if (!e->flag)
		return;
	if (c->json)
		value__int(v, e->s32);
	else
		value__printf(v, c, "%d %s", e->s32, s->unit);
}

static const struct custom_settings custom_settings = { .unit = "ms" };

/*
 * One field f of e, alone in a schema, through the sink: in JSON what follows
 * "v": (up to the closing brace), in the table its cell.
 */
static const char *render(bool json, bool numeric, struct field f, const struct kinds_event *e,
			  size_t size)
{
	static char out[256];
	struct render_opts ro = { .numeric = numeric, .mono_to_real_ns = 3723000000000ll };
	struct schema sc = { .name = "k", .type = EVENT_USER, .fields = &f, .nfields = 1,
			     .settings = &custom_settings };
	const char *buf = unit__render(json, &ro, &sc, G_BASE, e, size), *p;
	size_t len;

	if (!buf)
		return "(no memory)";
	len = strlen(buf);
	if (json) {
		p = strstr(buf, "{\"type\":\"k\",\"v\":");
		if (!p || len < 3 || strcmp(buf + len - 2, "}\n"))
			return buf;
		p += strlen("{\"type\":\"k\",\"v\":");
		len = buf + len - 2 - p;
	} else {
		p = strncmp(buf, "V\n", 2) ? buf : buf + 2; /* the header, then the row */
		len = strlen(p);
		if (len && p[len - 1] == '\n')
			len--;
	}
	snprintf(out, sizeof(out), "%.*s", (int)len, p);
	return out;
}

static const char *json_of(struct field f, const struct kinds_event *e)
{
	return render(true, false, f, e, sizeof(*e));
}

static const char *table_of(struct field f, const struct kinds_event *e)
{
	return render(false, false, f, e, sizeof(*e));
}

TEST(kind_int_each_size_is_a_signed_number)
{
	struct kinds_event e = { .s8 = -128, .s16 = -32768, .s32 = INT32_MIN, .s64 = INT64_MIN };

	CHECK_STR(json_of(KF(FK_INT, s8), &e), "-128");
	CHECK_STR(table_of(KF(FK_INT, s8), &e), "-128");
	CHECK_STR(json_of(KF(FK_INT, s16), &e), "-32768");
	CHECK_STR(table_of(KF(FK_INT, s16), &e), "-32768");
	CHECK_STR(json_of(KF(FK_INT, s32), &e), "-2147483648");
	CHECK_STR(table_of(KF(FK_INT, s32), &e), "-2147483648");
	CHECK_STR(json_of(KF(FK_INT, s64), &e), "-9223372036854775808");
	CHECK_STR(table_of(KF(FK_INT, s64), &e), "-9223372036854775808");
	e.s8 = 127;
	e.s64 = INT64_MAX;
	CHECK_STR(json_of(KF(FK_INT, s8), &e), "127");
	CHECK_STR(json_of(KF(FK_INT, s64), &e), "9223372036854775807");
	/* An unsigned member read as FK_INT: its bits as a signed number of its size. */
	e.u8 = 0xff;
	CHECK_STR(json_of(KF(FK_INT, u8), &e), "-1");
}

TEST(kind_uint_each_size_is_an_unsigned_number)
{
	struct kinds_event e = { .u8 = UINT8_MAX, .u16 = UINT16_MAX, .u32 = UINT32_MAX,
				 .u64 = UINT64_MAX, .s8 = -1 };

	CHECK_STR(json_of(KF(FK_UINT, u8), &e), "255");
	CHECK_STR(table_of(KF(FK_UINT, u8), &e), "255");
	CHECK_STR(json_of(KF(FK_UINT, u16), &e), "65535");
	CHECK_STR(table_of(KF(FK_UINT, u16), &e), "65535");
	CHECK_STR(json_of(KF(FK_UINT, u32), &e), "4294967295");
	CHECK_STR(table_of(KF(FK_UINT, u32), &e), "4294967295");
	CHECK_STR(json_of(KF(FK_UINT, u64), &e), "18446744073709551615");
	CHECK_STR(table_of(KF(FK_UINT, u64), &e), "18446744073709551615");
	CHECK_STR(json_of(KF(FK_UINT, s8), &e), "255");
}

TEST(kind_hex_is_a_number_in_json_and_0x_in_the_table)
{
	struct kinds_event e = { .u32 = 0xdeadbeef, .u64 = 0xffff888012345678ull };

	CHECK_STR(json_of(KF(FK_HEX, u32), &e), "3735928559");
	CHECK_STR(table_of(KF(FK_HEX, u32), &e), "0xdeadbeef");
	CHECK_STR(json_of(KF(FK_HEX, u64), &e), "18446612682375452280");
	CHECK_STR(table_of(KF(FK_HEX, u64), &e), "0xffff888012345678");
	e.u32 = 0;
	CHECK_STR(json_of(KF(FK_HEX, u32), &e), "0");
	CHECK_STR(table_of(KF(FK_HEX, u32), &e), "0x0");
}

TEST(kind_str_escapes)
{
	struct kinds_event e = {};

	strcpy(e.str, "a\"b\\c\n\t\x01 \xc3\xa9");
	CHECK_STR(json_of(KF(FK_STR, str), &e), "\"a\\\"b\\\\c\\n\\t\\u0001 \xc3\xa9\"");
	CHECK_STR(table_of(KF(FK_STR, str), &e), "a\"b\\\\c\\n\\t\\x01 \xc3\xa9");
	/* Invalid UTF-8: a replacement character, and the exact bytes in "v_hex". */
	strcpy(e.str, "q\xff");
	CHECK_STR(json_of(KF(FK_STR, str), &e), "\"q\\ufffd\",\"v_hex\":\"71ff\"");
	CHECK_STR(table_of(KF(FK_STR, str), &e), "q\\xff");
	/* No NUL: all 16 bytes, never past them. */
	memcpy(e.str, "0123456789abcdef", 16);
	e.flag = 'X';
	CHECK_STR(json_of(KF(FK_STR, str), &e), "\"0123456789abcdef\"");
	CHECK_STR(table_of(KF(FK_STR, str), &e), "0123456789abcdef");
	memset(e.str, 0, sizeof(e.str));
	CHECK_STR(json_of(KF(FK_STR, str), &e), "\"\"");
}

TEST(kind_time_is_utc_iso_in_json_and_local_time_in_the_table)
{
	struct kinds_event e = { .time = 1234567891 };

	/* mono_to_real_ns is 01:02:03 on 1970-01-01; TZ is UTC. */
	CHECK_STR(json_of(KF(FK_TIME, time), &e), "\"1970-01-01T01:02:04.234567891Z\"");
	CHECK_STR(table_of(KF(FK_TIME, time), &e), "01:02:04.234567");
}

TEST(kind_signal_names_and_numeric)
{
	struct kinds_event e = { .s32 = 15 };

	CHECK_STR(json_of(KF(FK_SIGNAL, s32), &e), "\"SIGTERM\"");
	CHECK_STR(table_of(KF(FK_SIGNAL, s32), &e), "SIGTERM");
	/* --numeric: a number in the table; JSON keeps the name (its number is "signo"). */
	CHECK_STR(render(false, true, KF(FK_SIGNAL, s32), &e, sizeof(e)), "15");
	CHECK_STR(render(true, true, KF(FK_SIGNAL, s32), &e, sizeof(e)), "\"SIGTERM\"");
	e.s32 = 36;
	CHECK_STR(json_of(KF(FK_SIGNAL, s32), &e), "\"SIGRTMIN+2\"");
	/* No name: the number, as text. */
	e.s32 = 77;
	CHECK_STR(json_of(KF(FK_SIGNAL, s32), &e), "\"77\"");
	CHECK_STR(table_of(KF(FK_SIGNAL, s32), &e), "77");
	e.s32 = 0;
	CHECK_STR(json_of(KF(FK_SIGNAL, s32), &e), "\"0\"");
}

TEST(kind_ret_is_a_number_in_json_and_an_errno_name_in_the_table)
{
	struct kinds_event e = { .s32 = -2 };

	CHECK_STR(json_of(KF(FK_RET, s32), &e), "-2");
	CHECK_STR(table_of(KF(FK_RET, s32), &e), "ENOENT");
	e.s32 = 3;
	CHECK_STR(json_of(KF(FK_RET, s32), &e), "3");
	CHECK_STR(table_of(KF(FK_RET, s32), &e), "3");
	e.s32 = -4000;
	CHECK_STR(json_of(KF(FK_RET, s32), &e), "-4000");
	CHECK_STR(table_of(KF(FK_RET, s32), &e), "-4000");
	e.s64 = -(1ll << 40);
	CHECK_STR(json_of(KF(FK_RET, s64), &e), "-1099511627776");
}

TEST(kind_errno_name_or_null)
{
	struct kinds_event e = { .s32 = -13 };

	CHECK_STR(json_of(KF(FK_ERRNO, s32), &e), "\"EACCES\"");
	CHECK_STR(table_of(KF(FK_ERRNO, s32), &e), "EACCES");
	e.s32 = 0;
	CHECK_STR(json_of(KF(FK_ERRNO, s32), &e), "null");
	CHECK_STR(table_of(KF(FK_ERRNO, s32), &e), "-");
	e.s32 = 7;
	CHECK_STR(json_of(KF(FK_ERRNO, s32), &e), "null");
	/* No name: the number, as text. */
	e.s32 = -4000;
	CHECK_STR(json_of(KF(FK_ERRNO, s32), &e), "\"4000\"");
	CHECK_STR(table_of(KF(FK_ERRNO, s32), &e), "4000");
}

static const char *const enum_names[] = { "zero", "one", NULL, "three" };

#define KE(member) \
	((struct field)EV_ENUM(struct kinds_event, "v", "V", member, 0, F_BOTH, G_BASE, enum_names))

TEST(kind_enum_in_and_out_of_range)
{
	struct kinds_event e = { .s32 = 1, .u8 = 3 };

	CHECK_STR(json_of(KE(s32), &e), "\"one\"");
	CHECK_STR(table_of(KE(s32), &e), "one");
	CHECK_STR(json_of(KE(u8), &e), "\"three\"");
	/* A hole in the names, or past them: the number. */
	e.s32 = 2;
	CHECK_STR(json_of(KE(s32), &e), "2");
	CHECK_STR(table_of(KE(s32), &e), "2");
	e.s32 = 4;
	CHECK_STR(json_of(KE(s32), &e), "4");
	CHECK_STR(table_of(KE(s32), &e), "4");
	/* Negative: null. */
	e.s32 = -1;
	CHECK_STR(json_of(KE(s32), &e), "null");
	CHECK_STR(table_of(KE(s32), &e), "-");
}

TEST(kind_bool_is_json_true_or_false)
{
	struct kinds_event e = { .flag = 1 };

	CHECK_STR(json_of(KF(FK_BOOL, flag), &e), "true");
	CHECK_STR(table_of(KF(FK_BOOL, flag), &e), "true");
	e.flag = 0;
	CHECK_STR(json_of(KF(FK_BOOL, flag), &e), "false");
	CHECK_STR(table_of(KF(FK_BOOL, flag), &e), "false");
	/* Any bit set is true, as C reads a _Bool. */
	e.flag = 2;
	CHECK_STR(json_of(KF(FK_BOOL, flag), &e), "true");
}

TEST(kind_custom_reads_the_record_and_the_schema_settings)
{
	struct kinds_event e = { .s32 = -7, .flag = 1 };
	struct field f = EV_CUSTOM("v", "V", f_custom, 0, F_BOTH, G_BASE);

	CHECK_STR(json_of(f, &e), "-7");
	CHECK_STR(table_of(f, &e), "-7 ms");
	e.flag = 0;
	CHECK_STR(json_of(f, &e), "null");
	CHECK_STR(table_of(f, &e), "-");
}

TEST(kind_past_the_record_is_null)
{
	struct kinds_event e = { .u64 = 5, .flag = 1 };
	size_t size = offsetof(struct kinds_event, u64);

	CHECK_STR(render(true, false, KF(FK_UINT, u64), &e, size), "null");
	CHECK_STR(render(false, false, KF(FK_UINT, u64), &e, size), "-");
	CHECK_STR(render(true, false, KF(FK_BOOL, flag), &e, size), "null");
	CHECK_STR(render(true, false, KF(FK_STR, str), &e, size), "null");
}

TEST(value_helpers_set_the_whole_value)
{
	struct value v = { .kind = V_STRLIST, .i = 9, .u = 9, .flags = VF_QUOTE | VF_MORE };
	char scratch[64];
	struct field_ctx c = { .scratch = scratch, .scratch_len = sizeof(scratch) };

	value__text(&v, "abc");
	CHECK(v.kind == V_TEXT && v.len == 3 && !v.flags && !v.i && !v.u);
	value__bool(&v, false);
	CHECK(v.kind == V_TEXT && v.len == 5 && v.flags == VF_BARE);
	CHECK_STR(v.s, "false");
	value__int(&v, -3);
	CHECK(v.kind == V_INT && v.i == -3 && !v.s && !v.flags);
	value__uint(&v, 3);
	CHECK(v.kind == V_UINT && v.u == 3 && !v.i);
	value__bytes(&v, "a\0b", 3);
	CHECK(v.kind == V_BYTES && v.len == 3);
	value__strlist(&v, "a\0b", 4, VF_MORE);
	CHECK(v.kind == V_STRLIST && v.len == 4 && v.flags == VF_MORE);
	value__printf(&v, &c, "%04o|%s", 0644, "x");
	CHECK(v.kind == V_TEXT && v.s == scratch && v.len == 6);
	CHECK_STR(v.s, "0644|x");
}

/* What decides whether the kernel stamps events (filter_config.timestamps) in a table run. */
TEST(table_shows_time_of_time_columns_in_shown_groups)
{
	const struct field fields[] = {
		EV_FIELD(struct kinds_event, "u32", "U32", FK_UINT, u32, 0, F_BOTH, G_BASE),
		/* JSON only: the table never reads it. */
		EV_FIELD(struct kinds_event, "t", "T", FK_TIME, time, 0, F_JSON, G_BASE),
		/* A column of group 0x2. */
		EV_FIELD(struct kinds_event, "time", "TIME", FK_TIME, time, 0, F_BOTH, 0x2),
		/* A formatter that reads the time, in group 0x4. */
		EV_CUSTOM("elapsed", "ELAPSED", f_custom, 0, F_TABLE | F_TIME, 0x4),
	};
	struct schema sc = { .name = "k", .type = EVENT_USER, .fields = fields, .nfields = 4 };

	CHECK(!schema__table_shows_time(&sc));
	sc.groups = 0x2;
	CHECK(schema__table_shows_time(&sc));
	sc.groups = 0x4;
	CHECK(schema__table_shows_time(&sc));
	sc.groups = 0x8;
	CHECK(!schema__table_shows_time(&sc));
	sc.nfields = 1;
	sc.groups = 0x2 | 0x4;
	CHECK(!schema__table_shows_time(&sc));
}
