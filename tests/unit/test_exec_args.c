// SPDX-License-Identifier: GPL-2.0
/* Argument lists (V_STRLIST): counting, cutting, table text, quoting, JSON arrays. */
#include <stdlib.h>
#include "lib/sink.h"
#include "lib/strlist.h"
#include "unit.h"

static const char ARGS[] = "/bin/echo\0a b\0say \"hi\"\0new\nline\0\0caf\xc3\xa9";
#define ARGS_LEN (sizeof(ARGS) - 1) /* the last one cut: no NUL */

static char *table(const char *s, size_t len, bool quote, size_t *cols)
{
	static struct strbuf sb;

	strbuf__reset(&sb);
	*cols = strlist__table(&sb, s, len, quote);
	strbuf__addc(&sb, 0);
	return sb.buf;
}

TEST(strlist_count_and_prefix)
{
	CHECK_INT(strlist__count(ARGS, ARGS_LEN), 6);
	CHECK_INT(strlist__count(ARGS, sizeof(ARGS)), 6); /* with the final NUL */
	CHECK_INT(strlist__count("", 0), 0);
	CHECK_INT(strlist__count("\0", 1), 1); /* one empty argument */
	CHECK_INT(strlist__prefix(ARGS, ARGS_LEN, 2), 14);
	CHECK_INT(strlist__prefix(ARGS, ARGS_LEN, 0), 0);
	CHECK_INT(strlist__prefix(ARGS, ARGS_LEN, 100), ARGS_LEN);
}

TEST(strlist_table_joined_and_quoted)
{
	size_t cols;

	CHECK_STR(table(ARGS, ARGS_LEN, false, &cols), "/bin/echo a b say \"hi\" new\\nline  caf\xc3\xa9");
	CHECK_INT(cols, 38);
	CHECK_STR(table(ARGS, ARGS_LEN, true, &cols),
		  "\"/bin/echo\" \"a b\" \"say \\\"hi\\\"\" \"new\\nline\" \"\" \"caf\xc3\xa9\"");
	CHECK_INT(cols, 52);
	CHECK_STR(table("", 0, true, &cols), "");
	CHECK_INT(cols, 0);
}

TEST(strlist_json_array)
{
	struct strbuf sb = {};

	CHECK(!strlist__json(&sb, ARGS, ARGS_LEN));
	strbuf__addc(&sb, 0);
	CHECK_STR(sb.buf, "[\"/bin/echo\",\"a b\",\"say \\\"hi\\\"\",\"new\\nline\",\"\",\"caf\xc3\xa9\"]");
	strbuf__reset(&sb);
	CHECK(strlist__json(&sb, "ok\0\xff", 4));
	strbuf__add(&sb, " ", 1);
	strlist__json_hex(&sb, "ok\0\xff", 4);
	strbuf__addc(&sb, 0);
	CHECK_STR(sb.buf, "[\"ok\",\"\\ufffd\"] [\"6f6b\",\"ff\"]");
	strbuf__reset(&sb);
	CHECK(!strlist__json(&sb, "", 0));
	strbuf__addc(&sb, 0);
	CHECK_STR(sb.buf, "[]");
	strbuf__free(&sb);
}

/* A record with an argument list, rendered by the real sinks. */
struct args_event {
	struct event_header h;
	char args[16];
};

static void f_list(const struct field *f, const struct field_ctx *c, struct value *v)
{
	const struct args_event *e = c->ev;

	/* "x\0y z\0end" */
	value__strlist(v, e->args, 9, VF_MORE | (c->json ? 0 : VF_QUOTE));
}

static void f_yes(const struct field *f, const struct field_ctx *c, struct value *v)
{
	value__bool(v, true);
}

static const struct field list_fields[] = {
	HDR_FIELD("pid", "PID", FK_UINT, pid, 5, F_BOTH, G_BASE),
	EV_CUSTOM("cut", "CUT", f_yes, 4, F_BOTH | F_LEFT, G_BASE),
	EV_CUSTOM("args", "ARGS", f_list, 0, F_BOTH | F_LEFT, G_BASE),
};

static const struct schema list_schema = { "exec", EVENT_EXEC, list_fields, 3 };

static const char *render(bool json)
{
	struct render_opts ro = {};
	struct args_event e = { .h = { .pid = 7, .type = EVENT_EXEC, .size = sizeof(e) } };

	memcpy(e.args, "x\0y z\0end", 9);
	return unit__render(json, &ro, &list_schema, G_BASE, &e, sizeof(e));
}

TEST(strlist_sinks)
{
	CHECK_STR(render(false), "  PID CUT  ARGS\n    7 true \"x\" \"y z\" \"end\" ...\n");
	CHECK_STR(render(true), "{\"type\":\"exec\",\"pid\":7,\"cut\":true,\"args\":[\"x\",\"y z\",\"end\"]}\n");
}
