// SPDX-License-Identifier: GPL-2.0
/* The metrics sink: exposition format, escaping, labels, series capping, listen addresses. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include "lib/metrics.h"
#include "lib/names.h"
#include "unit.h"

struct demo_event {
	struct event_header h;
	__s32 sig;
	__s32 ret;
	__s32 result;
	__u32 source;
};

static const char *const demo_sources[] = { "kernel", "kill" };

static const struct field demo_fields[] = {
	HDR_FIELD("pid", "PID", FK_UINT, pid, 7, F_BOTH, G_BASE),
	HDR_FIELD("uid", "UID", FK_UINT, uid, 6, F_BOTH, G_BASE),
	HDR_FIELD("comm", "COMM", FK_STR, comm, 16, F_BOTH | F_LEFT, G_BASE),
	EV_FIELD(struct demo_event, "sig", "SIG", FK_SIGNAL, sig, 9, F_BOTH | F_LABEL, G_BASE),
	EV_ENUM(struct demo_event, "source", "VIA", source, 8, F_BOTH | F_LABEL, G_BASE,
		demo_sources),
	EV_FIELD(struct demo_event, "ret", "RET", FK_RET, ret, 6, F_BOTH, G_BASE),
	EV_FIELD(struct demo_event, "error", "ERROR", FK_ERRNO, ret, 0, F_JSON | F_LABEL, G_BASE),
	EV_ENUM(struct demo_event, "result", "RESULT", result, 10, F_BOTH | F_LABEL, G_BASE,
		sigresult_names),
};

static const struct schema demo = { "demo", EVENT_SIG, demo_fields, 8 };
static const struct schema *const demo_schemas[] = { &demo };

static struct demo_event ev(int sig, int ret, int result, const char *comm, int uid)
{
	struct demo_event e = {
		.h = { .pid = 42, .uid = uid, .type = EVENT_SIG, .size = sizeof(e) },
		.sig = sig, .ret = ret, .result = result, .source = 1,
	};

	strncpy(e.h.comm, comm, sizeof(e.h.comm));
	return e;
}

static struct sink *new_sink(const char *labels, uint32_t max_series)
{
	struct metrics_opts o = { .labels = labels, .max_series = max_series };
	struct sink *s = NULL;

	CHECK_INT(sink_metrics__new(&o, NULL, demo_schemas, 1, &s), 0);
	return s;
}

static void record(struct sink *s, struct demo_event e, int times)
{
	for (int i = 0; i < times; i++)
		sink__record(s, &demo, &e, sizeof(e));
}

/* The exposition of s; the caller frees it. */
static char *render(struct sink *s)
{
	struct strbuf sb = {};

	sink_metrics__render(s, &sb);
	return sb.buf;
}

/* The lines of text that start with prefix, joined. */
static char *lines_with(const char *text, const char *prefix)
{
	static char out[8192];
	size_t off = 0, plen = strlen(prefix);

	out[0] = 0;
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) + 1 : strlen(p);

		if (strncmp(p, prefix, plen) == 0 && off + len < sizeof(out)) {
			memcpy(out + off, p, len);
			off += len;
			out[off] = 0;
		}
		p += len;
	}
	return out;
}

static bool name_char(char c, bool first)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
	       (!first && c >= '0' && c <= '9');
}

/*
 * Checks text against the exposition format 0.0.4: HELP and TYPE once per
 * family, before its samples; names and label names well formed; label
 * values quoted with only \\, \" and \n escaped; the text valid UTF-8; a
 * number after each sample.  Returns the number of samples, -1 on an error.
 */
static int check_exposition(const char *text)
{
	char family[128] = "", seen[64][128];
	int nseen = 0, samples = 0;

	for (size_t i = 0; text[i];) {
		size_t len = utf8__seq_len((const unsigned char *)text + i, strlen(text + i));

		if (!len) {
			unit__fail(__FILE__, __LINE__, "invalid UTF-8 at %zu", i);
			return -1;
		}
		i += len;
	}
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n'), *q;
		char name[128];
		size_t n = 0;

		if (!nl) {
			unit__fail(__FILE__, __LINE__, "last line without a newline: %s", p);
			return -1;
		}
		if (strncmp(p, "# HELP ", 7) == 0 || strncmp(p, "# TYPE ", 7) == 0) {
			bool help = p[2] == 'H';

			for (q = p + 7; q < nl && *q != ' '; q++)
				name[n++] = *q;
			name[n] = 0;
			if (help) {
				for (int k = 0; k < nseen; k++)
					if (strcmp(seen[k], name) == 0) {
						unit__fail(__FILE__, __LINE__, "family %s twice", name);
						return -1;
					}
				snprintf(seen[nseen++ % 64], sizeof(seen[0]), "%s", name);
				snprintf(family, sizeof(family), "%s", name);
			} else if (strcmp(name, family) || (strncmp(q, " counter\n", 9) &&
							       strncmp(q, " gauge\n", 7))) {
				unit__fail(__FILE__, __LINE__, "TYPE without its HELP: %.*s",
					   (int)(nl - p), p);
				return -1;
			}
			p = nl + 1;
			continue;
		}
		for (q = p; q < nl && name_char(*q, q == p); q++)
			name[n++] = *q;
		name[n] = 0;
		if (!n || strcmp(name, family)) {
			unit__fail(__FILE__, __LINE__, "sample outside its family %s: %.*s", family,
				   (int)(nl - p), p);
			return -1;
		}
		if (*q == '{') {
			for (q++; *q != '}';) {
				const char *l = q;

				while (name_char(*q, q == l))
					q++;
				if (q == l || q[0] != '=' || q[1] != '"')
					goto bad;
				for (q += 2; *q != '"'; q++) {
					if (*q == '\n' || !*q)
						goto bad;
					if (*q == '\\' && q[1] != '\\' && q[1] != '"' && q[1] != 'n')
						goto bad;
					if (*q == '\\')
						q++;
				}
				q++;
				if (*q == ',')
					q++;
				else if (*q != '}')
					goto bad;
			}
			q++;
		}
		if (*q != ' ' || !strchr("0123456789", q[1]))
			goto bad;
		strtod(q + 1, (char **)&q);
		if (q != nl)
			goto bad;
		samples++;
		p = nl + 1;
		continue;
bad:
		unit__fail(__FILE__, __LINE__, "malformed sample: %.*s", (int)(nl - p), p);
		return -1;
	}
	return samples;
}

TEST(metrics_escape_label_values)
{
	struct strbuf sb = {};
	static const struct {
		const char *in;
		size_t len;
		const char *out;
	} cases[] = {
		{ "plain", 5, "plain" },
		{ "a\"b", 3, "a\\\"b" },
		{ "back\\slash", 10, "back\\\\slash" },
		{ "new\nline", 8, "new\\nline" },
		{ "tab\tcr\r", 7, "tab\tcr\r" }, /* only \\, \" and \n are escaped */
		{ "caf\xc3\xa9", 5, "caf\xc3\xa9" },
		{ "bad\xff", 4, "bad\xef\xbf\xbd" },
		{ "cut\xe2\x82", 5, "cut\xef\xbf\xbd\xef\xbf\xbd" },
		{ "\xc0\xaf", 2, "\xef\xbf\xbd\xef\xbf\xbd" }, /* overlong '/' */
		{ "", 0, "" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		strbuf__reset(&sb);
		metrics__escape_label(&sb, cases[i].in, cases[i].len);
		CHECK_STR(sb.buf ? sb.buf : "", cases[i].out);
	}
	strbuf__free(&sb);
}

TEST(metrics_escape_help_text)
{
	struct strbuf sb = {};

	metrics__escape_help(&sb, "a \"quoted\" back\\slash\nand more");
	CHECK_STR(sb.buf, "a \"quoted\" back\\\\slash\\nand more");
	strbuf__free(&sb);
}

TEST(metrics_counts_by_schema_labels)
{
	struct sink *s = new_sink(NULL, 0);
	char *text;

	record(s, ev(15, 0, 0, "a", 0), 3);
	record(s, ev(15, -3, -1, "b", 0), 2);
	record(s, ev(10, 0, 2, "c", 0), 1);
	sink__lost(s, "demo", 7, 0, "kernel");
	sink__lost(s, "demo", 2, 0, "kernel");
	sink__lost(s, "demo", 1, 0, "user");
	CHECK_INT(sink__flush(s), 0);
	text = render(s);
	/* 17, and the memory gauges of the heap, the output backlog and the series table. */
	CHECK_INT(check_exposition(text), 20);
	CHECK_STR(lines_with(text, "procsnoop_memory_output_backlog_bytes "),
		  "procsnoop_memory_output_backlog_bytes 0\n");
	CHECK(strstr(text, "\nprocsnoop_memory_heap_bytes "));
	CHECK(!strstr(text, "procsnoop_memory_ringbuf_mapped_bytes"));
	CHECK_STR(lines_with(text, "procsnoop_demo_events_total"),
		  "procsnoop_demo_events_total{sig=\"SIGTERM\",source=\"kill\",error=\"\","
		  "result=\"delivered\"} 3\n"
		  "procsnoop_demo_events_total{sig=\"SIGTERM\",source=\"kill\",error=\"ESRCH\","
		  "result=\"\"} 2\n"
		  "procsnoop_demo_events_total{sig=\"SIGUSR1\",source=\"kill\",error=\"\","
		  "result=\"already_pending\"} 1\n");
	CHECK_STR(lines_with(text, "# TYPE procsnoop_demo"),
		  "# TYPE procsnoop_demo_events_total counter\n");
	CHECK_STR(lines_with(text, "# HELP procsnoop_demo"),
		  "# HELP procsnoop_demo_events_total Events of the demo tracer, by sig, source, "
		  "error, result; past --metrics-max-series, counted in {overflow=\"true\"}.\n");
	CHECK_STR(lines_with(text, "procsnoop_events_"),
		  "procsnoop_events_total{type=\"demo\"} 6\n"
		  "procsnoop_events_read_total 6\n");
	CHECK_STR(lines_with(text, "procsnoop_lost_events_total"),
		  "procsnoop_lost_events_total{type=\"demo\",where=\"kernel\"} 9\n"
		  "procsnoop_lost_events_total{type=\"demo\",where=\"user\"} 1\n");
	CHECK_STR(lines_with(text, "procsnoop_poll_batches_total "),
		  "procsnoop_poll_batches_total 1\n");
	CHECK_STR(lines_with(text, "procsnoop_metrics_series "), "procsnoop_metrics_series 3\n");
	CHECK(strstr(text, "\nprocess_cpu_seconds_total "));
	CHECK(strstr(text, "\nprocess_resident_memory_bytes "));
	CHECK(strstr(text, "\nprocess_start_time_seconds 1"));
	free(text);
	sink__destroy(s);
}

TEST(metrics_zero_counters_before_any_event)
{
	struct sink *s = new_sink(NULL, 0);
	char *text = render(s);

	CHECK(check_exposition(text) > 0);
	CHECK_STR(lines_with(text, "procsnoop_events_total{"),
		  "procsnoop_events_total{type=\"demo\"} 0\n");
	CHECK_STR(lines_with(text, "procsnoop_demo_events_total"), "");
	CHECK_STR(lines_with(text, "# TYPE procsnoop_demo_events_total"),
		  "# TYPE procsnoop_demo_events_total counter\n");
	CHECK_STR(lines_with(text, "procsnoop_lost_events_total{"),
		  "procsnoop_lost_events_total{type=\"demo\",where=\"kernel\"} 0\n"
		  "procsnoop_lost_events_total{type=\"demo\",where=\"user\"} 0\n");
	free(text);
	sink__destroy(s);
}

TEST(metrics_process_labels_escaped)
{
	struct sink *s = new_sink("comm,uid", 0);
	char *text;

	record(s, ev(15, 0, 0, "q\"b\\n\nx\xff", 1000), 2);
	record(s, ev(15, 0, 0, "plain", 0), 1);
	text = render(s);
	CHECK(check_exposition(text) > 0);
	CHECK_STR(lines_with(text, "procsnoop_demo_events_total"),
		  "procsnoop_demo_events_total{sig=\"SIGTERM\",source=\"kill\",error=\"\","
		  "result=\"delivered\",comm=\"q\\\"b\\\\n\\nx\xef\xbf\xbd\",uid=\"1000\"} 2\n"
		  "procsnoop_demo_events_total{sig=\"SIGTERM\",source=\"kill\",error=\"\","
		  "result=\"delivered\",comm=\"plain\",uid=\"0\"} 1\n");
	free(text);
	sink__destroy(s);
}

TEST(metrics_series_capped_with_overflow)
{
	struct sink *s = new_sink("comm", 2);
	char comm[16], *text;

	/* A fork storm of distinct names: two series, the rest in the overflow series. */
	for (int i = 0; i < 50; i++) {
		snprintf(comm, sizeof(comm), "worker%d", i);
		record(s, ev(9, 0, 0, comm, 0), i + 1);
	}
	record(s, ev(9, 0, 0, "worker0", 0), 10); /* known series keep counting */
	text = render(s);
	CHECK(check_exposition(text) > 0);
	CHECK_STR(lines_with(text, "procsnoop_demo_events_total"),
		  "procsnoop_demo_events_total{sig=\"SIGKILL\",source=\"kill\",error=\"\","
		  "result=\"delivered\",comm=\"worker0\"} 11\n"
		  "procsnoop_demo_events_total{sig=\"SIGKILL\",source=\"kill\",error=\"\","
		  "result=\"delivered\",comm=\"worker1\"} 2\n"
		  "procsnoop_demo_events_total{overflow=\"true\"} 1272\n");
	CHECK_STR(lines_with(text, "procsnoop_metrics_overflow_events_total{"),
		  "procsnoop_metrics_overflow_events_total{type=\"demo\"} 1272\n");
	CHECK_STR(lines_with(text, "procsnoop_events_total{"),
		  "procsnoop_events_total{type=\"demo\"} 1285\n");
	CHECK_STR(lines_with(text, "procsnoop_metrics_series "), "procsnoop_metrics_series 2\n");
	CHECK_STR(lines_with(text, "procsnoop_metrics_max_series "),
		  "procsnoop_metrics_max_series 2\n");
	free(text);
	sink__destroy(s);
}

TEST(metrics_many_series_grow_the_table)
{
	struct sink *s = new_sink("uid", 5000);
	char *text, *p;
	long sum = 0;

	for (int round = 0; round < 3; round++)
		for (int uid = 0; uid < 3000; uid++)
			record(s, ev(15, 0, 0, "x", uid), 1);
	text = render(s);
	CHECK_INT(check_exposition(text) > 3000, 1);
	for (p = text; (p = strstr(p, "\nprocsnoop_demo_events_total{")); p++) {
		char *sp = strchr(p, '}');

		CHECK_STR(strncmp(sp, "} 3\n", 4) ? sp : "} 3\n", "} 3\n");
		sum += 3;
	}
	CHECK_INT(sum, 9000);
	free(text);
	sink__destroy(s);
}

/* A tracer's schema as every real one has it: the container fields after the header's. */
static const struct field cont_fields[] = {
	HDR_FIELD("comm", "COMM", FK_STR, comm, 16, F_BOTH | F_LEFT, G_BASE),
	HDR_CONTAINER_FIELDS,
	EV_FIELD(struct demo_event, "sig", "SIG", FK_SIGNAL, sig, 9, F_BOTH | F_LABEL, G_BASE),
};

static const struct schema cont = { "cont", EVENT_OPEN, cont_fields,
				    sizeof(cont_fields) / sizeof(cont_fields[0]) };

TEST(metrics_container_labels)
{
	const struct schema *schemas[] = { &cont };
	struct metrics_opts o = { .labels = "container_name,container_id,image,container_runtime,"
					    "pod_uid,container" };
	struct render_opts ro = {}; /* no resolver: no container is known */
	struct demo_event e = ev(15, 0, 0, "x", 0);
	struct sink *s = NULL;
	char *text;

	CHECK_INT(sink_metrics__new(&o, &ro, schemas, 1, &s), 0);
	sink__record(s, &cont, &e, sizeof(e));
	text = render(s);
	CHECK_STR(lines_with(text, "procsnoop_cont_events_total"),
		  "procsnoop_cont_events_total{sig=\"SIGTERM\",container_name=\"\","
		  "container_id=\"\",image=\"\",container_runtime=\"\",pod_uid=\"\","
		  "container=\"\"} 1\n");
	free(text);
	sink__destroy(s);
	/* The demo schema has no container: the label is unknown there. */
	o.labels = "container_name";
	CHECK_INT(sink_metrics__new(&o, NULL, demo_schemas, 1, &s), -ENOENT);
}

TEST(metrics_unknown_label_refused)
{
	struct metrics_opts o = { .labels = "comm,nosuchfield" };
	struct sink *s = (struct sink *)1;

	CHECK_INT(sink_metrics__new(&o, NULL, demo_schemas, 1, &s), -ENOENT);
	CHECK(s == NULL);
	o.labels = "overflow";
	CHECK_INT(sink_metrics__new(&o, NULL, demo_schemas, 1, &s), -ENOENT);
}

TEST(metrics_label_list_syntax)
{
	const char *why = NULL;

	CHECK_INT(metrics__check_labels("comm", &why), 0);
	CHECK_INT(metrics__check_labels("comm,uid,cgroup_id", &why), 0);
	CHECK_INT(metrics__check_labels("", &why), -EINVAL);
	CHECK_INT(metrics__check_labels("comm,", &why), -EINVAL);
	CHECK_INT(metrics__check_labels("comm,,uid", &why), -EINVAL);
	CHECK_INT(metrics__check_labels("9comm", &why), -EINVAL);
	CHECK_INT(metrics__check_labels("__name__", &why), -EINVAL);
	CHECK_INT(metrics__check_labels("co-mm", &why), -EINVAL);
	CHECK(why && *why);
}

TEST(metrics_listen_addresses)
{
	static const struct {
		const char *text;
		int family;
		const char *addr;
		int port;
	} ok[] = {
		{ "9100", AF_INET, "127.0.0.1", 9100 },
		{ ":9100", AF_INET, "127.0.0.1", 9100 },
		{ "0.0.0.0:80", AF_INET, "0.0.0.0", 80 },
		{ "127.0.0.2:0", AF_INET, "127.0.0.2", 0 },
		{ "[::1]:65535", AF_INET6, "::1", 65535 },
	};
	static const char *const bad[] = {
		"", "abc", "65536", "9100x", "-1", "1.2.3:9100", "localhost:9100", "::1:9100",
		"[::1]", "[zz]:9100", "1.2.3.4:", "1.2.3.4:+9",
	};
	struct sockaddr_storage ss;
	socklen_t len;
	const char *why;
	char buf[64];

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		CHECK_INT(metrics__parse_listen(ok[i].text, &ss, &len, &why), 0);
		CHECK_INT(ss.ss_family, ok[i].family);
		if (ss.ss_family == AF_INET6) {
			struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

			CHECK_STR(inet_ntop(AF_INET6, &in6->sin6_addr, buf, sizeof(buf)), ok[i].addr);
			CHECK_INT(ntohs(in6->sin6_port), ok[i].port);
			CHECK_INT(len, sizeof(*in6));
		} else {
			struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;

			CHECK_STR(inet_ntop(AF_INET, &in4->sin_addr, buf, sizeof(buf)), ok[i].addr);
			CHECK_INT(ntohs(in4->sin_port), ok[i].port);
			CHECK_INT(len, sizeof(*in4));
		}
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		if (metrics__parse_listen(bad[i], &ss, &len, &why) != -EINVAL)
			unit__fail(__FILE__, __LINE__, "'%s' accepted", bad[i]);
		CHECK(why && *why);
	}
}

struct race {
	struct sink *s;
	volatile bool done;
	int scrapes, regressions, bad;
};

static void *scraper(void *arg)
{
	struct race *r = arg;
	long last[64] = {};

	while (!r->done) {
		char *text = render(r->s);

		if (check_exposition(text) < 0)
			r->bad++;
		for (int i = 0; i < 64; i++) {
			char key[64], *p;
			long n;

			snprintf(key, sizeof(key), "comm=\"t%d\"} ", i);
			p = strstr(text, key);
			n = p ? atol(p + strlen(key)) : 0;
			r->regressions += n < last[i];
			last[i] = n;
		}
		free(text);
		r->scrapes++;
	}
	return NULL;
}

/* Scrapes on another thread while events are counted: consistent, never going back. */
TEST(metrics_scrape_while_counting)
{
	struct race r = { .s = new_sink("comm", 0) };
	pthread_t t;
	char comm[16], *text, *p;
	long total = 0;

	pthread_create(&t, NULL, scraper, &r);
	for (int i = 0; i < 200000; i++) {
		snprintf(comm, sizeof(comm), "t%d", i % 64);
		record(r.s, ev(15, 0, 0, comm, 0), 1);
		if (i % 1000 == 0)
			sink__flush(r.s);
	}
	r.done = true;
	pthread_join(t, NULL);
	CHECK(r.scrapes > 0);
	CHECK_INT(r.regressions, 0);
	CHECK_INT(r.bad, 0);
	text = render(r.s);
	for (p = text; (p = strstr(p, "\nprocsnoop_demo_events_total{")); p++)
		total += atol(strchr(p, '}') + 2);
	CHECK_INT(total, 200000);
	free(text);
	sink__destroy(r.s);
}
