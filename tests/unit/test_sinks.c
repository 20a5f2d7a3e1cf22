// SPDX-License-Identifier: GPL-2.0
/* The table and JSON sinks render a schema: header, alignment, escaping, lost lines. */
#include <stdlib.h>
#include "lib/names.h"
#include "lib/sink.h"
#include "unit.h"

struct demo_event {
	struct event_header h;
	__s32 sig;
	__s32 ret;
	__s32 result;
	char name[8];
};

static const struct field demo_fields[] = {
	HDR_FIELD("time", "TIME", FK_TIME, ts_ns, 15, F_BOTH | F_LEFT, G_BASE),
	HDR_FIELD("pid", "PID", FK_UINT, pid, 7, F_BOTH, G_BASE),
	HDR_FIELD("comm", "COMM", FK_STR, comm, 16, F_BOTH | F_LEFT, G_BASE),
	EV_FIELD(struct demo_event, "sig", "SIG", FK_SIGNAL, sig, 9, F_BOTH | F_LEFT, G_BASE),
	EV_FIELD(struct demo_event, "ret", "RET", FK_RET, ret, 6, F_BOTH | F_LEFT, G_BASE),
	EV_FIELD(struct demo_event, "error", "ERROR", FK_ERRNO, ret, 0, F_JSON, G_BASE),
	EV_ENUM(struct demo_event, "result", "RESULT", result, 10, F_BOTH | F_LEFT, 0x2,
		sigresult_names),
	EV_FIELD(struct demo_event, "name", "NAME", FK_STR, name, 8, F_BOTH | F_LEFT, G_BASE),
};

static const struct schema demo = { "demo", EVENT_SIG, demo_fields, 8 };

static struct demo_event event(void)
{
	struct demo_event e = {
		.h = { .ts_ns = 0, .pid = 42, .type = EVENT_SIG, .size = sizeof(e) },
		.sig = 15, .ret = -3, .result = 1,
	};

	memcpy(e.h.comm, "a b\nc", 6);
	memcpy(e.name, "q\"\xff", 4);
	return e;
}

/* Renders into memory; UTC keeps the TIME column predictable. */
static char *render(int json, uint32_t groups, bool numeric, bool lost)
{
	static char *buf;
	size_t len;
	FILE *f;
	struct render_opts ro = { .numeric = numeric, .mono_to_real_ns = 3723000000000ll };
	struct schema run = demo;
	const struct schema *schemas[] = { &run };
	struct demo_event e = event();
	struct sink *s;

	setenv("TZ", "UTC", 1);
	free(buf);
	f = open_memstream(&buf, &len);
	run.groups = groups;
	s = json ? sink_json__new(f, &ro) : sink_table__new(f, &ro, schemas, 1);
	sink__record(s, &run, &e, sizeof(e));
	if (lost)
		sink__lost(s, "demo", 7, 0, "kernel");
	CHECK_INT(sink__flush(s), 0);
	sink__destroy(s);
	fclose(f);
	return buf;
}

TEST(table_header_and_row_share_one_layout)
{
	CHECK_STR(render(0, 0, false, false),
		  "TIME                PID COMM             SIG       RET    NAME\n"
		  "01:02:03.000000      42 a b\\nc           SIGTERM   ESRCH  q\"\\xff\n");
}

TEST(table_groups_add_columns)
{
	CHECK_STR(render(0, 0x2, false, false),
		  "TIME                PID COMM             SIG       RET    RESULT     NAME\n"
		  "01:02:03.000000      42 a b\\nc           SIGTERM   ESRCH  ignored    q\"\\xff\n");
}

TEST(table_numeric_signals)
{
	const char *out = render(0, 0, true, false);

	CHECK(strstr(out, " 15        ESRCH ") != NULL);
}

TEST(table_lost_line)
{
	const char *out = render(0, 0, false, true);

	CHECK(strstr(out, "\n01:02:03.000000 LOST 7 demo events (ring buffer full)\n") != NULL);
}

TEST(json_record_is_exact)
{
	CHECK_STR(render(1, 0, false, false),
		  "{\"type\":\"demo\",\"time\":\"1970-01-01T01:02:03.000000000Z\",\"pid\":42,"
		  "\"comm\":\"a b\\nc\",\"sig\":\"SIGTERM\",\"ret\":-3,\"error\":\"ESRCH\","
		  "\"result\":\"ignored\",\"name\":\"q\\\"\\ufffd\",\"name_hex\":\"7122ff\"}\n");
}

TEST(json_lost_record)
{
	const char *out = render(1, 0, false, true);

	CHECK(strstr(out, "{\"type\":\"lost\",\"time\":\"1970-01-01T01:02:03.000000000Z\","
			  "\"ts_ns\":0,\"lost_type\":\"demo\",\"count\":7,\"where\":\"kernel\"}\n") !=
	      NULL);
}

/* A tracer's schema as every real one has it: the container fields after the header's. */
static const struct field cont_fields[] = {
	HDR_FIELD("time", "TIME", FK_TIME, ts_ns, 15, F_BOTH | F_LEFT, G_BASE),
	HDR_FIELD("pid", "PID", FK_UINT, pid, 7, F_BOTH, G_BASE),
	HDR_FIELD("comm", "COMM", FK_STR, comm, 16, F_BOTH | F_LEFT, G_BASE),
	HDR_CONTAINER_FIELDS,
	EV_FIELD(struct demo_event, "sig", "SIG", FK_SIGNAL, sig, 9, F_BOTH | F_LEFT, G_BASE),
};

static const struct schema cont = { "cont", EVENT_OPEN, cont_fields,
				    sizeof(cont_fields) / sizeof(cont_fields[0]) };

TEST(table_container_column_is_a_group)
{
	/* No resolver: no container is known, and the column says so. */
	struct render_opts ro = { .mono_to_real_ns = 3723000000000ll };
	struct demo_event e = event();

	CHECK_STR(unit__render(false, &ro, &cont, G_CONTAINER, &e, sizeof(e)),
		  "TIME                PID COMM             CONTAINER        SIG\n"
		  "01:02:03.000000      42 a b\\nc           -                SIGTERM\n");
	CHECK_STR(unit__render(false, &ro, &cont, 0, &e, sizeof(e)),
		  "TIME                PID COMM             SIG\n"
		  "01:02:03.000000      42 a b\\nc           SIGTERM\n");
	/* JSON has the parts, never the column. */
	CHECK(strstr(unit__render(true, &ro, &cont, G_CONTAINER, &e, sizeof(e)),
		     "\"container_id\":null,\"container_name\":null,\"image\":null,"
		     "\"container_runtime\":null,\"pod_uid\":null,\"sig\":\"SIGTERM\"}") != NULL);
}

/* Two schemas in one table, as the combined stream shows them. */
static char *render_multi(uint32_t groups)
{
	static char *buf;
	size_t len;
	FILE *f;
	struct render_opts ro = { .mono_to_real_ns = 3723000000000ll };
	struct schema a = demo, b = cont;
	const struct schema *schemas[] = { &a, &b };
	struct demo_event e = event();
	struct sink *s;

	setenv("TZ", "UTC", 1);
	free(buf);
	f = open_memstream(&buf, &len);
	a.groups = b.groups = groups;
	s = sink_table__new(f, &ro, schemas, 2);
	sink__record(s, &a, &e, sizeof(e));
	sink__record(s, &b, &e, sizeof(e));
	CHECK_INT(sink__flush(s), 0);
	sink__destroy(s);
	fclose(f);
	return buf;
}

TEST(table_combined_container_column)
{
	CHECK_STR(render_multi(G_CONTAINER),
		  "TIME            TYPE     PID COMM             CONTAINER        DETAILS\n"
		  "01:02:03.000000 demo      42 a b\\nc           -                "
		  "sig=SIGTERM ret=ESRCH name=q\"\\xff\n"
		  "01:02:03.000000 cont      42 a b\\nc           -                sig=SIGTERM\n");
	CHECK_STR(render_multi(0),
		  "TIME            TYPE     PID COMM             DETAILS\n"
		  "01:02:03.000000 demo      42 a b\\nc           sig=SIGTERM ret=ESRCH name=q\"\\xff\n"
		  "01:02:03.000000 cont      42 a b\\nc           sig=SIGTERM\n");
}

TEST(json_null_for_no_error)
{
	struct render_opts ro = { 0 };
	struct demo_event e = event();
	struct value v;
	char scratch[64];
	struct field_ctx c = { .ev = &e, .size = sizeof(e), .ro = &ro, .json = true,
			       .scratch = scratch, .scratch_len = sizeof(scratch) };

	e.ret = 0;
	field__value(&demo_fields[5], &c, &v);
	CHECK_INT(v.kind, V_NULL);
	e.result = -1;
	field__value(&demo_fields[6], &c, &v);
	CHECK_INT(v.kind, V_NULL);
	/* A field beyond the event's real size is null, never read. */
	c.size = sizeof(e.h);
	field__value(&demo_fields[7], &c, &v);
	CHECK_INT(v.kind, V_NULL);
}
